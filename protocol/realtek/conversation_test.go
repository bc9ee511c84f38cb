package realtek

import (
	"slices"
	"testing"
	"time"

	"atbench/protocol"
)

func TestAnswer(t *testing.T) {
	rec := func(k protocol.Kind, text string) protocol.Record { return protocol.Record{Kind: k, Text: text} }
	d := New()
	type want struct {
		phase protocol.Phase
		raw   int
		link  int
	}
	ended := want{phase: protocol.Ended, link: protocol.NoLink}
	going := want{phase: protocol.Answering, link: protocol.NoLink}
	cases := []struct {
		command string
		recs    []protocol.Record
		turns   []want
	}{
		{"AT+SKTSENDRAW=3,10", []protocol.Record{rec(protocol.KindPrompt, ">>>"), rec(protocol.KindOK, "OK")},
			[]want{{protocol.AwaitingRaw, 10, 3}, ended}},
		{"AT+SKTSENDRAW=0,5,192.168.0.103,61468", []protocol.Record{rec(protocol.KindPrompt, ">>>")},
			[]want{{protocol.AwaitingRaw, 5, 0}}},
		{"at+sktsendraw=1,7\r\n", []protocol.Record{rec(protocol.KindPrompt, ">>>")},
			[]want{{protocol.AwaitingRaw, 7, 1}}},
		{"AT+SKTSENDRAW=0,5", []protocol.Record{rec(protocol.KindError, "ERROR: 1")}, []want{ended}},
		// A prompt after any other command: raw bytes with no count.
		{"AT+TEST=1,100", []protocol.Record{rec(protocol.KindPrompt, ">>>")},
			[]want{{protocol.AwaitingRaw, protocol.RawOpen, protocol.NoLink}}},
		{"AT+SKTSENDRAW=0,0", []protocol.Record{rec(protocol.KindPrompt, ">>>")},
			[]want{{protocol.AwaitingRaw, protocol.RawOpen, protocol.NoLink}}},
		{"AT+SKTSTATE", []protocol.Record{rec(protocol.KindInfo, "link_id:0,server"), rec(protocol.KindEvent, "[$]wifi connected"),
			rec(protocol.KindOK, "OK")}, []want{going, going, ended}},
		// Only the first prompt turns to raw bytes.
		{"AT+SKTSENDRAW=0,2", []protocol.Record{rec(protocol.KindPrompt, ">>>"), rec(protocol.KindPrompt, ">>>")},
			[]want{{protocol.AwaitingRaw, 2, 0}, going}},
	}
	for _, c := range cases {
		a := d.Answer(c.command)
		if b := a.Begin(); b.Phase != protocol.Answering {
			t.Errorf("%s: Begin %+v", c.command, b)
		}
		for i, r := range c.recs {
			got := a.Take(r)
			w := c.turns[i]
			if got.Phase != w.phase || got.Raw != w.raw || got.Link != w.link {
				t.Errorf("%s: record %d (%s): turn %+v, want %+v", c.command, i, r.Text, got, w)
			}
			if got.Phase == protocol.Ended && got.Final.Text != r.Text {
				t.Errorf("%s: final %q", c.command, got.Final.Text)
			}
		}
	}
}

func TestSendPlan(t *testing.T) {
	d := New()
	cases := []struct {
		link    int
		payload string
		steps   []string // lines, or "raw:<bytes>"
		err     bool
	}{
		{0, "Hello!", []string{"AT+SKTSEND=0,6,,,Hello!"}, false},
		{2, "a,b", []string{`AT+SKTSEND=2,3,,,a\,b`}, false},
		{1, "line\r\n", []string{"AT+SKTSENDRAW=1,6", "raw:line\r\n"}, false},
		{3, "nul\x00", []string{"AT+SKTSENDRAW=3,4", "raw:nul\x00"}, false},
		{0, string(make([]byte, 3000)), []string{"AT+SKTSENDRAW=0,3000", "raw:" + string(make([]byte, 3000))}, false},
		{20, "x", nil, true},
		{0, "", nil, true},
	}
	for _, c := range cases {
		p, err := d.SendPlan(c.link, []byte(c.payload))
		if (err != nil) != c.err {
			t.Errorf("SendPlan(%d, %q): err %v", c.link, c.payload, err)
			continue
		}
		var got []string
		for _, s := range p {
			if s.IsRaw() {
				got = append(got, "raw:"+string(s.Raw))
			} else {
				got = append(got, s.Line)
			}
		}
		if !slices.Equal(got, c.steps) {
			t.Errorf("SendPlan(%d, %.20q) = %q, want %q", c.link, c.payload, got, c.steps)
		}
	}
}

func TestSplitLine(t *testing.T) {
	d := New()
	cases := []struct {
		line   string
		name   string
		sep    byte
		fields []string
	}{
		{"AT+SKTS", "AT+SKTS", 0, nil},
		{"  AT+SKTSEND=0,5", "AT+SKTSEND", '=', []string{"0", "5"}},
		{"AT+SKTSEND=", "AT+SKTSEND", '=', []string{""}},
		{"AT+SKTSEND=0,5,,,a,b", "AT+SKTSEND", '=', []string{"0", "5", "", "", "a,b"}},
		{`AT+SKTSERVER=1,1,,50\,0`, "AT+SKTSERVER", '=', []string{"1", "1", "", `50\,0`}},
		{"AT+SKTSERVER=1,1,,5000,1,9", "AT+SKTSERVER", '=', []string{"1", "1", "", "5000", "1", "9"}},
		{"AT+SKTQUERY?", "AT+SKTQUERY", '?', nil},
		{"AT+NOPE=a,b", "AT+NOPE", '=', []string{"a", "b"}},
	}
	for _, c := range cases {
		sp := d.SplitLine(c.line)
		var fields []string
		for _, f := range sp.Fields {
			fields = append(fields, f.Text(c.line))
		}
		if sp.Name.Text(c.line) != c.name || sp.Sep != c.sep || !slices.Equal(fields, c.fields) {
			t.Errorf("SplitLine(%q) = %q %q %q, want %q %q %q", c.line, sp.Name.Text(c.line), sp.Sep, fields, c.name, c.sep, c.fields)
		}
	}
}

func TestFormatLink(t *testing.T) {
	d := New()
	for id, want := range map[int]string{0: "0", 7: "7", 19: "19"} {
		if got := d.FormatLink(id); got != want {
			t.Errorf("FormatLink(%d) = %q", id, got)
		}
	}
}

func TestKeepaliveInForce(t *testing.T) {
	d := New()
	set := func(kv ...string) []protocol.Setting {
		var out []protocol.Setting
		for i := 0; i < len(kv); i += 2 {
			out = append(out, protocol.Setting{Name: kv[i], Value: kv[i+1]})
		}
		return out
	}
	cases := []struct {
		settings []protocol.Setting
		ka       protocol.Keepalive
		ok       bool
	}{
		{nil, protocol.Keepalive{}, false},
		{set("tcp_keepidle", "60"), protocol.Keepalive{}, false},
		{set("so_keepalive", "0", "tcp_keepidle", "60"), protocol.Keepalive{Idle: time.Minute}, true},
		{set("so_sndtimeo", "2000", "so_keepalive", "1", "tcp_keepidle", "60", "tcp_keepintvl", "10", "tcp_keepcnt", "3"),
			protocol.Keepalive{Enabled: true, Idle: time.Minute, Interval: 10 * time.Second, Count: 3}, true},
		{set("SO_KEEPALIVE", " 1 "), protocol.Keepalive{Enabled: true}, true},
		{set("so_keepalive", "x"), protocol.Keepalive{}, false},
	}
	for _, c := range cases {
		ka, ok := d.KeepaliveInForce(c.settings)
		if ka != c.ka || ok != c.ok {
			t.Errorf("KeepaliveInForce(%v) = %+v, %v; want %+v, %v", c.settings, ka, ok, c.ka, c.ok)
		}
	}
}
