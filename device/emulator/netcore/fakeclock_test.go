package netcore

import (
	"sort"
	"sync"
	"time"
)

// fakeClock is a clock that moves only when the test advances it; its
// timers fire, in order, inside Advance.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	c      *fakeClock
	at     time.Time
	f      func()
	ch     chan time.Time
	active bool
}

func newFakeClock(t0 time.Time) *fakeClock { return &fakeClock{now: t0} }

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *fakeClock) add(d time.Duration, f func(), ch chan time.Time) *fakeTimer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{c: c, at: c.now.Add(d), f: f, ch: ch, active: true}
	c.timers = append(c.timers, t)
	return t
}

func (c *fakeClock) NewTimer(d time.Duration) (Timer, <-chan time.Time) {
	ch := make(chan time.Time, 1)
	return c.add(d, nil, ch), ch
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) Timer { return c.add(d, f, nil) }

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := t.active
	t.active = false
	return was
}

func (t *fakeTimer) Reset(d time.Duration) bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := t.active
	t.at, t.active = t.c.now.Add(d), true
	if !was {
		t.c.timers = append(t.c.timers, t)
	}
	return was
}

// Advance moves the clock by d, firing each timer that falls due on the
// way at its own time (timers set by a firing one included).
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	end := c.now.Add(d)
	c.mu.Unlock()
	for {
		c.mu.Lock()
		var due []*fakeTimer
		keep := c.timers[:0]
		for _, t := range c.timers {
			switch {
			case !t.active:
			case !t.at.After(end):
				due = append(due, t)
			default:
				keep = append(keep, t)
			}
		}
		c.timers = keep
		if len(due) == 0 {
			c.now = end
			c.mu.Unlock()
			return
		}
		sort.Slice(due, func(i, j int) bool { return due[i].at.Before(due[j].at) })
		t := due[0]
		c.timers = append(c.timers, due[1:]...)
		t.active = false
		if t.at.After(c.now) {
			c.now = t.at
		}
		c.mu.Unlock()
		if t.f != nil {
			t.f()
		} else {
			select {
			case t.ch <- t.at:
			default:
			}
		}
	}
}
