package ui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"atbench/protocol"
	"atbench/session"
)

// viewMsg is one view of the session, read by a command; Update applies it
// and reads nothing itself.
type viewMsg struct {
	v session.View
	// next is closed at the first change after the view was read.
	next <-chan struct{}
}

// Gaps between two views: a burst of records makes one update per frame,
// not one per line. While records pour in (the last view brought
// floodRecords or more) the screen takes a view at floodInterval: a flood
// scrolls by too fast to read at any rate, and each view and frame takes
// CPU from the reader that keeps up with the module. Keys are not slowed:
// the renderer shows them at its own rate.
const (
	frameInterval = time.Second / 60
	floodInterval = time.Second / 20
	floodRecords  = viewRecords / 2
)

// viewGap is the gap before the next view after one that brought n
// records.
func viewGap(n int) time.Duration {
	if n >= floodRecords {
		return floodInterval
	}
	return frameInterval
}

// readView returns a command that waits for ch to close (at once when ch
// is nil), but no sooner than gap after it started, or for the next whole
// second (idle times and countdowns move with the clock), and then reads a
// view of the records from from on.
func readView(ctx context.Context, b Backend, ch <-chan struct{}, from uint64, gap time.Duration) tea.Cmd {
	return func() tea.Msg {
		if ch != nil && !waitChange(ctx, ch, gap) {
			return nil
		}
		next := b.Changed() // before reading, so no change slips between
		return viewMsg{v: b.View(from, viewRecords), next: next}
	}
}

// waitChange waits until ch is closed, but no sooner than gap after it
// started (right after the last view), so a burst of changes makes one
// view per gap; or until the next whole second. It returns false when ctx
// ends.
func waitChange(ctx context.Context, ch <-chan struct{}, gap time.Duration) bool {
	begin := time.Now()
	tick := time.NewTimer(time.Until(begin.Truncate(time.Second).Add(time.Second)))
	defer tick.Stop()
	select {
	case <-ch:
	case <-tick.C:
		return true
	case <-ctx.Done():
		return false
	}
	if d := gap - time.Since(begin); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return false
		}
	}
	return true
}

// fetchReq is a range of records the console asked the session for.
type fetchReq struct {
	gen  int
	kind fetchKind
	from uint64
	n    int
}

type fetchKind int

const (
	fetchOlder  fetchKind = iota // the records just before the window
	fetchNewer                   // the records just after it
	fetchAround                  // a new window (a search match, the top, the newest)
)

// fetchedMsg carries the records of a fetch.
type fetchedMsg struct {
	req  fetchReq
	recs []protocol.Record
}

// run reads the records; a command calls it.
func (r fetchReq) run(b Backend) tea.Msg { return fetchedMsg{req: r, recs: b.Records(r.from, r.n)} }

// need says which records the view needs next, if any, and settles a
// target whose records are held.
func (s *scrollback) need() *fetchReq {
	if s.fetch != nil {
		return nil
	}
	if w := s.want; w != nil {
		from := s.floor()
		switch w.kind {
		case targetTop:
			if !s.moreOlder() {
				s.toTop()
				return nil
			}
		case targetLive:
			if !s.moreNewer() {
				s.want = nil
				return nil
			}
			if s.last >= fetchRecords {
				from = max(from, s.last-fetchRecords+1)
			}
		case targetShow:
			if w.seq >= s.lo && w.seq <= s.hi {
				s.show(w.seq)
				return nil
			}
			if w.seq > fetchRecords/2 {
				from = max(from, w.seq-fetchRecords/2)
			}
		}
		return &fetchReq{kind: fetchAround, from: from, n: fetchRecords}
	}
	h := max(s.height, 1)
	scrolled := !s.follow && !s.empty()
	if s.moreOlder() && (s.pendingUp > 0 || s.empty() || s.short(h)) {
		from := s.lo - min(uint64(fetchRecords), s.lo-s.floor())
		return &fetchReq{kind: fetchOlder, from: from, n: int(s.lo - from)}
	}
	s.pendingUp = 0
	if scrolled && s.moreNewer() && (s.pendingDown > 0 || s.linesBelow(2*h) < 2*h) {
		return &fetchReq{kind: fetchNewer, from: s.hi + 1, n: fetchRecords}
	}
	s.pendingDown = 0
	return nil
}

// short reports whether the window holds too few lines above the bottom
// row: following, fewer than fill the h rows (the newest records were
// mostly background polls); scrolled, less than a screen above the top.
func (s *scrollback) short(h int) bool {
	i, line := s.bottom()
	need := 2 * h
	if s.follow {
		need = h - 1
	}
	return s.linesAbove(i, line, need) < need
}

// linesBelow counts the lines below the bottom row, up to limit.
func (s *scrollback) linesBelow(limit int) int {
	i, line := s.bottom()
	count := len(s.lines(i)) - 1 - line
	for j := i + 1; j < len(s.recs) && count < limit; j++ {
		count += len(s.lines(j))
	}
	return count
}

// through is the last Seq a fetch of n records from from covered: the
// last one returned, or, when fewer came, everything the session had.
func through(recs []protocol.Record, from uint64) uint64 {
	if len(recs) == 0 {
		return from - 1
	}
	return recs[len(recs)-1].Seq
}

// fetched applies the records of a fetch, unless the window moved since it
// was asked for.
func (s *scrollback) fetched(msg fetchedMsg) {
	if s.fetch == nil || msg.req != *s.fetch {
		return // stale
	}
	s.fetch = nil
	r, recs := msg.req, msg.recs
	switch r.kind {
	case fetchOlder:
		if r.from+uint64(r.n) != s.lo {
			return
		}
		s.prependRecs(recs, r.from)
		if k := s.pendingUp; k > 0 {
			s.pendingUp = 0
			s.scrollUp(k)
		}
		s.clampTop()
	case fetchNewer:
		if r.from != s.hi+1 {
			return
		}
		s.appendRecs(recs, through(recs, r.from))
		if k := s.pendingDown; k > 0 {
			s.pendingDown = 0
			s.scrollDown(k)
		}
	case fetchAround:
		w := s.want
		if w == nil {
			return
		}
		s.reset(r.from)
		s.appendRecs(recs, through(recs, r.from))
		s.want = nil
		switch w.kind {
		case targetTop:
			s.toTop()
		case targetLive:
			s.toLive()
		case targetShow:
			if s.empty() {
				s.toLive() // it left the session meanwhile
				return
			}
			s.show(min(max(w.seq, s.lo), s.hi))
		}
	}
}

// trim drops records far from the view while the window is over its
// bounds, the side with more first; the records on screen stay.
func (s *scrollback) trim() {
	over := func() bool { return len(s.recs) > windowRecords || s.bytes > windowBytes }
	if !over() || s.empty() {
		return
	}
	b, line := s.bottom()
	t := b
	for rows := line + 1; rows < s.height && t > s.top(); {
		t--
		rows += len(s.lines(t))
	}
	front, back := 0, len(s.recs)-1
	for over() {
		switch above, below := t-front, back-b; {
		case above > 0 && above >= below:
			s.drop(front)
			front++
		case below > 0:
			s.drop(back)
			back--
		default:
			s.keep(front, back)
			return
		}
	}
	s.keep(front, back)
}

// drop forgets recs[i]'s bytes and lines.
func (s *scrollback) drop(i int) {
	r := &s.recs[i]
	s.bytes -= recordBytes(r)
	if e := s.cache[r.Seq]; e != nil {
		s.cacheBytes -= e.size
		delete(s.cache, r.Seq)
	}
}

// keep keeps recs[front:back+1] and narrows the window to them.
func (s *scrollback) keep(front, back int) {
	if front > 0 {
		s.lo = s.recs[front-1].Seq + 1
	}
	if back < len(s.recs)-1 {
		s.hi = s.recs[back+1].Seq - 1
	}
	clear(s.recs[back+1:])
	clear(s.recs[:front])
	s.recs = s.recs[front : back+1]
}

// evict forgets rendered lines not used by the last settle while they are
// over their bound.
func (s *scrollback) evict() {
	if s.cacheBytes <= cacheBytes {
		return
	}
	for seq, e := range s.cache {
		if e.stamp != s.stamp {
			s.cacheBytes -= e.size
			delete(s.cache, seq)
		}
	}
}

// searchReq is a search of the session's transcript the console asked for.
type searchReq struct {
	gen   int
	query string
	from  uint64
}

// searchMsg carries the Seq of every shown record that matched, oldest
// first, and the last Seq searched.
type searchMsg struct {
	req     searchReq
	seqs    []uint64
	through uint64
}

// searchChunk is how many records a search reads at a time.
const searchChunk = 4096

// searchMax bounds the records one search reads, should a flood outrun it.
const searchMax = 4 << 20

// run searches; a command calls it.
func (r searchReq) run(b Backend) tea.Msg {
	fold := foldQuery(r.query)
	q := []byte(r.query)
	var scratch []byte
	out := searchMsg{req: r, through: r.from - 1}
	for from, read := r.from, 0; read < searchMax; {
		recs := b.Records(from, searchChunk)
		for i := range recs {
			if !recs[i].Quiet && recordMatches(&recs[i], q, fold, &scratch) {
				out.seqs = append(out.seqs, recs[i].Seq)
			}
		}
		if len(recs) == 0 {
			break
		}
		out.through = recs[len(recs)-1].Seq
		from = out.through + 1
		read += len(recs)
		if len(recs) < searchChunk {
			break
		}
	}
	return out
}
