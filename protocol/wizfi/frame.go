package wizfi

import (
	"bytes"
	"fmt"
	"strconv"

	"atbench/protocol"
)

// ESC starts every data frame (dialects.md C.5).
const ESC = 0x1b

// MaxBulk is the largest payload of a bulk frame: its length field has four
// decimal digits.
const MaxBulk = 9999

// DefaultMaxData is the Decoder's bound on buffered payload when
// NewDecoder is given none.
const DefaultMaxData = 4096

// maxAddr bounds the address part of a UDP frame header
// ("255.255.255.255:65535:").
const maxAddr = 22

// FrameKind is the kind of a data frame, named after its escape letter.
type FrameKind uint8

// Frame kinds.
const (
	FrameText      FrameKind = iota // bytes outside any frame: answers and events, framed as lines
	FrameData                       // ESC 'S' <cid> <data> ESC 'E', both ways
	FrameBulk                       // ESC 'Z' <cid> <4-digit length> <data>, both ways
	FrameUDPRx                      // ESC 'u' <cid> <ip> SP <port> HT <data> ESC 'E', module to host
	FrameUDPTx                      // ESC 'U' <cid> <ip>:<port>:<data> ESC 'E', host to module
	FrameUDPBulkRx                  // ESC 'y' <cid> <ip> SP <port> HT <4-digit length> <data>, module to host
	FrameHTTP                       // ESC 'H' <cid> <4-digit length> <data>, module to host
	FrameRaw                        // ESC 'R' ':' <length> ':' <data>
	FrameAckOK                      // ESC 'O': the module took the host's data
	FrameAckFail                    // ESC 'F': the module failed to take it
)

var frameNames = [...]string{"text", "data", "bulk", "udp-rx", "udp-tx", "udp-bulk-rx", "http", "raw", "ack-ok", "ack-fail"}

// String names the kind.
func (k FrameKind) String() string {
	if int(k) < len(frameNames) {
		return frameNames[k]
	}
	return "frame " + strconv.Itoa(int(k))
}

// Frame is one unit the Decoder found: a run of text or a data frame (or a
// part of one).
type Frame struct {
	Kind FrameKind
	// CID is the connection of a data frame, protocol.NoLink for text,
	// acknowledgements and raw frames.
	CID int
	// IP and Port are the peer of a UDP server frame.
	IP   string
	Port int
	// Data is the payload with doubled ESCs undone, or the text. The
	// decoder does not keep it.
	Data []byte
	// More reports that the frame goes on in the next Frame: a frame longer
	// than the decoder's bound comes in parts.
	More bool
	// Broken reports a frame cut short: an ESC inside the data followed by
	// something other than ESC or 'E' (the frame is given as far as it
	// went, and the escape is read as the start of the next one).
	Broken bool
}

type decState uint8

const (
	stText     decState = iota
	stEsc               // after ESC outside a frame
	stCID               // after the kind letter: one hex digit
	stAddrRx            // "<ip> SP <port> HT" of 'u' and 'y'
	stAddrTx            // "<ip>:<port>:" of 'U'
	stLen               // four digits of 'Z', 'y', 'H'
	stRawColon          // the ':' after ESC 'R'
	stRawLen            // "<digits>:" of 'R'
	stBody              // data up to ESC 'E'
	stBodyEsc           // after ESC inside data
	stBulk              // a counted payload
)

// Decoder splits a byte stream into text and data frames, either
// direction. It keeps its state across calls, so bytes may arrive in any
// pieces, and buffers at most its bound of payload (longer frames come in
// parts with More set) plus a header of a few bytes. A malformed header is
// given back as text, nothing is dropped. The zero value is not ready: use
// NewDecoder.
type Decoder struct {
	max  int
	st   decState
	kind FrameKind
	cid  int
	hdr  []byte // escape header bytes, returned as text if it is malformed
	addr []byte
	ip   string
	port int
	need int // digits still to read (stLen) or payload bytes (stBulk)
	n    int // length being read
	data []byte
	text []byte
	out  []Frame
}

// NewDecoder returns a decoder that buffers at most maxData payload bytes
// (DefaultMaxData when maxData <= 0).
func NewDecoder(maxData int) *Decoder {
	if maxData <= 0 {
		maxData = DefaultMaxData
	}
	return &Decoder{max: maxData, cid: protocol.NoLink}
}

// InFrame reports whether the decoder stopped inside a frame or its
// header, so that the next bytes continue it.
func (d *Decoder) InFrame() bool { return d.st != stText }

// Decode reads p and appends the frames it completes to dst. Text comes as
// one FrameText per run; a frame's payload is copied.
func (d *Decoder) Decode(dst []Frame, p []byte) []Frame {
	d.out = dst
	for i := 0; i < len(p); {
		c := p[i]
		switch d.st {
		case stText:
			j := bytes.IndexByte(p[i:], ESC)
			if j < 0 {
				d.text = append(d.text, p[i:]...)
				i = len(p)
				continue
			}
			d.text = append(d.text, p[i:i+j]...)
			i += j + 1
			d.st, d.hdr = stEsc, append(d.hdr[:0], ESC)
			continue
		case stEsc:
			d.hdr = append(d.hdr, c)
			switch c {
			case 'S':
				d.begin(FrameData, stCID)
			case 'Z':
				d.begin(FrameBulk, stCID)
			case 'u':
				d.begin(FrameUDPRx, stCID)
			case 'U':
				d.begin(FrameUDPTx, stCID)
			case 'y':
				d.begin(FrameUDPBulkRx, stCID)
			case 'H':
				d.begin(FrameHTTP, stCID)
			case 'R':
				d.begin(FrameRaw, stRawColon)
			case 'O', 'F':
				d.flushText()
				k := FrameAckOK
				if c == 'F' {
					k = FrameAckFail
				}
				d.out = append(d.out, Frame{Kind: k, CID: protocol.NoLink})
				d.st = stText
			default:
				d.hdr = d.hdr[:len(d.hdr)-1]
				d.malformed()
				continue // read c again as text
			}
		case stCID:
			cid, ok := cidOf(p[i : i+1])
			if !ok {
				d.malformed()
				continue
			}
			d.hdr = append(d.hdr, c)
			d.cid = cid
			switch d.kind {
			case FrameData:
				d.st = stBody
			case FrameBulk, FrameHTTP:
				d.st, d.need, d.n = stLen, 4, 0
			case FrameUDPRx, FrameUDPBulkRx:
				d.st, d.addr = stAddrRx, d.addr[:0]
			case FrameUDPTx:
				d.st, d.addr = stAddrTx, d.addr[:0]
			}
		case stAddrRx, stAddrTx:
			end := byte('\t')
			if d.st == stAddrTx {
				end = ':'
			}
			if c == end && (d.st == stAddrRx || bytes.IndexByte(d.addr, ':') >= 0) {
				if !d.parseAddr() {
					d.malformed()
					continue
				}
				d.hdr = append(d.hdr, c)
				if d.kind == FrameUDPBulkRx {
					d.st, d.need, d.n = stLen, 4, 0
				} else {
					d.st = stBody
				}
				break
			}
			if len(d.addr) >= maxAddr || !addrByte(c) {
				d.malformed()
				continue
			}
			d.hdr = append(d.hdr, c)
			d.addr = append(d.addr, c)
		case stLen, stRawLen:
			if d.st == stRawLen && c == ':' && d.need < 5 {
				d.hdr = append(d.hdr, c)
				d.startBulk()
				break
			}
			if c < '0' || c > '9' || d.need == 0 {
				d.malformed()
				continue
			}
			d.hdr = append(d.hdr, c)
			d.n = d.n*10 + int(c-'0')
			d.need--
			if d.st == stLen && d.need == 0 {
				d.startBulk()
			}
		case stRawColon:
			if c != ':' {
				d.malformed()
				continue
			}
			d.hdr = append(d.hdr, c)
			d.st, d.need, d.n = stRawLen, 5, 0
		case stBody:
			j := bytes.IndexByte(p[i:], ESC)
			if j < 0 {
				j = len(p) - i
			}
			j = min(j, d.max-len(d.data))
			d.data = append(d.data, p[i:i+j]...)
			i += j
			if len(d.data) == d.max {
				d.emit(true, false)
			}
			if i < len(p) && p[i] == ESC {
				d.st = stBodyEsc
				i++
			}
			continue
		case stBodyEsc:
			switch c {
			case ESC:
				d.data = append(d.data, ESC)
				d.st = stBody
				if len(d.data) == d.max {
					d.emit(true, false)
				}
			case 'E':
				d.emit(false, false)
				d.st = stText
			default:
				d.emit(false, true)
				d.st, d.hdr = stEsc, append(d.hdr[:0], ESC)
				continue // read c as the letter of a new escape
			}
		case stBulk:
			j := min(d.need, len(p)-i, d.max-len(d.data))
			d.data = append(d.data, p[i:i+j]...)
			d.need -= j
			i += j
			switch {
			case d.need == 0:
				d.emit(false, false)
				d.st = stText
			case len(d.data) == d.max:
				d.emit(true, false)
			}
			continue
		}
		i++
	}
	d.flushText()
	out := d.out
	d.out = nil
	return out
}

// begin starts the header of a frame of kind k.
func (d *Decoder) begin(k FrameKind, next decState) {
	d.kind, d.st, d.cid, d.ip, d.port = k, next, protocol.NoLink, "", 0
}

// startBulk enters the counted payload of d.n bytes.
func (d *Decoder) startBulk() {
	d.st, d.need = stBulk, d.n
	if d.n == 0 {
		d.emit(false, false)
		d.st = stText
	}
}

// parseAddr reads d.addr: "<ip> <port>" (stAddrRx) or "<ip>:<port>"
// (stAddrTx, the final ':' not included).
func (d *Decoder) parseAddr() bool {
	sep := byte(' ')
	if d.st == stAddrTx {
		sep = ':'
	}
	ip, port, ok := bytes.Cut(d.addr, []byte{sep})
	if !ok {
		return false
	}
	n, ok := atoiMax(string(port), 65535)
	if !ok || !isIPv4(string(ip)) {
		return false
	}
	d.ip, d.port = string(ip), n
	return true
}

// addrByte reports a byte that may appear in a UDP frame's address.
func addrByte(c byte) bool { return c == '.' || c == ' ' || c == ':' || ('0' <= c && c <= '9') }

// emit hands out the payload gathered so far.
func (d *Decoder) emit(more, broken bool) {
	d.flushText()
	d.out = append(d.out, Frame{Kind: d.kind, CID: d.cid, IP: d.ip, Port: d.port,
		Data: bytes.Clone(d.data), More: more, Broken: broken})
	if d.out[len(d.out)-1].Data == nil {
		d.out[len(d.out)-1].Data = []byte{}
	}
	d.data = d.data[:0]
}

// malformed gives the header read so far back as text and returns to text.
func (d *Decoder) malformed() {
	d.text = append(d.text, d.hdr...)
	d.hdr = d.hdr[:0]
	d.st = stText
}

// flushText hands out the text gathered so far.
func (d *Decoder) flushText() {
	if len(d.text) == 0 {
		return
	}
	d.out = append(d.out, Frame{Kind: FrameText, CID: protocol.NoLink, Data: bytes.Clone(d.text)})
	d.text = d.text[:0]
}

// appendEscaped appends data with each ESC doubled.
func appendEscaped(b, data []byte) []byte {
	for {
		i := bytes.IndexByte(data, ESC)
		if i < 0 {
			return append(b, data...)
		}
		b = append(b, data[:i+1]...)
		b = append(b, ESC)
		data = data[i+1:]
	}
}

// EncodeData frames data for a CID: ESC 'S' <cid> <data> ESC 'E', with each
// ESC inside the data doubled. The same bytes go both ways. Like every
// encoder here it takes a CID of 0..15 unchecked (SendFrame checks).
func EncodeData(cid int, data []byte) []byte {
	b := make([]byte, 0, len(data)+5)
	b = append(b, ESC, 'S', FormatCID(cid)[0])
	b = appendEscaped(b, data)
	return append(b, ESC, 'E')
}

// EncodeBulk frames data in bulk form: ESC 'Z' <cid> <4-digit length>
// <data>, the data as is. len(data) must be at most MaxBulk.
func EncodeBulk(cid int, data []byte) []byte {
	b := fmt.Appendf(make([]byte, 0, len(data)+7), "\x1bZ%s%04d", FormatCID(cid), len(data))
	return append(b, data...)
}

// EncodeUDPServerRx frames a datagram a UDP server CID received, as the
// module sends it: ESC 'u' <cid> <ip> SP <port> HT <data> ESC 'E' (ESC
// doubled in the data, UNCONFIRMED, as for 'S').
func EncodeUDPServerRx(cid int, ip string, port int, data []byte) []byte {
	b := fmt.Appendf(make([]byte, 0, len(data)+32), "\x1bu%s%s %d\t", FormatCID(cid), ip, port)
	b = appendEscaped(b, data)
	return append(b, ESC, 'E')
}

// EncodeUDPServerBulkRx is the bulk form of EncodeUDPServerRx:
// ESC 'y' <cid> <ip> SP <port> HT <4-digit length> <data>.
func EncodeUDPServerBulkRx(cid int, ip string, port int, data []byte) []byte {
	b := fmt.Appendf(make([]byte, 0, len(data)+36), "\x1by%s%s %d\t%04d", FormatCID(cid), ip, port, len(data))
	return append(b, data...)
}

// EncodeUDPServerTx frames a datagram the host sends from a UDP server CID
// to a peer: ESC 'U' <cid> <ip>:<port>:<data> ESC 'E' (ESC doubled).
func EncodeUDPServerTx(cid int, ip string, port int, data []byte) []byte {
	b := fmt.Appendf(make([]byte, 0, len(data)+32), "\x1bU%s%s:%d:", FormatCID(cid), ip, port)
	b = appendEscaped(b, data)
	return append(b, ESC, 'E')
}

// EncodeAck is the module's acknowledgement of host data: ESC 'O' when it
// took the data, ESC 'F' when it failed to.
func EncodeAck(ok bool) []byte {
	if ok {
		return []byte{ESC, 'O'}
	}
	return []byte{ESC, 'F'}
}
