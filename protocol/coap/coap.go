// Package coap builds and recognises the CoAP messages atbench needs to
// ping a peer over a module's link: over UDP the RFC 7252 "CoAP ping" (an
// empty Confirmable message, answered by a Reset with the same Message
// ID); over TCP the RFC 8323 signalling messages 7.01 CSM, 7.02 Ping,
// 7.03 Pong, 7.04 Release and 7.05 Abort with their length-prefixed
// framing. It does no I/O and reads no clock.
package coap

import (
	"errors"
	"fmt"
)

// Code is a CoAP code byte: class<<5 | detail, written "c.dd".
type Code uint8

// Codes atbench sends or recognises.
const (
	CodeEmpty   Code = 0x00 // 0.00, an empty message (UDP ping, ACK, RST)
	CodeCSM     Code = 0xE1 // 7.01 Capabilities and Settings Message
	CodePing    Code = 0xE2 // 7.02 Ping
	CodePong    Code = 0xE3 // 7.03 Pong
	CodeRelease Code = 0xE4 // 7.04 Release
	CodeAbort   Code = 0xE5 // 7.05 Abort
)

// Class is the code's class, 0..7.
func (c Code) Class() int { return int(c >> 5) }

// Detail is the code's detail, 0..31.
func (c Code) Detail() int { return int(c & 0x1f) }

// Signal reports whether the code is an RFC 8323 signalling code (7.xx).
func (c Code) Signal() bool { return c.Class() == 7 }

// String writes the code as "c.dd", with the signal's name when known.
func (c Code) String() string {
	s := fmt.Sprintf("%d.%02d", c.Class(), c.Detail())
	switch c {
	case CodeCSM:
		s += " CSM"
	case CodePing:
		s += " Ping"
	case CodePong:
		s += " Pong"
	case CodeRelease:
		s += " Release"
	case CodeAbort:
		s += " Abort"
	}
	return s
}

// MaxToken is the longest token RFC 7252 and RFC 8323 allow (TKL 9..15 is
// a message format error).
const MaxToken = 8

// Errors of the parsers.
var (
	// ErrShort means the bytes end before the message does: more may come.
	ErrShort = errors.New("coap: message incomplete")
	// ErrFormat means the bytes are not a well-formed CoAP message.
	ErrFormat = errors.New("coap: message format error")
)
