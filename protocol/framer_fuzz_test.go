package protocol_test

import (
	"math/rand/v2"
	"reflect"
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
			bound := limit + protocol.MaxHeader + fakeMaxPayload
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
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("MaxLine %d, cuts %v:\ngot%s\nwant (reference)%s", maxLine, cuts, showRecords(got), showRecords(want))
				}
			}
			// A connection boundary anywhere leaves nothing pending, and a
			// cut payload is described within its bounds.
			fr.Reset()
			fr.Feed(nil, in[:int(split%uint(len(in)+1))])
			pending := fr.Pending()
			recs, cut, ok := fr.Boundary(nil)
			if fr.Pending() != 0 || (ok && (len(recs) != 0 || cut.Got < 0 || cut.Got >= cut.Want || len(cut.Header)+cut.Got != pending)) {
				t.Fatalf("Boundary after %d bytes: %s, cut %+v %v, pending %d then %d", split%uint(len(in)+1), showRecords(recs), cut, ok, pending, fr.Pending())
			}
		}
	})
}
