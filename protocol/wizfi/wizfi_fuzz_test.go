package wizfi

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"atbench/protocol"
)

// FuzzDecoder checks that the decoder never panics, that its output does
// not depend on how the input is split, that no part is larger than its
// bound, and that it loses no byte outside a frame.
func FuzzDecoder(f *testing.F) {
	for _, s := range []string{
		"\r\n[OK]\r\n", "\x1bS0a\r\nb\x1b\x1bc\x1bE", "\x1bZ30004\x1bE\x1bS", "\x1bu2192.168.3.2 5001\thello\x1bE",
		"\x1bU2192.168.3.2:5001:a\x1bE", "\x1by2192.168.3.2 5001\t0003abc", "\x1bR:3:abc", "\x1bO\x1bF", "\x1bS1abc\x1bS2",
		"\x1bH40002ok", "\x1b\x1b\x1bQ",
	} {
		f.Add([]byte(s), uint8(1), uint8(8))
	}
	f.Fuzz(func(t *testing.T, in []byte, split, bound uint8) {
		max := int(bound)%64 + 1
		whole := decodeAll(NewDecoder(max), in, 0)
		d := NewDecoder(max)
		var parts []Frame
		for p := in; len(p) > 0; {
			k := min(int(split)%17+1, len(p))
			parts = d.Decode(parts, p[:k])
			p = p[k:]
		}
		for _, fr := range parts {
			if fr.Kind != FrameText && len(fr.Data) > max {
				t.Fatalf("a %v part of %d bytes over the bound %d", fr.Kind, len(fr.Data), max)
			}
			if fr.CID < protocol.NoLink || fr.CID >= MaxCIDs {
				t.Fatalf("CID %d", fr.CID)
			}
		}
		if split := merge(parts); !equalFrames(whole, split) {
			t.Fatalf("split changes the result:\nwhole %+v\nsplit %+v", whole, split)
		}
		if len(d.hdr) > 64 || len(d.addr) > maxAddr || cap(d.data) > 2*max+64 {
			t.Fatalf("state grew: hdr %d addr %d data %d", len(d.hdr), len(d.addr), cap(d.data))
		}
		// Input with no ESC is all text, unchanged.
		if bytes.IndexByte(in, ESC) < 0 && len(in) > 0 {
			if len(whole) != 1 || whole[0].Kind != FrameText || !bytes.Equal(whole[0].Data, in) {
				t.Fatalf("plain text became %+v", whole)
			}
		}
	})
}

func equalFrames(a, b []Frame) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.Kind != y.Kind || x.CID != y.CID || x.IP != y.IP || x.Port != y.Port || x.More != y.More ||
			x.Broken != y.Broken || !bytes.Equal(x.Data, y.Data) {
			return false
		}
	}
	return true
}

// FuzzEncodeDecode checks that every encoder's frame decodes to its payload.
func FuzzEncodeDecode(f *testing.F) {
	f.Add([]byte("hello"), uint8(0), uint16(5001))
	f.Add([]byte("\x1b\x1bE\r\n"), uint8(15), uint16(1))
	f.Fuzz(func(t *testing.T, payload []byte, cid uint8, port uint16) {
		c := int(cid) % MaxCIDs
		p := int(port)%65535 + 1
		if len(payload) > MaxBulk {
			payload = payload[:MaxBulk]
		}
		cases := []struct {
			in   []byte
			want Frame
		}{
			{EncodeData(c, payload), Frame{Kind: FrameData, CID: c, Data: payload}},
			{EncodeBulk(c, payload), Frame{Kind: FrameBulk, CID: c, Data: payload}},
			{EncodeUDPServerRx(c, "10.1.2.3", p, payload), Frame{Kind: FrameUDPRx, CID: c, IP: "10.1.2.3", Port: p, Data: payload}},
			{EncodeUDPServerBulkRx(c, "10.1.2.3", p, payload), Frame{Kind: FrameUDPBulkRx, CID: c, IP: "10.1.2.3", Port: p, Data: payload}},
			{EncodeUDPServerTx(c, "10.1.2.3", p, payload), Frame{Kind: FrameUDPTx, CID: c, IP: "10.1.2.3", Port: p, Data: payload}},
		}
		for _, tt := range cases {
			got := decodeAll(NewDecoder(0), tt.in, 97)
			if tt.want.Data == nil {
				tt.want.Data = []byte{}
			}
			if len(got) != 1 || !equalFrames(got, []Frame{tt.want}) {
				t.Fatalf("%q decodes to %+v, want %+v", tt.in, got, tt.want)
			}
		}
	})
}

// FuzzParseCommand checks the module's command parser: no panic, every
// refusal is INVALID INPUT with a reason, and an accepted AT+SETSOCKOPT
// passes ParseSetSockOpt.
func FuzzParseCommand(f *testing.F) {
	for _, c := range Catalog() {
		f.Add([]byte(c.Example + "\r"))
	}
	f.Add([]byte("AT+SETSOCKOPT =0,6,4005,1,4\r"))
	f.Add([]byte("at+nclose=F\r\n"))
	f.Fuzz(func(t *testing.T, line []byte) {
		c, err := ParseCommand(line)
		if err == nil {
			_, err = Validate(c)
		}
		if err != nil {
			var re *ResultError
			if !errors.As(err, &re) || re.Status != StatusInvalidInput || re.Reason == "" {
				t.Fatalf("%q: %v", line, err)
			}
			return
		}
		if c.Name == "AT+SETSOCKOPT" {
			if _, err := ParseSetSockOpt(strings.Join(c.Args, ",")); err != nil {
				t.Fatalf("%q validated but ParseSetSockOpt says %v", line, err)
			}
			if len(CommandSettings(string(line))) != 1 {
				t.Fatalf("%q validated but gives no setting", line)
			}
		}
	})
}

// FuzzParseSetSockOpt checks that an accepted option prints back to the
// same option.
func FuzzParseSetSockOpt(f *testing.F) {
	for _, s := range []string{"0,65535,8,1,4", " 0,6,4001,600,4", "0,6,4005,1,4", "f,6,10,30,2", "0,0,8,1,4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, args string) {
		o, err := ParseSetSockOpt(args)
		if err != nil {
			if StatusOf(err) != StatusInvalidInput {
				t.Fatalf("%q: %v", args, err)
			}
			return
		}
		again, err := ParseSetSockOpt(fmt.Sprintf("%s,%d,%x,%d,%d", FormatCID(o.CID), o.Level, o.Option, o.Value, o.Length))
		if err != nil || again != o {
			t.Fatalf("%q: %+v prints back as %+v, %v", args, o, again, err)
		}
		var s SocketKeepalive
		_ = s.Apply(o)
		if k := s.Keepalive(); k.Idle < 0 || k.Interval != ProbeInterval || k.Count < 1 {
			t.Fatalf("%q: keepalive %+v", args, k)
		}
	})
}

// FuzzClassify checks that classification never panics, that links are
// CIDs, and that it agrees with the event and row parsers.
func FuzzClassify(f *testing.F) {
	for _, s := range []string{"[OK]", "[ERROR: INVALID INPUT]", "CONNECT 0 1 192.168.100.200 65535", "DISCONNECT f",
		"0\tTCP\tSERVER\t  80\t\t   0\t\t  0.  0.  0.  0", " No valid Cids", "IP addr=1.2.3.4   SubNet=255.0.0.0", "Disassociation Event"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		k, link := Classify(line)
		if link < protocol.NoLink || link >= MaxCIDs {
			t.Fatalf("%q: link %d", line, link)
		}
		s := string(line)
		if c, ok := ParseConnect(s); ok && (k != protocol.KindEvent || link != c.CID) {
			t.Fatalf("%q: CONNECT %+v classified %v %d", line, c, k, link)
		}
		if cid, ok := ParseDisconnect(s); ok && (k != protocol.KindEvent || link != cid) {
			t.Fatalf("%q: DISCONNECT %d classified %v %d", line, cid, k, link)
		}
		if _, ok := ParseStatus(line); ok && k == protocol.KindInfo {
			t.Fatalf("%q: a status word classified as information", line)
		}
		if e, ok := ParseCIDRow(s); ok {
			if k != protocol.KindInfo || link != e.CID {
				t.Fatalf("%q: CID row %+v classified %v %d", line, e, k, link)
			}
			row := FormatCIDTable([]CIDEntry{e})
			rows, ok := ParseCIDTable(strings.Split(string(row), "\r\n"))
			if !ok || len(rows) != 1 || rows[0] != e {
				t.Fatalf("%q: row %+v prints as %q, reads back %+v", line, e, row, rows)
			}
		}
		_ = ParseNStatLine(s)
		_, _ = ParseError(s)
		_, _ = OpenedLink(s, 0)
		_ = ClosedLinks(s)
	})
}
