package netcore

import (
	"testing"
	"testing/synctest"
	"time"
)

// TestSpeedClock: at 60× a 7200 s timer fires after 120 s of real time,
// not before, and Now runs 60 times faster.
func TestSpeedClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := NewSpeedClock(nil, 60)
		start := c.Now()
		fired := make(chan time.Time, 1)
		c.AfterFunc(7200*time.Second, func() { fired <- time.Now() })
		real0 := time.Now()
		time.Sleep(119 * time.Second)
		select {
		case <-fired:
			t.Fatal("fired early")
		default:
		}
		if got := c.Now().Sub(start); got != 119*60*time.Second {
			t.Fatalf("after 119 s real: clock moved %v", got)
		}
		at := <-fired
		if got := at.Sub(real0); got != 120*time.Second {
			t.Fatalf("fired after %v real, want 120s", got)
		}
		tm, ch := c.NewTimer(60 * time.Second)
		tm.Reset(120 * time.Second)
		r0 := time.Now()
		<-ch
		if got := time.Since(r0); got != 2*time.Second {
			t.Fatalf("reset timer fired after %v real, want 2s", got)
		}
	})
}
