package protocol

import (
	"bytes"
	"strings"
)

// frameState is where the framer stands in the byte stream.
type frameState uint8

const (
	// stStart: at the start of a line; buf (possibly empty) is a proper
	// prefix of a prompt or payload prefix (a pattern).
	stStart frameState = iota
	// stHeader: buf starts with a payload prefix and the rule wants more.
	stHeader
	// stText: an ordinary line; buf holds its bytes so far.
	stText
	// stDiscard: an over-long line; buf holds its first maxLine bytes and
	// dropped counts the rest.
	stDiscard
	// stPayload: taking need more raw bytes into data.
	stPayload
	// stUntil: taking an answer's data into data until a terminator.
	stUntil
	// stDelim: taking a delimited payload into dbuf until its end.
	stDelim
)

// Framer turns a module's output byte stream into records. Not safe for
// concurrent use.
//
// Memory is bounded by MaxLine for the line buffer (a payload header never
// exceeds min(MaxHeader, MaxLine)) plus, while a payload is being taken, the
// payload bytes received so far (at most MaxDelimited for a delimited one).
type Framer struct {
	classify func(line []byte) (Kind, int)
	payload  func(line []byte) PayloadMatch
	patterns []string  // prompts, then payload prefixes, then the answer's prefixes
	nPrompts int       // how many of patterns are prompts
	nBase    int       // how many of patterns are the spec's own
	starts   [256]bool // first bytes of patterns
	base     [256]bool // first bytes of the spec's own patterns

	answer  func(command string) *AnswerFrame
	extra   func(line []byte) PayloadMatch // the rule of the answer's prefixes
	rule    func(line []byte) PayloadMatch // the rule of the header being read
	pend    *AnswerFrame                   // the answer framing to take at the next line
	pendSet bool
	until   *AnswerFrame // armed: the next line start opens its data
	skipped bool         // the data being taken has had its Skip dropped
	maxLine int
	maxHead int

	state   frameState
	buf     []byte  // the current line, reused across lines
	fromP   int     // trailing bytes of buf taken from the p of the running Feed
	cr      bool    // the last byte ended a line with CR: a following LF belongs to it
	lead    LineEnd // terminator of the empty lines since the last record
	leadN   uint8   // how many (saturating)
	dropped int     // bytes discarded from an over-long line

	head string // header of the payload being taken
	link int    // LinkID of the payload being taken
	need int    // payload bytes still to come
	data []byte // payload bytes so far

	end  string // the end delimiter of the delimited payload being taken
	k    int    // bytes of end just seen (0: none; 1: the escape)
	dbuf []byte // the delimited payload so far, reused

	text textArena // where the text of the lines emitted is kept
}

// textArena hands out the text of short lines as pieces of one shared
// string block, so a flood of lines costs one allocation per block rather
// than one per line. A block is never written where it was handed out (a
// strings.Builder only appends), and one that has no room left is dropped
// to whoever still holds its pieces: what is kept stays close to the bytes
// of the lines kept.
type textArena struct{ b strings.Builder }

const (
	arenaBlock   = 16 << 10       // bytes per block
	arenaMaxLine = arenaBlock / 8 // longer lines get their own string
)

// str returns line as a string.
func (a *textArena) str(line []byte) string {
	if len(line) > arenaMaxLine {
		return string(line)
	}
	if a.b.Cap()-a.b.Len() < len(line) {
		a.b = strings.Builder{}
		a.b.Grow(arenaBlock)
	}
	start := a.b.Len()
	a.b.Write(line)
	return a.b.String()[start:]
}

// NewFramer returns a Framer for spec. classify gives the Kind and LinkID of
// a complete text line; it must not keep or modify the slice. A nil classify
// makes every line KindInfo with NoLink. Prompts and payload prefixes that
// are empty, contain CR or LF, or are longer than the line limit (for
// prefixes: than min(MaxHeader, MaxLine)) can never match and are ignored;
// so are the prefixes when spec.Payload is nil.
func NewFramer(spec FrameSpec, classify func(line []byte) (Kind, int)) *Framer {
	maxLine := spec.MaxLine
	if maxLine <= 0 {
		maxLine = DefaultMaxLine
	}
	f := &Framer{
		classify: classify,
		payload:  spec.Payload,
		maxLine:  maxLine,
		maxHead:  min(MaxHeader, maxLine),
	}
	for _, s := range spec.Prompts {
		if usable(s, maxLine) {
			f.patterns = append(f.patterns, s)
			f.starts[s[0]] = true
		}
	}
	f.nPrompts = len(f.patterns)
	if spec.Payload != nil {
		for _, s := range spec.PayloadPrefixes {
			if usable(s, f.maxHead) {
				f.patterns = append(f.patterns, s)
				f.starts[s[0]] = true
			}
		}
	}
	f.nBase, f.base, f.answer = len(f.patterns), f.starts, spec.Answer
	return f
}

// SetCommand tells the framer which command line is outstanding ("" for
// none), so that its answer is framed by the spec's Answer rule too. The
// change takes effect at the start of a line: a line or payload under way
// is framed by the rules it began with.
func (f *Framer) SetCommand(command string) {
	if f.answer == nil {
		return
	}
	var a *AnswerFrame
	if command != "" {
		a = f.answer(command)
	}
	f.pend, f.pendSet = a, true
	if f.state == stStart && len(f.buf) == 0 {
		f.takeAnswer()
	}
}

// takeAnswer puts the pending answer framing in force.
func (f *Framer) takeAnswer() {
	a := f.pend
	f.pend, f.pendSet = nil, false
	f.patterns, f.starts, f.extra, f.until = f.patterns[:f.nBase], f.base, nil, nil
	if a != nil && len(a.DataUntil) > 0 {
		f.until = a
	}
	if a == nil || a.Payload == nil {
		return
	}
	f.extra = a.Payload
	for _, s := range a.PayloadPrefixes {
		if usable(s, f.maxHead) {
			f.patterns = append(f.patterns, s)
			f.starts[s[0]] = true
		}
	}
}

// usable reports whether s can ever be seen at the start of a line.
func usable(s string, limit int) bool {
	return s != "" && len(s) <= limit && !strings.ContainsAny(s, "\r\n")
}

// Feed frames p, appends the records it completes to dst and returns dst.
// Bytes of an incomplete record are kept (copied) for the next call.
func (f *Framer) Feed(dst []Record, p []byte) []Record {
	f.fromP = 0
	// Positions of the next CR and LF at or after i; len(p) when there is
	// none, stale when below i. Caching both keeps the scan linear even when
	// one of the two bytes never occurs.
	nextCR, nextLF := -1, -1
	for i := 0; i < len(p); {
		if f.state == stPayload {
			i = f.takePayload(p, i)
			if f.need == 0 {
				dst = f.emitData(dst)
			}
			continue
		}
		if f.state == stDelim {
			dst, i = f.takeDelim(dst, p, i)
			continue
		}
		if f.cr {
			f.cr = false
			if p[i] == '\n' {
				f.addLead(EndLF)
				i++
				continue
			}
		}
		if f.until != nil && f.state == stStart && len(f.buf) == 0 {
			f.state, f.data, f.skipped = stUntil, f.data[:0], false
		}
		if f.state == stUntil {
			return f.takeUntil(dst, p[i:])
		}
		if nextCR < i {
			nextCR = indexFrom(p, i, '\r')
		}
		if nextLF < i {
			nextLF = indexFrom(p, i, '\n')
		}
		end := min(nextCR, nextLF)

		switch f.state {
		case stStart:
			if end == i {
				dst = f.emitLine(dst, f.buf, ending(p, i))
				i = f.endLine(p, i)
				continue
			}
			if len(f.buf) == 0 && !f.starts[p[i]] {
				f.state = stText
				continue
			}
			dst, i = f.probe(dst, p, i, end)

		case stHeader:
			if end == i {
				dst = f.emitLine(dst, f.buf, ending(p, i))
				i = f.endLine(p, i)
				continue
			}
			n := min(end-i, f.maxHead-len(f.buf))
			f.put(p[i : i+n])
			f.fromP += n
			i += n
			dst, i = f.match(dst, p, i)

		case stText:
			seg := p[i:end]
			if len(f.buf)+len(seg) > f.maxLine {
				keep := f.maxLine - len(f.buf)
				f.put(seg[:keep])
				f.dropped = len(seg) - keep
				f.state = stDiscard
				i = end
				continue
			}
			if end == len(p) {
				f.put(seg)
				i = end
				continue
			}
			if len(f.buf) == 0 {
				// The whole line is in p: no copy into buf.
				dst = f.emitLine(dst, seg, ending(p, end))
			} else {
				f.put(seg)
				dst = f.emitLine(dst, f.buf, ending(p, end))
			}
			i = f.endLine(p, end)

		case stDiscard:
			f.dropped += end - i
			if end == len(p) {
				i = end
				continue
			}
			dst = f.led(append(dst, Record{Kind: KindNoise, Text: string(f.buf), LinkID: NoLink, Dropped: f.dropped, End: ending(p, end)}))
			i = f.endLine(p, end)
		}
	}
	return dst
}

// Flush emits the pending partial line, if any, classified like a complete
// line (an over-long one as its KindNoise record), and starts a new line. It
// is meant for when the device goes quiet or closes. An incomplete payload
// stays pending: its length, not silence, ends it (Reset drops it). A CR
// just seen still pairs with an LF that comes next.
func (f *Framer) Flush(dst []Record) []Record {
	switch f.state {
	case stPayload, stDelim:
		return dst
	case stUntil:
		dst = f.emitUntil(dst, len(f.data))
	case stDiscard:
		dst = f.led(append(dst, Record{Kind: KindNoise, Text: string(f.buf), LinkID: NoLink, Dropped: f.dropped}))
	default:
		dst = f.emitLine(dst, f.buf, EndNone)
	}
	f.newLine()
	return dst
}

// Cut is a payload that a connection boundary cut short.
type Cut struct {
	Header string // the header that announced it
	LinkID int
	Got    int // payload bytes received (of a delimited payload: in its last record)
	Want   int // payload bytes the header announced; -1 for a delimited payload
}

// Boundary ends the stream at a connection boundary (the device was lost
// and what comes next is from a fresh connection): a partial line becomes
// its own record, as with Flush; a partial payload is dropped and described
// by cut (ok is false when there was none); then the framer starts afresh,
// as after Reset.
func (f *Framer) Boundary(dst []Record) (_ []Record, cut Cut, ok bool) {
	switch f.state {
	case stPayload:
		cut = Cut{Header: f.head, LinkID: f.link, Got: len(f.data), Want: len(f.data) + f.need}
		ok = true
	case stDelim:
		cut = Cut{Header: f.head, LinkID: f.link, Got: len(f.dbuf), Want: -1}
		ok = true
	default:
		dst = f.Flush(dst)
	}
	f.Reset()
	return dst, cut, ok
}

// Pending returns the number of bytes held for an incomplete record: the
// partial line (at most MaxLine bytes even for an over-long line), or the
// header and payload bytes so far of an incomplete payload.
func (f *Framer) Pending() int {
	switch f.state {
	case stPayload:
		return len(f.head) + len(f.data)
	case stDelim:
		return len(f.head) + len(f.dbuf)
	case stUntil:
		return len(f.data)
	}
	return len(f.buf)
}

// Reset drops everything pending, as if the framer were new.
func (f *Framer) Reset() {
	f.newLine()
	f.cr = false
	f.lead, f.leadN = EndNone, 0
	f.head, f.link, f.need, f.data = "", 0, 0, nil
	f.end, f.k, f.dbuf = "", 0, f.dbuf[:0]
	f.until = nil
}

// newLine starts an empty line.
func (f *Framer) newLine() {
	f.buf = f.buf[:0]
	f.fromP = 0
	f.dropped = 0
	f.state = stStart
	if f.pendSet {
		f.takeAnswer()
	}
}

// endLine starts a new line after the line ending at p[end] and returns the
// index of the first byte after the ending.
func (f *Framer) endLine(p []byte, end int) int {
	f.newLine()
	if p[end] == '\r' {
		if end+1 == len(p) {
			f.cr = true
		} else if p[end+1] == '\n' {
			return end + 2
		}
	}
	return end + 1
}

// ending is the terminator that starts at p[end], a CR or an LF. A CR
// that ends p is taken alone: its LF, if one comes, is the next record's
// Lead.
func ending(p []byte, end int) LineEnd {
	if p[end] == '\n' {
		return EndLF
	}
	if end+1 < len(p) && p[end+1] == '\n' {
		return EndCRLF
	}
	return EndCR
}

// addLead counts an empty line ended by e before the next record.
func (f *Framer) addLead(e LineEnd) {
	f.lead = e
	if f.leadN < 255 {
		f.leadN++
	}
}

// led gives the last record of dst the empty lines seen before it, starts
// counting afresh and returns dst.
func (f *Framer) led(dst []Record) []Record {
	r := &dst[len(dst)-1]
	r.Lead, r.LeadN = f.lead, f.leadN
	f.lead, f.leadN = EndNone, 0
	return dst
}

// emitLine appends the record of a complete text line ended by end; an
// empty line makes none and counts as Lead of the next record.
func (f *Framer) emitLine(dst []Record, line []byte, end LineEnd) []Record {
	if len(line) == 0 {
		if end != EndNone {
			f.addLead(end)
		}
		return dst
	}
	kind, link := KindInfo, NoLink
	if f.classify != nil {
		kind, link = f.classify(line)
	}
	return f.led(append(dst, Record{Kind: kind, Text: f.text.str(line), LinkID: link, End: end}))
}

// probe looks at the start of a line, p[i:end] being the bytes that follow
// buf before the next line ending or the end of p. The first pattern that
// buf+p[i:end] completes is acted on: a prompt is emitted, a payload prefix
// goes to the payload rule. If none completes and some could still, the bytes
// join buf; if none can, the line is ordinary text and the bytes are left for
// the text scan.
func (f *Framer) probe(dst []Record, p []byte, i, end int) ([]Record, int) {
	avail := p[i:end]
	n := len(f.buf)
	first, at := -1, 0 // the pattern completed first, and after how many bytes
	alive := false
	for k, s := range f.patterns {
		if len(s) <= n || s[:n] != string(f.buf) {
			continue
		}
		rest := s[n:]
		l := commonPrefix(rest, avail)
		switch {
		case l == len(rest):
			if first < 0 || l < at {
				first, at = k, l
			}
		case l == len(avail):
			alive = true
		}
	}
	switch {
	case first >= 0:
		f.put(avail[:at])
		f.fromP += at
		i += at
	case alive:
		f.put(avail)
		f.fromP += len(avail)
		return dst, end
	default:
		f.state = stText
		return dst, i
	}
	if first < f.nPrompts {
		dst = f.led(append(dst, Record{Kind: KindPrompt, Text: f.patterns[first], LinkID: NoLink}))
		f.newLine()
		return dst, i
	}
	f.state = stHeader
	f.rule = f.payload
	if first >= f.nBase {
		f.rule = f.extra
	}
	return f.match(dst, p, i)
}

// commonPrefix returns the length of the longest common prefix of s and b.
func commonPrefix(s string, b []byte) int {
	n := min(len(s), len(b))
	for k := 0; k < n; k++ {
		if s[k] != b[k] {
			return k
		}
	}
	return n
}

// match asks the payload rule about buf. p and i are the running Feed's
// input and position, so that bytes read past the payload can be given back.
func (f *Framer) match(dst []Record, p []byte, i int) ([]Record, int) {
	m := f.rule(f.buf)
	switch m.Status {
	case NeedMore:
		if len(f.buf) >= f.maxHead {
			// The header would grow past the limit: not a header.
			f.state = stText
		}
		return dst, i
	case Match:
		if m.Header < 1 || m.Header > len(f.buf) {
			break
		}
		if m.End != "" {
			if len(m.End) >= 2 && m.End[1] != m.End[0] {
				return f.openDelim(dst, p, i, m)
			}
			break
		}
		if m.Length >= 0 {
			return f.open(dst, p, i, m)
		}
	}
	f.state = stText
	return dst, i
}

// open starts (or, when buf already holds all of it, emits) the payload that
// m announced.
func (f *Framer) open(dst []Record, p []byte, i int, m PayloadMatch) ([]Record, int) {
	got := f.buf[m.Header:]
	if len(got) < m.Length {
		f.head = string(f.buf[:m.Header])
		f.link = m.LinkID
		f.need = m.Length - len(got)
		// Room only for bytes already received, whatever the header claims.
		f.data = make([]byte, len(got), min(m.Length, len(got)+len(p)-i))
		copy(f.data, got)
		f.newLine()
		f.state = stPayload
		return dst, i
	}
	payload := make([]byte, m.Length)
	copy(payload, got)
	dst = f.led(append(dst, Record{Kind: KindData, Text: string(f.buf[:m.Header]), Payload: payload, LinkID: m.LinkID}))

	// Bytes after the payload start a new line: give them back.
	return f.giveBack(dst, i, len(got)-m.Length, stStart)
}

// giveBack leaves the line buffer for state next, the last rest bytes of
// buf being framed again in that state. i is the running Feed's position:
// bytes that came from its p are re-read from there.
func (f *Framer) giveBack(dst []Record, i, rest int, next frameState) ([]Record, int) {
	fromP := f.fromP
	if rest <= fromP {
		f.newLine()
		f.state = next
		return dst, i - rest
	}
	// Some came from an earlier Feed (only a rule that answered NeedMore to
	// a complete header gets here): frame a copy of those first.
	old := bytes.Clone(f.buf[len(f.buf)-rest : len(f.buf)-fromP])
	f.newLine()
	f.state = next
	dst = f.Feed(dst, old)
	f.fromP = 0
	return dst, i - fromP
}

// openDelim starts the delimited payload that m announced; the bytes of
// buf after its header are its first.
func (f *Framer) openDelim(dst []Record, p []byte, i int, m PayloadMatch) ([]Record, int) {
	f.head, f.link, f.end, f.k = string(f.buf[:m.Header]), m.LinkID, m.End, 0
	f.dbuf = f.dbuf[:0]
	return f.giveBack(dst, i, len(f.buf)-m.Header, stDelim)
}

// takeDelim takes delimited payload bytes from p[i:] until its end
// delimiter, undoing the doubled escapes, and returns the index after what
// it took. A cut-short payload gives the escape bytes it held back to the
// usual framing.
func (f *Framer) takeDelim(dst []Record, p []byte, i int) ([]Record, int) {
	esc := f.end[0]
	for i < len(p) {
		if f.k == 0 {
			n := len(p) - i
			if j := bytes.IndexByte(p[i:], esc); j >= 0 {
				n = j
			}
			n = min(n, MaxDelimited-len(f.dbuf))
			f.dbuf = append(f.dbuf, p[i:i+n]...)
			i += n
			if len(f.dbuf) == MaxDelimited {
				dst = f.emitDelim(dst)
				continue
			}
			if i < len(p) {
				f.k, i = 1, i+1 // p[i] is the escape
			}
			continue
		}
		c := p[i]
		switch {
		case f.k == 1 && c == esc:
			f.k, i = 0, i+1
			f.dbuf = append(f.dbuf, esc)
			if len(f.dbuf) == MaxDelimited {
				dst = f.emitDelim(dst)
			}
		case c == f.end[f.k]:
			f.k, i = f.k+1, i+1
			if f.k == len(f.end) {
				dst = f.emitDelim(dst)
				f.endDelim()
				return dst, i
			}
		default:
			// Cut short: the escape and what followed it are framed anew.
			held := []byte(f.end[:f.k])
			dst = f.emitDelim(dst)
			f.endDelim()
			dst = f.Feed(dst, held)
			f.fromP = 0
			return dst, i
		}
	}
	return dst, i
}

// emitDelim appends the delimited payload so far as a record.
func (f *Framer) emitDelim(dst []Record) []Record {
	payload := make([]byte, len(f.dbuf))
	copy(payload, f.dbuf)
	f.dbuf = f.dbuf[:0]
	return append(dst, Record{Kind: KindData, Text: f.head, Payload: payload, LinkID: f.link})
}

// endDelim leaves the delimited payload for a new line.
func (f *Framer) endDelim() {
	f.head, f.end, f.k = "", "", 0
	f.newLine()
}

// takePayload moves payload bytes from p[i:] into data and returns the index
// after them. data grows at most to twice what has arrived, never past the
// announced length.
func (f *Framer) takePayload(p []byte, i int) int {
	take := min(f.need, len(p)-i)
	if n := len(f.data) + take; n > cap(f.data) {
		c := max(min(2*cap(f.data), len(f.data)+f.need), n)
		grown := make([]byte, len(f.data), c)
		copy(grown, f.data)
		f.data = grown
	}
	f.data = append(f.data, p[i:i+take]...)
	f.need -= take
	return i + take
}

// takeUntil takes p into the answer's data; once a terminator has come,
// it emits the data and frames the terminator and the bytes after it as
// usual. It consumes all of p.
func (f *Framer) takeUntil(dst []Record, p []byte) []Record {
	a := f.until
	from := len(f.data)
	f.data = append(f.data, p...)
	if !f.skipped {
		n := min(len(f.data), len(a.Skip))
		if string(f.data[:n]) == a.Skip[:n] && n < len(a.Skip) {
			return dst // could still be the Skip: wait
		}
		if n == len(a.Skip) && string(f.data[:n]) == a.Skip {
			f.data = f.data[n:]
			from = max(0, from-n)
		}
		f.skipped, from = true, 0
	}
	end, longest := -1, 1
	for _, t := range a.DataUntil {
		if t == "" {
			continue
		}
		longest = max(longest, len(t))
		at := max(0, from-len(t)+1)
		if k := bytes.Index(f.data[at:], []byte(t)); k >= 0 && (end < 0 || at+k < end) {
			end = at + k
		}
	}
	// Past MaxUntil the data ends there, once a terminator that starts
	// before it would have been seen whole: however the bytes were cut.
	switch {
	case end >= 0 && end <= MaxUntil:
	case len(f.data) >= MaxUntil+longest-1:
		end = MaxUntil
	default:
		return dst
	}
	rest := bytes.Clone(f.data[end:])
	dst = f.emitUntil(dst, end)
	return f.Feed(dst, rest)
}

// emitUntil appends the answer's first n data bytes as a record and leaves
// the data mode: the answer framing is used once.
func (f *Framer) emitUntil(dst []Record, n int) []Record {
	dst = f.led(append(dst, Record{Kind: KindData, Payload: bytes.Clone(f.data[:n]), LinkID: f.until.LinkID}))
	f.data, f.until = nil, nil
	f.newLine()
	return dst
}

// emitData appends the completed payload record and starts a new line.
func (f *Framer) emitData(dst []Record) []Record {
	dst = f.led(append(dst, Record{Kind: KindData, Text: f.head, Payload: f.data, LinkID: f.link}))
	f.head, f.data = "", nil
	f.newLine()
	return dst
}

// put appends b to the line buffer, growing it at most to maxLine.
func (f *Framer) put(b []byte) {
	if n := len(f.buf) + len(b); n > cap(f.buf) {
		c := max(min(max(2*cap(f.buf), 64), f.maxLine), n)
		grown := make([]byte, len(f.buf), c)
		copy(grown, f.buf)
		f.buf = grown
	}
	f.buf = append(f.buf, b...)
}

// indexFrom returns the index of the first c in p at or after i, or len(p).
func indexFrom(p []byte, i int, c byte) int {
	if k := bytes.IndexByte(p[i:], c); k >= 0 {
		return i + k
	}
	return len(p)
}
