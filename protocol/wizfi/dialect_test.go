package wizfi

import (
	"bytes"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"atbench/protocol"
)

// table is a small stand-in for the session's link table: it applies
// updates the way the session does (merge, Gone closes a link and its
// seeds, an update of NoLink marked Snapshot closes everything, a state
// command's listing closes what it does not show).
type table struct {
	live     map[int]*protocol.LinkInfo
	closed   map[int]string // id → reason, for the last link closed on it
	settings []protocol.Setting
	seen     map[int]bool // links listed by the state command under way
}

func newTable() *table {
	return &table{live: map[int]*protocol.LinkInfo{}, closed: map[int]string{}}
}

func (t *table) close(id int, reason string) {
	if _, ok := t.live[id]; ok {
		delete(t.live, id)
		t.closed[id] = reason
	}
}

func (t *table) apply(u protocol.LinkUpdate) {
	switch {
	case u.ID == protocol.NoLink:
		if u.Snapshot {
			for id := range t.live {
				t.close(id, u.Reason)
			}
		}
		return
	case u.Gone:
		t.close(u.ID, u.Reason)
		for id, l := range t.live {
			if l.Role == protocol.RoleSeed && l.Parent == u.ID {
				t.close(id, "server closed")
			}
		}
		return
	}
	l := t.live[u.ID]
	if l == nil {
		if !u.Present {
			return
		}
		l = &protocol.LinkInfo{ID: u.ID, Parent: protocol.NoLink}
		t.live[u.ID] = l
	}
	if u.Snapshot && t.seen != nil {
		t.seen[u.ID] = true
	}
	if u.Role != "" {
		l.Role = u.Role
	}
	if u.Proto != "" {
		l.Proto = u.Proto
	}
	if u.Parent != protocol.NoLink {
		l.Parent = u.Parent
	}
	if u.Local != "" {
		l.Local = u.Local
	}
	if u.Remote != "" {
		l.Remote = u.Remote
	}
	if u.State != "" {
		l.State = u.State
	}
	l.BytesIn += uint64(u.RxBytes)
	l.BytesOut += uint64(u.TxBytes)
}

func (t *table) set(s protocol.Setting) {
	for i := range t.settings {
		if t.settings[i].Name == s.Name {
			t.settings[i].Value = s.Value
			return
		}
	}
	t.settings = append(t.settings, s)
}

// show writes the live links in a fixed form for comparison.
func (t *table) show() string {
	ids := make([]int, 0, len(t.live))
	for id := range t.live {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	var b strings.Builder
	for _, id := range ids {
		l := t.live[id]
		fmt.Fprintf(&b, "%s %s %s parent=%d local=%s remote=%s %s in=%d out=%d\n",
			FormatCID(id), l.Role, l.Proto, l.Parent, l.Local, l.Remote, l.State, l.BytesIn, l.BytesOut)
	}
	return b.String()
}

// step is one exchange of a transcript: a command and the module's bytes
// until its final result, or (cmd "") bytes the module says unasked.
type step struct {
	cmd   string
	out   string
	want  []protocol.Record // the records the bytes frame into (echo marked)
	final protocol.Kind     // of a command: the kind of its final record
	link  int               // of a command: the LinkID of its final record
	links string            // the live links afterwards (table.show); "-" to skip
	check func(t *testing.T, d *Dialect, tb *table)
}

func rec(k protocol.Kind, text string, link int) protocol.Record {
	return protocol.Record{Kind: k, Text: text, LinkID: link}
}

func dat(head, payload string, link int) protocol.Record {
	return protocol.Record{Kind: protocol.KindData, Text: head, Payload: []byte(payload), LinkID: link}
}

const none = protocol.NoLink

// keepaliveIs checks the keepalive LinkKeepalive gives a CID.
func keepaliveIs(cid int, on bool, idle time.Duration, count int, detection time.Duration) func(*testing.T, *Dialect, *table) {
	return func(t *testing.T, d *Dialect, tb *table) {
		t.Helper()
		ka, ok := d.LinkKeepalive(cid, tb.settings)
		want := protocol.Keepalive{Enabled: on, Idle: idle, Interval: ProbeInterval, Count: count}
		if !ok || ka != want {
			t.Fatalf("LinkKeepalive(%d) = %+v %v, want %+v (settings %v)", cid, ka, ok, want, tb.settings)
		}
		if got := ka.Idle + time.Duration(ka.Count)*ka.Interval; got != detection {
			t.Fatalf("LinkKeepalive(%d): detection %v, want %v", cid, got, detection)
		}
	}
}

// sendsAs checks the frame SendPlan builds for "yo" on a CID.
func sendsAs(cid int, frame string) func(*testing.T, *Dialect, *table) {
	return func(t *testing.T, d *Dialect, tb *table) {
		t.Helper()
		plan, err := d.SendPlan(cid, []byte("yo"))
		if want := (protocol.Plan{protocol.RawStep([]byte(frame))}); err != nil || !reflect.DeepEqual(plan, want) {
			t.Fatalf("SendPlan(%d) = %q, %v; want %q", cid, plan, err, want)
		}
	}
}

// transcript is the seed's keepalive recipes on a TCP server's accepted
// client, with the answers and events of dialects.md C.1, C.2, C.4 and
// the data frames of C.5 around them.
func transcript() []step {
	const server = "0\tTCP\tSERVER\t5000\t\t   0\t\t  0.  0.  0.  0"
	const seed = "1\tTCP\tSERVER\t5000\t\t65535\t\t192.168.100.200"
	return []step{
		{out: "\r\nSerial2WiFi APP\r\n", want: []protocol.Record{rec(protocol.KindEvent, "Serial2WiFi APP", none)}, links: ""},
		{cmd: "AT+CID=?", out: "\r\n No valid Cids\r\n\r\n[OK]\r\n",
			want:  []protocol.Record{rec(protocol.KindInfo, " No valid Cids", none), rec(protocol.KindOK, "[OK]", none)},
			final: protocol.KindOK, link: none, links: ""},
		{cmd: "AT+NSTCP=5000", out: "\r\nCONNECT 0\r\n\r\n[OK]\r\n",
			want:  []protocol.Record{rec(protocol.KindEvent, "CONNECT 0", 0), rec(protocol.KindOK, "[OK]", none)},
			final: protocol.KindOK, link: 0,
			links: "0 server tcp parent=-1 local=0.0.0.0:5000 remote= LISTEN in=0 out=0\n"},
		{out: "\r\nCONNECT 0 1 192.168.100.200 65535\r\n",
			want: []protocol.Record{rec(protocol.KindEvent, "CONNECT 0 1 192.168.100.200 65535", 1)},
			links: "0 server tcp parent=-1 local=0.0.0.0:5000 remote= LISTEN in=0 out=0\n" +
				"1 seed tcp parent=0 local= remote=192.168.100.200:65535 ESTABLISHED in=0 out=0\n"},
		// The seed's first recipe: SO_KEEPALIVE on, TCP_KEEPALIVE 600 s:
		// 8 probes 75 s apart from the start of the silence.
		{cmd: "AT+SETSOCKOPT=1,65535,8,1,4", out: "\r\n[OK]\r\n", want: []protocol.Record{rec(protocol.KindOK, "[OK]", none)},
			final: protocol.KindOK, link: none, links: "-"},
		{cmd: "AT+SETSOCKOPT= 1,6,4001,600,4", out: "\r\n[OK]\r\n", want: []protocol.Record{rec(protocol.KindOK, "[OK]", none)},
			final: protocol.KindOK, link: none, links: "-", check: keepaliveIs(1, true, 0, 8, 600*time.Second)},
		// Data both ways: CR, LF and a doubled ESC inside an ESC S frame, a
		// bulk frame right after it, an acknowledgement.
		{out: "\x1bS1hello\r\n\x1b\x1bOK\x1bE\x1bZ10004ab\r\n\x1bO",
			want: []protocol.Record{dat("\x1bS1", "hello\r\n\x1bOK", 1), dat("\x1bZ10004", "ab\r\n", 1), dat("\x1bO", "", none)},
			links: "0 server tcp parent=-1 local=0.0.0.0:5000 remote= LISTEN in=0 out=0\n" +
				"1 seed tcp parent=0 local= remote=192.168.100.200:65535 ESTABLISHED in=14 out=0\n"},
		{cmd: "AT+CID=?", out: "\r\n" + CIDHeader + "\r\n" + server + "\r\n" + seed + "\r\n\r\n[OK]\r\n",
			want: []protocol.Record{rec(protocol.KindInfo, CIDHeader, none), rec(protocol.KindInfo, server, 0),
				rec(protocol.KindInfo, seed, 1), rec(protocol.KindOK, "[OK]", none)},
			final: protocol.KindOK, link: none,
			links: "0 server tcp parent=-1 local=0.0.0.0:5000 remote= LISTEN in=0 out=0\n" +
				"1 seed tcp parent=0 local=0.0.0.0:5000 remote=192.168.100.200:65535 ESTABLISHED in=14 out=0\n"},
		// The second recipe: count 1, then 75 s: one probe, 75 s.
		{cmd: "AT+SETSOCKOPT =1,6,4005,1,4", out: "\r\n[OK]\r\n", want: []protocol.Record{rec(protocol.KindOK, "[OK]", none)},
			final: protocol.KindOK, link: none, links: "-"},
		{cmd: "AT+SETSOCKOPT=1,6,4001,75,4", out: "\r\n[OK]\r\n", want: []protocol.Record{rec(protocol.KindOK, "[OK]", none)},
			final: protocol.KindOK, link: none, links: "-", check: keepaliveIs(1, true, 0, 1, 75*time.Second)},
		{cmd: "ATE1", out: "\r\n[OK]\r\n", want: []protocol.Record{rec(protocol.KindOK, "[OK]", none)},
			final: protocol.KindOK, link: none, links: "-"},
		// With echo on, the command comes back first.
		{cmd: "AT+NCTCP=192.168.100.10,8080", out: "AT+NCTCP=192.168.100.10,8080\r\r\nCONNECT 2\r\n\r\n[OK]\r\n",
			want: []protocol.Record{rec(protocol.KindEcho, "AT+NCTCP=192.168.100.10,8080", none),
				rec(protocol.KindEvent, "CONNECT 2", 2), rec(protocol.KindOK, "[OK]", none)},
			final: protocol.KindOK, link: 2,
			links: "0 server tcp parent=-1 local=0.0.0.0:5000 remote= LISTEN in=0 out=0\n" +
				"1 seed tcp parent=0 local=0.0.0.0:5000 remote=192.168.100.200:65535 ESTABLISHED in=14 out=0\n" +
				"2 client tcp parent=-1 local= remote=192.168.100.10:8080 ESTABLISHED in=0 out=0\n"},
		{out: "\r\nDISCONNECT 1\r\n", want: []protocol.Record{rec(protocol.KindEvent, "DISCONNECT 1", 1)},
			links: "0 server tcp parent=-1 local=0.0.0.0:5000 remote= LISTEN in=0 out=0\n" +
				"2 client tcp parent=-1 local= remote=192.168.100.10:8080 ESTABLISHED in=0 out=0\n",
			check: func(t *testing.T, d *Dialect, tb *table) {
				if tb.closed[1] != "DISCONNECT 1" {
					t.Fatalf("closed %v", tb.closed)
				}
			}},
		{cmd: "AT+SETSOCKOPT=1,6,4001,600,4", out: "AT+SETSOCKOPT=1,6,4001,600,4\r\r\n[ERROR: INVALID CID]\r\n",
			want:  []protocol.Record{rec(protocol.KindEcho, "AT+SETSOCKOPT=1,6,4001,600,4", none), rec(protocol.KindError, "[ERROR: INVALID CID]", none)},
			final: protocol.KindError, link: none, links: "-"},
		// A new client on CID 1: its socket starts with no options.
		{out: "\r\nCONNECT 0 1 192.168.100.201 40000\r\n",
			want: []protocol.Record{rec(protocol.KindEvent, "CONNECT 0 1 192.168.100.201 40000", 1)},
			links: "0 server tcp parent=-1 local=0.0.0.0:5000 remote= LISTEN in=0 out=0\n" +
				"1 seed tcp parent=0 local= remote=192.168.100.201:40000 ESTABLISHED in=0 out=0\n" +
				"2 client tcp parent=-1 local= remote=192.168.100.10:8080 ESTABLISHED in=0 out=0\n",
			check: keepaliveIs(1, false, 7200*time.Second-8*ProbeInterval, 8, 7200*time.Second)},
		{cmd: "AT+NCLOSE=0", out: "AT+NCLOSE=0\r\r\n[OK]\r\n",
			want:  []protocol.Record{rec(protocol.KindEcho, "AT+NCLOSE=0", none), rec(protocol.KindOK, "[OK]", none)},
			final: protocol.KindOK, link: none,
			links: "2 client tcp parent=-1 local= remote=192.168.100.10:8080 ESTABLISHED in=0 out=0\n"},
		{cmd: "AT+NCTCP=192.168.100.10,8081", out: "AT+NCTCP=192.168.100.10,8081\r\r\nDISASSOCIATED\r\n",
			want:  []protocol.Record{rec(protocol.KindEcho, "AT+NCTCP=192.168.100.10,8081", none), rec(protocol.KindError, "DISASSOCIATED", none)},
			final: protocol.KindError, link: none, links: "-"},
		{cmd: "AT+CID=?", out: "AT+CID=?\r\r\n No valid Cids\r\n\r\n[OK]\r\n",
			want: []protocol.Record{rec(protocol.KindEcho, "AT+CID=?", none), rec(protocol.KindInfo, " No valid Cids", none),
				rec(protocol.KindOK, "[OK]", none)},
			final: protocol.KindOK, link: none, links: "",
			check: func(t *testing.T, d *Dialect, tb *table) {
				if tb.closed[2] != "not listed by AT+CID=? (No valid Cids)" {
					t.Fatalf("closed %v", tb.closed)
				}
			}},
		{cmd: "AT+NCUDP=192.168.100.10,53,4000", out: "AT+NCUDP=192.168.100.10,53,4000\r\r\nCONNECT 0\r\n\r\n[OK]\r\n",
			want: []protocol.Record{rec(protocol.KindEcho, "AT+NCUDP=192.168.100.10,53,4000", none), rec(protocol.KindEvent, "CONNECT 0", 0),
				rec(protocol.KindOK, "[OK]", none)},
			final: protocol.KindOK, link: 0,
			links: "0 client udp parent=-1 local=0.0.0.0:4000 remote=192.168.100.10:53 BOUND in=0 out=0\n"},
		// A UDP server answers the last peer that sent to it (ESC U).
		{cmd: "AT+NSUDP=6000", out: "\r\nCONNECT 1\r\n\r\n[OK]\r\n",
			want:  []protocol.Record{rec(protocol.KindEvent, "CONNECT 1", 1), rec(protocol.KindOK, "[OK]", none)},
			final: protocol.KindOK, link: 1,
			links: "0 client udp parent=-1 local=0.0.0.0:4000 remote=192.168.100.10:53 BOUND in=0 out=0\n" +
				"1 server udp parent=-1 local=0.0.0.0:6000 remote= BOUND in=0 out=0\n",
			check: sendsAs(1, "\x1bS1yo\x1bE")},
		{out: "\x1bu1192.168.100.7 6001\thi\r\n\x1bE",
			want: []protocol.Record{dat("\x1bu1192.168.100.7 6001\t", "hi\r\n", 1)},
			links: "0 client udp parent=-1 local=0.0.0.0:4000 remote=192.168.100.10:53 BOUND in=0 out=0\n" +
				"1 server udp parent=-1 local=0.0.0.0:6000 remote= BOUND in=4 out=0\n",
			check: sendsAs(1, "\x1bU1192.168.100.7:6001:yo\x1bE")},
		{out: "\x1by1192.168.100.8 6002\t0002ab",
			want:  []protocol.Record{dat("\x1by1192.168.100.8 6002\t0002", "ab", 1)},
			links: "-", check: sendsAs(1, "\x1bU1192.168.100.8:6002:yo\x1bE")},
		{out: "\r\nDisassociation Event\r\n", want: []protocol.Record{rec(protocol.KindEvent, "Disassociation Event", none)}, links: "",
			check: func(t *testing.T, d *Dialect, tb *table) {
				if tb.closed[0] != "Wi-Fi lost (Disassociation Event)" {
					t.Fatalf("closed %v", tb.closed)
				}
				sendsAs(1, "\x1bS1yo\x1bE")(t, d, tb)
			}},
	}
}

// play runs the transcript through a framer made from the dialect's
// FrameSpec and Classify, the dialect's answers, links and settings, as
// the session does, feeding each step's bytes in pieces of chunk bytes
// (0: whole).
func play(t *testing.T, steps []step, chunk int) {
	t.Helper()
	d := New().(*Dialect)
	fr := protocol.NewFramer(d.FrameSpec(), d.Classify)
	tb := newTable()
	for n, s := range steps {
		var (
			ans      protocol.Answer
			answered bool
			ended    *protocol.Record
			got      []protocol.Record
		)
		if s.cmd != "" {
			fr.SetCommand(s.cmd)
			ans = d.Answer(s.cmd)
			if turn := ans.Begin(); turn.Phase != protocol.Answering {
				t.Fatalf("step %d %q: Begin %+v", n, s.cmd, turn)
			}
			if d.StateCommand() == s.cmd {
				tb.seen = map[int]bool{}
			}
		}
		in := []byte(s.out)
		for len(in) > 0 {
			k := len(in)
			if chunk > 0 {
				k = min(k, chunk)
			}
			recs := fr.Feed(nil, in[:k])
			in = in[k:]
			for _, r := range recs {
				if ended != nil {
					t.Fatalf("step %d %q: record %+v after the final result", n, s.cmd, r)
				}
				if ans != nil && r.Kind == protocol.KindInfo && !answered && r.Text == s.cmd {
					r.Kind = protocol.KindEcho
				}
				if ans != nil && r.Kind == protocol.KindInfo {
					answered = true
				}
				got = append(got, r)
				if r.Kind != protocol.KindEcho {
					for _, u := range d.Links(r) {
						tb.apply(u)
					}
					for _, st := range d.Settings(r) {
						tb.set(st)
					}
				}
				if ans == nil {
					continue
				}
				turn := ans.Take(r)
				switch turn.Phase {
				case protocol.Ended:
					ended = &turn.Final
				case protocol.AwaitingRaw:
					t.Fatalf("step %d %q: the module never awaits raw bytes: %+v", n, s.cmd, turn)
				}
			}
		}
		if p := fr.Pending(); p != 0 {
			t.Fatalf("step %d: %d bytes pending", n, p)
		}
		if !reflect.DeepEqual(noEnds(got), s.want) {
			t.Fatalf("step %d %q: records\n got %+v\nwant %+v", n, s.cmd, got, s.want)
		}
		if s.cmd != "" {
			if ended == nil {
				t.Fatalf("step %d %q: the answer did not end", n, s.cmd)
			}
			if ended.Kind != s.final || ended.LinkID != s.link {
				t.Fatalf("step %d %q: final %+v, want kind %v link %d", n, s.cmd, *ended, s.final, s.link)
			}
			for _, u := range d.ResultLinks(s.cmd, *ended) {
				tb.apply(u)
			}
			if ended.Kind == protocol.KindOK {
				sent := protocol.Record{Kind: protocol.KindSent, Text: s.cmd, LinkID: protocol.NoLink}
				for _, u := range d.Links(sent) {
					tb.apply(u)
				}
				for _, st := range d.Settings(sent) {
					tb.set(st)
				}
				if tb.seen != nil {
					for id := range tb.live {
						if !tb.seen[id] {
							tb.close(id, "no longer listed")
						}
					}
				}
			}
			tb.seen = nil
			fr.SetCommand("")
		}
		if s.links != "-" {
			if got := tb.show(); got != s.links {
				t.Fatalf("step %d %q: links\n got %s\nwant %s", n, s.cmd, got, s.links)
			}
		}
		if s.check != nil {
			s.check(t, d, tb)
		}
	}
}

// noEnds clears the records' terminators: a CR LF cut between two reads
// is the CR of one record's End and the LF of the next one's Lead, so they
// depend on the cuts while the records do not.
func noEnds(rs []protocol.Record) []protocol.Record {
	for i := range rs {
		rs[i].End, rs[i].Lead, rs[i].LeadN = 0, 0, 0
	}
	return rs
}

func TestTranscript(t *testing.T) {
	for _, chunk := range []int{0, 1, 2, 3, 7} {
		t.Run(fmt.Sprintf("chunk %d", chunk), func(t *testing.T) { play(t, transcript(), chunk) })
	}
}

// The whole transcript fed at once, byte by byte or in random pieces
// frames into the same records.
func TestTranscriptFramedWhole(t *testing.T) {
	var all []byte
	for _, s := range transcript() {
		all = append(all, s.out...)
	}
	d := New()
	frame := func(chunk int) []protocol.Record {
		fr := protocol.NewFramer(d.FrameSpec(), d.Classify)
		var out []protocol.Record
		for in := all; len(in) > 0; {
			k := min(len(in), chunk)
			out = fr.Feed(out, in[:k])
			in = in[k:]
		}
		return noEnds(fr.Flush(out))
	}
	want := frame(len(all))
	if len(want) < 25 {
		t.Fatalf("only %d records", len(want))
	}
	for _, chunk := range []int{1, 2, 5, 64} {
		if got := frame(chunk); !reflect.DeepEqual(got, want) {
			t.Fatalf("chunk %d: %d records, want %d", chunk, len(got), len(want))
		}
	}
}

func TestPayloadRule(t *testing.T) {
	m := func(st protocol.MatchStatus, header, length int, end string, link int) protocol.PayloadMatch {
		return protocol.PayloadMatch{Status: st, Header: header, Length: length, End: end, LinkID: link}
	}
	need := m(protocol.NeedMore, 0, 0, "", none)
	no := m(protocol.NoMatch, 0, 0, "", none)
	tests := []struct {
		line string
		want protocol.PayloadMatch
	}{
		{"\x1b", need},
		{"\x1bS", need},
		{"\x1bSf", m(protocol.Match, 3, 0, "\x1bE", 15)},
		{"\x1bSAdata", m(protocol.Match, 3, 0, "\x1bE", 10)},
		{"\x1bSg", no},
		{"\x1bZ3", need},
		{"\x1bZ3012", need},
		{"\x1bZ30123rest", m(protocol.Match, 7, 123, "", 3)},
		{"\x1bZ301x3", no},
		{"\x1bH20000", m(protocol.Match, 7, 0, "", 2)},
		{"\x1bu4192.168.1.2 5000\tdata", m(protocol.Match, 20, 0, "\x1bE", 4)},
		{"\x1bu4192.168.1.2 50", need},
		{"\x1bu4192.168.1.2:5000\t", no},
		{"\x1bu4192.168.1.2 70000\t", no},
		{"\x1bu4300.1.1.1 5\t", no},
		{"\x1bu4" + strings.Repeat("1", 23), no},
		{"\x1by5192.168.1.2 5000\t0012", m(protocol.Match, 24, 12, "", 5)},
		{"\x1by5192.168.1.2 5000\t00", need},
		{"\x1bR:", need},
		{"\x1bR:12:ab", m(protocol.Match, 6, 12, "", none)},
		{"\x1bR::", no},
		{"\x1bR:123456:", no},
		{"\x1bRx", no},
		{"\x1bO", m(protocol.Match, 2, 0, "", none)},
		{"\x1bFrest", m(protocol.Match, 2, 0, "", none)},
		{"\x1bX", no},
		{"\x1bU0", no}, // the host's form: the module does not send it
		{"S", no},
	}
	for _, tc := range tests {
		if got := Payload([]byte(tc.line)); got != tc.want {
			t.Errorf("Payload(%q) = %+v, want %+v", tc.line, got, tc.want)
		}
	}
}

// The framer and the Decoder read the module's frames alike.
func TestFramerAgreesWithDecoder(t *testing.T) {
	in := []byte("\x1bS3a\x1b\x1bb\x1bE\x1bZ30003xyz\x1bu4192.168.1.2 5000\tdg\x1bE\x1by5192.168.1.2 5001\t0002hi\x1bH60001h\x1bR:2:rr")
	var want []protocol.Record
	for _, f := range NewDecoder(0).Decode(nil, in) {
		want = append(want, protocol.Record{Kind: protocol.KindData, Payload: f.Data, LinkID: f.CID})
	}
	d := New()
	fr := protocol.NewFramer(d.FrameSpec(), d.Classify)
	got := fr.Feed(nil, in)
	for i := range got {
		got[i].Text = ""
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("framer %+v\ndecoder %+v", got, want)
	}
}

func TestSendPlan(t *testing.T) {
	d := New()
	long := bytes.Repeat([]byte("x"), MaxBulk+5)
	tests := []struct {
		name    string
		link    int
		payload []byte
		want    protocol.Plan
		err     bool
	}{
		{name: "text", link: 1, payload: []byte("hello\r\n"), want: protocol.Plan{protocol.RawStep([]byte("\x1bS1hello\r\n\x1bE"))}},
		{name: "cid f", link: 15, payload: []byte("a"), want: protocol.Plan{protocol.RawStep([]byte("\x1bSfa\x1bE"))}},
		{name: "ESC goes in bulk", link: 2, payload: []byte("a\x1bE"), want: protocol.Plan{protocol.RawStep([]byte("\x1bZ20003a\x1bE"))}},
		{name: "long goes in bulk pieces", link: 0, payload: long, want: protocol.Plan{
			protocol.RawStep(append([]byte("\x1bZ09999"), long[:MaxBulk]...)), protocol.RawStep([]byte("\x1bZ00005xxxxx"))}},
		{name: "exactly MaxBulk", link: 0, payload: long[:MaxBulk], want: protocol.Plan{
			protocol.RawStep(append(append([]byte("\x1bS0"), long[:MaxBulk]...), "\x1bE"...))}},
		{name: "empty", link: 0, payload: nil, err: true},
		{name: "CID 16", link: 16, payload: []byte("a"), err: true},
		{name: "NoLink", link: protocol.NoLink, payload: []byte("a"), err: true},
	}
	if plan, err := d.(*Dialect).SendToPlan(4, "10.0.0.9", 53, []byte("q\x1b")); err != nil ||
		!reflect.DeepEqual(plan, protocol.Plan{protocol.RawStep([]byte("\x1bU410.0.0.9:53:q\x1b\x1b\x1bE"))}) {
		t.Errorf("SendToPlan = %q, %v", plan, err)
	}
	for _, bad := range []struct {
		ip   string
		port int
		data string
	}{{"10.0.0.9", 0, "q"}, {"host", 53, "q"}, {"10.0.0.9", 53, ""}} {
		if _, err := d.(*Dialect).SendToPlan(4, bad.ip, bad.port, []byte(bad.data)); err == nil {
			t.Errorf("SendToPlan(%q, %d, %q): no error", bad.ip, bad.port, bad.data)
		}
	}
	for _, tc := range tests {
		got, err := d.SendPlan(tc.link, tc.payload)
		if (err != nil) != tc.err || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: SendPlan = %q, %v; want %q (error %v)", tc.name, got, err, tc.want, tc.err)
		}
		for _, st := range got {
			if !st.IsRaw() {
				t.Errorf("%s: a command step in a send: %q", tc.name, st.Line)
			}
		}
	}
	// The frames of a plan, decoded as the module does, give the payload
	// back, and Links counts them on the CID when the session records them.
	payload := append(bytes.Repeat([]byte("a\x1b"), MaxBulk), 'z')
	plan, err := d.SendPlan(7, payload)
	if err != nil {
		t.Fatal(err)
	}
	var raw []byte
	for _, st := range plan {
		raw = append(raw, st.Raw...)
	}
	var back []byte
	for _, f := range NewDecoder(0).Decode(nil, raw) {
		if f.CID != 7 || (f.Kind != FrameBulk && f.Kind != FrameData) {
			t.Fatalf("frame %+v", f)
		}
		back = append(back, f.Data...)
	}
	if !bytes.Equal(back, payload) {
		t.Fatalf("decoded %d bytes, want %d", len(back), len(payload))
	}
	ups := d.Links(protocol.Record{Kind: protocol.KindRaw, Payload: raw, LinkID: protocol.NoLink})
	if want := []protocol.LinkUpdate{{ID: 7, Parent: protocol.NoLink, TxBytes: len(payload)}}; !reflect.DeepEqual(ups, want) {
		t.Fatalf("Links(raw) = %+v, want %+v", ups, want)
	}
	if _, err := d.SendCommand(0, []byte("a")); err == nil {
		t.Fatal("SendCommand: no error")
	}
}

func TestAnswerRules(t *testing.T) {
	d := New()
	take := func(cmd string, recs ...protocol.Record) protocol.Turn {
		a := d.Answer(cmd)
		turn := a.Begin()
		for _, r := range recs {
			turn = a.Take(r)
		}
		return turn
	}
	ok := rec(protocol.KindOK, "[OK]", none)
	conn := rec(protocol.KindEvent, "CONNECT 3", 3)
	accept := rec(protocol.KindEvent, "CONNECT 0 4 10.0.0.1 1234", 4)
	tests := []struct {
		name  string
		turn  protocol.Turn
		phase protocol.Phase
		link  int
	}{
		{"open", take("AT+NCUDP=10.0.0.1,53", conn, ok), protocol.Ended, 3},
		{"open lower case", take("at+nstcp=80", conn, ok), protocol.Ended, 3},
		{"accept is not the answer", take("AT+NCTCP=10.0.0.1,80", accept, conn, ok), protocol.Ended, 3},
		{"accept only", take("AT+NSTCP=80", accept, ok), protocol.Ended, none},
		{"not an open", take("AT+NCLOSE=3", conn, ok), protocol.Ended, none},
		{"failed open", take("AT+NCTCP=10.0.0.1,80", conn, rec(protocol.KindError, "[ERROR]", none)), protocol.Ended, none},
		{"going on", take("AT+NCTCP=10.0.0.1,80", conn), protocol.Answering, none},
		{"begin", take("AT"), protocol.Answering, none},
	}
	for _, tc := range tests {
		if tc.turn.Phase != tc.phase || tc.turn.Final.LinkID != tc.link && tc.phase == protocol.Ended {
			t.Errorf("%s: %+v, want phase %v link %d", tc.name, tc.turn, tc.phase, tc.link)
		}
	}
	// ResultLinks reads the open's CID, and INVALID CID.
	final := take("AT+NCUDP=10.0.0.1,53,4000", conn, ok).Final
	if got := d.(protocol.ResultLinker).ResultLinks("AT+NCUDP=10.0.0.1,53,4000", final); len(got) != 1 ||
		got[0].ID != 3 || got[0].Proto != protocol.ProtoUDP || got[0].Remote != "10.0.0.1:53" || got[0].Local != "0.0.0.0:4000" {
		t.Errorf("ResultLinks(open) = %+v", got)
	}
	bad := rec(protocol.KindError, "[ERROR: INVALID CID]", none)
	if got := d.(protocol.ResultLinker).ResultLinks("AT+NCLOSE=a", bad); len(got) != 1 || got[0].ID != 10 || !got[0].Gone {
		t.Errorf("ResultLinks(INVALID CID) = %+v", got)
	}
	for _, c := range []struct {
		cmd   string
		final protocol.Record
	}{{"AT+NCLOSE=a", rec(protocol.KindError, "[ERROR: INVALID INPUT]", none)}, {"AT+NCLOSE=a", ok},
		{"AT+NCTCP=10.0.0.1,80", ok}, {"AT+WA=x", bad}} {
		if got := d.(protocol.ResultLinker).ResultLinks(c.cmd, c.final); got != nil {
			t.Errorf("ResultLinks(%q, %q) = %+v", c.cmd, c.final.Text, got)
		}
	}
}

func TestSplitLine(t *testing.T) {
	d := New()
	tests := []struct {
		line   string
		name   string
		sep    byte
		fields []string
	}{
		{"AT", "AT", 0, nil},
		{"  ATE1", "ATE1", 0, nil},
		{"AT+CID=?", "AT+CID", '=', nil},
		{"AT+CID= ? ", "AT+CID", '=', nil},
		{"AT+NCTCP=", "AT+NCTCP", '=', []string{""}},
		{"AT+NCTCP=192.168.1.2,80", "AT+NCTCP", '=', []string{"192.168.1.2", "80"}},
		{"AT+SETSOCKOPT =0,6,4005,1,4", "AT+SETSOCKOPT", '=', []string{"0", "6", "4005", "1", "4"}},
		{"AT+SETSOCKOPT= 0, 65535 ,8,1,4", "AT+SETSOCKOPT", '=', []string{"0", "65535", "8", "1", "4"}},
		{"AT+WA=my,net", "AT+WA", '=', []string{"my", "net"}},
		{"AT+WWPA=a b,c", "AT+WWPA", '=', []string{"a b", "c"}},
		{"AT+NSTCP=80,,", "AT+NSTCP", '=', []string{"80", "", ""}},
	}
	for _, tc := range tests {
		sp := d.SplitLine(tc.line)
		var fields []string
		for _, f := range sp.Fields {
			fields = append(fields, f.Text(tc.line))
		}
		if sp.Name.Text(tc.line) != tc.name || sp.Sep != tc.sep || !reflect.DeepEqual(fields, tc.fields) {
			t.Errorf("SplitLine(%q) = name %q sep %q fields %q; want %q %q %q", tc.line, sp.Name.Text(tc.line), sp.Sep, fields, tc.name, tc.sep, tc.fields)
		}
		// The catalogue's checks agree with the module's parser on what
		// the split finds.
		if spec, ok := protocol.Lookup(d.Catalog(), sp.Name.Text(tc.line)); ok && !strings.EqualFold(spec.Name, sp.Name.Text(tc.line)) {
			t.Errorf("SplitLine(%q): name %q looked up as %q", tc.line, sp.Name.Text(tc.line), spec.Name)
		}
	}
}

func TestFormatLink(t *testing.T) {
	d := New()
	for id, want := range map[int]string{0: "0", 9: "9", 10: "a", 15: "f"} {
		if got := d.FormatLink(id); got != want {
			t.Errorf("FormatLink(%d) = %q, want %q", id, got, want)
		}
		if cid, ok := cidOf([]byte(d.FormatLink(id))); !ok || cid != id {
			t.Errorf("FormatLink(%d) does not read back: %d %v", id, cid, ok)
		}
	}
}

// Every catalogue entry through the dialect: its example splits into the
// parameters it documents and passes the module's own parser and checks;
// its example reply frames into records that end its answer with the
// status the reply shows.
func TestCatalogThroughDialect(t *testing.T) {
	d := New()
	if !reflect.DeepEqual(d.Catalog(), Catalog()) {
		t.Fatal("the dialect's catalogue is not the package's")
	}
	for _, spec := range d.Catalog() {
		if spec.Example == "" {
			t.Errorf("%s: no example", spec.Name)
			continue
		}
		sp := d.SplitLine(spec.Example)
		if got := sp.Name.Text(spec.Example); !strings.EqualFold(got, spec.Name) {
			t.Errorf("%s: example %q splits to name %q", spec.Name, spec.Example, got)
		}
		if len(sp.Fields) > len(spec.Params) {
			t.Errorf("%s: example %q has %d fields for %d parameters", spec.Name, spec.Example, len(sp.Fields), len(spec.Params))
		}
		for i, f := range sp.Fields {
			if i < len(spec.Params) {
				if err := spec.Params[i].Check(f.Text(spec.Example)); err != nil {
					t.Errorf("%s: example %q field %d: %v", spec.Name, spec.Example, i, err)
				}
			}
		}
		c, err := ParseCommand([]byte(spec.Example))
		if err == nil {
			_, err = Validate(c)
		}
		if err != nil {
			t.Errorf("%s: example %q: %v", spec.Name, spec.Example, err)
		}
		if spec.Reply == "" {
			continue
		}
		reply := "\r\n" + strings.ReplaceAll(spec.Reply, "\n", "\r\n") + "\r\n"
		fr := protocol.NewFramer(d.FrameSpec(), d.Classify)
		a := d.Answer(spec.Example)
		a.Begin()
		var turn protocol.Turn
		for _, r := range fr.Feed(nil, []byte(reply)) {
			turn = a.Take(r)
		}
		if turn.Phase != protocol.Ended {
			t.Errorf("%s: reply %q does not end the answer", spec.Name, spec.Reply)
		}
		if d.Timeout(spec.Example) < 5*time.Second {
			t.Errorf("%s: timeout %v", spec.Name, d.Timeout(spec.Example))
		}
	}
}

func TestDialectBasics(t *testing.T) {
	d := New()
	if d.Name() != "wizfi" || d.LineEnding() != "\r" || d.StateCommand() != "AT+CID=?" {
		t.Fatalf("name %q, line ending %q, state command %q", d.Name(), d.LineEnding(), d.StateCommand())
	}
	if _, err := d.ReadCommand(0, 10); err == nil {
		t.Error("ReadCommand: no error")
	}
	if got, err := d.CloseCommand(11); err != nil || got != "AT+NCLOSE=b" {
		t.Errorf("CloseCommand(11) = %q, %v", got, err)
	}
	if _, err := d.CloseCommand(16); err == nil {
		t.Error("CloseCommand(16): no error")
	}
	cmds, err := d.KeepaliveCommands(1, protocol.Keepalive{Enabled: true, Count: 1})
	if want := []string{"AT+SETSOCKOPT=1,65535,8,1,4", "AT+SETSOCKOPT=1,6,4005,1,4", "AT+SETSOCKOPT=1,6,4001,75,4"}; err != nil || !reflect.DeepEqual(cmds, want) {
		t.Errorf("KeepaliveCommands = %q, %v; want %q", cmds, err, want)
	}
	if d.Timeout("AT+NCTCP=1.2.3.4,5") != 30*time.Second || d.Timeout("AT+CID=?") != 5*time.Second {
		t.Error("timeouts")
	}
	// New sockets start with keepalive off, whatever was set on others.
	ka, ok := d.KeepaliveInForce([]protocol.Setting{{Name: "cid0.so_keepalive", Value: "1"}})
	if !ok || ka.Enabled || ka.Interval != ProbeInterval || ka.Count != DefaultProbeCount {
		t.Errorf("KeepaliveInForce = %+v %v", ka, ok)
	}
	if _, ok := d.(*Dialect).LinkKeepalive(2, []protocol.Setting{{Name: "cid0.so_keepalive", Value: "1"}}); ok {
		t.Error("LinkKeepalive of a CID with no options: ok")
	}
	// A confirmed AT+WD leaves the access point: every CID is gone.
	ups := d.Links(protocol.Record{Kind: protocol.KindSent, Text: "at+wd", LinkID: none})
	if len(ups) != MaxCIDs || !ups[15].Gone || ups[15].ID != 15 || ups[0].Reason != "Wi-Fi left (AT+WD)" {
		t.Errorf("Links(AT+WD) = %+v", ups)
	}
	// The options in force do not depend on the order they were set in.
	ka, ok = d.(*Dialect).LinkKeepalive(0, []protocol.Setting{
		{Name: "cid0.tcp_keepalive", Value: "75"}, {Name: "cid0.so_keepalive", Value: "1"}, {Name: "cid0.tcp_keepalive_cnt", Value: "1"}})
	if !ok || ka != (protocol.Keepalive{Enabled: true, Interval: ProbeInterval, Count: 1}) {
		t.Errorf("LinkKeepalive = %+v %v", ka, ok)
	}
}
