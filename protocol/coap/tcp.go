package coap

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Frame is one CoAP-over-TCP message (RFC 8323 section 3.2): Len/TKL
// nibbles, the extended length, the code, the token, then options and
// payload (Rest, undecoded).
type Frame struct {
	Code  Code
	Token []byte
	Rest  []byte // options and payload: Len bytes
}

// String describes the frame briefly ("7.03 Pong token=0a0b").
func (f Frame) String() string {
	s := f.Code.String()
	if len(f.Token) > 0 {
		s += fmt.Sprintf(" token=%x", f.Token)
	}
	if len(f.Rest) > 0 {
		s += fmt.Sprintf(" +%d bytes", len(f.Rest))
	}
	return s
}

// Extended-length thresholds of RFC 8323 section 3.2.
const (
	len13 = 13    // Len 13: one extra byte, length − 13
	len14 = 269   // Len 14: two extra bytes, length − 269
	len15 = 65805 // Len 15: four extra bytes, length − 65805
	maxLn = 1<<32 - 1 + len15
)

// AppendFrame appends the RFC 8323 framing of a message with code, token
// and rest (options and payload, already encoded). It fails for a token
// longer than 8 bytes.
func AppendFrame(dst []byte, code Code, token, rest []byte) ([]byte, error) {
	if len(token) > MaxToken {
		return dst, fmt.Errorf("coap: token of %d bytes, at most %d", len(token), MaxToken)
	}
	n := len(rest)
	tkl := byte(len(token))
	switch {
	case n < len13:
		dst = append(dst, byte(n)<<4|tkl)
	case n < len14:
		dst = append(dst, 13<<4|tkl, byte(n-len13))
	case n < len15:
		dst = append(dst, 14<<4|tkl)
		dst = binary.BigEndian.AppendUint16(dst, uint16(n-len14))
	case uint64(n) <= maxLn:
		dst = append(dst, 15<<4|tkl)
		dst = binary.BigEndian.AppendUint32(dst, uint32(n-len15))
	default:
		return dst, fmt.Errorf("coap: %d bytes of options and payload, too long", n)
	}
	dst = append(dst, byte(code))
	dst = append(dst, token...)
	return append(dst, rest...), nil
}

// CSM is a 7.01 Capabilities and Settings Message with no options: the
// message each side of a CoAP-over-TCP connection sends first (RFC 8323
// section 5.3), announcing the default capabilities.
func CSM() []byte { return []byte{0x00, byte(CodeCSM)} }

// TCPPing is a 7.02 Ping with token (at most 8 bytes; a longer one is cut
// to 8). The peer answers with a 7.03 Pong carrying the same token.
func TCPPing(token []byte) []byte {
	if len(token) > MaxToken {
		token = token[:MaxToken]
	}
	b, _ := AppendFrame(nil, CodePing, token, nil) // cannot fail: token ≤ 8, no rest
	return b
}

// TCPPong is the 7.03 Pong answering a Ping with token.
func TCPPong(token []byte) []byte {
	if len(token) > MaxToken {
		token = token[:MaxToken]
	}
	b, _ := AppendFrame(nil, CodePong, token, nil)
	return b
}

// ParseFrame reads the CoAP-over-TCP message at the start of b and returns
// it with the number of bytes it takes. ErrShort means b ends inside the
// message; ErrFormat that the bytes cannot start one (a token length of 9
// or more). The frame's slices alias b.
func ParseFrame(b []byte) (Frame, int, error) {
	if len(b) < 1 {
		return Frame{}, 0, ErrShort
	}
	ln := uint64(b[0] >> 4)
	tkl := int(b[0] & 0x0f)
	if tkl > MaxToken {
		return Frame{}, 0, fmt.Errorf("%w: token length %d", ErrFormat, tkl)
	}
	i := 1
	switch ln {
	case 13:
		if len(b) < i+1 {
			return Frame{}, 0, ErrShort
		}
		ln = uint64(b[i]) + len13
		i++
	case 14:
		if len(b) < i+2 {
			return Frame{}, 0, ErrShort
		}
		ln = uint64(binary.BigEndian.Uint16(b[i:])) + len14
		i += 2
	case 15:
		if len(b) < i+4 {
			return Frame{}, 0, ErrShort
		}
		ln = uint64(binary.BigEndian.Uint32(b[i:])) + len15
		i += 4
	}
	if len(b) < i+1 {
		return Frame{}, 0, ErrShort
	}
	code := Code(b[i])
	i++
	if uint64(len(b)-i) < uint64(tkl)+ln {
		return Frame{}, 0, ErrShort
	}
	f := Frame{Code: code, Token: b[i : i+tkl]}
	i += tkl
	f.Rest = b[i : i+int(ln)]
	return f, i + int(ln), nil
}

// Scan reads the CoAP-over-TCP messages at the start of stream, in order,
// and returns them with the number of bytes they take; the rest is an
// incomplete message waiting for more bytes. When the bytes at some point
// cannot start a message (ErrFormat), Scan stops there and returns the
// error with what it read before.
func Scan(stream []byte) ([]Frame, int, error) {
	var out []Frame
	used := 0
	for used < len(stream) {
		f, n, err := ParseFrame(stream[used:])
		if errors.Is(err, ErrShort) {
			break
		}
		if err != nil {
			return out, used, err
		}
		out = append(out, f)
		used += n
	}
	return out, used, nil
}

// FindPong looks in stream, bytes a CoAP-over-TCP peer sent, for a 7.03
// Pong answering a Ping with token and returns it: a Pong with that token,
// or with none (libcoap 4.3 answers every Ping with an empty token and a
// Custody option, so an empty-token Pong answers the Ping outstanding).
// The stream need not start at a message boundary (a watch may begin in
// the middle of a connection), so every offset is tried; messages around
// it (the peer's CSM, responses) are skipped.
func FindPong(stream, token []byte) (Frame, bool) {
	for i := range stream {
		f, _, err := ParseFrame(stream[i:])
		if err == nil && f.Code == CodePong && (len(f.Token) == 0 || string(f.Token) == string(token)) {
			return f, true
		}
	}
	return Frame{}, false
}
