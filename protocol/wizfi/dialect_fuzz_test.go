package wizfi

import (
	"bytes"
	"math/rand/v2"
	"reflect"
	"testing"

	"atbench/protocol"
)

// FuzzPayload checks the framer's payload rule: it never panics; a Match
// has a header within the line and an End only for the delimited frames;
// and once it has answered Match or NoMatch for a line it answers the same
// for every extension of it, as the framer requires.
func FuzzPayload(f *testing.F) {
	for _, s := range []string{"\x1bS1a", "\x1bZ30004abcd", "\x1bu4192.168.1.2 5000\tx", "\x1by5192.168.1.2 5001\t0002hi",
		"\x1bH20000", "\x1bR:12:ab", "\x1bO", "\x1bF", "\x1bX", "\x1bu4" + "1111111111111111111111111"} {
		f.Add([]byte(s), []byte("more"))
	}
	f.Fuzz(func(t *testing.T, line, more []byte) {
		m := Payload(line)
		switch m.Status {
		case protocol.Match:
			if m.Header < 2 || m.Header > len(line) || m.Length < 0 || m.Length > 99999 {
				t.Fatalf("Payload(%q) = %+v", line, m)
			}
			if m.End != "" && (m.End != dataEnd || (line[1] != 'S' && line[1] != 'u')) {
				t.Fatalf("Payload(%q) = %+v: End on a counted frame", line, m)
			}
			if m.LinkID < protocol.NoLink || m.LinkID >= MaxCIDs {
				t.Fatalf("Payload(%q): link %d", line, m.LinkID)
			}
		case protocol.NeedMore, protocol.NoMatch:
		default:
			t.Fatalf("Payload(%q): status %d", line, m.Status)
		}
		if m.Status == protocol.NeedMore {
			return
		}
		longer := append(bytes.Clone(line), more...)
		if got := Payload(longer); got != m {
			t.Fatalf("Payload(%q) = %+v but Payload(%q) = %+v", line, m, longer, got)
		}
	})
}

// FuzzDialectFraming runs any module output through the framer of the
// dialect's FrameSpec and the dialect's answer, link and setting rules:
// nothing panics, the records do not depend on how the bytes are cut, a
// data record's link is a CID or NoLink, and every link update names a
// CID (or is the NoLink snapshot of an empty listing).
func FuzzDialectFraming(f *testing.F) {
	for _, s := range []string{
		"\r\nCONNECT 0\r\n\r\n[OK]\r\n", "\r\n No valid Cids\r\n\r\n[OK]\r\n", "\x1bS1hello\r\n\x1b\x1bOK\x1bE\x1bZ10004ab\r\n\x1bO",
		"\r\nCONNECT 0 1 192.168.100.200 65535\r\n", "\r\nDISCONNECT f\r\n", "\x1bu2192.168.3.2 5001\thello\x1bE",
		"\r\nCID\tTYPE\tMODE\tLOCAL PORT\tREMOTE PORT\tREMOTE IP\r\n0\tTCP\tSERVER\t5000\t\t   0\t\t  0.  0.  0.  0\r\n",
		"AT+NCTCP=1.2.3.4,5\r\r\nDISASSOCIATED\r\n", "\x1bS3ab\x1bx\r\n",
	} {
		f.Add([]byte(s), uint(3), "AT+NCTCP=1.2.3.4,5")
	}
	f.Fuzz(func(t *testing.T, in []byte, split uint, cmd string) {
		d := New().(*Dialect)
		frame := func(cuts []int) []protocol.Record {
			fr := protocol.NewFramer(d.FrameSpec(), d.Classify)
			fr.SetCommand(cmd)
			var out []protocol.Record
			prev := 0
			for _, c := range append(cuts, len(in)) {
				out = fr.Feed(out, bytes.Clone(in[prev:c]))
				prev = c
			}
			out = fr.Flush(out)
			// A CR LF cut between two reads is the CR of one record's End
			// and the LF of the next one's Lead: terminators depend on the
			// cuts, the records do not.
			for i := range out {
				out[i].End, out[i].Lead, out[i].LeadN = 0, 0, 0
			}
			return out
		}
		want := frame(nil)
		r := rand.New(rand.NewPCG(uint64(split), uint64(len(in))))
		var cuts []int
		for c := r.IntN(7) + 1; c < len(in); c += r.IntN(7) + 1 {
			cuts = append(cuts, c)
		}
		if got := frame(cuts); !reflect.DeepEqual(got, want) {
			t.Fatalf("cuts %v:\ngot %+v\nwant %+v", cuts, got, want)
		}
		a := d.Answer(cmd)
		a.Begin()
		for _, rec := range want {
			if rec.LinkID < protocol.NoLink || rec.LinkID >= MaxCIDs {
				t.Fatalf("record %+v: link", rec)
			}
			for _, u := range d.Links(rec) {
				if (u.ID < 0 || u.ID >= MaxCIDs) && !(u.ID == protocol.NoLink && u.Snapshot) {
					t.Fatalf("record %+v: update %+v", rec, u)
				}
			}
			d.Settings(rec)
			if turn := a.Take(rec); turn.Phase == protocol.Ended {
				for _, u := range d.ResultLinks(cmd, turn.Final) {
					if u.ID < 0 || u.ID >= MaxCIDs {
						t.Fatalf("final %+v: update %+v", turn.Final, u)
					}
				}
				a = d.Answer(cmd)
				a.Begin()
			} else if turn.Phase == protocol.AwaitingRaw {
				t.Fatalf("record %+v: awaiting raw", rec)
			}
		}
		d.Links(protocol.Record{Kind: protocol.KindRaw, Payload: in, LinkID: protocol.NoLink})
		d.SplitLine(cmd)
	})
}
