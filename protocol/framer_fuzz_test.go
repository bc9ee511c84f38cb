package protocol_test

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"atbench/protocol"
)

// FuzzFramer checks that the framer gives the records of the naive reference
// framer whether the input comes whole, in two pieces or in random chunks;
// that no record text exceeds the line limit; that Pending stays bounded;
// and that nothing panics. Seeds live in testdata/fuzz/FuzzFramer.
func FuzzFramer(f *testing.F) {
	f.Fuzz(func(t *testing.T, in []byte, split uint) {
		for _, maxLine := range []int{0, 32} {
			spec := fakeSpec(maxLine)
			limit := maxLine
			if limit == 0 {
				limit = protocol.DefaultMaxLine
			}
			bound := limit + protocol.MaxHeader + max(fakeMaxPayload, protocol.MaxDelimited)
			want := refFrame(spec, fakeClassify, in)
			fr := protocol.NewFramer(spec, fakeClassify)

			r := rand.New(rand.NewPCG(uint64(split), uint64(len(in))))
			for _, cuts := range [][]int{nil, {int(split % uint(len(in)+1))}, randomCuts(r, len(in), 1+int(split%64))} {
				fr.Reset()
				var got []protocol.Record
				prev := 0
				for _, c := range append(cuts, len(in)) {
					chunk := append([]byte(nil), in[prev:c]...)
					got = fr.Feed(got, chunk)
					clear(chunk)
					if p := fr.Pending(); p < 0 || p > bound {
						t.Fatalf("MaxLine %d, cuts %v: Pending() = %d after %d bytes, bound %d", maxLine, cuts, p, c, bound)
					}
					prev = c
				}
				got = fr.Flush(got)
				for _, rc := range got {
					if len(rc.Text) > limit {
						t.Fatalf("MaxLine %d, cuts %v: record text of %d bytes: %s", maxLine, cuts, len(rc.Text), showRecords([]protocol.Record{rc}))
					}
				}
				if !reflect.DeepEqual(noEnds(got), want) {
					t.Fatalf("MaxLine %d, cuts %v:\ngot%s\nwant (reference)%s", maxLine, cuts, showRecords(got), showRecords(want))
				}
			}
			// A connection boundary anywhere leaves nothing pending, and a
			// cut payload is described within its bounds.
			fr.Reset()
			fr.Feed(nil, in[:int(split%uint(len(in)+1))])
			pending := fr.Pending()
			recs, cut, ok := fr.Boundary(nil)
			if fr.Pending() != 0 || (ok && (len(recs) != 0 || cut.Got < 0 || (cut.Want >= 0 && cut.Got >= cut.Want) || cut.Want < -1 || len(cut.Header)+cut.Got != pending)) {
				t.Fatalf("Boundary after %d bytes: %s, cut %+v %v, pending %d then %d", split%uint(len(in)+1), showRecords(recs), cut, ok, pending, fr.Pending())
			}
		}
	})
}

// FuzzFramerAnswer checks the framing of an outstanding command's answer
// (a payload rule of its own, or data up to a terminator): the records do
// not depend on how the input is cut, Pending stays bounded, nothing
// panics.
func FuzzFramerAnswer(f *testing.F) {
	for _, s := range []string{"\r\nhello\r\nOK\r\n> ", "\r\nERROR: x\r\nUsage: R0\r\n> ", "+READ:3,abc\r\nOK\r\n", "\r", "> > "} {
		f.Add([]byte(s), uint(3), true)
	}
	f.Fuzz(func(t *testing.T, in []byte, split uint, r0 bool) {
		spec, cmd := readSpec(), "AT+READ"
		if r0 {
			spec, cmd = r0Spec(), "R0"
		}
		frame := func(cuts []int) []protocol.Record {
			fr := protocol.NewFramer(spec, fakeClassify)
			fr.SetCommand(cmd)
			var got []protocol.Record
			prev := 0
			for _, c := range append(cuts, len(in)) {
				got = fr.Feed(got, append([]byte(nil), in[prev:c]...))
				if p := fr.Pending(); p < 0 || p > protocol.MaxUntil+protocol.DefaultMaxLine+protocol.MaxHeader {
					t.Fatalf("Pending() = %d", p)
				}
				prev = c
			}
			return fr.Flush(got)
		}
		want := frame(nil)
		r := rand.New(rand.NewPCG(uint64(split), uint64(len(in))))
		for _, cuts := range [][]int{{int(split % uint(len(in)+1))}, randomCuts(r, len(in), 1+int(split%64))} {
			got := frame(cuts)
			if !reflect.DeepEqual(noEnds(got), noEnds(want)) {
				t.Fatalf("cuts %v:\ngot%s\nwant (whole)%s", cuts, showRecords(got), showRecords(want))
			}
			// However cut, the terminators kept add up to the same bytes,
			// but for the empty lines after the last record: they wait
			// for the next one.
			if g, w := strings.TrimRight(terminators(got), "\r\n"), strings.TrimRight(terminators(want), "\r\n"); g != w {
				t.Fatalf("cuts %v: terminators %q, whole %q", cuts, g, w)
			}
		}
	})
}

// terminators joins, record by record, the bytes of the empty lines before
// it and of its own terminator: a CR LF cut between two reads is the CR of
// one record and the Lead LF of the next.
func terminators(rs []protocol.Record) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString(strings.Repeat(r.Lead.Bytes(), int(r.LeadN)))
		b.WriteString(r.End.Bytes())
	}
	return b.String()
}
