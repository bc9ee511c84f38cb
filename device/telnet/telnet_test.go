package telnet

import (
	"bytes"
	"testing"
)

// decodeSplit decodes in cut at every position in turn and checks that the
// result never depends on where reads end.
func decodeAll(chunks ...[]byte) ([]byte, []Event) {
	var d Decoder
	var data []byte
	var evs []Event
	for _, c := range chunks {
		data, evs = d.Decode(data, evs, c)
	}
	return data, evs
}

func TestDecode(t *testing.T) {
	// ser2net's opening burst, then data with a doubled 0xFF, then a
	// NOTIFY-MODEMSTATE with a doubled 0xFF in its value.
	in := []byte{
		IAC, WILL, OptSGA, IAC, DO, OptSGA, IAC, DO, OptComPort,
		'A', IAC, IAC, 'B',
		IAC, SB, OptComPort, 107, IAC, IAC, IAC, SE,
		IAC, NOP, 'C',
	}
	wantData := []byte{'A', 0xFF, 'B', 'C'}
	wantEvs := []Event{
		{Kind: EvNegotiate, Cmd: WILL, Opt: OptSGA},
		{Kind: EvNegotiate, Cmd: DO, Opt: OptSGA},
		{Kind: EvNegotiate, Cmd: DO, Opt: OptComPort},
		{Kind: EvSub, Opt: OptComPort, Data: []byte{107, 0xFF}},
		{Kind: EvCommand, Cmd: NOP},
	}
	for cut := 0; cut <= len(in); cut++ {
		for cut2 := cut; cut2 <= len(in); cut2++ {
			data, evs := decodeAll(in[:cut], in[cut:cut2], in[cut2:])
			if !bytes.Equal(data, wantData) {
				t.Fatalf("cut %d,%d: data %q, want %q", cut, cut2, data, wantData)
			}
			if len(evs) != len(wantEvs) {
				t.Fatalf("cut %d,%d: events %+v", cut, cut2, evs)
			}
			for i := range evs {
				if evs[i].Kind != wantEvs[i].Kind || evs[i].Cmd != wantEvs[i].Cmd || evs[i].Opt != wantEvs[i].Opt || !bytes.Equal(evs[i].Data, wantEvs[i].Data) {
					t.Fatalf("cut %d,%d: event %d %+v, want %+v", cut, cut2, i, evs[i], wantEvs[i])
				}
			}
		}
	}
}

func TestEscapeRoundTrip(t *testing.T) {
	src := []byte{0x78, 0xFF, 0x79, 0xFF, 0xFF}
	esc := Escape(nil, src)
	if want := []byte{0x78, 0xFF, 0xFF, 0x79, 0xFF, 0xFF, 0xFF, 0xFF}; !bytes.Equal(esc, want) {
		t.Fatalf("Escape = % X, want % X", esc, want)
	}
	data, evs := decodeAll(esc)
	if !bytes.Equal(data, src) || len(evs) != 0 {
		t.Fatalf("decode(escape) = % X %v", data, evs)
	}
	if got, want := ComPort(CmdSetBaudrate, 0, 0, 0xFF, 0), []byte{IAC, SB, OptComPort, 1, 0, 0, 0xFF, 0xFF, 0, IAC, SE}; !bytes.Equal(got, want) {
		t.Fatalf("ComPort = % X, want % X", got, want)
	}
}

func TestUnterminatedSub(t *testing.T) {
	// IAC SB … IAC WILL x: the subnegotiation ends and WILL is read.
	data, evs := decodeAll([]byte{IAC, SB, OptComPort, 6, 1, IAC, WILL, OptEcho, 'x'})
	if string(data) != "x" || len(evs) != 2 || evs[0].Kind != EvSub || evs[1].Cmd != WILL {
		t.Fatalf("data %q events %+v", data, evs)
	}
}

func TestOptions(t *testing.T) {
	o := Options{AcceptLocal: []byte{OptBinary, OptSGA, OptComPort}, AcceptRemote: []byte{OptBinary, OptSGA}}
	if got := o.Will(OptComPort); !bytes.Equal(got, []byte{IAC, WILL, OptComPort}) {
		t.Fatalf("Will = % X", got)
	}
	for _, c := range []struct {
		cmd, opt byte
		want     []byte
	}{
		{DO, OptComPort, nil},                       // our WILL was asked: no answer
		{DO, OptComPort, nil},                       // already on
		{WILL, OptSGA, []byte{IAC, DO, OptSGA}},     // offered: accepted
		{WILL, OptEcho, []byte{IAC, DONT, OptEcho}}, // unknown: refused
		{DO, 0x18, []byte{IAC, WONT, 0x18}},         // terminal type: refused
		{DONT, OptEcho, nil},                        // was off
		{WONT, OptSGA, []byte{IAC, DONT, OptSGA}},   // turned off: confirmed
		{WONT, OptSGA, nil},                         // already off
	} {
		if got := o.Handle(c.cmd, c.opt); !bytes.Equal(got, c.want) {
			t.Fatalf("Handle(%X, %X) = % X, want % X", c.cmd, c.opt, got, c.want)
		}
	}
	if !o.Local(OptComPort) || o.Remote(OptSGA) {
		t.Fatal("option state wrong")
	}
}

// FuzzDecode checks that decoding never panics, that the result does not
// depend on how the input is split into reads, and that escaped data comes
// back unchanged.
func FuzzDecode(f *testing.F) {
	f.Add([]byte{IAC, WILL, OptSGA, 'A', IAC, IAC}, uint8(2), []byte("x\xffy"))
	f.Add([]byte{IAC, SB, OptComPort, 107, IAC}, uint8(4), []byte{})
	f.Add([]byte{IAC, DO, 0x18, IAC, SB, IAC, SE, IAC, SE, IAC}, uint8(1), []byte{0xFF, 0xFF})
	f.Fuzz(func(t *testing.T, in []byte, cut uint8, payload []byte) {
		k := int(cut) % (len(in) + 1)
		d1, e1 := decodeAll(in)
		d2, e2 := decodeAll(in[:k], in[k:])
		if !bytes.Equal(d1, d2) || len(e1) != len(e2) {
			t.Fatalf("split at %d changes the result: %q %v vs %q %v", k, d1, e1, d2, e2)
		}
		for i := range e1 {
			if e1[i].Kind != e2[i].Kind || e1[i].Cmd != e2[i].Cmd || e1[i].Opt != e2[i].Opt || !bytes.Equal(e1[i].Data, e2[i].Data) {
				t.Fatalf("split at %d changes event %d", k, i)
			}
			if len(e1[i].Data) > maxSub {
				t.Fatalf("subnegotiation of %d bytes kept", len(e1[i].Data))
			}
		}
		if len(d1) > len(in) {
			t.Fatalf("more data out (%d) than in (%d)", len(d1), len(in))
		}
		// Escaped data decodes to itself, whatever state came before
		// ends with a complete command.
		esc := Escape(nil, payload)
		if d, evs := decodeAll(esc); !bytes.Equal(d, payload) || len(evs) != 0 {
			t.Fatalf("escape round trip: % X -> % X", payload, d)
		}
		// The options answer anything without panicking; an option the
		// client does not know is refused (DO → WONT, WILL → DONT) and
		// never turned on.
		o := Options{AcceptLocal: []byte{OptBinary, OptSGA, OptComPort}, AcceptRemote: []byte{OptBinary, OptSGA}}
		for _, ev := range e1 {
			if ev.Kind != EvNegotiate {
				continue
			}
			reply := o.Handle(ev.Cmd, ev.Opt)
			known := ev.Opt == OptBinary || ev.Opt == OptSGA || ev.Opt == OptComPort
			switch {
			case ev.Cmd == DO && !known && !bytes.Equal(reply, []byte{IAC, WONT, ev.Opt}):
				t.Fatalf("DO %X answered % X, want WONT", ev.Opt, reply)
			case ev.Cmd == WILL && ev.Opt != OptBinary && ev.Opt != OptSGA && !bytes.Equal(reply, []byte{IAC, DONT, ev.Opt}):
				t.Fatalf("WILL %X answered % X, want DONT", ev.Opt, reply)
			}
			if (!known && o.Local(ev.Opt)) || (ev.Opt != OptBinary && ev.Opt != OptSGA && o.Remote(ev.Opt)) {
				t.Fatalf("unknown option %X turned on", ev.Opt)
			}
		}
	})
}
