package netcore

import "time"

// Clock is the module's time: link times, keepalive forecasts and the
// timers of the stack and its firmware. Tests and demos inject their own
// (a demo may run a 7200 s keepalive at 60× speed); nil means RealClock.
type Clock interface {
	Now() time.Time
	// NewTimer starts a timer that sends on the returned channel after d.
	NewTimer(d time.Duration) (Timer, <-chan time.Time)
	// AfterFunc runs f on its own goroutine after d.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer controls a timer of a Clock.
type Timer interface {
	// Stop prevents the timer from firing; false if it already fired or
	// was stopped.
	Stop() bool
	// Reset makes the timer fire after d; false if it had fired or been
	// stopped before.
	Reset(d time.Duration) bool
}

// RealClock is the system's clock.
type RealClock struct{}

// Now returns time.Now().
func (RealClock) Now() time.Time { return time.Now() }

// NewTimer wraps time.NewTimer.
func (RealClock) NewTimer(d time.Duration) (Timer, <-chan time.Time) {
	t := time.NewTimer(d)
	return t, t.C
}

// AfterFunc wraps time.AfterFunc.
func (RealClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }
