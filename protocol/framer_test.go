package protocol_test

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"atbench/protocol"
)

// fakeMaxPayload bounds the payload length the fake rule accepts.
const fakeMaxPayload = 4096

// fakeSpec is a small stand-in for the Realtek frame spec: Realtek's
// auto-receive header "[$][SKT][DATA][<id>][<len>]:" (and its UDP form with
// "[<ip>][<port>]" before the colon), the SKTREAD answer "+SKTREAD:<id>,<len>,"
// and the prompts "> " and ">>>"; plus a delimited payload shaped like
// WizFi's, "ESC S <digit> … ESC E" with ESC doubled inside.
func fakeSpec(maxLine int) protocol.FrameSpec {
	return protocol.FrameSpec{
		MaxLine:         maxLine,
		Prompts:         []string{"> ", ">>>"},
		PayloadPrefixes: []string{"[$][SKT][DATA]", "+SKTREAD:", "\x1bS"},
		Payload:         fakePayload,
	}
}

// fakeEnd ends the fake delimited payload.
const fakeEnd = "\x1bE"

// fakePayload recognises the fake headers. It answers the same for every
// extension of a line once it has answered Match or NoMatch, as a payload
// rule should.
func fakePayload(line []byte) protocol.PayloadMatch {
	s := fakeScan{b: line}
	switch {
	case bytes.HasPrefix(line, []byte("[$]")):
		return s.realtek()
	case bytes.HasPrefix(line, []byte("+SKTREAD:")):
		return s.sktread()
	case bytes.HasPrefix(line, []byte("\x1bS")):
		if len(line) == 2 {
			return protocol.PayloadMatch{Status: protocol.NeedMore}
		}
		if c := line[2]; c >= '0' && c <= '9' {
			return protocol.PayloadMatch{Status: protocol.Match, Header: 3, End: fakeEnd, LinkID: int(c - '0')}
		}
	}
	return protocol.PayloadMatch{Status: protocol.NoMatch}
}

// fakeScan reads a header left to right; more records that it ran out of
// bytes before it could decide.
type fakeScan struct {
	b    []byte
	i    int
	more bool
}

func (s *fakeScan) lit(t string) bool {
	for k := 0; k < len(t); k++ {
		if s.i == len(s.b) {
			s.more = true
			return false
		}
		if s.b[s.i] != t[k] {
			return false
		}
		s.i++
	}
	return true
}

// span reads 1..max bytes from set; it fails when input ends inside it.
func (s *fakeScan) span(set string, max int) (string, bool) {
	start := s.i
	for s.i < len(s.b) && strings.IndexByte(set, s.b[s.i]) >= 0 {
		if s.i-start == max {
			return "", false
		}
		s.i++
	}
	if s.i == len(s.b) {
		s.more = true
		return "", false
	}
	return string(s.b[start:s.i]), s.i > start
}

func (s *fakeScan) num(max int) (int, bool) {
	d, ok := s.span("0123456789", max)
	if !ok {
		return 0, false
	}
	n := 0
	for _, c := range []byte(d) {
		n = n*10 + int(c-'0')
	}
	return n, true
}

func (s *fakeScan) fail() protocol.PayloadMatch {
	if s.more {
		return protocol.PayloadMatch{Status: protocol.NeedMore}
	}
	return protocol.PayloadMatch{Status: protocol.NoMatch}
}

func (s *fakeScan) realtek() protocol.PayloadMatch {
	if !s.lit("[$][SKT][DATA][") {
		return s.fail()
	}
	id, ok := s.num(2)
	if !ok || !s.lit("][") {
		return s.fail()
	}
	n, ok := s.num(5)
	if !ok || n > fakeMaxPayload || !s.lit("]") {
		return s.fail()
	}
	if s.i == len(s.b) {
		return protocol.PayloadMatch{Status: protocol.NeedMore}
	}
	if s.b[s.i] == '[' { // UDP: [<ip>][<port>]
		s.i++
		if _, ok := s.span("0123456789.", 15); !ok || !s.lit("][") {
			return s.fail()
		}
		if _, ok := s.num(5); !ok || !s.lit("]") {
			return s.fail()
		}
	}
	if !s.lit(":") {
		return s.fail()
	}
	return protocol.PayloadMatch{Status: protocol.Match, Header: s.i, Length: n, LinkID: id}
}

func (s *fakeScan) sktread() protocol.PayloadMatch {
	if !s.lit("+SKTREAD:") {
		return s.fail()
	}
	id, ok := s.num(2)
	if !ok || !s.lit(",") {
		return s.fail()
	}
	n, ok := s.num(5)
	if !ok || n > fakeMaxPayload || !s.lit(",") {
		return s.fail()
	}
	return protocol.PayloadMatch{Status: protocol.Match, Header: s.i, Length: n, LinkID: id}
}

// fakeClassify: "OK", "ERROR...", "[$]..." events (with the first
// "link_id:<digit>" as LinkID), everything else info.
func fakeClassify(line []byte) (protocol.Kind, int) {
	switch {
	case string(line) == "OK":
		return protocol.KindOK, protocol.NoLink
	case bytes.HasPrefix(line, []byte("ERROR")):
		return protocol.KindError, protocol.NoLink
	case bytes.HasPrefix(line, []byte("[$]")):
		link := protocol.NoLink
		if k := bytes.Index(line, []byte("link_id:")); k >= 0 && k+8 < len(line) {
			if c := line[k+8]; c >= '0' && c <= '9' {
				link = int(c - '0')
			}
		}
		return protocol.KindEvent, link
	}
	return protocol.KindInfo, protocol.NoLink
}

// feedCuts feeds in split at the given increasing cut points, through a
// scratch buffer that is clobbered after each Feed (so records that alias
// the input show up as wrong), then flushes.
func feedCuts(f *protocol.Framer, in []byte, cuts []int) []protocol.Record {
	var recs []protocol.Record
	scratch := make([]byte, 0, len(in))
	prev := 0
	for _, c := range append(cuts, len(in)) {
		scratch = append(scratch[:0], in[prev:c]...)
		recs = f.Feed(recs, scratch)
		for k := range scratch {
			scratch[k] = 0xAA
		}
		prev = c
	}
	return f.Flush(recs)
}

// randomCuts cuts n bytes into chunks of 1..maxChunk bytes.
func randomCuts(r *rand.Rand, n, maxChunk int) []int {
	var cuts []int
	for c := r.IntN(maxChunk) + 1; c < n; c += r.IntN(maxChunk) + 1 {
		cuts = append(cuts, c)
	}
	return cuts
}

// refFrame is a deliberately naive framer, one byte at a time, with the
// payload rule asked after every byte. Any CR or LF ends a line: since
// empty lines make no record, that is equivalent to pairing CR LF.
func refFrame(spec protocol.FrameSpec, classify func([]byte) (protocol.Kind, int), in []byte) []protocol.Record {
	maxLine := spec.MaxLine
	if maxLine <= 0 {
		maxLine = protocol.DefaultMaxLine
	}
	maxHead := min(protocol.MaxHeader, maxLine)
	// Prompts and prefixes that can never be seen are ignored, as NewFramer does.
	var prompts, prefixes []string
	for _, s := range spec.Prompts {
		if s != "" && len(s) <= maxLine && !strings.ContainsAny(s, "\r\n") {
			prompts = append(prompts, s)
		}
	}
	for _, s := range spec.PayloadPrefixes {
		if spec.Payload != nil && s != "" && len(s) <= maxHead && !strings.ContainsAny(s, "\r\n") {
			prefixes = append(prefixes, s)
		}
	}
	const (
		start = iota
		header
		text
		discard
		payload
		delim
	)
	var (
		recs    []protocol.Record
		line    []byte
		mode    = start
		dropped int
		data    []byte
		need    int
		m       protocol.PayloadMatch
		k       int    // bytes of m.End just seen in a delimited payload
		queue   []byte // bytes to frame again before the rest of in
	)
	emitLine := func() {
		switch {
		case mode == discard:
			recs = append(recs, protocol.Record{Kind: protocol.KindNoise, Text: string(line), LinkID: protocol.NoLink, Dropped: dropped})
		case len(line) > 0:
			k, l := classify(line)
			recs = append(recs, protocol.Record{Kind: k, Text: string(line), LinkID: l})
		}
		line, mode, dropped = nil, start, 0
	}
	emitData := func() {
		recs = append(recs, protocol.Record{Kind: protocol.KindData, Text: string(line[:m.Header]), Payload: data[:len(data):len(data)], LinkID: m.LinkID})
		line, mode, data = nil, start, nil
	}
	emitPart := func() {
		recs = append(recs, protocol.Record{Kind: protocol.KindData, Text: string(line[:m.Header]), Payload: data[:len(data):len(data)], LinkID: m.LinkID})
		data = []byte{}
	}
	ask := func() {
		m = spec.Payload(line)
		switch {
		case m.Status == protocol.Match:
			if m.Header != len(line) {
				panic("refFrame: the rule must match at the last byte")
			}
			if m.End != "" {
				data, k, mode = []byte{}, 0, delim
				return
			}
			data, need, mode = make([]byte, 0, m.Length), m.Length, payload
			if need == 0 {
				emitData()
			}
		case m.Status == protocol.NeedMore && len(line) < maxHead:
			mode = header
		default:
			mode = text
		}
	}
	for pos := 0; pos < len(in) || len(queue) > 0; {
		var c byte
		if len(queue) > 0 {
			c, queue = queue[0], queue[1:]
		} else {
			c, pos = in[pos], pos+1
		}
		switch {
		case mode == delim:
			switch {
			case k == 0 && c == m.End[0]:
				k = 1
			case k == 0:
				data = append(data, c)
			case k == 1 && c == m.End[0]:
				data, k = append(data, c), 0
			case c == m.End[k]:
				if k++; k == len(m.End) {
					emitData()
				}
				continue
			default:
				queue = append(append([]byte(m.End[:k]), c), queue...)
				emitData()
				continue
			}
			if len(data) == protocol.MaxDelimited {
				emitPart()
			}
			continue
		case mode == payload:
			data = append(data, c)
			if need--; need == 0 {
				emitData()
			}
			continue
		case c == '\r' || c == '\n':
			emitLine()
			continue
		case mode == discard:
			dropped++
			continue
		}
		line = append(line, c)
		switch mode {
		case text:
			if len(line) > maxLine {
				line, dropped, mode = line[:maxLine], 1, discard
			}
		case header:
			ask()
		case start:
			mode = text
			for _, s := range prompts {
				if string(line) == s {
					recs = append(recs, protocol.Record{Kind: protocol.KindPrompt, Text: s, LinkID: protocol.NoLink})
					line, mode = nil, start
					break
				}
			}
			if mode != text {
				continue
			}
			for _, s := range prefixes {
				if string(line) == s {
					ask()
					break
				}
			}
			if mode != text {
				continue
			}
			for _, s := range append(append([]string(nil), prompts...), prefixes...) {
				if strings.HasPrefix(s, string(line)) {
					mode = start
				}
			}
		}
	}
	if mode != payload && mode != delim {
		emitLine()
	}
	return recs
}

func rec(k protocol.Kind, text string) protocol.Record {
	return protocol.Record{Kind: k, Text: text, LinkID: protocol.NoLink}
}

func data(header, payload string, link int) protocol.Record {
	return protocol.Record{Kind: protocol.KindData, Text: header, Payload: []byte(payload), LinkID: link}
}

func noise(text string, dropped int) protocol.Record {
	return protocol.Record{Kind: protocol.KindNoise, Text: text, LinkID: protocol.NoLink, Dropped: dropped}
}

func showRecords(rs []protocol.Record) string {
	var b strings.Builder
	for _, r := range rs {
		text := r.Text
		if len(text) > 60 {
			text = fmt.Sprintf("%s…(%d bytes)", text[:60], len(text))
		}
		fmt.Fprintf(&b, "\n  {%v %q link=%d dropped=%d", r.Kind, text, r.LinkID, r.Dropped)
		if r.Payload != nil {
			fmt.Fprintf(&b, " payload=%q", r.Payload)
		}
		b.WriteString("}")
	}
	return b.String()
}

type framerCase struct {
	name    string
	maxLine int
	in      string
	want    []protocol.Record
}

func framerCases() []framerCase {
	binary := make([]byte, 0, 254)
	for c := 0; c < 256; c++ {
		if c != '\r' && c != '\n' {
			binary = append(binary, byte(c))
		}
	}
	long := strings.Repeat("x", 2001)
	exact := strings.Repeat("y", 2000)
	return []framerCase{
		{name: "LF", in: "one\ntwo\n", want: []protocol.Record{rec(protocol.KindInfo, "one"), rec(protocol.KindInfo, "two")}},
		{name: "CR", in: "one\rtwo\r", want: []protocol.Record{rec(protocol.KindInfo, "one"), rec(protocol.KindInfo, "two")}},
		{name: "CRLF OK", in: "\r\nOK\r\n", want: []protocol.Record{rec(protocol.KindOK, "OK")}},
		{name: "mixed endings", in: "a\r\nb\nc\rd\n\re\r\r\n\nf",
			want: []protocol.Record{rec(protocol.KindInfo, "a"), rec(protocol.KindInfo, "b"), rec(protocol.KindInfo, "c"),
				rec(protocol.KindInfo, "d"), rec(protocol.KindInfo, "e"), rec(protocol.KindInfo, "f")}},
		{name: "LF CR is two endings", in: "a\n\rb\r\n", want: []protocol.Record{rec(protocol.KindInfo, "a"), rec(protocol.KindInfo, "b")}},
		{name: "only endings", in: "\r\n\r\n\n\r\r\n\n", want: nil},
		{name: "error", in: "\r\nERROR: 1\r\n", want: []protocol.Record{rec(protocol.KindError, "ERROR: 1")}},
		{name: "query block", in: "\r\nGlobal SOCKET configuration:\r\nso_sndtimeo: 0\r\ntcp_keepcnt: 3\r\n\r\nOK\r\n",
			want: []protocol.Record{rec(protocol.KindInfo, "Global SOCKET configuration:"), rec(protocol.KindInfo, "so_sndtimeo: 0"),
				rec(protocol.KindInfo, "tcp_keepcnt: 3"), rec(protocol.KindOK, "OK")}},
		{name: "event with link",
			in: "[$][SKT][EVENT]: A client[link_id:1,seed,tcp,dst_address:192.168.0.103,dst_port:49946] connected to server[link_id:0]\r\n",
			want: []protocol.Record{{Kind: protocol.KindEvent, LinkID: 1,
				Text: "[$][SKT][EVENT]: A client[link_id:1,seed,tcp,dst_address:192.168.0.103,dst_port:49946] connected to server[link_id:0]"}}},
		{name: "event near the payload prefix", in: "[$]wifi connected\r\n[$][SKT]\r\n[$][SKT][DAT\r\n",
			want: []protocol.Record{rec(protocol.KindEvent, "[$]wifi connected"), rec(protocol.KindEvent, "[$][SKT]"), rec(protocol.KindEvent, "[$][SKT][DAT")}},
		{name: "unterminated line is flushed", in: "ATCMD READY", want: []protocol.Record{rec(protocol.KindInfo, "ATCMD READY")}},

		{name: "prompt then data", in: "\r\n> hello\r\nOK\r\n",
			want: []protocol.Record{rec(protocol.KindPrompt, "> "), rec(protocol.KindInfo, "hello"), rec(protocol.KindOK, "OK")}},
		{name: "bare prompt", in: "> ", want: []protocol.Record{rec(protocol.KindPrompt, "> ")}},
		{name: "TT prompt", in: ">>>\r\nOK\r\n", want: []protocol.Record{rec(protocol.KindPrompt, ">>>"), rec(protocol.KindOK, "OK")}},
		{name: "prompts back to back", in: "> > >>>> ",
			want: []protocol.Record{rec(protocol.KindPrompt, "> "), rec(protocol.KindPrompt, "> "), rec(protocol.KindPrompt, ">>>"), rec(protocol.KindPrompt, "> ")}},
		{name: "not a prompt", in: ">x\r\n>>\r\n >\r\nab> \r\n>",
			want: []protocol.Record{rec(protocol.KindInfo, ">x"), rec(protocol.KindInfo, ">>"), rec(protocol.KindInfo, " >"),
				rec(protocol.KindInfo, "ab> "), rec(protocol.KindInfo, ">")}},

		{name: "payload", in: "[$][SKT][DATA][0][7]:Hello!\n\r\n",
			want: []protocol.Record{data("[$][SKT][DATA][0][7]:", "Hello!\n", 0)}},
		{name: "payload with CR LF NUL ESC", in: "[$][SKT][DATA][12][10]:\r\n\x00\x1b[31m\r\n\r\nOK\r\n",
			want: []protocol.Record{data("[$][SKT][DATA][12][10]:", "\r\n\x00\x1b[31m\r\n", 12), rec(protocol.KindOK, "OK")}},
		{name: "payload that looks like framing", in: "[$][SKT][DATA][1][31]:> [$][SKT][DATA][2][2]:ab\r\nOK\r\n\r\n",
			want: []protocol.Record{data("[$][SKT][DATA][1][31]:", "> [$][SKT][DATA][2][2]:ab\r\nOK\r\n", 1)}},
		{name: "zero-length payload", in: "[$][SKT][DATA][3][0]:\r\nOK\r\n",
			want: []protocol.Record{data("[$][SKT][DATA][3][0]:", "", 3), rec(protocol.KindOK, "OK")}},
		{name: "UDP payload", in: "[$][SKT][DATA][2][5][192.168.1.101][61409]:12345\r\n",
			want: []protocol.Record{data("[$][SKT][DATA][2][5][192.168.1.101][61409]:", "12345", 2)}},
		{name: "payloads back to back", in: "[$][SKT][DATA][0][2]:ab[$][SKT][DATA][1][2]:\r\n> ",
			want: []protocol.Record{data("[$][SKT][DATA][0][2]:", "ab", 0), data("[$][SKT][DATA][1][2]:", "\r\n", 1), rec(protocol.KindPrompt, "> ")}},
		{name: "SKTREAD", in: "+SKTREAD:1,6,Hello!\r\nOK\r\n",
			want: []protocol.Record{data("+SKTREAD:1,6,", "Hello!", 1), rec(protocol.KindOK, "OK")}},
		{name: "SKTREAD empty", in: "+SKTREAD:1,0,\r\nOK\r\n",
			want: []protocol.Record{data("+SKTREAD:1,0,", "", 1), rec(protocol.KindOK, "OK")}},
		{name: "header not matching", in: "[$][SKT][DATA][x]:abc\r\n+SKTREAD:1,\r\n",
			want: []protocol.Record{rec(protocol.KindEvent, "[$][SKT][DATA][x]:abc"), rec(protocol.KindInfo, "+SKTREAD:1,")}},
		{name: "header cut by a line ending", in: "[$][SKT][DATA][0][7\r\n]:Hello!\r\n",
			want: []protocol.Record{rec(protocol.KindEvent, "[$][SKT][DATA][0][7"), rec(protocol.KindInfo, "]:Hello!")}},
		{name: "length above the rule's bound", in: "[$][SKT][DATA][0][5000]:abc\r\n",
			want: []protocol.Record{rec(protocol.KindEvent, "[$][SKT][DATA][0][5000]:abc")}},
		{name: "incomplete payload stays pending", in: "[$][SKT][DATA][0][7]:Hel",
			want: nil},

		{name: "line of exactly MaxLine", in: exact + "\r\n", want: []protocol.Record{rec(protocol.KindInfo, exact)}},
		{name: "overflow 2001", in: long + "\r\nOK\r\n",
			want: []protocol.Record{noise(long[:2000], 1), rec(protocol.KindOK, "OK")}},
		{name: "overflow flushed", in: long, want: []protocol.Record{noise(long[:2000], 1)}},
		{name: "overflow small MaxLine", maxLine: 8, in: "0123456789abc\nOK\r\n[$][SKT][DATA][0][1]:z\r\n",
			want: []protocol.Record{noise("01234567", 5), rec(protocol.KindOK, "OK"), noise("[$][SKT]", 14)}},
		{name: "header longer than a small MaxLine", maxLine: 21, in: "[$][SKT][DATA][0][1]:z[$][SKT][DATA][10][1]:z\r\n",
			want: []protocol.Record{data("[$][SKT][DATA][0][1]:", "z", 0), noise("[$][SKT][DATA][10][1]", 2)}},
		{name: "payload does not count toward MaxLine", maxLine: 24, in: "[$][SKT][DATA][0][40]:" + strings.Repeat("p", 40) + "\r\n",
			want: []protocol.Record{data("[$][SKT][DATA][0][40]:", strings.Repeat("p", 40), 0)}},

		{name: "binary noise", in: string(binary) + "\r\n", want: []protocol.Record{rec(protocol.KindInfo, string(binary))}},
		{name: "binary payload", in: "[$][SKT][DATA][0][254]:" + string(binary) + "\r\n",
			want: []protocol.Record{data("[$][SKT][DATA][0][254]:", string(binary), 0)}},

		{name: "delimited", in: "\x1bS0hello\x1bE\r\nOK\r\n",
			want: []protocol.Record{data("\x1bS0", "hello", 0), rec(protocol.KindOK, "OK")}},
		{name: "delimited with CR LF and doubled ESC", in: "\r\n\x1bS1a\r\nb\x1b\x1bc\rOK\n\x1b\x1b\x1b\x1bE\x1bE\r\n",
			want: []protocol.Record{data("\x1bS1", "a\r\nb\x1bc\rOK\n\x1b\x1bE", 1)}},
		{name: "delimited that looks like framing", in: "\x1bS2> [$][SKT][DATA][0][2]:ab\r\nERROR\r\n\x1bE> ",
			want: []protocol.Record{data("\x1bS2", "> [$][SKT][DATA][0][2]:ab\r\nERROR\r\n", 2), rec(protocol.KindPrompt, "> ")}},
		{name: "delimited back to back", in: "\x1bS1ab\x1bE\x1bS2\x1bE[$][SKT][DATA][3][1]:z\x1bS4\r\x1bE",
			want: []protocol.Record{data("\x1bS1", "ab", 1), data("\x1bS2", "", 2), data("[$][SKT][DATA][3][1]:", "z", 3), data("\x1bS4", "\r", 4)}},
		{name: "delimited cut by the next frame", in: "\x1bS3ab\x1bS4cd\x1bE\r\n",
			want: []protocol.Record{data("\x1bS3", "ab", 3), data("\x1bS4", "cd", 4)}},
		{name: "delimited cut by another escape", in: "\x1bS3ab\x1bx\r\nOK\r\n",
			want: []protocol.Record{data("\x1bS3", "ab", 3), rec(protocol.KindInfo, "\x1bx"), rec(protocol.KindOK, "OK")}},
		{name: "delimited cut by a line ending", in: "\x1bS3ab\x1b\r\nOK\r\n",
			want: []protocol.Record{data("\x1bS3", "ab", 3), rec(protocol.KindInfo, "\x1b"), rec(protocol.KindOK, "OK")}},
		{name: "delimited header not matching", in: "\x1bSx\x1bE\r\n\x1bS\r\n\x1b\r\nab\x1bS1c\x1bE\r\n",
			want: []protocol.Record{rec(protocol.KindInfo, "\x1bSx\x1bE"), rec(protocol.KindInfo, "\x1bS"), rec(protocol.KindInfo, "\x1b"),
				rec(protocol.KindInfo, "ab\x1bS1c\x1bE")}},
		{name: "incomplete delimited stays pending", in: "\x1bS0abc\x1b", want: nil},
		{name: "delimited with a small MaxLine", maxLine: 4, in: "\x1bS0" + strings.Repeat("q", 40) + "\x1bE\r\nOK\r\n",
			want: []protocol.Record{data("\x1bS0", strings.Repeat("q", 40), 0), rec(protocol.KindOK, "OK")}},
	}
}

func TestFramerCases(t *testing.T) {
	for _, tc := range framerCases() {
		t.Run(tc.name, func(t *testing.T) {
			spec := fakeSpec(tc.maxLine)
			in := []byte(tc.in)
			check := func(how string, got []protocol.Record) {
				t.Helper()
				if !reflect.DeepEqual(noEnds(got), tc.want) {
					t.Fatalf("%s:\ngot%s\nwant%s", how, showRecords(got), showRecords(tc.want))
				}
				for _, r := range got {
					if cap(r.Payload) != len(r.Payload) {
						t.Fatalf("%s: payload of %d bytes has capacity %d", how, len(r.Payload), cap(r.Payload))
					}
				}
			}
			check("reference framer", refFrame(spec, fakeClassify, in))
			f := protocol.NewFramer(spec, fakeClassify)
			check("whole", feedCuts(f, in, nil))
			for cut := 0; cut <= len(in); cut++ {
				f.Reset()
				check(fmt.Sprintf("split at %d", cut), feedCuts(f, in, []int{cut}))
			}
			cuts := make([]int, 0, len(in))
			for k := 1; k < len(in); k++ {
				cuts = append(cuts, k)
			}
			f.Reset()
			check("byte by byte", feedCuts(f, in, cuts))
			r := rand.New(rand.NewPCG(1, uint64(len(in))))
			for range 20 {
				f.Reset()
				cuts := randomCuts(r, len(in), 1+r.IntN(16))
				check(fmt.Sprintf("cuts %v", cuts), feedCuts(f, in, cuts))
			}
		})
	}
}

func TestFramerMiBOverflow(t *testing.T) {
	const size = 1 << 20
	in := append(bytes.Repeat([]byte("z"), size), "\nnext line\r\n"...)
	want := []protocol.Record{noise(strings.Repeat("z", 2000), size-2000), rec(protocol.KindInfo, "next line")}
	f := protocol.NewFramer(fakeSpec(0), fakeClassify)
	r := rand.New(rand.NewPCG(2, 3))
	for _, cuts := range [][]int{nil, {size}, {size + 1}, {1999, 2000, 2001}, randomCuts(r, len(in), 4096)} {
		f.Reset()
		var got []protocol.Record
		prev := 0
		for _, c := range append(cuts, len(in)) {
			got = f.Feed(got, in[prev:c])
			if f.Pending() > 2000 {
				t.Fatalf("Pending() = %d after %d bytes, want <= 2000", f.Pending(), c)
			}
			prev = c
		}
		if !reflect.DeepEqual(noEnds(got), want) {
			t.Fatalf("cuts %v:\ngot%s\nwant%s", cuts[:min(len(cuts), 5)], showRecords(got), showRecords(want))
		}
	}
}

func TestFramerNilClassify(t *testing.T) {
	f := protocol.NewFramer(protocol.FrameSpec{}, nil)
	got := f.Feed(nil, []byte("OK\r\n[$]wifi connected\r\n> "))
	want := []protocol.Record{rec(protocol.KindInfo, "OK"), rec(protocol.KindInfo, "[$]wifi connected")}
	if !reflect.DeepEqual(noEnds(got), want) {
		t.Fatalf("got%s\nwant%s", showRecords(got), showRecords(want))
	}
	if f.Pending() != 2 {
		t.Fatalf("Pending() = %d, want 2 (no prompts in the spec)", f.Pending())
	}
}

func TestFramerPendingFlushReset(t *testing.T) {
	f := protocol.NewFramer(fakeSpec(0), fakeClassify)
	steps := []struct {
		feed    string
		flush   bool
		reset   bool
		want    []protocol.Record
		pending int
	}{
		{feed: "OK\r\nhal", want: []protocol.Record{rec(protocol.KindOK, "OK")}, pending: 3},
		{feed: "f", pending: 4},
		{flush: true, want: []protocol.Record{rec(protocol.KindInfo, "half")}, pending: 0},
		{feed: "[$][SKT][DATA][0][7", pending: 19},
		{feed: "]:Hel", pending: 24},
		{flush: true, pending: 24}, // a payload is not ended by silence
		{feed: "lo!\n\r\n", want: []protocol.Record{data("[$][SKT][DATA][0][7]:", "Hello!\n", 0)}, pending: 0},
		{feed: "[$][SKT][DATA][0][7]:Hel", pending: 24},
		{reset: true, pending: 0},
		{feed: "OK\r", want: []protocol.Record{rec(protocol.KindOK, "OK")}, pending: 0},
		{flush: true, pending: 0},
		{feed: "\n>", pending: 1}, // the LF pairs with the CR before the flush
		{flush: true, want: []protocol.Record{rec(protocol.KindInfo, ">")}, pending: 0},
		{feed: strings.Repeat("w", 3000), pending: 2000},
		{flush: true, want: []protocol.Record{noise(strings.Repeat("w", 2000), 1000)}, pending: 0},
	}
	for n, s := range steps {
		var got []protocol.Record
		switch {
		case s.flush:
			got = f.Flush(nil)
		case s.reset:
			f.Reset()
		default:
			got = f.Feed(nil, []byte(s.feed))
		}
		if !reflect.DeepEqual(noEnds(got), s.want) {
			t.Fatalf("step %d: got%s\nwant%s", n, showRecords(got), showRecords(s.want))
		}
		if f.Pending() != s.pending {
			t.Fatalf("step %d: Pending() = %d, want %d", n, f.Pending(), s.pending)
		}
	}
}

// A delimited payload longer than MaxDelimited comes in records of at most
// MaxDelimited bytes, and Pending stays bounded, however the input is cut.
func TestFramerDelimitedLong(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789\x1b\x1b"), protocol.MaxDelimited/5)
	in := append(append([]byte("\x1bS7"), body...), "\x1bE\r\nOK\r\n"...)
	plain := bytes.ReplaceAll(body, []byte("\x1b\x1b"), []byte("\x1b"))
	var want []protocol.Record
	for rest := plain; len(rest) > 0; {
		n := min(len(rest), protocol.MaxDelimited)
		want = append(want, data("\x1bS7", string(rest[:n]), 7))
		rest = rest[n:]
	}
	want = append(want, rec(protocol.KindOK, "OK"))
	if len(want) < 3 {
		t.Fatalf("test payload too short: %d records", len(want))
	}
	if got := refFrame(fakeSpec(0), fakeClassify, in); !reflect.DeepEqual(noEnds(got), noEnds(want)) {
		t.Fatalf("reference: %d records, want %d", len(got), len(want))
	}
	f := protocol.NewFramer(fakeSpec(0), fakeClassify)
	r := rand.New(rand.NewPCG(4, 5))
	for _, cuts := range [][]int{nil, {3}, {protocol.MaxDelimited + 3}, randomCuts(r, len(in), 4096), randomCuts(r, len(in), 3)} {
		f.Reset()
		var got []protocol.Record
		prev := 0
		for _, c := range append(cuts, len(in)) {
			got = f.Feed(got, in[prev:c])
			if p := f.Pending(); p > 3+protocol.MaxDelimited {
				t.Fatalf("Pending() = %d after %d bytes", p, c)
			}
			prev = c
		}
		if !reflect.DeepEqual(noEnds(got), noEnds(want)) {
			t.Fatalf("cuts %v: %d records, want %d", cuts[:min(len(cuts), 5)], len(got), len(want))
		}
	}
}

// A delimited payload is not ended by silence; a connection boundary drops
// it and describes it with no announced length.
func TestFramerDelimitedPendingBoundary(t *testing.T) {
	f := protocol.NewFramer(fakeSpec(0), fakeClassify)
	got := f.Feed(nil, []byte("OK\r\n\x1bS5ab\x1b\x1bc"))
	if want := []protocol.Record{rec(protocol.KindOK, "OK")}; !reflect.DeepEqual(noEnds(got), want) {
		t.Fatalf("got%s\nwant%s", showRecords(got), showRecords(want))
	}
	if got := f.Flush(nil); len(got) != 0 || f.Pending() != 3+4 {
		t.Fatalf("Flush: %s, Pending() = %d, want nothing and 7", showRecords(got), f.Pending())
	}
	recs, cut, ok := f.Boundary(nil)
	want := protocol.Cut{Header: "\x1bS5", LinkID: 5, Got: 4, Want: -1}
	if !ok || len(recs) != 0 || cut != want || f.Pending() != 0 {
		t.Fatalf("Boundary: %s, %+v %v, Pending() = %d; want %+v", showRecords(recs), cut, ok, f.Pending(), want)
	}
	if got := f.Feed(nil, []byte("E\r\n")); !reflect.DeepEqual(noEnds(got), []protocol.Record{rec(protocol.KindInfo, "E")}) {
		t.Fatalf("after the boundary: %s", showRecords(got))
	}
}

// A rule's End that cannot be an escaped delimiter makes no header.
func TestFramerBadEnd(t *testing.T) {
	for _, end := range []string{"\x1b", "\x1b\x1b", "EE"} {
		spec := protocol.FrameSpec{
			PayloadPrefixes: []string{"#"},
			Payload: func(line []byte) protocol.PayloadMatch {
				return protocol.PayloadMatch{Status: protocol.Match, Header: 1, End: end, LinkID: 1}
			},
		}
		got := protocol.NewFramer(spec, nil).Feed(nil, []byte("#ab"+end+"\r\n"))
		if want := []protocol.Record{rec(protocol.KindInfo, "#ab"+end)}; !reflect.DeepEqual(noEnds(got), want) {
			t.Fatalf("End %q: got%s\nwant%s", end, showRecords(got), showRecords(want))
		}
	}
}

// A header that keeps answering NeedMore is given up after MaxHeader bytes,
// and the rule never sees more than that.
func TestFramerHeaderLimit(t *testing.T) {
	longest := 0
	spec := protocol.FrameSpec{
		PayloadPrefixes: []string{"#"},
		Payload: func(line []byte) protocol.PayloadMatch {
			longest = max(longest, len(line))
			return protocol.PayloadMatch{Status: protocol.NeedMore}
		},
	}
	line := "#" + strings.Repeat("h", 299)
	for _, chunk := range []int{1, 7, 256, 4096} {
		longest = 0
		f := protocol.NewFramer(spec, nil)
		var got []protocol.Record
		in := []byte(line + "\r\n")
		for k := 0; k < len(in); k += chunk {
			got = f.Feed(got, in[k:min(k+chunk, len(in))])
		}
		want := []protocol.Record{rec(protocol.KindInfo, line)}
		if !reflect.DeepEqual(noEnds(got), want) {
			t.Fatalf("chunk %d: got%s\nwant%s", chunk, showRecords(got), showRecords(want))
		}
		if longest != protocol.MaxHeader {
			t.Fatalf("chunk %d: rule saw up to %d bytes, want %d", chunk, longest, protocol.MaxHeader)
		}
	}
}

// Bad answers from a payload rule are taken as NoMatch.
func TestFramerBadMatch(t *testing.T) {
	for _, m := range []protocol.PayloadMatch{
		{Status: protocol.Match, Header: 0, Length: 1},
		{Status: protocol.Match, Header: 100, Length: 1},
		{Status: protocol.Match, Header: 2, Length: -1},
		{Status: 42},
	} {
		spec := protocol.FrameSpec{PayloadPrefixes: []string{"#"}, Payload: func([]byte) protocol.PayloadMatch { return m }}
		f := protocol.NewFramer(spec, nil)
		got := f.Feed(nil, []byte("#abc\r\n"))
		want := []protocol.Record{rec(protocol.KindInfo, "#abc")}
		if !reflect.DeepEqual(noEnds(got), want) {
			t.Fatalf("%+v: got%s\nwant%s", m, showRecords(got), showRecords(want))
		}
	}
}

// A rule that answers NeedMore to a complete header and later matches with
// a short header: the bytes the framer already held beyond the payload are
// framed again, nothing is lost or duplicated.
func TestFramerLateShortMatch(t *testing.T) {
	spec := protocol.FrameSpec{
		PayloadPrefixes: []string{"#"},
		Payload: func(line []byte) protocol.PayloadMatch {
			if len(line) < 8 {
				return protocol.PayloadMatch{Status: protocol.NeedMore}
			}
			return protocol.PayloadMatch{Status: protocol.Match, Header: 2, Length: 1, LinkID: 4}
		},
	}
	want := []protocol.Record{data("#1", "x", 4), rec(protocol.KindInfo, "abcdefg")}
	for _, cuts := range [][]int{nil, {3}, {5}, {7}, {2, 4, 6}} {
		f := protocol.NewFramer(spec, nil)
		got := feedCuts(f, []byte("#1xabcdefg\r\n"), cuts)
		if !reflect.DeepEqual(noEnds(got), want) {
			t.Fatalf("cuts %v: got%s\nwant%s", cuts, showRecords(got), showRecords(want))
		}
	}
}

// A header announcing an absurd length must not make the framer allocate it.
func TestFramerLyingHeader(t *testing.T) {
	spec := protocol.FrameSpec{
		PayloadPrefixes: []string{"#"},
		Payload: func(line []byte) protocol.PayloadMatch {
			if len(line) < 2 {
				return protocol.PayloadMatch{Status: protocol.NeedMore}
			}
			return protocol.PayloadMatch{Status: protocol.Match, Header: 2, Length: math.MaxInt32}
		},
	}
	f := protocol.NewFramer(spec, nil)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	chunk := bytes.Repeat([]byte("q"), 1000)
	f.Feed(nil, []byte("#:"))
	for range 100 {
		if recs := f.Feed(nil, chunk); len(recs) != 0 {
			t.Fatalf("got records %s from an incomplete payload", showRecords(recs))
		}
	}
	runtime.ReadMemStats(&after)
	if f.Pending() != 2+100*len(chunk) {
		t.Fatalf("Pending() = %d, want %d", f.Pending(), 2+100*len(chunk))
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 4<<20 {
		t.Fatalf("allocated %d bytes for 100 kB of payload", grew)
	}
}

// Records own their bytes: changing the input or feeding more afterwards
// does not change them.
func TestFramerNoAliasing(t *testing.T) {
	f := protocol.NewFramer(fakeSpec(0), fakeClassify)
	in := []byte("first\r\n[$][SKT][DATA][0][3]:abc\r\nsec")
	recs := f.Feed(nil, in)
	for k := range in {
		in[k] = '!'
	}
	recs = f.Feed(recs, []byte("ond\r\n[$][SKT][DATA][1][4]:de"))
	tail := []byte("fg\r\n")
	recs = f.Feed(recs, tail)
	tail[0], tail[1] = '?', '?'
	f.Feed(nil, []byte(strings.Repeat("#", 100)+"\r\n"))
	want := []protocol.Record{rec(protocol.KindInfo, "first"), data("[$][SKT][DATA][0][3]:", "abc", 0),
		rec(protocol.KindInfo, "second"), data("[$][SKT][DATA][1][4]:", "defg", 1)}
	if !reflect.DeepEqual(noEnds(recs), want) {
		t.Fatalf("got%s\nwant%s", showRecords(recs), showRecords(want))
	}
}

// Plain lines cost one allocation each (the Text string), nothing per byte.
func TestFramerAllocs(t *testing.T) {
	f := protocol.NewFramer(fakeSpec(0), fakeClassify)
	in := []byte(strings.Repeat("link_id:0,server,tcp,src_address:192.168.0.10,src_port:1234\r\n[$]wifi connected\r\nOK\r\n", 10))
	dst := make([]protocol.Record, 0, 64)
	allocs := testing.AllocsPerRun(20, func() {
		dst = f.Feed(dst[:0], in[:50])
		dst = f.Feed(dst, in[50:])
	})
	if allocs > 30 {
		t.Fatalf("%v allocations for 30 lines, want at most 30", allocs)
	}
}

// noEnds returns a copy of rs without the terminators (End, Lead, LeadN):
// the tables above compare what the records say; TestFramerLineEnds checks
// the terminators.
func noEnds(rs []protocol.Record) []protocol.Record {
	if rs == nil {
		return nil
	}
	out := make([]protocol.Record, len(rs))
	for i, r := range rs {
		r.End, r.Lead, r.LeadN = protocol.EndNone, protocol.EndNone, 0
		out[i] = r
	}
	return out
}

// TestFramerLineEnds checks that each record keeps the terminator that
// ended its line and the empty lines before it, however the bytes are cut.
func TestFramerLineEnds(t *testing.T) {
	type ends struct {
		text      string
		end, lead protocol.LineEnd
		leadN     uint8
	}
	cases := []struct {
		name string
		in   []string // chunks
		want []ends
	}{
		{"crlf around OK", []string{"\r\nOK\r\n"}, []ends{{"OK", protocol.EndCRLF, protocol.EndCRLF, 1}}},
		{"bare LF after GMR's first line", []string{"\r\nAMEBA-RTOS SDK VERSION: 1.1.0\nATCMD VERSION: 1.1.0\r\n\r\nOK\r\n"}, []ends{
			{"AMEBA-RTOS SDK VERSION: 1.1.0", protocol.EndLF, protocol.EndCRLF, 1},
			{"ATCMD VERSION: 1.1.0", protocol.EndCRLF, protocol.EndNone, 0},
			{"OK", protocol.EndCRLF, protocol.EndCRLF, 1},
		}},
		{"bare CR", []string{"A\rB\r\n"}, []ends{{"A", protocol.EndCR, protocol.EndNone, 0}, {"B", protocol.EndCRLF, protocol.EndNone, 0}}},
		{"CR LF cut between reads", []string{"A\r", "\nB\r\n"}, []ends{{"A", protocol.EndCR, protocol.EndNone, 0}, {"B", protocol.EndCRLF, protocol.EndLF, 1}}},
		{"a line cut by Flush", []string{"\r\n\r\n\r\npartial"}, []ends{{"partial", protocol.EndNone, protocol.EndCRLF, 3}}},
		{"payload then its CR LF", []string{"[$][SKT][DATA][0][2]:hi\r\nOK\r\n"}, []ends{{"[$][SKT][DATA][0][2]:", protocol.EndNone, protocol.EndNone, 0}, {"OK", protocol.EndCRLF, protocol.EndCRLF, 1}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fr := protocol.NewFramer(fakeSpec(0), fakeClassify)
			var got []protocol.Record
			for _, c := range tc.in {
				got = fr.Feed(got, []byte(c))
			}
			got = fr.Flush(got)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d records, want %d:%s", len(got), len(tc.want), showRecords(got))
			}
			for i, w := range tc.want {
				r := got[i]
				if r.Text != w.text || r.End != w.end || r.Lead != w.lead || r.LeadN != w.leadN {
					t.Errorf("record %d: %q end %q lead %q×%d, want %q end %q lead %q×%d", i,
						r.Text, r.End.Bytes(), r.Lead.Bytes(), r.LeadN, w.text, w.end.Bytes(), w.lead.Bytes(), w.leadN)
				}
			}
		})
	}
}

// TestFramerTextSurvivesLaterLines checks that the text of a record is its
// own for good: lines that come later, in the same read or others, never
// change it (the framer packs short lines into shared blocks).
func TestFramerTextSurvivesLaterLines(t *testing.T) {
	f := protocol.NewFramer(protocol.FrameSpec{}, nil)
	var recs []protocol.Record
	var want []string
	for i := range 5000 {
		line := fmt.Sprintf("line %d %s", i, strings.Repeat("y", i%300))
		want = append(want, line)
		recs = f.Feed(recs, []byte(line+"\r\n"))
	}
	if len(recs) != len(want) {
		t.Fatalf("%d records, want %d", len(recs), len(want))
	}
	for i, r := range recs {
		if r.Text != want[i] {
			t.Fatalf("record %d: %q, want %q", i, r.Text, want[i])
		}
	}
}
