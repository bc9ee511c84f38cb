package inventek

import (
	"bytes"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"atbench/protocol"
)

func TestDialectIdentity(t *testing.T) {
	d := New()
	if d.Name() != "inventek" || d.LineEnding() != "\r" || d.StateCommand() != "P?" {
		t.Errorf("name %q, line ending %q, state command %q", d.Name(), d.LineEnding(), d.StateCommand())
	}
	if _, ok := d.(protocol.ResultLinker); !ok {
		t.Error("the dialect does not read results for links")
	}
	spec := d.FrameSpec()
	if !reflect.DeepEqual(spec.Prompts, []string{"> "}) || spec.Answer == nil {
		t.Errorf("frame spec %+v", spec)
	}
	for _, cmd := range []string{"P?", "R1=10", "R0=5", "S3=1", ""} {
		if a := spec.Answer(cmd); a != nil {
			t.Errorf("%q framed as %+v", cmd, a)
		}
	}
	if a := spec.Answer(" r0"); a == nil || a.Skip != "\r\n" || a.LinkID != 0 {
		t.Errorf("R0 framed as %+v", a)
	}
	if k, id := d.Classify([]byte("[TCP SVR] Accepted 1.2.3.4:5\r\n")); k != protocol.KindEvent || id != protocol.NoLink {
		t.Errorf("accept classified %v %d", k, id)
	}
}

// TestDialectCatalog checks the catalogue through the dialect: each
// example's line splits into its command's name and values, and its reply,
// as the module prints it, ends the answer with OK at the prompt.
func TestDialectCatalog(t *testing.T) {
	d := New()
	cat := d.Catalog()
	if !reflect.DeepEqual(cat, Catalog()) || len(cat) == 0 {
		t.Fatal("the dialect's catalogue is not the package's")
	}
	for _, c := range cat {
		if c.Example == "" {
			t.Errorf("%s has no example", c.Name)
			continue
		}
		sp := d.SplitLine(c.Example)
		if name := c.Example[sp.Name.Start:sp.Name.End]; name != c.Name {
			t.Errorf("%s: SplitLine(%q) name %q", c.Name, c.Example, name)
		}
		if len(sp.Fields) > len(c.Params) {
			t.Errorf("%s: %d fields for %d parameters", c.Name, len(sp.Fields), len(c.Params))
		}
		if d.Timeout(c.Example) < 5*time.Second {
			t.Errorf("%s: timeout %v", c.Name, d.Timeout(c.Example))
		}
		for _, e := range c.Errors {
			if k, _ := d.Classify([]byte(e.Code)); e.Code != Lost && k != protocol.KindError {
				t.Errorf("%s: error %q classified %v", c.Name, e.Code, k)
			}
		}
		lines, ok := strings.CutSuffix(c.Reply, "OK\n> ")
		if !ok {
			t.Errorf("%s: reply %q does not end with OK and the prompt", c.Name, c.Reply)
			continue
		}
		module := FormatOK([]byte(strings.ReplaceAll(strings.TrimSuffix(lines, "\n"), "\n", "\r\n")))
		lg := converse(t, New(), []exchange{{c.Example, module}}, false)
		if len(lg.finals) != 1 || lg.finals[0].Kind != protocol.KindOK || lg.ends[0] != len(lg.recs)-1 {
			t.Errorf("%s: answer %+v ended %v", c.Name, lg.recs, lg.finals)
		}
		if c.Name == "R0" && (lg.recs[0].Kind != protocol.KindData || string(lg.recs[0].Payload) != strings.TrimSuffix(lines, "\n")) {
			t.Errorf("R0's reply framed as %+v", lg.recs)
		}
	}
}

func TestSendPlan(t *testing.T) {
	d := New()
	big := bytes.Repeat([]byte("x\r\n"), 1000) // 3000 bytes with CR LF
	tests := []struct {
		link    int
		payload []byte
		want    protocol.Plan
	}{
		{0, []byte("1"), protocol.Plan{protocol.LineStep("P0=0"), protocol.LineStep("S3=1"), protocol.RawStep([]byte("1"))}},
		{4, []byte("2"), protocol.Plan{protocol.LineStep("P0=0"), protocol.LineStep("S3=1"), protocol.RawStep([]byte("2"))}},
		{7, []byte("\n\r"), protocol.Plan{protocol.LineStep("P0=3"), protocol.LineStep("S3=2"), protocol.RawStep([]byte("\n\r"))}},
		{1, big[:1460], protocol.Plan{protocol.LineStep("P0=1"), protocol.LineStep("S3=1460"), protocol.RawStep(big[:1460])}},
		{2, big, protocol.Plan{protocol.LineStep("P0=2"),
			protocol.LineStep("S3=1460"), protocol.RawStep(big[:1460]),
			protocol.LineStep("S3=1460"), protocol.RawStep(big[1460:2920]),
			protocol.LineStep("S3=80"), protocol.RawStep(big[2920:])}},
	}
	for _, tt := range tests {
		got, err := d.SendPlan(tt.link, tt.payload)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("SendPlan(%d, %d bytes) = %v, %v", tt.link, len(tt.payload), got, err)
		}
		// Every raw step follows its S3 line and has the length it names.
		for i, s := range got {
			if s.IsRaw() && (i == 0 || got[i-1].Line != "S3="+strconv.Itoa(len(s.Raw))) {
				t.Errorf("raw step %d not after its S3: %v", i, got)
			}
		}
	}
	for _, bad := range []struct {
		link    int
		payload []byte
	}{{8, []byte("x")}, {-1, []byte("x")}, {0, nil}} {
		if p, err := d.SendPlan(bad.link, bad.payload); err == nil {
			t.Errorf("SendPlan(%d, %q) = %v, want an error", bad.link, bad.payload, p)
		}
	}
	if line, err := d.SendCommand(0, []byte("hi")); err == nil || !strings.Contains(err.Error(), "plan") {
		t.Errorf("SendCommand = %q, %v; want an error pointing to the plan", line, err)
	}
	if _, err := d.SendCommand(9, []byte("hi")); err == nil || !strings.Contains(err.Error(), "link 9") {
		t.Errorf("SendCommand on link 9: %v", err)
	}
}

func TestSplitLine(t *testing.T) {
	d := New()
	type want struct {
		name   string
		sep    byte
		fields []string
	}
	tests := []struct {
		line string
		want want
	}{
		{"P5=11", want{"P5", '=', []string{"11"}}},
		{"P?", want{"P?", 0, nil}},
		{"  r?", want{"r?", 0, nil}},
		{"R0", want{"R0", 0, nil}},
		{"PK=1,3000", want{"PK", '=', []string{"1", "3000"}}},
		{"PK=1,", want{"PK", '=', []string{"1", ""}}},
		{"P3=192.168.1.2", want{"P3", '=', []string{"192.168.1.2"}}},
		{"C1=my,ssid, with commas", want{"C1", '=', []string{"my,ssid, with commas"}}},
		{"c2=pa,ss\\,", want{"c2", '=', []string{"pa,ss\\,"}}},
		{"C1=", want{"C1", '=', []string{""}}},
		{"P5=", want{"P5", '=', []string{""}}},
		{"S3=5", want{"S3", '=', []string{"5"}}},
		{"", want{"", 0, nil}},
	}
	for _, tt := range tests {
		sp := d.SplitLine(tt.line)
		got := want{name: tt.line[sp.Name.Start:sp.Name.End], sep: sp.Sep}
		for _, f := range sp.Fields {
			got.fields = append(got.fields, f.Text(tt.line))
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("SplitLine(%q) = %+v, want %+v", tt.line, got, tt.want)
		}
	}
}

func TestFormatLink(t *testing.T) {
	d := New()
	for id, want := range map[int]string{0: "0", 3: "3", 4: "0", 6: "2", 7: "3", 8: "8", 12: "12"} {
		if got := d.FormatLink(id); got != want {
			t.Errorf("FormatLink(%d) = %q, want %q", id, got, want)
		}
	}
}

// TestReadAndClose: the one-line read and close act on the selected
// socket only; the plans select it.
func TestReadAndClose(t *testing.T) {
	d := New().(*Dialect)
	if line, err := d.ReadCommand(0, 100); line != "R0" || err != nil {
		t.Errorf("ReadCommand(0) = %q, %v", line, err)
	}
	if line, err := d.ReadCommand(4, 100); line != "R0" || err != nil {
		t.Errorf("ReadCommand(4) = %q, %v", line, err)
	}
	if _, err := d.ReadCommand(1, 100); err == nil || !strings.Contains(err.Error(), "P0=1") {
		t.Errorf("ReadCommand(1) with socket 0 selected: %v", err)
	}
	if _, err := d.ReadCommand(0, 1461); err == nil {
		t.Error("ReadCommand of 1461 bytes accepted")
	}
	p, err := d.ReadPlan(5, 200)
	want := protocol.Plan{protocol.LineStep("P0=1"), protocol.LineStep("R1=200"), protocol.LineStep("R0")}
	if err != nil || !reflect.DeepEqual(p, want) {
		t.Errorf("ReadPlan(5) = %v, %v", p, err)
	}
	converse(t, d, []exchange{{"P0=2", FormatOK(nil)}, {"P2=80", FormatOK(nil)}, {"P5=1", FormatLines(WaitingText)}}, false)
	closes := map[int]string{2: "P5=0", 6: "P5=10"}
	for link, want := range closes {
		if line, err := d.CloseCommand(link); line != want || err != nil {
			t.Errorf("CloseCommand(%d) = %q, %v; want %q", link, line, err, want)
		}
	}
	if _, err := d.CloseCommand(1); err == nil {
		t.Error("CloseCommand(1) with socket 2 selected accepted")
	}
	if p, err := d.ClosePlan(1); err != nil || !reflect.DeepEqual(p, protocol.Plan{protocol.LineStep("P0=1"), protocol.LineStep("P6=0")}) {
		t.Errorf("ClosePlan(1) = %v, %v", p, err)
	}
	if _, err := d.ClosePlan(9); err == nil {
		t.Error("ClosePlan(9) accepted")
	}
	// R0 on the server socket reads its client.
	if a := d.FrameSpec().Answer("R0"); a == nil || a.LinkID != 6 {
		t.Errorf("R0 on server socket 2 framed as %+v", a)
	}
}

func TestDialectKeepalive(t *testing.T) {
	d := New().(*Dialect)
	got, err := d.KeepaliveCommands(4, protocol.Keepalive{Enabled: true, Idle: 3 * time.Second})
	if err != nil || !reflect.DeepEqual(got, []string{"P0=0", "PK=1,3000"}) {
		t.Errorf("KeepaliveCommands = %q, %v", got, err)
	}
	if _, err := d.KeepaliveCommands(0, protocol.Keepalive{Enabled: true, Idle: time.Second, Count: 3}); err == nil {
		t.Error("a probe count PK cannot set was accepted")
	}
	if _, ok := d.KeepaliveInForce(nil); ok {
		t.Error("keepalive in force with no settings")
	}
	lg := converse(t, d, []exchange{{"PK=1,3000", FormatOK(nil)}}, false)
	ka, ok := d.KeepaliveInForce(lg.settings)
	want := protocol.Keepalive{Enabled: true, Idle: 3 * time.Second, Interval: 75 * time.Second, Count: 9}
	if !ok || ka != want {
		t.Errorf("keepalive in force %+v %v, want %+v", ka, ok, want)
	}
	// The seed's PK=1,3000 detects a silent peer after 3 s + 9 × 75 s.
	if det := ka.Idle + time.Duration(ka.Count)*ka.Interval; det != 678*time.Second {
		t.Errorf("detection after %v", det)
	}
	// Another socket selected: its own settings (none yet).
	lg2 := converse(t, d, []exchange{{"P0=1", FormatOK(nil)}}, false)
	if _, ok := d.KeepaliveInForce(append(lg.settings, lg2.settings...)); ok {
		t.Error("socket 0's keepalive taken for socket 1")
	}
	off := []protocol.Setting{{Name: "socket1.keepalive", Value: "0"}, {Name: "socket1.keepalive_ms", Value: "7200000"}}
	if ka, ok := d.KeepaliveInForce(off); !ok || ka.Enabled {
		t.Errorf("keepalive off read as %+v %v", ka, ok)
	}
}

func TestDialectTimeout(t *testing.T) {
	d := New()
	for cmd, want := range map[string]time.Duration{
		"C0": 30 * time.Second, "P6=1": 30 * time.Second, "r0": 35 * time.Second, "S3=10": 35 * time.Second,
		"S0": 35 * time.Second, "F0": 15 * time.Second, "P?": 5 * time.Second, "PK=1,3000": 5 * time.Second,
	} {
		if got := d.Timeout(cmd); got != want {
			t.Errorf("Timeout(%q) = %v, want %v", cmd, got, want)
		}
	}
}
