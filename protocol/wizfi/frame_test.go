package wizfi

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"atbench/protocol"
)

// decodeAll decodes p in pieces of size n (all at once when n <= 0) and
// merges what a split may cut differently: adjacent text runs and the
// parts of a frame that came with More.
func decodeAll(d *Decoder, p []byte, n int) []Frame {
	var out []Frame
	if n <= 0 {
		n = len(p) + 1
	}
	for len(p) > 0 {
		k := min(n, len(p))
		out = d.Decode(out, p[:k])
		p = p[k:]
	}
	return merge(out)
}

func merge(in []Frame) []Frame {
	var out []Frame
	cont := false
	for _, f := range in {
		if len(out) > 0 {
			last := &out[len(out)-1]
			if cont || (f.Kind == FrameText && last.Kind == FrameText) {
				last.Data = append(last.Data, f.Data...)
				last.More, last.Broken = f.More, f.Broken
				cont = f.More
				continue
			}
		}
		if f.Data != nil {
			f.Data = append([]byte{}, f.Data...)
		}
		out = append(out, f)
		cont = f.More
	}
	return out
}

func text(s string) Frame { return Frame{Kind: FrameText, CID: protocol.NoLink, Data: []byte(s)} }

func TestDecoder(t *testing.T) {
	no := protocol.NoLink
	tests := []struct {
		name string
		in   string
		want []Frame
	}{
		{"text only", "\r\n[OK]\r\n", []Frame{text("\r\n[OK]\r\n")}},
		{"data with CR LF and doubled ESC", "\x1bS0a\r\nb\x1b\x1bc\x1bE",
			[]Frame{{Kind: FrameData, CID: 0, Data: []byte("a\r\nb\x1bc")}}},
		{"data between answers", "\r\nCONNECT 0 1 10.0.0.2 4000\r\n\x1bS1hi\x1bE\r\nDISCONNECT 1\r\n",
			[]Frame{text("\r\nCONNECT 0 1 10.0.0.2 4000\r\n"), {Kind: FrameData, CID: 1, Data: []byte("hi")}, text("\r\nDISCONNECT 1\r\n")}},
		{"empty data", "\x1bSf\x1bE", []Frame{{Kind: FrameData, CID: 15, Data: []byte{}}}},
		{"data with OK and E inside", "\x1bSaE\r\n[OK]\r\nE\x1bE", []Frame{{Kind: FrameData, CID: 10, Data: []byte("E\r\n[OK]\r\nE")}}},
		{"bulk with ESC inside", "\x1bZ30004\x1bE\x1bSx", []Frame{{Kind: FrameBulk, CID: 3, Data: []byte("\x1bE\x1bS")}, text("x")}},
		{"empty bulk", "\x1bZ30000y", []Frame{{Kind: FrameBulk, CID: 3, Data: []byte{}}, text("y")}},
		{"udp rx", "\x1bu2192.168.3.2 5001\thello\x1bE",
			[]Frame{{Kind: FrameUDPRx, CID: 2, IP: "192.168.3.2", Port: 5001, Data: []byte("hello")}}},
		{"udp tx", "\x1bU2192.168.3.2:5001:a:b\x1bE",
			[]Frame{{Kind: FrameUDPTx, CID: 2, IP: "192.168.3.2", Port: 5001, Data: []byte("a:b")}}},
		{"udp bulk rx", "\x1by2192.168.3.2 5001\t0003a\x1bbz",
			[]Frame{{Kind: FrameUDPBulkRx, CID: 2, IP: "192.168.3.2", Port: 5001, Data: []byte("a\x1bb")}, text("z")}},
		{"http", "\x1bH40002ok", []Frame{{Kind: FrameHTTP, CID: 4, Data: []byte("ok")}}},
		{"raw", "\x1bR:3:abc", []Frame{{Kind: FrameRaw, CID: no, Data: []byte("abc")}}},
		{"acks", "\x1bO\x1bF", []Frame{{Kind: FrameAckOK, CID: no}, {Kind: FrameAckFail, CID: no}}},
		// Malformed headers come back as text; nothing is lost.
		{"unknown letter", "a\x1bQb", []Frame{text("a\x1bQb")}},
		{"stray end", "\x1bE", []Frame{text("\x1bE")}},
		{"bad cid", "\x1bSg\x1bE", []Frame{text("\x1bSg\x1bE")}},
		{"bad length", "\x1bZ10a1x", []Frame{text("\x1bZ10a1x")}},
		{"bad udp address", "\x1bu1300.1.1.1 5\tx\x1bE", []Frame{text("\x1bu1300.1.1.1 5\tx\x1bE")}},
		{"udp address too long", "\x1bu1" + strings.Repeat("1", 30), []Frame{text("\x1bu1" + strings.Repeat("1", 30))}},
		{"raw without colon", "\x1bR3:abc", []Frame{text("\x1bR3:abc")}},
		{"raw length too long", "\x1bR:123456:", []Frame{text("\x1bR:123456:")}},
		{"ESC ESC outside a frame", "\x1b\x1bS1x\x1bE", []Frame{text("\x1b"), {Kind: FrameData, CID: 1, Data: []byte("x")}}},
		// A frame cut by another escape is given as far as it went.
		{"broken by a new frame", "\x1bS1abc\x1bS2de\x1bE", []Frame{
			{Kind: FrameData, CID: 1, Data: []byte("abc"), Broken: true}, {Kind: FrameData, CID: 2, Data: []byte("de")}}},
		{"broken by an ack", "\x1bS1abc\x1bO", []Frame{
			{Kind: FrameData, CID: 1, Data: []byte("abc"), Broken: true}, {Kind: FrameAckOK, CID: no}}},
	}
	for _, tt := range tests {
		for _, n := range []int{0, 1, 2, 3, 7} {
			d := NewDecoder(0)
			got := decodeAll(d, []byte(tt.in), n)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s (pieces of %d):\n got %+v\nwant %+v", tt.name, n, got, tt.want)
			}
			if d.InFrame() {
				t.Errorf("%s (pieces of %d): decoder left inside a frame", tt.name, n)
			}
		}
	}
}

func TestDecoderInFrame(t *testing.T) {
	d := NewDecoder(0)
	if out := d.Decode(nil, []byte("\x1bS0ab")); len(out) != 0 || !d.InFrame() {
		t.Fatalf("half a frame: %+v, in frame %v", out, d.InFrame())
	}
	out := d.Decode(nil, []byte("c\x1bE[OK]"))
	want := []Frame{{Kind: FrameData, CID: 0, Data: []byte("abc")}, text("[OK]")}
	if !reflect.DeepEqual(out, want) || d.InFrame() {
		t.Errorf("rest: %+v", out)
	}
}

// TestDecoderBound checks that a long frame comes in parts no larger than
// the bound, and that the parts make up the payload.
func TestDecoderBound(t *testing.T) {
	payload := bytes.Repeat([]byte("0123456789\x1b"), 100) // 1100 bytes, 100 ESCs
	for _, in := range [][]byte{EncodeData(5, payload), EncodeBulk(5, payload)} {
		d := NewDecoder(64)
		var out []Frame
		for i := 0; i < len(in); i += 100 {
			out = d.Decode(out, in[i:min(i+100, len(in))])
		}
		var got []byte
		for i, f := range out {
			if len(f.Data) > 64 || f.CID != 5 || f.More != (i < len(out)-1) {
				t.Fatalf("part %d: %d bytes, %+v", i, len(f.Data), f)
			}
			got = append(got, f.Data...)
		}
		if !bytes.Equal(got, payload) {
			t.Errorf("parts make %q", got)
		}
		if cap(d.data) > 2*64 {
			t.Errorf("buffer grew to %d", cap(d.data))
		}
	}
}

// TestEncodeDecode round-trips every encoder through the decoder.
func TestEncodeDecode(t *testing.T) {
	payloads := [][]byte{[]byte("x"), []byte("\x1b"), []byte("\x1bE"), []byte("a\r\n\x1b\x1bE\x00\xff"), bytes.Repeat([]byte{0x1b}, 50)}
	for _, p := range payloads {
		in := bytes.Join([][]byte{
			EncodeData(7, p), EncodeBulk(8, p), EncodeUDPServerRx(9, "10.0.0.1", 7, p),
			EncodeUDPServerBulkRx(9, "10.0.0.1", 7, p), EncodeUDPServerTx(9, "10.0.0.1", 7, p), EncodeAck(true),
		}, []byte("\r\n"))
		got := decodeAll(NewDecoder(0), in, 1)
		want := []Frame{
			{Kind: FrameData, CID: 7, Data: p}, text("\r\n"),
			{Kind: FrameBulk, CID: 8, Data: p}, text("\r\n"),
			{Kind: FrameUDPRx, CID: 9, IP: "10.0.0.1", Port: 7, Data: p}, text("\r\n"),
			{Kind: FrameUDPBulkRx, CID: 9, IP: "10.0.0.1", Port: 7, Data: p}, text("\r\n"),
			{Kind: FrameUDPTx, CID: 9, IP: "10.0.0.1", Port: 7, Data: p}, text("\r\n"),
			{Kind: FrameAckOK, CID: protocol.NoLink},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("payload %q:\n got %+v\nwant %+v", p, got, want)
		}
	}
	for k := FrameText; k <= FrameAckFail; k++ {
		if k.String() == "" || k.String() == "frame" {
			t.Errorf("kind %d has no name", k)
		}
	}
	if FrameKind(99).String() != "frame 99" {
		t.Error("unknown kind name")
	}
}
