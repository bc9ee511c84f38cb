package protocol_test

import (
	"slices"
	"strings"
	"testing"

	"atbench/protocol"
)

func TestBoundary(t *testing.T) {
	cases := []struct {
		name  string
		in    string
		recs  []string // kind:text of the records the boundary closes
		cut   protocol.Cut
		cutOK bool
	}{
		{"cut line", "N:0001", []string{"info:N:0001"}, protocol.Cut{}, false},
		{"cut payload", "[$][SKT][DATA][2][9]:abcd", nil,
			protocol.Cut{Header: "[$][SKT][DATA][2][9]:", LinkID: 2, Got: 4, Want: 9}, true},
		{"cut header", "[$][SKT][DA", []string{"event:[$][SKT][DA"}, protocol.Cut{}, false},
		{"cut prompt start", ">>", []string{"info:>>"}, protocol.Cut{}, false},
		{"nothing pending", "OK\r\n", nil, protocol.Cut{}, false},
		{"over-long line", strings.Repeat("x", 40), []string{"noise:" + strings.Repeat("x", 32)}, protocol.Cut{}, false},
	}
	for _, c := range cases {
		f := protocol.NewFramer(fakeSpec(32), fakeClassify)
		f.Feed(nil, []byte(c.in))
		recs, cut, ok := f.Boundary(nil)
		var got []string
		for _, r := range recs {
			got = append(got, r.Kind.String()+":"+r.Text)
		}
		if !slices.Equal(got, c.recs) || ok != c.cutOK || cut != c.cut {
			t.Errorf("%s: records %q cut %+v %v; want %q %+v %v", c.name, got, cut, ok, c.recs, c.cut, c.cutOK)
		}
		if f.Pending() != 0 {
			t.Errorf("%s: %d bytes pending after the boundary", c.name, f.Pending())
		}
		// The fresh connection starts on a clean line, a lone LF included.
		after := f.Feed(nil, []byte("\nATCMD READY\r\nOK\r\n"))
		if len(after) != 2 || after[0].Text != "ATCMD READY" || after[1].Kind != protocol.KindOK {
			t.Errorf("%s: after the boundary %+v", c.name, after)
		}
	}
}

func TestFinalAnswer(t *testing.T) {
	var a protocol.Answer = protocol.FinalAnswer{}
	if tr := a.Begin(); tr.Phase != protocol.Answering {
		t.Fatalf("Begin %+v", tr)
	}
	for _, c := range []struct {
		kind  protocol.Kind
		phase protocol.Phase
	}{
		{protocol.KindInfo, protocol.Answering}, {protocol.KindEvent, protocol.Answering},
		{protocol.KindPrompt, protocol.Answering}, {protocol.KindError, protocol.Ended}, {protocol.KindOK, protocol.Ended},
	} {
		tr := a.Take(protocol.Record{Kind: c.kind, Text: "x"})
		if tr.Phase != c.phase || (tr.Phase == protocol.Ended && tr.Final.Kind != c.kind) {
			t.Errorf("Take(%s) = %+v", c.kind, tr)
		}
	}
}

func TestRawKind(t *testing.T) {
	if protocol.KindRaw.String() != "raw" || !protocol.KindRaw.FromHost() || !protocol.KindSent.FromHost() ||
		protocol.KindEcho.FromHost() || protocol.KindNote.FromHost() || protocol.KindRaw.Final() {
		t.Fatal("KindRaw")
	}
	s := protocol.RawStep([]byte("x"))
	if !s.IsRaw() || protocol.LineStep("AT").IsRaw() {
		t.Fatal("Step.IsRaw")
	}
}

func TestSplitFields(t *testing.T) {
	cat := []protocol.CommandSpec{
		{Name: "SEND", Params: []protocol.ParamSpec{{Name: "id", Type: protocol.ParamInt}, {Name: "data", Type: protocol.ParamString}}},
		{Name: "PAIR", Params: []protocol.ParamSpec{{Name: "a", Type: protocol.ParamInt}, {Name: "b", Type: protocol.ParamInt}}},
	}
	cases := []struct {
		line   string
		escape byte
		name   string
		sep    byte
		fields []string
	}{
		{"", 0, "", 0, nil},
		{"  AT", 0, "AT", 0, nil},
		{"P?", 0, "P", '?', nil},
		{"P=", 0, "P", '=', []string{""}},
		{`X=a\,b,c`, 0, "X", '=', []string{`a\`, "b", "c"}},
		{`X=a\,b,c`, '\\', "X", '=', []string{`a\,b`, "c"}},
		{`X=a\`, '\\', "X", '=', []string{`a\`}},
		{"send=1,a,b,c", 0, "send", '=', []string{"1", "a,b,c"}},
		{"SEND=1", 0, "SEND", '=', []string{"1"}},
		{"PAIR=1,2,3", 0, "PAIR", '=', []string{"1", "2", "3"}},
		{"A=b?c", 0, "A", '=', []string{"b?c"}},
	}
	for _, c := range cases {
		sp := protocol.SplitFields(c.line, c.escape, cat)
		var fields []string
		for _, f := range sp.Fields {
			fields = append(fields, f.Text(c.line))
		}
		if sp.Name.Text(c.line) != c.name || sp.Sep != c.sep || !slices.Equal(fields, c.fields) {
			t.Errorf("SplitFields(%q, %q) = %q %q %q; want %q %q %q", c.line, c.escape,
				sp.Name.Text(c.line), sp.Sep, fields, c.name, c.sep, c.fields)
		}
	}
}

func TestParamSpec(t *testing.T) {
	port := protocol.ParamSpec{Name: "p", Type: protocol.ParamInt, Min: 1, Max: 65535}
	ip := protocol.ParamSpec{Name: "ip", Type: protocol.ParamIP}
	enum := protocol.ParamSpec{Name: "m", Type: protocol.ParamEnum, Values: []string{"auto", "fast"}}
	conn := protocol.ParamSpec{Name: "conn_type", Type: protocol.ParamInt, Min: 0, Max: 3,
		Values: []string{"0: UDP", "1: TCP", "1: again", "2 TLS"}}
	hex := protocol.ParamSpec{Name: "h", Type: protocol.ParamHex, Min: 0, Max: 0x4005}
	text := protocol.ParamSpec{Name: "t", Type: protocol.ParamString}
	checks := []struct {
		p    protocol.ParamSpec
		v    string
		want string
	}{
		{port, "", ""}, {port, "80", ""}, {port, "0", "0 is out of range 1..65535"},
		{port, "x", `"x" is not a number`}, {ip, "10.0.0.300", `"10.0.0.300" is not an IPv4 address`},
		{ip, "10.0", ""}, {enum, "FAST", ""}, {enum, "slow", `"slow" is not one of auto, fast`},
		{hex, "4001", ""}, {hex, "0x8", ""}, {hex, "4006", "4006 is out of range 0..16389"}, {text, "a,b", ""},
	}
	for _, c := range checks {
		got := ""
		if err := c.p.Check(c.v); err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("%s.Check(%q) = %q, want %q", c.p.Name, c.v, got, c.want)
		}
	}
	describe := map[string]protocol.ParamSpec{
		"integer 1..65535": port, "IPv4 address": ip, "one of auto, fast": enum, "hex 0..16389": hex, "text": text,
		"IPv4 address or host name": {Type: protocol.ParamHost}, "integer ≥ 1": {Type: protocol.ParamInt, Min: 1},
	}
	for want, p := range describe {
		if got := p.Describe(); got != want {
			t.Errorf("Describe = %q, want %q", got, want)
		}
	}
	if got := conn.Keys(); !slices.Equal(got, []string{"0", "1", "2"}) {
		t.Errorf("Keys = %q", got)
	}
	for v, want := range map[string]string{"1": "TCP", " 0 ": "UDP", "2": "TLS", "3": "", "auto": ""} {
		if got := conn.Meaning(v); got != want {
			t.Errorf("Meaning(%q) = %q, want %q", v, got, want)
		}
	}
	if got := enum.Meaning("fast"); got != "" {
		t.Errorf("Meaning of a bare value = %q", got)
	}
}

// readSpec frames "+READ:<n>," then n bytes, but only in the answer to
// AT+READ.
func readSpec() protocol.FrameSpec {
	spec := fakeSpec(0)
	spec.Answer = func(command string) *protocol.AnswerFrame {
		if command != "AT+READ" {
			return nil
		}
		return &protocol.AnswerFrame{
			PayloadPrefixes: []string{"+READ:"},
			Payload: func(line []byte) protocol.PayloadMatch {
				const p = len("+READ:")
				if len(line) < p+2 {
					return protocol.PayloadMatch{Status: protocol.NeedMore}
				}
				if line[p] < '0' || line[p] > '9' || line[p+1] != ',' {
					return protocol.PayloadMatch{Status: protocol.NoMatch}
				}
				return protocol.PayloadMatch{Status: protocol.Match, Header: p + 2, Length: int(line[p] - '0'), LinkID: 7}
			},
		}
	}
	return spec
}

func TestFramerAnswerFraming(t *testing.T) {
	show := func(recs []protocol.Record) string {
		var out []string
		for _, r := range recs {
			out = append(out, r.Kind.String()+":"+r.Text+string(r.Payload))
		}
		return strings.Join(out, " | ")
	}
	f := protocol.NewFramer(readSpec(), fakeClassify)
	in := []byte("+READ:3,a\r\n\r\nOK\r\n")
	if got, want := show(f.Feed(nil, in)), "info:+READ:3,a | ok:OK"; got != want {
		t.Errorf("no command: %q, want %q", got, want)
	}
	f.SetCommand("AT+READ")
	if got, want := show(f.Feed(nil, in)), "data:+READ:3,a\r\n | ok:OK"; got != want {
		t.Errorf("AT+READ outstanding: %q, want %q", got, want)
	}
	// The base rules stay in force beside the answer's.
	if got, want := show(f.Feed(nil, []byte("[$][SKT][DATA][1][2]:xy\r\n"))), "data:[$][SKT][DATA][1][2]:xy"; got != want {
		t.Errorf("base payload: %q, want %q", got, want)
	}
	f.SetCommand("AT+OTHER")
	if got, want := show(f.Feed(nil, in)), "info:+READ:3,a | ok:OK"; got != want {
		t.Errorf("another command: %q, want %q", got, want)
	}
	// A change in the middle of a line takes effect at the next one.
	f.Feed(nil, []byte("+REA"))
	f.SetCommand("AT+READ")
	if got, want := show(f.Feed(nil, []byte("D:1,x\r\n+READ:1,y\r\n"))), "info:+READ:1,x | data:+READ:1,y"; got != want {
		t.Errorf("mid-line change: %q, want %q", got, want)
	}
	f.SetCommand("")
	if got, want := show(f.Feed(nil, in)), "info:+READ:3,a | ok:OK"; got != want {
		t.Errorf("none outstanding: %q, want %q", got, want)
	}
}

// r0Spec frames an Inventek-like "R0" answer: CR LF, the data, then
// "\r\nOK\r\n> ", or an error.
func r0Spec() protocol.FrameSpec {
	return protocol.FrameSpec{
		Prompts: []string{"> "},
		Answer: func(command string) *protocol.AnswerFrame {
			if command != "R0" {
				return nil
			}
			return &protocol.AnswerFrame{DataUntil: []string{"\r\nOK\r\n> ", "ERROR"}, Skip: "\r\n", LinkID: protocol.NoLink}
		},
	}
}

func TestFramerDataUntil(t *testing.T) {
	classify := func(line []byte) (protocol.Kind, int) {
		switch {
		case string(line) == "OK":
			return protocol.KindOK, protocol.NoLink
		case strings.HasPrefix(string(line), "ERROR"):
			return protocol.KindError, protocol.NoLink
		}
		return protocol.KindInfo, protocol.NoLink
	}
	show := func(recs []protocol.Record) string {
		var out []string
		for _, r := range recs {
			out = append(out, r.Kind.String()+":"+protocol.Escape(r.Text+string(r.Payload)))
		}
		return strings.Join(out, " | ")
	}
	cases := []struct {
		name, in, want string
	}{
		{"data", "\r\nhello\r\nworld\r\nOK\r\n> ", `data:hello\r\nworld | ok:OK | prompt:> `},
		{"empty", "\r\n\r\nOK\r\n> ", "data: | ok:OK | prompt:> "},
		{"error", "\r\nERROR: x\r\nUsage: R0\r\n> ", "data: | error:ERROR: x | info:Usage: R0 | prompt:> "},
		{"no skip", "abc\r\nOK\r\n> ", "data:abc | ok:OK | prompt:> "},
		{"data after", "\r\nab\r\nOK\r\n> P0\r\n", "data:ab | ok:OK | prompt:>  | info:P0"},
	}
	for _, c := range cases {
		for _, step := range []int{len(c.in), 1, 2, 3} {
			f := protocol.NewFramer(r0Spec(), classify)
			f.SetCommand("R0")
			var got []protocol.Record
			for i := 0; i < len(c.in); i += step {
				got = f.Feed(got, []byte(c.in[i:min(i+step, len(c.in))]))
			}
			got = f.Flush(got)
			if s := show(got); s != c.want {
				t.Errorf("%s in steps of %d: %q, want %q", c.name, step, s, c.want)
			}
		}
	}
	// Only for the command that asks, and once.
	f := protocol.NewFramer(r0Spec(), classify)
	f.SetCommand("P0=1")
	if s := show(f.Feed(nil, []byte("\r\nOK\r\n> "))); s != "ok:OK | prompt:> " {
		t.Errorf("another command: %q", s)
	}
	// Data with no terminator is bounded.
	f = protocol.NewFramer(r0Spec(), classify)
	f.SetCommand("R0")
	got := f.Feed(nil, []byte(strings.Repeat("x", protocol.MaxUntil+10)+"\r\nOK\r\n> "))
	if len(got) != 4 || len(got[0].Payload) != protocol.MaxUntil || got[1].Text != strings.Repeat("x", 10) ||
		got[2].Kind != protocol.KindOK || f.Pending() != 0 {
		t.Errorf("unbounded data: %d records, pending %d", len(got), f.Pending())
	}
	// A terminator across the bound is found however the bytes are cut.
	in := []byte(strings.Repeat("x", protocol.MaxUntil-2) + "\r\nOK\r\n> ")
	for _, cut := range []int{len(in), protocol.MaxUntil, protocol.MaxUntil - 1, protocol.MaxUntil + 1} {
		f = protocol.NewFramer(r0Spec(), classify)
		f.SetCommand("R0")
		got := f.Feed(f.Feed(nil, in[:cut]), in[cut:])
		if len(got) != 3 || len(got[0].Payload) != protocol.MaxUntil-2 || got[1].Kind != protocol.KindOK {
			t.Errorf("cut at %d: %d records", cut, len(got))
		}
	}
	// A boundary closes the data.
	f = protocol.NewFramer(r0Spec(), classify)
	f.SetCommand("R0")
	f.Feed(nil, []byte("\r\npart"))
	if recs, _, ok := f.Boundary(nil); ok || show(recs) != "data:part" || f.Pending() != 0 {
		t.Errorf("boundary: %q %v", show(recs), ok)
	}
}
