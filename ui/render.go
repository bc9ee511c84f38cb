package ui

import (
	"bytes"
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"atbench/protocol"
	"atbench/themes"
)

// tsWidth is the width of a timestamp column ("15:04:05.000").
const tsWidth = 12

// look is everything that changes how a record is drawn: a cached line is
// valid only for the look it was drawn with.
type look struct {
	base  time.Time // origin of relative timestamps
	width int
	wall  bool
	hex   bool
	query string // search text; "" when not searching
	theme uint64 // shared.look
}

// recordRenderer turns one record into display lines. Every byte of device
// text goes through protocol.AppendEscaped first: nothing a device sends is
// ever written to the terminal as is.
type recordRenderer struct {
	st   *themes.Styles
	look look

	// Paints of the styles used here, rebuilt when the theme changes:
	// lipgloss's Render is too slow to call per run of every line.
	paints     [protocol.KindRaw + 1]paint
	pEscape    paint
	pMatch     paint
	pTimestamp paint
	pSubtle    paint
	pNote      paint
	paintedFor *themes.Styles
	paintedAt  uint64
	painted    bool

	// note is a line of atbench's own to show under the record being
	// drawn (what its error code means); set by the scrollback.
	note string

	plain []byte // scratch: the escaped body
	class []byte // scratch: per byte of plain, clsText/clsEscape/clsMatch
	lower []byte // scratch: plain folded to lower case for searching
}

const (
	clsText byte = iota
	clsEscape
	clsMatch
)

// paint is a style reduced to the escape sequences around its text: a
// cheap way to style a single line with a style that only sets colours and
// attributes.
type paint struct{ pre, post string }

const paintMark = "\uE000" // a private-use rune no style changes

func paintOf(s lipgloss.Style) paint {
	r := s.Render(paintMark)
	i := strings.Index(r, paintMark)
	if i < 0 {
		return paint{}
	}
	return paint{pre: r[:i], post: r[i+len(paintMark):]}
}

// on styles one line of text.
func (p paint) on(s string) string {
	if s == "" || p.pre == "" && p.post == "" {
		return s
	}
	return p.pre + s + p.post
}

// repaint rebuilds the paints when the styles changed.
func (rr *recordRenderer) repaint() {
	if rr.painted && rr.paintedFor == rr.st && rr.paintedAt == rr.look.theme {
		return
	}
	for k := range rr.paints {
		_, style := kindLook(rr.st, protocol.Kind(k))
		rr.paints[k] = paintOf(style)
	}
	rr.pEscape = paintOf(rr.st.Escape)
	rr.pMatch = paintOf(rr.st.Match)
	rr.pTimestamp = paintOf(rr.st.Timestamp)
	rr.pSubtle = paintOf(rr.st.Subtle)
	rr.pNote = paintOf(rr.st.Hint)
	rr.paintedFor, rr.paintedAt, rr.painted = rr.st, rr.look.theme, true
}

func (rr *recordRenderer) kindPaint(k protocol.Kind) paint {
	if int(k) < len(rr.paints) {
		return rr.paints[k]
	}
	return rr.paints[protocol.KindNoise]
}

// kindLook returns the glyph and style of a record kind.
func kindLook(st *themes.Styles, k protocol.Kind) (string, lipgloss.Style) {
	switch k {
	case protocol.KindSent, protocol.KindRaw:
		return "→", st.Sent
	case protocol.KindEcho:
		return "↩", st.Echo
	case protocol.KindOK:
		return "←", st.OK
	case protocol.KindError:
		return "✗", st.Error
	case protocol.KindInfo:
		return "←", st.Info
	case protocol.KindEvent:
		return "⚑", st.Event
	case protocol.KindData:
		return "◂", st.Data
	case protocol.KindPrompt:
		return "»", st.Prompt
	case protocol.KindNote:
		return "•", st.Note
	}
	return "?", st.Noise
}

// isRawSend tells a raw write (session.WriteRaw) from a command.
func isRawSend(r *protocol.Record) bool {
	return r.Kind == protocol.KindRaw
}

// appendPlain appends the record's body, escaped, to dst.
func appendPlain(dst []byte, r *protocol.Record) []byte {
	switch {
	case isRawSend(r):
		dst = append(dst, "raw "...)
		dst = strconv.AppendInt(dst, int64(len(r.Payload)), 10)
		dst = append(dst, " bytes: "...)
		dst = protocol.AppendEscaped(dst, r.Payload)
	case r.Kind == protocol.KindSent:
		// A command line as it went out: the backslashes the user typed
		// (the command set's own escapes, "\," in AT+SKTSEND) stay single.
		dst = appendAsTyped(dst, r.Text)
	default:
		dst = protocol.AppendEscapedString(dst, r.Text)
		dst = protocol.AppendEscaped(dst, r.Payload)
	}
	if r.Dropped > 0 {
		dst = append(dst, " (+"...)
		dst = strconv.AppendInt(dst, int64(r.Dropped), 10)
		dst = append(dst, " bytes dropped: line over the module's limit)"...)
	}
	return dst
}

// appendAsTyped appends s with every byte but a backslash escaped as
// protocol.AppendEscaped does: text as the user typed it (a sent line, the
// catalogue's help) keeps its backslashes single, control bytes never reach
// the terminal.
func appendAsTyped(dst []byte, s string) []byte {
	for {
		i := strings.IndexByte(s, '\\')
		if i < 0 {
			return protocol.AppendEscapedString(dst, s)
		}
		dst = protocol.AppendEscapedString(dst, s[:i])
		dst = append(dst, '\\')
		s = s[i+1:]
	}
}

// asTyped is appendAsTyped for a string.
func asTyped(s string) string { return string(appendAsTyped(nil, s)) }

// timestamp formats when a record was seen, in the current clock mode.
func (rr *recordRenderer) timestamp(at time.Time) string {
	if at.IsZero() {
		return strings.Repeat(" ", tsWidth)
	}
	if rr.look.wall {
		return at.Format("15:04:05.000")
	}
	return padLeft(fmtRelative(at.Sub(rr.look.base)), tsWidth)
}

// render draws a record as one or more lines of at most look.width cells.
func (rr *recordRenderer) render(r *protocol.Record, out []string) []string {
	out = out[:0]
	w := rr.look.width
	if w <= 0 {
		return append(out, "")
	}
	rr.repaint()
	glyph, _ := kindLook(rr.st, r.Kind)
	style := rr.kindPaint(r.Kind)
	prefix := style.on(glyph) + " "
	indentW := 2
	if w >= 32 {
		prefix = rr.pTimestamp.on(rr.timestamp(r.At)) + " " + prefix
		indentW += tsWidth + 1
	}
	bodyW := w - indentW
	if bodyW < 4 {
		// Too narrow for a hanging indent: continue lines at the margin.
		bodyW, indentW = w, 0
	}
	indent := strings.Repeat(" ", indentW)

	if rr.look.hex {
		out = rr.renderHex(r, style, prefix, indent, bodyW, out)
		return rr.renderNote(indent, bodyW, out)
	}

	rr.plain = appendPlain(rr.plain[:0], r)
	rr.classify()
	first := true
	for seg := range wrapAtoms(rr.plain, bodyW) {
		line := indent
		if first {
			line = prefix
			first = false
		}
		out = append(out, line+rr.styleSegment(seg[0], seg[1], style))
	}
	if first {
		out = append(out, prefix)
	}
	return rr.renderNote(indent, bodyW, out)
}

// renderNote adds the note under the record, wrapped, never cut.
func (rr *recordRenderer) renderNote(indent string, bodyW int, out []string) []string {
	if rr.note == "" {
		return out
	}
	lead := "↳ "
	for _, l := range strings.Split(ansi.Wrap(rr.note, max(bodyW-2, 1), ""), "\n") {
		out = append(out, indent+rr.pNote.on(lead+l))
		lead = "  "
	}
	return out
}

// classify marks escapes and search matches in rr.plain.
func (rr *recordRenderer) classify() {
	p := rr.plain
	if cap(rr.class) < len(p) {
		rr.class = make([]byte, len(p), len(p)+len(p)/2)
	}
	c := rr.class[:len(p)]
	for i := 0; i < len(p); {
		if p[i] == '\\' {
			n := escapeLen(p, i)
			for j := i; j < i+n; j++ {
				c[j] = clsEscape
			}
			i += n
			continue
		}
		c[i] = clsText
		i++
	}
	if q := rr.look.query; q != "" {
		hay := p
		if foldQuery(q) {
			rr.lower = lowerASCII(rr.lower[:0], p)
			hay = rr.lower
		}
		qb := []byte(q)
		for off := 0; off+len(qb) <= len(hay); {
			i := bytes.Index(hay[off:], qb)
			if i < 0 {
				break
			}
			for j := off + i; j < off+i+len(q); j++ {
				c[j] = clsMatch
			}
			off += i + len(q)
		}
	}
	rr.class = c
}

// styleSegment renders plain[a:b] with runs of the record style, the escape
// style and the match style.
func (rr *recordRenderer) styleSegment(a, b int, base paint) string {
	var sb strings.Builder
	for i := a; i < b; {
		cls := rr.class[i]
		j := i + 1
		for j < b && rr.class[j] == cls {
			j++
		}
		s := string(rr.plain[i:j])
		switch cls {
		case clsEscape:
			sb.WriteString(rr.pEscape.on(s))
		case clsMatch:
			sb.WriteString(rr.pMatch.on(s))
		default:
			sb.WriteString(base.on(s))
		}
		i = j
	}
	return sb.String()
}

// escapeLen is the length of the escape starting at p[i] == '\\' in text
// produced by protocol.AppendEscaped.
func escapeLen(p []byte, i int) int {
	if i+1 >= len(p) {
		return 1
	}
	switch p[i+1] {
	case 'x':
		return min(4, len(p)-i)
	case 'u':
		if j := indexByteFrom(p, i, '}'); j > 0 {
			return j - i + 1
		}
		return len(p) - i
	}
	return 2
}

func indexByteFrom(p []byte, from int, c byte) int {
	for j := from; j < len(p); j++ {
		if p[j] == c {
			return j
		}
	}
	return -1
}

// wrapAtoms yields [start, end) byte ranges of p, each at most w cells
// wide. Escapes and grapheme clusters are never split.
func wrapAtoms(p []byte, w int) func(yield func([2]int) bool) {
	return func(yield func([2]int) bool) {
		start, width := 0, 0
		for i := 0; i < len(p); {
			n, cw := 1, 1
			switch c := p[i]; {
			case c == '\\':
				n = escapeLen(p, i)
				cw = n
			case c >= 0x80:
				cluster, gw := ansi.FirstGraphemeCluster(p[i:], ansi.GraphemeWidth)
				n, cw = max(1, len(cluster)), gw
			}
			if width+cw > w && i > start {
				if !yield([2]int{start, i}) {
					return
				}
				start, width = i, 0
			}
			width += cw
			i += n
		}
		if start < len(p) {
			yield([2]int{start, len(p)})
		}
	}
}

// renderHex draws a record as a hex dump: a data record's header first,
// then offset, bytes and their printable form.
func (rr *recordRenderer) renderHex(r *protocol.Record, style paint, prefix, indent string, bodyW int, out []string) []string {
	var data []byte
	head := ""
	switch {
	case isRawSend(r):
		head = "raw " + strconv.Itoa(len(r.Payload)) + " bytes"
		data = r.Payload
	case r.Kind == protocol.KindData:
		head = protocol.Escape(leadBytes(r) + r.Text)
		data = r.Payload
	case r.Kind == protocol.KindSent:
		// The line as it went out, with its line ending.
		data = []byte(r.Text + r.End.Bytes())
	default:
		// The line as it came: the empty lines before it, its text and
		// its terminator (`\r\nOK\r\n` is 0d 0a 4f 4b 0d 0a).
		data = []byte(leadBytes(r) + r.Text + r.End.Bytes())
	}
	if head != "" {
		for _, l := range strings.Split(ansi.Hardwrap(head, bodyW, true), "\n") {
			out = append(out, prefix+style.on(l))
			prefix = indent
		}
	}
	if len(data) == 0 {
		return append(out, prefix+rr.pSubtle.on("(no bytes)"))
	}
	per := 16
	for per > 4 && 7+4*per > bodyW {
		per /= 2
	}
	if 7+4*per > bodyW {
		per = max(1, (bodyW-7)/4)
	}
	var b []byte
	for off := 0; off < len(data); off += per {
		chunk := data[off:min(off+per, len(data))]
		b = b[:0]
		b = append(b, hexDigits4(off)...)
		b = append(b, ' ', ' ')
		for i := 0; i < per; i++ {
			if i < len(chunk) {
				b = append(b, hexChars[chunk[i]>>4], hexChars[chunk[i]&0xf])
			} else {
				b = append(b, ' ', ' ')
			}
			if i < per-1 {
				b = append(b, ' ')
			}
		}
		b = append(b, ' ', ' ')
		hexPart := string(b)
		b = b[:0]
		for _, c := range chunk {
			if c >= 0x20 && c < 0x7f {
				b = append(b, c)
			} else {
				b = append(b, '.')
			}
		}
		line := rr.pSubtle.on(hexPart[:6]) + style.on(hexPart[6:]) + rr.pEscape.on(string(b))
		out = append(out, prefix+line)
		prefix = indent
	}
	return out
}

const hexChars = "0123456789abcdef"

// leadBytes are the empty lines the module sent just before r.
func leadBytes(r *protocol.Record) string {
	if r.LeadN == 0 {
		return ""
	}
	return strings.Repeat(r.Lead.Bytes(), int(r.LeadN))
}

func hexDigits4(off int) string {
	if off > 0xffff {
		return strconv.FormatInt(int64(off), 16)
	}
	return string([]byte{hexChars[off>>12&0xf], hexChars[off>>8&0xf], hexChars[off>>4&0xf], hexChars[off&0xf]})
}

// foldQuery reports whether a search ignores case: it does unless the query
// has an upper-case letter ("smart case").
func foldQuery(q string) bool {
	for i := 0; i < len(q); i++ {
		if q[i] >= 'A' && q[i] <= 'Z' {
			return false
		}
	}
	return true
}

// lowerASCII folds ASCII letters only, so byte offsets stay aligned with
// the original.
func lowerASCII(dst, p []byte) []byte {
	for _, c := range p {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}
