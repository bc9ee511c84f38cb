// Package telnet decodes and encodes the Telnet framing that RFC 2217 (the
// Telnet Com Port Control Option) rides on: IAC commands, option
// negotiation, subnegotiations and the doubling of 0xFF in data. It knows
// the COM-PORT-OPTION codes but no transport; the rfc2217 client in
// device/remote and the server in device/expose share it.
package telnet

// Telnet command bytes (RFC 854).
const (
	SE   = 0xF0
	NOP  = 0xF1
	DM   = 0xF2
	BRK  = 0xF3
	GA   = 0xF9
	SB   = 0xFA
	WILL = 0xFB
	WONT = 0xFC
	DO   = 0xFD
	DONT = 0xFE
	IAC  = 0xFF
)

// Options this package negotiates.
const (
	OptBinary  = 0x00
	OptEcho    = 0x01
	OptSGA     = 0x03
	OptComPort = 0x2C // RFC 2217
)

// COM-PORT-OPTION commands, client to server; the server answers with the
// same code plus ServerOffset.
const (
	CmdSignature         = 0
	CmdSetBaudrate       = 1
	CmdSetDatasize       = 2
	CmdSetParity         = 3
	CmdSetStopsize       = 4
	CmdSetControl        = 5
	CmdNotifyLinestate   = 6
	CmdNotifyModemstate  = 7
	CmdFlowSuspend       = 8
	CmdFlowResume        = 9
	CmdSetLinestateMask  = 10
	CmdSetModemstateMask = 11
	CmdPurgeData         = 12

	ServerOffset = 100
)

// SET-CONTROL values (RFC 2217).
const (
	CtlFlowRequest = 0
	CtlFlowNone    = 1
	CtlFlowXonXoff = 2
	CtlFlowHW      = 3
	CtlBreakOn     = 5
	CtlBreakOff    = 6
	CtlDTROn       = 8
	CtlDTROff      = 9
	CtlRTSOn       = 11
	CtlRTSOff      = 12
)

// maxSub bounds a subnegotiation's value; longer ones are cut, never
// grown without limit on a peer's say.
const maxSub = 256

// EventKind tells what a decoded Event is.
type EventKind uint8

// Event kinds.
const (
	EvNegotiate EventKind = iota + 1 // Cmd is WILL, WONT, DO or DONT; Opt the option
	EvSub                            // Opt and Data: a subnegotiation, IAC doubling undone
	EvCommand                        // Cmd: another IAC command (NOP, BRK, GA…)
)

// Event is one Telnet command found among the data.
type Event struct {
	Kind EventKind
	Cmd  byte
	Opt  byte
	Data []byte // EvSub only; owned by the event
}

type state uint8

const (
	stData state = iota
	stIAC
	stNeg
	stSB
	stSBIAC
)

// Decoder splits a Telnet byte stream into data and events. It keeps its
// state between calls, so a command may be split across reads anywhere.
// The zero value is ready.
type Decoder struct {
	st  state
	cmd byte
	sub []byte
}

// Decode appends the data bytes of in to data and the commands to evs,
// and returns both. It never fails: malformed input is resolved the way
// the RFC's robustness rule suggests, and nothing is taken from in beyond
// its length.
func (d *Decoder) Decode(data []byte, evs []Event, in []byte) ([]byte, []Event) {
	for i := 0; i < len(in); i++ {
		b := in[i]
		switch d.st {
		case stData:
			// Copy a run of plain data at once: most reads hold no IAC.
			j := i
			for j < len(in) && in[j] != IAC {
				j++
			}
			data = append(data, in[i:j]...)
			i = j
			if j < len(in) {
				d.st = stIAC
			}
		case stIAC:
			data, evs = d.command(data, evs, b)
		case stNeg:
			evs = append(evs, Event{Kind: EvNegotiate, Cmd: d.cmd, Opt: b})
			d.st = stData
		case stSB:
			if b == IAC {
				d.st = stSBIAC
			} else if len(d.sub) < maxSub {
				d.sub = append(d.sub, b)
			}
		case stSBIAC:
			switch b {
			case IAC:
				if len(d.sub) < maxSub {
					d.sub = append(d.sub, IAC)
				}
				d.st = stSB
			case SE:
				evs = d.endSub(evs)
				d.st = stData
			default:
				// An unterminated subnegotiation: end it here and read
				// the byte as the command it starts.
				evs = d.endSub(evs)
				data, evs = d.command(data, evs, b)
			}
		}
	}
	return data, evs
}

// command handles the byte after an IAC in data.
func (d *Decoder) command(data []byte, evs []Event, b byte) ([]byte, []Event) {
	switch b {
	case IAC:
		data = append(data, IAC)
		d.st = stData
	case WILL, WONT, DO, DONT:
		d.cmd = b
		d.st = stNeg
	case SB:
		d.sub = d.sub[:0]
		d.st = stSB
	case SE:
		d.st = stData // a stray SE: nothing to end
	default:
		evs = append(evs, Event{Kind: EvCommand, Cmd: b})
		d.st = stData
	}
	return data, evs
}

// endSub turns the collected subnegotiation into an event. The first byte
// is the option; an empty one carries nothing and is dropped.
func (d *Decoder) endSub(evs []Event) []Event {
	if len(d.sub) == 0 {
		return evs
	}
	ev := Event{Kind: EvSub, Opt: d.sub[0], Data: append([]byte(nil), d.sub[1:]...)}
	d.sub = d.sub[:0]
	return append(evs, ev)
}

// Escape appends src to dst with every 0xFF doubled.
func Escape(dst, src []byte) []byte {
	for {
		i := indexIAC(src)
		if i < 0 {
			return append(dst, src...)
		}
		dst = append(dst, src[:i+1]...)
		dst = append(dst, IAC)
		src = src[i+1:]
	}
}

func indexIAC(b []byte) int {
	for i, c := range b {
		if c == IAC {
			return i
		}
	}
	return -1
}

// Negotiation returns IAC cmd opt.
func Negotiation(cmd, opt byte) []byte { return []byte{IAC, cmd, opt} }

// ComPort returns the subnegotiation IAC SB COM-PORT-OPTION cmd value IAC
// SE, with 0xFF in value doubled.
func ComPort(cmd byte, value ...byte) []byte {
	b := []byte{IAC, SB, OptComPort, cmd}
	b = Escape(b, value)
	return append(b, IAC, SE)
}
