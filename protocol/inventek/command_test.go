package inventek

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"atbench/protocol"
)

func TestParseCommand(t *testing.T) {
	tests := []struct {
		line string
		want Command
	}{
		{"PK=1,3000\r", Command{Name: "PK", Args: []string{"1", "3000"}, HasArgs: true}},
		{"P1=0", Command{Name: "P1", Args: []string{"0"}, HasArgs: true}},
		{"P2=5024\r", Command{Name: "P2", Args: []string{"5024"}, HasArgs: true}},
		{"P8=6\r", Command{Name: "P8", Args: []string{"6"}, HasArgs: true}},
		{"P5=11\r", Command{Name: "P5", Args: []string{"11"}, HasArgs: true}},
		{"P5=10\r", Command{Name: "P5", Args: []string{"10"}, HasArgs: true}},
		{"P5=0\r", Command{Name: "P5", Args: []string{"0"}, HasArgs: true}},
		{"R0\r", Command{Name: "R0"}},
		{"S3=1\r", Command{Name: "S3", Args: []string{"1"}, HasArgs: true}},
		{"S3=1460\r", Command{Name: "S3", Args: []string{"1460"}, HasArgs: true}},
		{"S3=0010\r", Command{Name: "S3", Args: []string{"0010"}, HasArgs: true}}, // ST pads to 4 digits
		{"P?\r", Command{Name: "P?"}},
		{"p?\r", Command{Name: "P?"}},
		{"\nC0\r", Command{Name: "C0"}}, // the LF of a host ending lines with CR LF
		{"I?\r\n", Command{Name: "I?"}}, // ST sends "I?\r\n"
		{"C1=My AP, with commas", Command{Name: "C1", Args: []string{"My AP, with commas"}, HasArgs: true}},
		{"C2=", Command{Name: "C2", Args: []string{""}, HasArgs: true}},
		{"P3=192.168.1.2\r", Command{Name: "P3", Args: []string{"192.168.1.2"}, HasArgs: true}},
		{"C3=4\r", Command{Name: "C3", Args: []string{"4"}, HasArgs: true}},
	}
	for _, tt := range tests {
		got, err := ParseCommand([]byte(tt.line))
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseCommand(%q) = %+v, %v; want %+v", tt.line, got, err, tt.want)
		}
	}
}

func TestParseCommandRefused(t *testing.T) {
	tests := []struct {
		line, name, errLine string
		discard             int
	}{
		{"S3=1461\r", "S3", ErrInvalidParam, 1461},
		{"S3=2000\r", "S3", ErrInvalidParam, 2000},
		{"S3=0\r", "S3", ErrInvalidParam, 0},
		{"S3=99999999\r", "S3", ErrInvalidParam, 0},
		{"S3=\r", "S3", ErrInvalidParam, 0},
		{"S3=1,2\r", "S3", ErrInvalidParam, 0},
		{"S3\r", "S3", ErrInvalidParam, 0},
		{"P5=2\r", "P5", ErrInvalidParam, 0},
		{"P5=12\r", "P5", ErrInvalidParam, 0},
		{"P0=4\r", "P0", ErrInvalidParam, 0},
		{"P0=-1\r", "P0", ErrInvalidParam, 0},
		{"P8=7\r", "P8", ErrInvalidParam, 0},
		{"P3=192.168.1\r", "P3", ErrInvalidParam, 0},
		{"PK=1\r", "PK", ErrInvalidParam, 0},
		{"PK=2,3000\r", "PK", ErrInvalidParam, 0},
		{"C1=\r", "C1", ErrInvalidParam, 0},
		{"C1=" + strings.Repeat("a", 33), "C1", ErrInvalidParam, 0},
		{"C2=" + strings.Repeat("a", 64), "C2", ErrInvalidParam, 0},
		{"R0=1\r", "R0", ErrInvalidParam, 0},
		{"C0=x\r", "C0", ErrInvalidParam, 0},
		{"P1=" + strings.Repeat("1", MaxLine), "P1", ErrInvalidParam, 0},
		{"ZZ\r", "ZZ", ErrUnknownCommand, 0},
		{"S?\r", "S?", ErrUnknownCommand, 0},
		{"AT+GMR\r", "AT", ErrUnknownCommand, 0},
		{"P55=1\r", "P5", ErrUnknownCommand, 0},
		{"P\r", "", ErrUnknownCommand, 0},
	}
	for _, tt := range tests {
		_, err := ParseCommand([]byte(tt.line))
		var ce *CommandError
		if !errors.As(err, &ce) || ce.Name != tt.name || ce.Line != tt.errLine || ce.Discard != tt.discard || ce.Reason == "" {
			t.Errorf("ParseCommand(%q) = %#v; want %s %s discard %d", tt.line, err, tt.name, tt.errLine, tt.discard)
			continue
		}
		if !strings.HasPrefix(ce.Usage, "Usage: ") {
			t.Errorf("%q: usage %q", tt.line, ce.Usage)
		}
		ans := string(ce.Answer())
		if !strings.HasPrefix(ans, "\r\n"+tt.errLine+"\r\nUsage: ") || !strings.HasSuffix(ans, "\r\n> ") {
			t.Errorf("%q: answer %q", tt.line, ans)
		}
		if !strings.Contains(err.Error(), tt.name) {
			t.Errorf("%q: error text %q", tt.line, err)
		}
	}
	for _, l := range []string{"", "\r", "\n\r", "\r\n"} {
		if _, err := ParseCommand([]byte(l)); !errors.Is(err, ErrEmpty) {
			t.Errorf("ParseCommand(%q) = %v, want ErrEmpty", l, err)
		}
	}
	// The case: a payload over 1460 bytes is refused with the usage text.
	_, err := ParseCommand([]byte("S3=1461\r"))
	var ce *CommandError
	errors.As(err, &ce)
	if got := string(ce.Answer()); got != "\r\nERROR: Invalid Parameter\r\nUsage: S3=<length> \r\n> " {
		t.Errorf("S3=1461 answer %q", got)
	}
}

func TestPayloadLength(t *testing.T) {
	for line, want := range map[string]int{"S3=1": 1, "S3=0010": 10, "S3=1460": 1460, "S0": 10, "R0": 0, "P5=11": 0} {
		c, err := ParseCommand([]byte(line))
		if err != nil {
			t.Fatal(err)
		}
		if got := c.PayloadLength(10); got != want {
			t.Errorf("%s: PayloadLength = %d, want %d", line, got, want)
		}
	}
	c, _ := ParseCommand([]byte("PK=1,3000"))
	if c.Int(0) != 1 || c.Int(1) != 3000 || c.Int(2) != 0 {
		t.Errorf("Int: %d %d %d", c.Int(0), c.Int(1), c.Int(2))
	}
}

func TestSendSteps(t *testing.T) {
	got, err := SendSteps(4, []byte("2"))
	want := []Step{{Line: "P0=0"}, {Line: "S3=1"}, {Raw: []byte("2")}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("SendSteps(4, 2) = %+v, %v", got, err)
	}
	big := make([]byte, 2*MaxPayload+5)
	got, err = SendSteps(3, big)
	if err != nil || len(got) != 7 || got[0].Line != "P0=3" || got[1].Line != "S3=1460" || len(got[2].Raw) != 1460 ||
		got[3].Line != "S3=1460" || got[5].Line != "S3=5" || len(got[6].Raw) != 5 {
		t.Errorf("SendSteps of %d bytes: %d steps, %v", len(big), len(got), err)
	}
	// Every line it builds is one the module accepts.
	for _, s := range got {
		if s.Line != "" {
			if _, err := ParseCommand([]byte(s.Line + LineEnding)); err != nil {
				t.Errorf("%q: %v", s.Line, err)
			}
		}
	}
	// Appending to a piece must not write into the next one.
	_ = append(got[2].Raw, 'x')
	if big[1460] != 0 {
		t.Error("a step's raw bytes share capacity with the rest of the payload")
	}
	for _, link := range []int{-1, 8} {
		if _, err := SendSteps(link, []byte("x")); err == nil {
			t.Errorf("SendSteps(%d) accepted", link)
		}
	}
	if _, err := SendSteps(0, nil); err == nil {
		t.Error("empty payload accepted")
	}
}

func TestReadCloseCommands(t *testing.T) {
	if got, err := ReadCommands(5, 1460); err != nil || !reflect.DeepEqual(got, []string{"P0=1", "R1=1460", "R0"}) {
		t.Errorf("ReadCommands(5, 1460) = %q, %v", got, err)
	}
	for _, n := range []int{0, 1461} {
		if _, err := ReadCommands(0, n); err == nil {
			t.Errorf("ReadCommands(0, %d) accepted", n)
		}
	}
	if _, err := ReadCommands(9, 1); err == nil {
		t.Error("ReadCommands(9) accepted")
	}
	tests := []struct {
		link int
		role protocol.Role
		want []string
	}{
		{4, protocol.RoleSeed, []string{"P0=0", "P5=10"}},
		{2, protocol.RoleServer, []string{"P0=2", "P5=0"}},
		{1, protocol.RoleClient, []string{"P0=1", "P6=0"}},
	}
	for _, tt := range tests {
		if got, err := CloseCommands(tt.link, tt.role); err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("CloseCommands(%d, %s) = %q, %v", tt.link, tt.role, got, err)
		}
	}
	if _, err := CloseCommands(8, protocol.RoleClient); err == nil {
		t.Error("CloseCommands(8) accepted")
	}
}

func TestKeepaliveCommands(t *testing.T) {
	tests := []struct {
		link int
		p    protocol.Keepalive
		want []string
		ok   bool
	}{
		{0, protocol.Keepalive{Enabled: true, Idle: 3 * time.Second}, []string{"P0=0", "PK=1,3000"}, true},
		{5, protocol.Keepalive{Enabled: true, Idle: 1500 * time.Microsecond, Interval: 75 * time.Second, Count: 9}, []string{"P0=1", "PK=1,2"}, true},
		{2, protocol.Keepalive{}, []string{"P0=2", "PK=0,7200000"}, true},
		{0, protocol.Keepalive{Enabled: true, Idle: 2 * time.Hour}, []string{"P0=0", "PK=1,7200000"}, true},
		{0, protocol.Keepalive{Enabled: true, Idle: 2*time.Hour + time.Millisecond}, nil, false},
		{0, protocol.Keepalive{Enabled: true}, nil, false},
		{0, protocol.Keepalive{Enabled: true, Idle: math.MaxInt64}, nil, false},
		{0, protocol.Keepalive{Enabled: true, Idle: -time.Second}, nil, false},
		{0, protocol.Keepalive{Enabled: true, Idle: time.Second, Interval: time.Second}, nil, false},
		{0, protocol.Keepalive{Enabled: true, Idle: time.Second, Count: 3}, nil, false},
		{8, protocol.Keepalive{Enabled: true, Idle: time.Second}, nil, false},
	}
	for _, tt := range tests {
		got, err := KeepaliveCommands(tt.link, tt.p)
		if (err == nil) != tt.ok || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("KeepaliveCommands(%d, %+v) = %q, %v", tt.link, tt.p, got, err)
		}
		for _, l := range got {
			if _, err := ParseCommand([]byte(l)); err != nil {
				t.Errorf("%q: %v", l, err)
			}
		}
	}
	// The policy PK builds is the keepalive it puts in force.
	cmds, _ := KeepaliveCommands(0, protocol.Keepalive{Enabled: true, Idle: 3 * time.Second})
	var tr Tracker
	for _, c := range cmds {
		tr.Answer(c, true, nil)
	}
	if k := tr.Keepalive(0); k != KeepaliveFor(true, 3000) {
		t.Errorf("in force after %q: %+v", cmds, k)
	}
}
