package netcore

import "time"

// SpeedClock runs base N times faster: from its start, each real second
// is Speed seconds of the clock's time, and timers fire after d/Speed of
// real time. A demo runs a 7200 s keepalive model or a 600 s WizFi
// detection in seconds this way; real-socket timers (connect, send
// timeouts, the kernel's keepalive) are not sped up.
type SpeedClock struct {
	base  Clock
	speed float64
	t0    time.Time // base time at the start
}

// NewSpeedClock returns base sped up by speed (> 0; nil base: RealClock).
func NewSpeedClock(base Clock, speed float64) *SpeedClock {
	if base == nil {
		base = RealClock{}
	}
	if speed <= 0 {
		speed = 1
	}
	return &SpeedClock{base: base, speed: speed, t0: base.Now()}
}

// Speed is the factor.
func (c *SpeedClock) Speed() float64 { return c.speed }

// Now is the start plus the elapsed base time times the speed.
func (c *SpeedClock) Now() time.Time {
	return c.t0.Add(time.Duration(float64(c.base.Now().Sub(c.t0)) * c.speed))
}

func (c *SpeedClock) real(d time.Duration) time.Duration {
	return time.Duration(float64(d) / c.speed)
}

// NewTimer fires after d of the clock's time (d/Speed of base time).
func (c *SpeedClock) NewTimer(d time.Duration) (Timer, <-chan time.Time) {
	t, ch := c.base.NewTimer(c.real(d))
	return speedTimer{t, c}, ch
}

// AfterFunc runs f after d of the clock's time.
func (c *SpeedClock) AfterFunc(d time.Duration, f func()) Timer {
	return speedTimer{c.base.AfterFunc(c.real(d), f), c}
}

type speedTimer struct {
	Timer
	c *SpeedClock
}

func (t speedTimer) Reset(d time.Duration) bool { return t.Timer.Reset(t.c.real(d)) }
