package emutest

import (
	"sync"
	"time"

	"atbench/device/emulator/netcore"
)

// Clock is a module clock whose time the test sets: Now reads it, Add
// moves it on. Its timers run on real time.
type Clock struct {
	netcore.RealClock
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock that reads at.
func NewClock(at time.Time) *Clock { return &Clock{now: at} }

// Now returns the time set.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Add moves the clock on by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}
