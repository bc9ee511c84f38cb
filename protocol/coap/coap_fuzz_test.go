package coap

import (
	"bytes"
	"testing"
)

// FuzzParse: the parsers never panic on received bytes, a parsed frame
// re-encodes to the bytes it came from, and Scan never claims more bytes
// than it was given.
func FuzzParse(f *testing.F) {
	f.Add(Ping(1))
	f.Add(EmptyReset(0xffff))
	f.Add(CSM())
	f.Add(TCPPing([]byte{1, 2, 3, 4, 5, 6, 7, 8}))
	f.Add([]byte{0xd0, 0x00, 0xe1})
	f.Add([]byte{0xf0, 0xff, 0xff, 0xff, 0xff, 0xe1})
	f.Fuzz(func(t *testing.T, b []byte) {
		if d, err := ParseDatagram(b); err == nil {
			_ = d.String()
			_ = IsPingReset(b, d.MessageID)
		}
		fr, n, err := ParseFrame(b)
		if err == nil {
			if n > len(b) {
				t.Fatalf("used %d of %d", n, len(b))
			}
			again, err := AppendFrame(nil, fr.Code, fr.Token, fr.Rest)
			if err != nil {
				t.Fatal(err)
			}
			// The extended length may be written in a longer form than
			// needed; the shortest form must not be longer.
			if len(again) > n || !bytes.Equal(again[len(again)-len(fr.Rest)-len(fr.Token)-1:], b[n-len(fr.Rest)-len(fr.Token)-1:n]) {
				t.Fatalf("% x re-encodes to % x", b[:n], again)
			}
		}
		_, used, _ := Scan(b)
		if used > len(b) {
			t.Fatalf("Scan used %d of %d", used, len(b))
		}
		_, _ = FindPong(b, nil)
	})
}
