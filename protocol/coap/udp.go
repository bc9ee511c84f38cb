package coap

import (
	"encoding/binary"
	"fmt"
)

// Version is the only CoAP version (the header's two top bits).
const Version = 1

// Type is a CoAP-over-UDP message type.
type Type uint8

// Message types (RFC 7252 section 3).
const (
	Confirmable     Type = 0
	NonConfirmable  Type = 1
	Acknowledgement Type = 2
	Reset           Type = 3
)

// String names the type as RFC 7252 abbreviates it.
func (t Type) String() string {
	switch t {
	case Confirmable:
		return "CON"
	case NonConfirmable:
		return "NON"
	case Acknowledgement:
		return "ACK"
	case Reset:
		return "RST"
	}
	return fmt.Sprintf("type %d", uint8(t))
}

// Datagram is one CoAP-over-UDP message: its 4-byte header, its token and
// the options and payload after them, undecoded.
type Datagram struct {
	Type      Type
	Code      Code
	MessageID uint16
	Token     []byte
	Rest      []byte // options and payload
}

// Empty reports whether the message is an Empty message (code 0.00).
func (d Datagram) Empty() bool { return d.Code == CodeEmpty }

// String describes the message briefly ("RST 0.00 mid=0x1234").
func (d Datagram) String() string {
	s := fmt.Sprintf("%s %s mid=0x%04x", d.Type, d.Code, d.MessageID)
	if len(d.Token) > 0 {
		s += fmt.Sprintf(" token=%x", d.Token)
	}
	return s
}

// Ping is the RFC 7252 CoAP ping: an empty Confirmable message (type CON,
// code 0.00, no token, options or payload) with Message ID mid. The peer
// answers it with a Reset carrying mid.
func Ping(mid uint16) []byte {
	return []byte{Version<<6 | byte(Confirmable)<<4, byte(CodeEmpty), byte(mid >> 8), byte(mid)}
}

// EmptyReset is the Reset a peer sends to reject (answer) message mid.
func EmptyReset(mid uint16) []byte {
	return []byte{Version<<6 | byte(Reset)<<4, byte(CodeEmpty), byte(mid >> 8), byte(mid)}
}

// ParseDatagram reads one CoAP-over-UDP message: a datagram is one message,
// so b is all of it. An Empty message with bytes after its Message ID, a
// token longer than 8 bytes, a version other than 1 or a header cut short
// is ErrFormat.
func ParseDatagram(b []byte) (Datagram, error) {
	if len(b) < 4 {
		return Datagram{}, fmt.Errorf("%w: %d bytes, a header takes 4", ErrFormat, len(b))
	}
	if b[0]>>6 != Version {
		return Datagram{}, fmt.Errorf("%w: version %d", ErrFormat, b[0]>>6)
	}
	tkl := int(b[0] & 0x0f)
	if tkl > MaxToken {
		return Datagram{}, fmt.Errorf("%w: token length %d", ErrFormat, tkl)
	}
	d := Datagram{Type: Type(b[0] >> 4 & 3), Code: Code(b[1]), MessageID: binary.BigEndian.Uint16(b[2:4])}
	if d.Code == CodeEmpty && len(b) != 4 {
		return Datagram{}, fmt.Errorf("%w: an empty message with %d bytes after its header", ErrFormat, len(b)-4)
	}
	if len(b) < 4+tkl {
		return Datagram{}, fmt.Errorf("%w: token of %d bytes cut short", ErrFormat, tkl)
	}
	d.Token = b[4 : 4+tkl]
	d.Rest = b[4+tkl:]
	return d, nil
}

// IsPingReset reports whether datagram b answers the ping with Message ID
// mid: an empty Reset with that Message ID. (An empty ACK with it is not
// an answer to a ping: RFC 7252 section 4.3 has the peer reject it.)
func IsPingReset(b []byte, mid uint16) bool {
	d, err := ParseDatagram(b)
	return err == nil && d.Type == Reset && d.Empty() && d.MessageID == mid
}
