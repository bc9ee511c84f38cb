package emutest

import (
	"sort"
	"sync"
	"testing"
	"time"

	"atbench/device/emulator/netcore"
)

// StepClock is a module clock that moves only when the test advances it;
// its timers fire then, in the order they fall due. Timers made with
// AfterFunc run on their own goroutine, as time.AfterFunc's do.
type StepClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*stepTimer
	added  chan struct{} // a timer was started
}

type stepTimer struct {
	c    *StepClock
	at   time.Time
	ch   chan time.Time
	f    func()
	live bool
}

// NewStepClock returns a StepClock that reads t0.
func NewStepClock(t0 time.Time) *StepClock {
	return &StepClock{now: t0, added: make(chan struct{}, 64)}
}

// Now returns the clock's time.
func (c *StepClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *StepClock) add(d time.Duration, ch chan time.Time, f func()) *stepTimer {
	c.mu.Lock()
	t := &stepTimer{c: c, at: c.now.Add(d), ch: ch, f: f, live: true}
	c.timers = append(c.timers, t)
	c.mu.Unlock()
	select {
	case c.added <- struct{}{}:
	default:
	}
	return t
}

// NewTimer starts a timer that sends on the channel when the clock has
// been advanced by d.
func (c *StepClock) NewTimer(d time.Duration) (netcore.Timer, <-chan time.Time) {
	ch := make(chan time.Time, 1)
	return c.add(d, ch, nil), ch
}

// AfterFunc runs f on its own goroutine when the clock has been advanced
// by d.
func (c *StepClock) AfterFunc(d time.Duration, f func()) netcore.Timer { return c.add(d, nil, f) }

// Advance moves the clock by d and fires every timer that falls due.
func (c *StepClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	var due []*stepTimer
	for _, t := range c.timers {
		if t.live && !t.at.After(c.now) {
			t.live = false
			due = append(due, t)
		}
	}
	now := c.now
	c.mu.Unlock()
	sort.Slice(due, func(i, j int) bool { return due[i].at.Before(due[j].at) })
	for _, t := range due {
		if t.f != nil {
			go t.f()
		} else {
			t.ch <- now
		}
	}
}

// WaitTimer waits, up to WaitLimit, until some timer has been started.
func (c *StepClock) WaitTimer(tb testing.TB) {
	tb.Helper()
	select {
	case <-c.added:
	case <-time.After(WaitLimit):
		tb.Fatal("no timer was started")
	}
}

// Stop stops the timer; it reports whether the timer was running.
func (t *stepTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := t.live
	t.live = false
	return was
}

// Reset starts the timer again to fire d from now; it reports whether the
// timer was running.
func (t *stepTimer) Reset(d time.Duration) bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := t.live
	t.at, t.live = t.c.now.Add(d), true
	return was
}
