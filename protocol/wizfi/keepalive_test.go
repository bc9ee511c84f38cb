package wizfi

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"atbench/protocol"
)

// The seed's recipes (seeds/wizfi210-keepalive.txt), exactly as the forum
// post writes them, spaces around '=' included.
var (
	seedEnable = []string{
		"AT+SETSOCKOPT= 0,65535,8,1,4",
		"AT+SETSOCKOPT= 0,6,4001,600,4",
	}
	seedShort = []string{
		"AT+SETSOCKOPT =0,6,4005,1,4",
		"AT+SETSOCKOPT= 0,6,4001,75,4",
	}
)

// run applies command lines as the firmware will: parse, check the fields,
// apply to the CID's state; it returns the module's answers.
func run(t *testing.T, s *SocketKeepalive, lines ...string) []string {
	t.Helper()
	var answers []string
	for _, l := range lines {
		err := func() error {
			c, err := ParseCommand([]byte(l + "\r"))
			if err != nil {
				return err
			}
			if _, err := Validate(c); err != nil {
				return err
			}
			o, err := ParseSetSockOpt(strings.Join(c.Args, ","))
			if err != nil {
				return err
			}
			return s.Apply(o)
		}()
		if err != nil {
			answers = append(answers, string(FormatError(err)))
		} else {
			answers = append(answers, string(FormatOK()))
		}
	}
	return answers
}

// deadline is when protocol.Keepalive says a silent peer is dead, counted
// from the last traffic, by the emulator's rule (Idle + Count × Interval).
func deadline(k protocol.Keepalive) time.Duration {
	return k.Idle + time.Duration(k.Count)*k.Interval
}

func TestSeedRecipes(t *testing.T) {
	ok := string(FormatOK())
	tests := []struct {
		name   string
		lines  []string
		detect time.Duration
		count  int
	}{
		{"enable + 600 s", seedEnable, 600 * time.Second, 8},
		{"enable, count 1, 75 s", append([]string{seedEnable[0]}, seedShort...), 75 * time.Second, 1},
		{"600 s recipe, then the 75 s one", append(append([]string{}, seedEnable...), seedShort...), 75 * time.Second, 1},
	}
	for _, tt := range tests {
		var s SocketKeepalive
		for i, a := range run(t, &s, tt.lines...) {
			if a != ok {
				t.Errorf("%s: %q answered %q, want %q", tt.name, tt.lines[i], a, ok)
			}
		}
		k := s.Keepalive()
		want := protocol.Keepalive{Enabled: true, Idle: tt.detect - time.Duration(tt.count)*ProbeInterval,
			Interval: 75 * time.Second, Count: tt.count}
		if k != want {
			t.Errorf("%s: keepalive %+v, want %+v", tt.name, k, want)
		}
		if d := deadline(k); d != tt.detect || s.Detection() != tt.detect {
			t.Errorf("%s: detection %v (Detection %v), want %v", tt.name, d, s.Detection(), tt.detect)
		}
		// The same from the settings a session records.
		var settings []protocol.Setting
		for _, l := range tt.lines {
			settings = append(settings, CommandSettings(l)...)
		}
		if got := KeepaliveInForce(0, settings); got != k {
			t.Errorf("%s: KeepaliveInForce %+v, want %+v", tt.name, got, k)
		}
		if got := KeepaliveInForce(1, settings); got.Enabled {
			t.Errorf("%s: CID 1 has keepalive %+v", tt.name, got)
		}
	}
}

func TestKeepaliveRules(t *testing.T) {
	bad := string(FormatStatus(StatusInvalidInput))
	// 75 s with the default count 8 is below 8 × 75 s: refused, which is
	// why the forum sets the count first.
	var s SocketKeepalive
	got := run(t, &s, seedEnable[0], seedShort[1])
	if got[1] != bad {
		t.Errorf("75 s before the count: %q", got[1])
	}
	if s.Detection() != 7200*time.Second || !s.Keepalive().Enabled {
		t.Errorf("state after the refusal: %+v, detection %v", s, s.Detection())
	}
	// TCP_KEEPALIVE without SO_KEEPALIVE "will not work".
	s = SocketKeepalive{}
	run(t, &s, seedEnable[1])
	if k := s.Keepalive(); k.Enabled || deadline(k) != 600*time.Second {
		t.Errorf("without SO_KEEPALIVE: %+v", k)
	}
	// Raising the count later raises the detection to count × 75 s.
	s = SocketKeepalive{}
	run(t, &s, seedEnable[0], seedShort[0], seedShort[1], "AT+SETSOCKOPT=0,6,4005,3,4")
	if s.Detection() != 225*time.Second || s.Keepalive().Idle != 0 {
		t.Errorf("count raised to 3: detection %v, %+v", s.Detection(), s.Keepalive())
	}
	// A longer timeout puts the probes at its end.
	s = SocketKeepalive{}
	run(t, &s, seedEnable[0], "AT+SETSOCKOPT=0,6,4001,1000,4")
	if k := s.Keepalive(); k.Idle != 400*time.Second || deadline(k) != 1000*time.Second {
		t.Errorf("1000 s: %+v", k)
	}
	// Off again.
	run(t, &s, "AT+SETSOCKOPT=0,65535,8,0,4")
	if s.Keepalive().Enabled {
		t.Error("SO_KEEPALIVE 0 left keepalive on")
	}
	// TCP_MAXRT is kept and does not touch keepalive.
	run(t, &s, "AT+SETSOCKOPT=0,6,10,30,4")
	if s.MaxRT != 30 || s.Time != 1000 {
		t.Errorf("TCP_MAXRT: %+v", s)
	}
}

func TestParseSetSockOpt(t *testing.T) {
	good := []struct {
		args string
		want SockOpt
	}{
		{"0,65535,8,1,4", SockOpt{CID: 0, Level: 65535, Option: 8, Value: 1, Length: 4}},
		{" 0,6,4001,600,4", SockOpt{CID: 0, Level: 6, Option: 0x4001, Value: 600, Length: 4}},
		{"f,6,4005,1,1", SockOpt{CID: 15, Level: 6, Option: 0x4005, Value: 1, Length: 1}},
		{"A,6,10,65535,2", SockOpt{CID: 10, Level: 6, Option: 0x10, Value: 65535, Length: 2}},
		{"0 , 6 , 4001 , 75 , 4 ", SockOpt{CID: 0, Level: 6, Option: 0x4001, Value: 75, Length: 4}},
		{"0,6,0x4005,2,4", SockOpt{CID: 0, Level: 6, Option: 0x4005, Value: 2, Length: 4}},
		{"0,65535,0X8,1,4", SockOpt{CID: 0, Level: 65535, Option: 8, Value: 1, Length: 4}},
	}
	for _, tt := range good {
		got, err := ParseSetSockOpt(tt.args)
		if err != nil || got != tt.want {
			t.Errorf("ParseSetSockOpt(%q) = %+v, %v", tt.args, got, err)
		}
	}
	bad := []string{
		"", "0,65535,8,1", "0,65535,8,1,4,5",
		"10,65535,8,1,4", "g,65535,8,1,4", ",65535,8,1,4", // CID
		"0,65534,8,1,4", "0,x,8,1,4", "0,-6,4001,600,4", // type
		"0,65535,z,1,4", "0,65535,,1,4", "0,65535,+8,1,4", "0,65535,10000,1,4", "0,65535,0x,1,4", "0,65535,-8,1,4", // param
		"0,6,8,1,4", "0,65535,4001,600,4", "0,0,8,1,4", "0,6,4002,1,4", // option at the wrong level, unknown option
		"0,65535,8,-1,4", "0,65535,8,x,4", "0,65535,8,,4", "0,6,4001,1.5,4", "0,6,4001,99999999999,4", // value
		"0,65535,8,1,3", "0,65535,8,1,0", "0,65535,8,1,", "0,65535,8,1,x", // length
		"0,6,4001,256,1", "0,6,4001,65536,2", // value does not fit its length
		"0,65535,8,2,4", "0,6,4005,0,4", "0,6,4005,256,4", // option ranges
	}
	for _, args := range bad {
		_, err := ParseSetSockOpt(args)
		var re *ResultError
		if !errors.As(err, &re) || re.Status != StatusInvalidInput {
			t.Errorf("ParseSetSockOpt(%q) = %v, want ERROR: INVALID INPUT", args, err)
		}
		if got := string(FormatError(err)); got != "\r\n[ERROR: INVALID INPUT]\r\n" {
			t.Errorf("ParseSetSockOpt(%q) answers %q", args, got)
		}
	}
}

func TestCommandSettings(t *testing.T) {
	tests := []struct {
		cmd  string
		want []protocol.Setting
	}{
		{"AT+SETSOCKOPT= 0,65535,8,1,4", []protocol.Setting{{Name: "cid0.so_keepalive", Value: "1"}}},
		{"AT+SETSOCKOPT =b,6,4005,1,4", []protocol.Setting{{Name: "cidb.tcp_keepalive_cnt", Value: "1"}}},
		{"AT+SETSOCKOPT=0,6,4001,600,4", []protocol.Setting{{Name: "cid0.tcp_keepalive", Value: "600"}}},
		{"AT+SETSOCKOPT=0,6,10,9,4", []protocol.Setting{{Name: "cid0.tcp_maxrt", Value: "9"}}},
		{"ATE0", []protocol.Setting{{Name: "echo", Value: "0"}}},
		{"ate1\r", []protocol.Setting{{Name: "echo", Value: "1"}}},
		{"AT+BDATA=1", []protocol.Setting{{Name: "bulk", Value: "1"}}},
		{"AT+BDATA=2", nil},
		{"AT+SETSOCKOPT=0,6,4001,600", nil},
		{"AT+NCTCP=1.2.3.4,5", nil},
	}
	for _, tt := range tests {
		if got := CommandSettings(tt.cmd); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("CommandSettings(%q) = %+v, want %+v", tt.cmd, got, tt.want)
		}
	}
}

func TestKeepaliveCommands(t *testing.T) {
	tests := []struct {
		name string
		cid  int
		p    protocol.Keepalive
		want []string
	}{
		{"off", 0, protocol.Keepalive{}, []string{"AT+SETSOCKOPT=0,65535,8,0,4"}},
		{"600 s", 0, protocol.Keepalive{Enabled: true}, []string{
			"AT+SETSOCKOPT=0,65535,8,1,4", "AT+SETSOCKOPT=0,6,4005,8,4", "AT+SETSOCKOPT=0,6,4001,600,4"}},
		{"75 s", 0xc, protocol.Keepalive{Enabled: true, Interval: 75 * time.Second, Count: 1}, []string{
			"AT+SETSOCKOPT=c,65535,8,1,4", "AT+SETSOCKOPT=c,6,4005,1,4", "AT+SETSOCKOPT=c,6,4001,75,4"}},
		{"rounded up", 1, protocol.Keepalive{Enabled: true, Idle: 1500 * time.Millisecond, Count: 2}, []string{
			"AT+SETSOCKOPT=1,65535,8,1,4", "AT+SETSOCKOPT=1,6,4005,2,4", "AT+SETSOCKOPT=1,6,4001,152,4"}},
	}
	for _, tt := range tests {
		got, err := KeepaliveCommands(tt.cid, tt.p)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %q, %v\nwant %q", tt.name, got, err, tt.want)
			continue
		}
		// The commands pass the module's checks and give the policy back.
		var s SocketKeepalive
		for i, a := range run(t, &s, got...) {
			if a != string(FormatOK()) {
				t.Errorf("%s: %q answered %q", tt.name, got[i], a)
			}
		}
		if tt.p.Enabled {
			count := max(tt.p.Count, DefaultProbeCount*boolInt(tt.p.Count == 0))
			want := (tt.p.Idle + time.Duration(count)*ProbeInterval + time.Second - 1).Truncate(time.Second)
			if s.Detection() != want || s.Keepalive().Count != count {
				t.Errorf("%s: detection %v, %+v; want %v", tt.name, s.Detection(), s.Keepalive(), want)
			}
		}
	}
	for _, tt := range []struct {
		cid int
		p   protocol.Keepalive
	}{
		{16, protocol.Keepalive{}},
		{-1, protocol.Keepalive{Enabled: true}},
		{0, protocol.Keepalive{Enabled: true, Interval: 30 * time.Second}},
		{0, protocol.Keepalive{Enabled: true, Idle: -time.Second}},
		{0, protocol.Keepalive{Enabled: true, Count: 256}},
		{0, protocol.Keepalive{Enabled: true, Count: -1}},
		{0, protocol.Keepalive{Enabled: true, Idle: 1 << 62}},
	} {
		if got, err := KeepaliveCommands(tt.cid, tt.p); err == nil {
			t.Errorf("KeepaliveCommands(%d, %+v) = %q, want an error", tt.cid, tt.p, got)
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
