package session

import "atbench/protocol"

// ring is the bounded transcript: at most cap records and maxBytes bytes of
// text and payload; the oldest go first.
type ring struct {
	buf      []protocol.Record
	head     int // index of the oldest record
	n        int
	bytes    int
	maxBytes int
	seq      uint64 // Seq of the newest record
}

func newRing(capacity, maxBytes int) ring {
	return ring{buf: make([]protocol.Record, capacity), maxBytes: maxBytes}
}

func recordSize(r *protocol.Record) int { return len(r.Text) + len(r.Payload) }

// add numbers r and appends it.
func (g *ring) add(r *protocol.Record) {
	g.seq++
	r.Seq = g.seq
	if g.n == len(g.buf) {
		g.dropOldest()
	}
	g.buf[(g.head+g.n)%len(g.buf)] = *r
	g.n++
	g.bytes += recordSize(r)
	for g.bytes > g.maxBytes && g.n > 1 {
		g.dropOldest()
	}
}

func (g *ring) dropOldest() {
	g.bytes -= recordSize(&g.buf[g.head])
	g.buf[g.head] = protocol.Record{}
	g.head = (g.head + 1) % len(g.buf)
	g.n--
}

func (g *ring) lastSeq() uint64 { return g.seq }

// firstSeq is the Seq of the oldest record kept, 0 when there is none.
func (g *ring) firstSeq() uint64 {
	if g.n == 0 {
		return 0
	}
	return g.seq - uint64(g.n) + 1
}

// since returns up to max records with Seq >= from.
func (g *ring) since(from uint64, max int) []protocol.Record {
	return g.appendSince(nil, from, max)
}

// appendSince appends to dst what since returns, so a reader that polls
// (a script's expect) can reuse its slice.
func (g *ring) appendSince(dst []protocol.Record, from uint64, max int) []protocol.Record {
	if g.n == 0 {
		return dst
	}
	oldest := g.seq - uint64(g.n) + 1
	if from < oldest {
		from = oldest
	}
	if from > g.seq {
		return dst
	}
	count := int(g.seq - from + 1)
	if max > 0 && count > max {
		count = max
	}
	if dst == nil {
		dst = make([]protocol.Record, 0, count)
	}
	start := g.head + int(from-oldest)
	for i := range count {
		dst = append(dst, g.buf[(start+i)%len(g.buf)])
	}
	return dst
}
