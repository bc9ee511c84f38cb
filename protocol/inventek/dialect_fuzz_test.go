package inventek

import (
	"testing"

	"atbench/protocol"
)

// FuzzDialectAnswer feeds any module output to the answer of any command
// line, cut in two at any point, as a session does: it must not panic; an
// answer ends at most once, with an OK or ERROR result; the link facts
// name only the module's ids (sockets 0..3, their clients 4..7) and count
// no negative bytes; SplitLine's fields lie in order inside the line.
func FuzzDialectAnswer(f *testing.F) {
	for _, r := range seedReplies {
		f.Add(r.cmd, r.module, uint(len(r.module)/2))
	}
	f.Add("R0", append(FormatEvent(AcceptedText("1.2.3.4", 5)), append([]byte("R0\r\n"), FormatOK([]byte("a\r\nOK\r\n"))...)...), uint(7))
	f.Add("R0", FormatError(nil, ErrUnknownError, Usage("R0")), uint(3))
	f.Add("P?", FormatLines("0,10.0.0.2,80,10.0.0.9,4001,1,0,0,1,0,1,3000"), uint(0))
	f.Add("C1=a,b", []byte("\r\n\r\n> "), uint(1))
	f.Fuzz(func(t *testing.T, cmd string, module []byte, cut uint) {
		d := New().(*Dialect)
		for _, setup := range []string{"P0=1", "P5=11"} {
			a := d.Answer(setup)
			a.Begin()
			a.Take(protocol.Record{Kind: protocol.KindOK, Text: "OK", LinkID: protocol.NoLink})
			a.Take(protocol.Record{Kind: protocol.KindPrompt, Text: Prompt, LinkID: protocol.NoLink})
		}
		fr := protocol.NewFramer(d.FrameSpec(), d.Classify)
		fr.SetCommand(cmd)
		ans := d.Answer(cmd)
		if b := ans.Begin(); b.Phase == protocol.Ended || (b.Phase == protocol.AwaitingRaw && b.Raw <= 0) {
			t.Fatalf("Begin of %q: %+v", cmd, b)
		}
		k := min(int(cut), len(module))
		recs := fr.Feed(nil, module[:k])
		recs = fr.Feed(recs, module[k:])
		recs = fr.Flush(recs)
		var ups []protocol.LinkUpdate
		ended := 0
		for _, r := range recs {
			ups = append(ups, d.Links(r)...)
			d.Settings(r)
			turn := ans.Take(r)
			if turn.Phase != protocol.Ended {
				continue
			}
			ended++
			if !turn.Final.Kind.Final() || ended > 1 {
				t.Fatalf("%q: turn %+v (answer ended %d times)", cmd, turn, ended)
			}
			ups = append(ups, d.ResultLinks(cmd, turn.Final)...)
			d.Settings(protocol.Record{Kind: protocol.KindSent, Text: cmd, LinkID: protocol.NoLink})
		}
		for _, u := range ups {
			if _, _, ok := SocketOf(u.ID); !ok || u.RxBytes < 0 || u.TxBytes < 0 {
				t.Fatalf("%q: update %+v", cmd, u)
			}
		}
		sp := d.SplitLine(cmd)
		at := sp.Name.End
		if sp.Name.Start > sp.Name.End || sp.Name.End > len(cmd) {
			t.Fatalf("SplitLine(%q) name %+v", cmd, sp.Name)
		}
		for _, fl := range sp.Fields {
			if fl.Start <= at || fl.Start > fl.End || fl.End > len(cmd) {
				t.Fatalf("SplitLine(%q) fields %+v", cmd, sp.Fields)
			}
			at = fl.End
		}
		d.FormatLink(int(cut) % 16)
	})
}
