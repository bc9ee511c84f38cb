package ui

import (
	"bytes"
	"slices"

	"atbench/protocol"
)

// The console keeps no transcript of its own: it holds a window, a
// contiguous range of the session's records around what it shows, and
// asks the session for more (through a command) when the view moves
// beyond it. These bound the window and the rendered lines kept, whatever
// the session holds.
const (
	// windowRecords and windowBytes bound the records held (text and
	// payload bytes); records far from the view go first. The records on
	// screen are always held, however big.
	windowRecords = 4096
	windowBytes   = 4 << 20
	// viewRecords is how many of the newest records one view brings: more
	// than any screen shows.
	viewRecords = 1024
	// fetchRecords is how many records one fetch brings.
	fetchRecords = 512
	// cacheBytes bounds the rendered lines kept for records off screen: a
	// few screens' worth, so paging back and forth redraws little.
	cacheBytes = 1 << 20
)

// scrollback is the console's window over the session's transcript and
// its view. The window covers the Seq range [lo, hi]: recs holds every
// record of it that the console shows (background polls are left out).
// The view is anchored on the record at its bottom, so new records arriving
// below a scrolled view never move it.
type scrollback struct {
	recs   []protocol.Record
	lo, hi uint64 // empty when hi < lo
	bytes  int    // text and payload bytes of recs

	// first and last are the session's transcript bounds, from the latest
	// view.
	first, last uint64
	// hiddenBefore hides records with a smaller Seq (":clear").
	hiddenBefore uint64

	follow     bool   // the view sticks to the newest record
	anchor     uint64 // Seq of the record at the bottom of the view
	anchorLine int    // its line shown on the bottom row
	height     int

	// Scrolling that waits for records being fetched.
	pendingUp, pendingDown int
	want                   *target
	fetch                  *fetchReq // in flight
	fetchGen               int

	rr         recordRenderer
	explainer  protocol.ErrorExplainer // the command set's, or nil
	cache      map[uint64]*cacheEntry
	cacheBytes int
	stamp      uint64 // counts settles, to keep the lines in use
}

// target is a place the view goes to once its records are held.
type target struct {
	kind targetKind
	seq  uint64 // for targetShow
}

type targetKind int

const (
	targetShow targetKind = iota // put a record at the bottom row
	targetTop                    // the oldest record
	targetLive                   // follow the newest
)

type cacheEntry struct {
	look  look
	lines []string
	size  int
	stamp uint64
}

func newScrollback() *scrollback {
	return &scrollback{lo: 1, follow: true, cache: map[uint64]*cacheEntry{}}
}

// floor is the Seq of the oldest record the view may show.
func (s *scrollback) floor() uint64 { return max(s.first, s.hiddenBefore, 1) }

// top is the index of the oldest record the view may show.
func (s *scrollback) top() int { return s.index(s.hiddenBefore) }

// index is the index of the first held record with Seq >= seq.
func (s *scrollback) index(seq uint64) int {
	i, _ := slices.BinarySearchFunc(s.recs, seq, func(r protocol.Record, seq uint64) int {
		switch {
		case r.Seq < seq:
			return -1
		case r.Seq > seq:
			return 1
		}
		return 0
	})
	return i
}

func (s *scrollback) empty() bool { return s.top() >= len(s.recs) }

// reset empties the window; it starts again at seq.
func (s *scrollback) reset(seq uint64) {
	clear(s.recs)
	s.recs = s.recs[:0]
	s.lo, s.hi, s.bytes = seq, seq-1, 0
	clear(s.cache)
	s.cacheBytes = 0
}

// appendRecs adds records following hi; they must start at hi+1 or later
// and cover up to through.
func (s *scrollback) appendRecs(recs []protocol.Record, through uint64) {
	for i := range recs {
		if recs[i].Quiet || recs[i].Seq <= s.hi {
			continue // a background poll: the links pane shows its effect, the log keeps it
		}
		s.recs = append(s.recs, recs[i])
		s.bytes += recordBytes(&recs[i])
	}
	s.hi = max(s.hi, through)
	s.last = max(s.last, s.hi)
}

// prependRecs adds records before lo, covering from from.
func (s *scrollback) prependRecs(recs []protocol.Record, from uint64) {
	var add []protocol.Record
	for i := range recs {
		if !recs[i].Quiet && recs[i].Seq < s.lo && recs[i].Seq >= from {
			add = append(add, recs[i])
			s.bytes += recordBytes(&recs[i])
		}
	}
	s.recs = append(add, s.recs...)
	s.lo = from
}

func recordBytes(r *protocol.Record) int { return len(r.Text) + len(r.Payload) }

// ingest takes the records of a view. Following, they extend the window
// (a gap, when the view skipped records of a flood, starts it afresh);
// scrolled, the window stays as it is and the records are fetched when
// the view reaches them.
func (s *scrollback) ingest(recs []protocol.Record, first, last uint64) {
	s.first, s.last = first, max(last, s.last)
	if !s.follow {
		return
	}
	i := 0
	for i < len(recs) && recs[i].Seq <= s.hi {
		i++
	}
	recs = recs[i:]
	if len(recs) == 0 {
		return
	}
	if recs[0].Seq > s.hi+1 {
		s.reset(recs[0].Seq)
	}
	s.appendRecs(recs, recs[len(recs)-1].Seq)
}

// lines returns the rendered lines of recs[i], from the cache when they
// were drawn with the current look.
func (s *scrollback) lines(i int) []string {
	r := &s.recs[i]
	e := s.cache[r.Seq]
	if e == nil {
		e = &cacheEntry{}
		s.cache[r.Seq] = e
	} else if e.look == s.rr.look && e.lines != nil {
		e.stamp = s.stamp
		return e.lines
	}
	s.cacheBytes -= e.size
	s.rr.note = s.explain(i)
	e.lines = s.rr.render(r, e.lines)
	s.rr.note = ""
	// The entry, its map slot and each line's string and header.
	e.look, e.stamp, e.size = s.rr.look, s.stamp, 160
	for _, l := range e.lines {
		e.size += len(l) + 32
	}
	s.cacheBytes += e.size
	return e.lines
}

// explain says what recs[i] means when it is a final error: the command set
// reads its code against the command it answers, the last line sent
// before it.
func (s *scrollback) explain(i int) string {
	r := &s.recs[i]
	if s.explainer == nil || r.Kind != protocol.KindError {
		return ""
	}
	for j := i - 1; j >= 0 && j >= i-explainReach; j-- {
		switch p := &s.recs[j]; {
		case p.Kind == protocol.KindSent:
			return s.explainer.ExplainError(p.Text, *r)
		case p.Kind.Final():
			return "" // the answer of an earlier command: this one's line is not held
		}
	}
	return ""
}

// explainReach bounds how far back explain looks for the line an error
// answers (an answer's own lines come between).
const explainReach = 256

// setLook changes how records are drawn; cached lines drawn otherwise are
// redrawn when next shown.
func (s *scrollback) setLook(l look) { s.rr.look = l }

// bottom is the index and line of the record on the bottom row; the view
// must not be empty.
func (s *scrollback) bottom() (int, int) {
	if s.follow {
		i := len(s.recs) - 1
		return i, len(s.lines(i)) - 1
	}
	i := min(max(s.index(s.anchor), s.top()), len(s.recs)-1)
	line := s.anchorLine
	if s.recs[i].Seq != s.anchor {
		line = 0 // the anchor left the window: the nearest newer record
	}
	return i, min(line, len(s.lines(i))-1)
}

// setBottom anchors the view on recs[i], line.
func (s *scrollback) setBottom(i, line int) { s.anchor, s.anchorLine = s.recs[i].Seq, line }

// bottomSeq is the Seq of the record on the bottom row, 0 when empty.
func (s *scrollback) bottomSeq() uint64 {
	if s.empty() {
		return 0
	}
	i, _ := s.bottom()
	return s.recs[i].Seq
}

// view returns the h rows of the scrollback as they are now; it renders
// only the records on screen.
func (s *scrollback) view(h int) []string {
	s.height = h
	out := make([]string, max(h, 0))
	if h <= 0 || s.empty() {
		return out
	}
	bottom, line := s.bottom()
	idx := h - 1
	top := s.top()
	for i := bottom; idx >= 0 && i >= top; i-- {
		ls := s.lines(i)
		j := len(ls) - 1
		if i == bottom {
			j = min(line, j)
		}
		for ; j >= 0 && idx >= 0; j-- {
			out[idx] = ls[j]
			idx--
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

// newer counts records below the view, in the window and beyond it.
func (s *scrollback) newer() uint64 {
	if s.follow || s.empty() {
		return 0
	}
	i, _ := s.bottom()
	return uint64(len(s.recs)-1-i) + (s.last - min(s.hi, s.last))
}

// moreOlder reports whether the session holds shown records older than the
// window.
func (s *scrollback) moreOlder() bool { return s.lo > s.floor() }

// moreNewer reports whether the session holds records newer than the
// window.
func (s *scrollback) moreNewer() bool { return s.hi < s.last }

// scrollUp moves the view k lines towards older records; what the window
// cannot show yet waits in pendingUp for the records being fetched.
func (s *scrollback) scrollUp(k int) {
	s.pendingDown = 0
	if k <= 0 {
		return
	}
	if s.empty() {
		if s.moreOlder() {
			s.pendingUp += k
		}
		return
	}
	i, line := s.bottom()
	s.follow = false
	top := s.top()
	for k > 0 {
		if line > 0 {
			step := min(k, line)
			line -= step
			k -= step
			continue
		}
		if i <= top {
			break
		}
		i--
		line = len(s.lines(i)) - 1
		k--
	}
	s.setBottom(i, line)
	if k > 0 && s.moreOlder() {
		s.pendingUp += k
	}
	s.clampTop()
}

// linesAbove counts the lines above the bottom row, up to limit.
func (s *scrollback) linesAbove(i, line, limit int) int {
	count := line
	for j := i - 1; j >= s.top() && count < limit; j-- {
		count += len(s.lines(j))
	}
	return count
}

// clampTop keeps the view full: the bottom row may not be closer to the
// oldest line than the view is high. Near the window's top with older
// records in the session, the fetch of them settles it instead.
func (s *scrollback) clampTop() {
	if s.follow || s.empty() {
		return
	}
	h := max(s.height, 1)
	i, line := s.bottom()
	if s.linesAbove(i, line, h)+1 >= h || s.moreOlder() {
		return
	}
	// Not enough lines above: put the h-th line from the top at the bottom.
	need := h
	for j := s.top(); j < len(s.recs); j++ {
		n := len(s.lines(j))
		if n >= need {
			s.setBottom(j, need-1)
			return
		}
		need -= n
	}
	if !s.moreNewer() {
		s.follow = true // everything fits on one screen
	}
}

// scrollDown moves the view k lines towards newer records; reaching the
// newest line turns following back on.
func (s *scrollback) scrollDown(k int) {
	s.pendingUp = 0
	if s.follow || s.empty() || k <= 0 {
		return
	}
	i, line := s.bottom()
	k = s.down(&i, &line, k)
	s.setBottom(i, line)
	switch {
	case k > 0 && s.moreNewer():
		s.pendingDown += k
	case !s.moreNewer() && i == len(s.recs)-1 && line >= len(s.lines(i))-1:
		s.follow = true
	}
}

// down moves (i, line) k lines down within the window and returns the
// lines it could not move.
func (s *scrollback) down(i, line *int, k int) int {
	for k > 0 {
		n := len(s.lines(*i))
		if *line < n-1 {
			step := min(k, n-1-*line)
			*line += step
			k -= step
			continue
		}
		if *i >= len(s.recs)-1 {
			break
		}
		*i++
		*line = 0
		k--
	}
	return k
}

// toTop shows the oldest records.
func (s *scrollback) toTop() {
	s.pendingUp, s.pendingDown = 0, 0
	s.follow = false
	if s.moreOlder() {
		s.want = &target{kind: targetTop}
		return
	}
	s.want = nil
	if s.empty() {
		return
	}
	s.setBottom(s.top(), 0)
	s.clampTop()
}

// toLive follows the newest records again.
func (s *scrollback) toLive() {
	s.pendingUp, s.pendingDown = 0, 0
	s.follow = true
	s.want = nil
	if s.moreNewer() {
		s.want = &target{kind: targetLive}
	}
}

// show puts the record with Seq seq at the bottom row, once it is held.
func (s *scrollback) show(seq uint64) {
	s.pendingUp, s.pendingDown = 0, 0
	if seq < s.floor() {
		return
	}
	if seq < s.lo || seq > s.hi {
		s.want = &target{kind: targetShow, seq: seq}
		s.follow = false
		return
	}
	s.want = nil
	if s.empty() {
		return
	}
	s.follow = false
	// The record itself, or the nearest newer one held.
	i := min(max(s.index(seq), s.top()), len(s.recs)-1)
	s.setBottom(i, len(s.lines(i))-1)
	// Keep a little context below the match when there is some.
	line := s.anchorLine
	s.down(&i, &line, min(3, max(s.height/4, 0)))
	s.setBottom(i, line)
	s.clampTop()
}

// clear hides every record shown so far.
func (s *scrollback) clear() {
	s.hiddenBefore = max(s.last, s.hi) + 1
	s.follow = true
	s.want = nil
	s.pendingUp, s.pendingDown = 0, 0
}

// recordMatches reports whether r contains q as shown (escaped), ignoring
// case when fold is set. scratch is reused.
func recordMatches(r *protocol.Record, q []byte, fold bool, scratch *[]byte) bool {
	b := appendPlain((*scratch)[:0], r)
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
