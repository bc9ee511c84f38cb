package ui

import (
	"bytes"
	"fmt"

	"atbench/protocol"
)

// scrollbackCapacity is how many records the console keeps; older ones are
// only in the transcript log.
const scrollbackCapacity = 100_000

// cacheSlots is the size of the direct-mapped cache of rendered records. It
// only needs to hold what one screen shows, with room for scrolling back and
// forth; it bounds the memory spent on rendered text whatever the flood.
const cacheSlots = 1024

// scrollback is the console's bounded record store and its view. Records
// are numbered by position (pos), counting from 1 in arrival order; the view
// is anchored on the record at its bottom, so new records arriving below a
// scrolled view never move it.
type scrollback struct {
	buf      []protocol.Record
	head     int    // index in buf of the oldest record
	n        int    // records held
	first    uint64 // pos of the oldest record held
	capacity int
	lastSeq  uint64 // Seq of the newest backend record taken
	// hiddenBefore hides records with a smaller pos (":clear").
	hiddenBefore uint64

	follow     bool   // the view sticks to the newest record
	anchor     uint64 // pos of the record at the bottom of the view
	anchorLine int    // its line shown on the bottom row
	height     int

	rr    recordRenderer
	cache []cacheEntry
	tmp   []string
}

type cacheEntry struct {
	pos   uint64
	look  look
	lines []string
}

func newScrollback(capacity int) *scrollback {
	if capacity <= 0 {
		capacity = scrollbackCapacity
	}
	return &scrollback{
		capacity: capacity,
		first:    1,
		follow:   true,
		cache:    make([]cacheEntry, cacheSlots),
	}
}

// last is the pos of the newest record (first-1 when empty).
func (s *scrollback) last() uint64 { return s.first + uint64(s.n) - 1 }

// visibleFirst is the pos of the oldest record the view may show.
func (s *scrollback) visibleFirst() uint64 { return max(s.first, s.hiddenBefore) }

func (s *scrollback) empty() bool { return s.n == 0 || s.visibleFirst() > s.last() }

// at returns the record at pos, which must be held.
func (s *scrollback) at(pos uint64) *protocol.Record {
	return &s.buf[(s.head+int(pos-s.first))%len(s.buf)]
}

// push appends one record, dropping the oldest when full.
func (s *scrollback) push(r protocol.Record) {
	if len(s.buf) < s.capacity {
		s.buf = append(s.buf, r)
		s.n++
		return
	}
	s.buf[s.head] = r // overwrite the oldest
	s.head = (s.head + 1) % len(s.buf)
	s.first++
	if !s.follow && s.anchor < s.first {
		s.anchor, s.anchorLine = s.first, 0
	}
}

// add appends records from the backend. A gap in their sequence numbers
// (the screen fell behind the session's own buffer) is shown as a note.
func (s *scrollback) add(recs []protocol.Record) {
	for _, r := range recs {
		if r.Seq != 0 {
			if r.Seq <= s.lastSeq {
				continue // already have it
			}
			if gap := r.Seq - s.lastSeq - 1; gap > 0 && (s.lastSeq > 0 || s.n > 0) {
				s.push(protocol.Record{
					Kind:   protocol.KindNote,
					Text:   fmt.Sprintf("%d records not shown here: the screen fell behind (see the log file)", gap),
					LinkID: protocol.NoLink,
					At:     r.At,
				})
			}
			s.lastSeq = r.Seq
		}
		if r.Quiet {
			continue // a background poll: the links pane shows its effect, the log keeps it
		}
		s.push(r)
	}
}

// note appends a record of the screen's own (not from the session).
func (s *scrollback) note(r protocol.Record) { s.push(r) }

// lines returns the rendered lines of the record at pos, from the cache
// when it was drawn with the current look.
func (s *scrollback) lines(pos uint64) []string {
	e := &s.cache[pos%cacheSlots]
	if e.pos == pos && e.look == s.rr.look && e.lines != nil {
		return e.lines
	}
	e.lines = s.rr.render(s.at(pos), e.lines)
	e.pos, e.look = pos, s.rr.look
	return e.lines
}

// setLook changes how records are drawn; cached lines drawn otherwise are
// redrawn when next shown.
func (s *scrollback) setLook(l look) {
	s.rr.look = l
}

// view returns the h rows of the scrollback as they are now.
func (s *scrollback) view(h int) []string {
	s.height = h
	if cap(s.tmp) < h {
		s.tmp = make([]string, h)
	}
	out := s.tmp[:h]
	for i := range out {
		out[i] = ""
	}
	if h <= 0 || s.empty() {
		return out
	}
	bottom, line := s.bottom()
	idx := h - 1
	top := s.visibleFirst()
	for pos := bottom; idx >= 0; pos-- {
		ls := s.lines(pos)
		j := len(ls) - 1
		if pos == bottom {
			j = min(line, j)
		}
		for ; j >= 0 && idx >= 0; j-- {
			out[idx] = ls[j]
			idx--
		}
		if pos == top {
			break
		}
	}
	if idx >= 0 {
		// Fewer lines than rows: start at the top like a terminal does.
		n := copy(out, out[idx+1:])
		for i := n; i < h; i++ {
			out[i] = ""
		}
	}
	return out
}

// bottom is the record and line on the bottom row.
func (s *scrollback) bottom() (uint64, int) {
	if s.follow {
		last := s.last()
		return last, len(s.lines(last)) - 1
	}
	pos := min(max(s.anchor, s.visibleFirst()), s.last())
	return pos, min(s.anchorLine, len(s.lines(pos))-1)
}

// newer counts records below the view.
func (s *scrollback) newer() uint64 {
	if s.follow || s.empty() {
		return 0
	}
	pos, _ := s.bottom()
	return s.last() - pos
}

// scrollUp moves the view k lines towards older records.
func (s *scrollback) scrollUp(k int) {
	if s.empty() || k <= 0 {
		return
	}
	s.anchor, s.anchorLine = s.bottom()
	s.follow = false
	top := s.visibleFirst()
	for k > 0 {
		if s.anchorLine > 0 {
			step := min(k, s.anchorLine)
			s.anchorLine -= step
			k -= step
			continue
		}
		if s.anchor <= top {
			break
		}
		s.anchor--
		s.anchorLine = len(s.lines(s.anchor)) - 1
		k--
	}
	s.clampTop()
}

// clampTop keeps the view full: the bottom row may not be closer to the
// oldest line than the view is high.
func (s *scrollback) clampTop() {
	h := max(s.height, 1)
	top := s.visibleFirst()
	count := s.anchorLine + 1
	for pos := s.anchor; count < h && pos > top; {
		pos--
		count += len(s.lines(pos))
	}
	if count >= h {
		return
	}
	// Not enough lines above: put the h-th line from the top at the bottom.
	need := h
	for pos := top; pos <= s.last(); pos++ {
		n := len(s.lines(pos))
		if n >= need {
			s.anchor, s.anchorLine = pos, need-1
			return
		}
		need -= n
	}
	s.follow = true // everything fits on one screen
}

// scrollDown moves the view k lines towards newer records; reaching the
// newest line turns following back on.
func (s *scrollback) scrollDown(k int) {
	if s.follow || s.empty() || k <= 0 {
		return
	}
	s.anchor, s.anchorLine = s.bottom()
	last := s.last()
	for k > 0 {
		n := len(s.lines(s.anchor))
		if s.anchorLine < n-1 {
			step := min(k, n-1-s.anchorLine)
			s.anchorLine += step
			k -= step
			continue
		}
		if s.anchor >= last {
			break
		}
		s.anchor++
		s.anchorLine = 0
		k--
	}
	if s.anchor >= last && s.anchorLine >= len(s.lines(last))-1 {
		s.follow = true
	}
}

// toTop shows the oldest records.
func (s *scrollback) toTop() {
	if s.empty() {
		return
	}
	s.follow = false
	s.anchor, s.anchorLine = s.visibleFirst(), 0
	s.clampTop()
}

// toLive follows the newest records again.
func (s *scrollback) toLive() { s.follow = true }

// show puts the record at pos on the bottom row.
func (s *scrollback) show(pos uint64) {
	if s.empty() || pos < s.visibleFirst() || pos > s.last() {
		return
	}
	s.follow = false
	s.anchor = pos
	s.anchorLine = len(s.lines(pos)) - 1
	// Keep a little context below the match when there is some.
	s.scrollDownNoFollow(min(3, max(s.height/4, 0)))
	s.clampTop()
}

// scrollDownNoFollow is scrollDown that never turns following on, so a
// search result near the end stays put while records arrive.
func (s *scrollback) scrollDownNoFollow(k int) {
	last := s.last()
	for k > 0 {
		n := len(s.lines(s.anchor))
		if s.anchorLine < n-1 {
			s.anchorLine++
			k--
			continue
		}
		if s.anchor >= last {
			return
		}
		s.anchor++
		s.anchorLine = 0
		k--
	}
}

// clear hides every record held so far.
func (s *scrollback) clear() {
	s.hiddenBefore = s.last() + 1
	s.follow = true
}

// matches reports whether the record at pos contains q as shown (escaped),
// ignoring case when q has no upper-case letter. scratch is reused.
func (s *scrollback) matches(pos uint64, q []byte, fold bool, scratch *[]byte) bool {
	b := appendPlain((*scratch)[:0], s.at(pos))
	*scratch = b
	if fold {
		for i, c := range b {
			if c >= 'A' && c <= 'Z' {
				b[i] = c + 'a' - 'A'
			}
		}
	}
	return bytes.Contains(b, q)
}

// search lists the positions of every visible record that matches q, oldest
// first.
func (s *scrollback) search(q string) []uint64 {
	if q == "" || s.empty() {
		return nil
	}
	fold := foldQuery(q)
	qb := []byte(q)
	var scratch []byte
	var out []uint64
	for pos := s.visibleFirst(); pos <= s.last(); pos++ {
		if s.matches(pos, qb, fold, &scratch) {
			out = append(out, pos)
		}
	}
	return out
}
