package wizfi

import (
	"bytes"

	"atbench/protocol"
)

// dataEnd ends the delimited data frames (ESC 'S', ESC 'u'): ESC 'E', the
// ESC doubled inside the data (protocol.PayloadMatch.End).
const dataEnd = "\x1bE"

// payloadPrefixes are the starts of the frames the module sends (C.5): the
// session's framer shows lines that start with one to Payload.
var payloadPrefixes = [...]string{"\x1bS", "\x1bZ", "\x1bu", "\x1by", "\x1bH", "\x1bR", "\x1bO", "\x1bF"}

// PayloadPrefixes returns the starts of the frames the module sends, for
// a protocol.FrameSpec.
func PayloadPrefixes() []string { return payloadPrefixes[:] }

// Payload is the payload rule of the module's data frames for the
// session's framer (protocol.FrameSpec.Payload). line starts with one of
// PayloadPrefixes and may run past the header; it recognises
//
//	ESC S <cid> <data> ESC E                      delimited, ESC doubled in the data
//	ESC u <cid> <ip> SP <port> HT <data> ESC E    delimited (UDP server)
//	ESC Z <cid> <4-digit len> <data>              counted (bulk)
//	ESC y <cid> <ip> SP <port> HT <4-digit len>   counted (UDP server bulk)
//	ESC H <cid> <4-digit len> <data>              counted (HTTP)
//	ESC R : <len> : <data>                        counted, no CID
//	ESC O, ESC F                                  acknowledgements, no data
//
// The header (escape, letter, CID, peer, length) stays in the record's
// Text; the record's link is the CID. It answers NeedMore while the header
// could still be completed and NoMatch as soon as it cannot, the same for
// every extension of a line, as Decoder reads the same bytes.
func Payload(line []byte) protocol.PayloadMatch {
	need := protocol.PayloadMatch{Status: protocol.NeedMore, LinkID: protocol.NoLink}
	no := protocol.PayloadMatch{Status: protocol.NoMatch, LinkID: protocol.NoLink}
	if len(line) < 2 {
		if len(line) == 1 && line[0] != ESC {
			return no
		}
		return need
	}
	if line[0] != ESC {
		return no
	}
	letter := line[1]
	switch letter {
	case 'O', 'F':
		return protocol.PayloadMatch{Status: protocol.Match, Header: 2, LinkID: protocol.NoLink}
	case 'R':
		return rawFrame(line)
	case 'S', 'Z', 'u', 'y', 'H':
	default:
		return no
	}
	if len(line) < 3 {
		return need
	}
	cid, ok := cidOf(line[2:3])
	if !ok {
		return no
	}
	at := 3
	if letter == 'u' || letter == 'y' {
		st, end := udpPeer(line[at:])
		if st != protocol.Match {
			return protocol.PayloadMatch{Status: st, LinkID: protocol.NoLink}
		}
		at += end
	}
	if letter == 'S' || letter == 'u' {
		return protocol.PayloadMatch{Status: protocol.Match, Header: at, End: dataEnd, LinkID: cid}
	}
	n, st := digits(line[at:], 4)
	if st != protocol.Match {
		return protocol.PayloadMatch{Status: st, LinkID: protocol.NoLink}
	}
	return protocol.PayloadMatch{Status: protocol.Match, Header: at + 4, Length: n, LinkID: cid}
}

// rawFrame reads "ESC R : <1..5 digits> :".
func rawFrame(line []byte) protocol.PayloadMatch {
	m := protocol.PayloadMatch{Status: protocol.NeedMore, LinkID: protocol.NoLink}
	if len(line) < 3 {
		return m
	}
	if line[2] != ':' {
		m.Status = protocol.NoMatch
		return m
	}
	n := 0
	for i := 3; i < len(line); i++ {
		c := line[i]
		switch {
		case c == ':' && i > 3:
			return protocol.PayloadMatch{Status: protocol.Match, Header: i + 1, Length: n, LinkID: protocol.NoLink}
		case c >= '0' && c <= '9' && i < 3+5:
			n = n*10 + int(c-'0')
		default:
			m.Status = protocol.NoMatch
			return m
		}
	}
	return m
}

// udpPeer reads "<ip> SP <port> HT" at the start of b and returns the
// bytes it takes, HT included.
func udpPeer(b []byte) (protocol.MatchStatus, int) {
	for i, c := range b {
		if c == '\t' {
			ip, port, ok := bytes.Cut(b[:i], []byte{' '})
			if !ok || !isIPv4(string(ip)) {
				return protocol.NoMatch, 0
			}
			if _, ok := atoiMax(string(port), 65535); !ok {
				return protocol.NoMatch, 0
			}
			return protocol.Match, i + 1
		}
		if i >= maxAddr || !(c == '.' || c == ' ' || ('0' <= c && c <= '9')) {
			return protocol.NoMatch, 0
		}
	}
	return protocol.NeedMore, 0
}

// digits reads exactly count decimal digits at the start of b.
func digits(b []byte, count int) (int, protocol.MatchStatus) {
	n := 0
	for i := range count {
		if i >= len(b) {
			return 0, protocol.NeedMore
		}
		c := b[i]
		if c < '0' || c > '9' {
			return 0, protocol.NoMatch
		}
		n = n*10 + int(c-'0')
	}
	return n, protocol.Match
}
