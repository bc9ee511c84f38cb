package coap

import (
	"bytes"
	"errors"
	"testing"
)

func TestPingBytes(t *testing.T) {
	// RFC 7252 section 3: Ver 1, T CON (0), TKL 0 → 0x40; code 0.00; MID.
	if got, want := Ping(0x1234), []byte{0x40, 0x00, 0x12, 0x34}; !bytes.Equal(got, want) {
		t.Errorf("Ping = % x, want % x", got, want)
	}
	// RST is T 3 → 0x70.
	if got, want := EmptyReset(0xbeef), []byte{0x70, 0x00, 0xbe, 0xef}; !bytes.Equal(got, want) {
		t.Errorf("EmptyReset = % x, want % x", got, want)
	}
}

func TestParseDatagram(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		want Datagram
		err  error
	}{
		{"ping", Ping(7), Datagram{Type: Confirmable, Code: CodeEmpty, MessageID: 7, Token: []byte{}, Rest: []byte{}}, nil},
		{"reset", []byte{0x70, 0, 0xab, 0xcd}, Datagram{Type: Reset, MessageID: 0xabcd, Token: []byte{}, Rest: []byte{}}, nil},
		{"GET with token and option", []byte{0x42, 0x01, 0, 9, 0xaa, 0xbb, 0xb4, 't', 'e', 's', 't'},
			Datagram{Type: Confirmable, Code: 0x01, MessageID: 9, Token: []byte{0xaa, 0xbb}, Rest: []byte{0xb4, 't', 'e', 's', 't'}}, nil},
		{"short", []byte{0x70, 0, 1}, Datagram{}, ErrFormat},
		{"version 2", []byte{0x80, 0, 1, 2}, Datagram{}, ErrFormat},
		{"token length 9", []byte{0x49, 1, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9}, Datagram{}, ErrFormat},
		{"empty with bytes after", []byte{0x70, 0, 1, 2, 0xff}, Datagram{}, ErrFormat},
		{"token cut", []byte{0x44, 1, 0, 1, 1, 2}, Datagram{}, ErrFormat},
	} {
		got, err := ParseDatagram(tc.in)
		if !errors.Is(err, tc.err) {
			t.Errorf("%s: err %v, want %v", tc.name, err, tc.err)
			continue
		}
		if err == nil && (got.Type != tc.want.Type || got.Code != tc.want.Code || got.MessageID != tc.want.MessageID ||
			!bytes.Equal(got.Token, tc.want.Token) || !bytes.Equal(got.Rest, tc.want.Rest)) {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestIsPingReset(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		mid  uint16
		want bool
	}{
		{"its reset", EmptyReset(42), 42, true},
		{"another message id", EmptyReset(43), 42, false},
		{"an ack", []byte{0x60, 0, 0, 42}, 42, false},
		{"a reset with a token", []byte{0x71, 0, 0, 42, 1}, 42, false},
		{"the ping echoed", Ping(42), 42, false},
		{"noise", []byte("OK\r\n"), 42, false},
	} {
		if got := IsPingReset(tc.in, tc.mid); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestCodeString(t *testing.T) {
	for c, want := range map[Code]string{CodeEmpty: "0.00", CodeCSM: "7.01 CSM", CodePing: "7.02 Ping", CodePong: "7.03 Pong",
		CodeRelease: "7.04 Release", CodeAbort: "7.05 Abort", 0x45: "2.05"} {
		if got := c.String(); got != want {
			t.Errorf("%#x: %q, want %q", uint8(c), got, want)
		}
	}
	if !CodePing.Signal() || Code(0x45).Signal() {
		t.Error("Signal")
	}
}

// TestFrameLengths: every extended-length form of RFC 8323 section 3.2
// round-trips, at its edges.
func TestFrameLengths(t *testing.T) {
	for _, tc := range []struct {
		n      int
		header []byte // the first bytes, before the code
	}{
		{0, []byte{0x02}},
		{12, []byte{0xc2}},
		{13, []byte{0xd2, 0x00}},
		{268, []byte{0xd2, 0xff}},
		{269, []byte{0xe2, 0x00, 0x00}},
		{65804, []byte{0xe2, 0xff, 0xff}},
		{65805, []byte{0xf2, 0, 0, 0, 0}},
		{70000, []byte{0xf2, 0, 0, 0x10, 0x63}},
	} {
		rest := bytes.Repeat([]byte{0x5a}, tc.n)
		tok := []byte{1, 2}
		b, err := AppendFrame(nil, 0x45, tok, rest)
		if err != nil {
			t.Fatalf("%d: %v", tc.n, err)
		}
		if !bytes.HasPrefix(b, tc.header) || b[len(tc.header)] != 0x45 {
			t.Errorf("%d: header % x, want % x then 45", tc.n, b[:len(tc.header)+1], tc.header)
		}
		f, used, err := ParseFrame(b)
		if err != nil || used != len(b) || f.Code != 0x45 || !bytes.Equal(f.Token, tok) || len(f.Rest) != tc.n {
			t.Errorf("%d: parsed %v, used %d of %d, err %v", tc.n, f, used, len(b), err)
		}
		for cut := 0; cut < len(b); cut += 1 + len(b)/50 {
			if _, _, err := ParseFrame(b[:cut]); !errors.Is(err, ErrShort) {
				t.Errorf("%d: cut at %d: %v, want ErrShort", tc.n, cut, err)
			}
		}
	}
	if _, err := AppendFrame(nil, CodePing, make([]byte, 9), nil); err == nil {
		t.Error("a 9-byte token was framed")
	}
}

func TestSignals(t *testing.T) {
	if got := CSM(); !bytes.Equal(got, []byte{0x00, 0xe1}) {
		t.Errorf("CSM % x", got)
	}
	if got := TCPPing([]byte{0xca, 0xfe}); !bytes.Equal(got, []byte{0x02, 0xe2, 0xca, 0xfe}) {
		t.Errorf("Ping % x", got)
	}
	if got := TCPPong(nil); !bytes.Equal(got, []byte{0x00, 0xe3}) {
		t.Errorf("Pong % x", got)
	}
}

// TestScanAndFindPong: a server's stream (its CSM with a
// Max-Message-Size option, then the Pong, then half of the next message)
// is read in order; a Pong for another token does not count.
func TestScanAndFindPong(t *testing.T) {
	csm, _ := AppendFrame(nil, CodeCSM, nil, []byte{0x22, 0x04, 0x00}) // option 2 Max-Message-Size 1024
	stream := append(append(csm, TCPPong([]byte{1, 2, 3, 4})...), 0x13, 0x45)
	frames, used, err := Scan(stream)
	if err != nil || len(frames) != 2 || used != len(stream)-2 {
		t.Fatalf("Scan: %v, used %d of %d, err %v", frames, used, len(stream), err)
	}
	if frames[0].Code != CodeCSM || frames[1].Code != CodePong {
		t.Errorf("frames %v", frames)
	}
	if f, ok := FindPong(stream, []byte{1, 2, 3, 4}); !ok || f.Code != CodePong {
		t.Error("the Pong was not found")
	}
	if _, ok := FindPong(stream[1:], []byte{1, 2, 3, 4}); !ok {
		t.Error("the Pong was not found in a stream cut mid-message")
	}
	if _, ok := FindPong(stream, []byte{1, 2, 3, 5}); ok {
		t.Error("a Pong with another token was taken")
	}
	// libcoap 4.3.1's own answer: its CSM (Max-Message-Size, Block-Wise
	// Transfer), then a Pong with no token and a Custody option.
	libcoap := []byte{0x50, 0xe1, 0x23, 0x80, 0x01, 0x00, 0x20, 0x10, 0xe3, 0x20}
	if f, ok := FindPong(libcoap, []byte{1, 2, 3, 4}); !ok || len(f.Rest) != 1 {
		t.Errorf("libcoap's Pong: %v %v", f, ok)
	}
	if _, ok := FindPong(libcoap[:7], []byte{1, 2, 3, 4}); ok {
		t.Error("a Pong found in a CSM")
	}
	if _, _, err := Scan([]byte{0x0f, 0xe2}); !errors.Is(err, ErrFormat) {
		t.Errorf("TKL 15: %v", err)
	}
}
