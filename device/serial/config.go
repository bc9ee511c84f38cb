// Package serial opens real serial ports through go.bug.st/serial: it maps
// our settings to a port mode, lists ports with their USB identity, and keeps
// a port usable across unplugging by reopening it when it comes back.
package serial

import (
	"fmt"
	"strings"
	"time"

	"atbench/device/reconnect"

	"go.bug.st/serial"
)

// Defaults for the zero values of Config.
const (
	DefaultBaud     = 115200
	DefaultDataBits = 8
)

// Config is how to open a port. Zero values mean 115200 8N1 without flow
// control. Parity, StopBits and Flow ignore case and surrounding spaces.
type Config struct {
	Path     string // device path or "auto" for the only USB port
	Baud     int    // bits per second; 0 means DefaultBaud
	DataBits int    // 5..8; 0 means DefaultDataBits
	Parity   string // none, odd, even, mark or space; "" means none
	StopBits string // 1, 1.5 or 2; "" means 1
	Flow     string // none or rtscts; "" means none

	// Now stamps status changes; nil means time.Now.
	Now func() time.Time
	// Backoff is the wait before reconnect attempt n (1, 2, …); nil means
	// 100ms doubling up to 5s (up to 1s with Wait).
	Backoff func(attempt int) time.Duration
	// Wait opens a Path that is not there yet as a port that is down:
	// its first status is Disconnected with a cause wrapping ErrNotThere
	// ("waiting for /dev/ttyUSB0…"), and it comes up, reported as
	// Reconnected, once the path appears and opens, as tio does. Without
	// Wait such a path is an error.
	Wait bool
}

// Mode maps the settings to a go.bug.st/serial mode. Flow control is not part
// of that mode; it is checked here and applied when the port opens.
func (c Config) Mode() (*serial.Mode, error) {
	m := &serial.Mode{BaudRate: c.Baud, DataBits: c.DataBits}
	switch {
	case c.Baud == 0:
		m.BaudRate = DefaultBaud
	case c.Baud < 0:
		return nil, fmt.Errorf("baud rate %d: must be positive", c.Baud)
	}
	switch {
	case c.DataBits == 0:
		m.DataBits = DefaultDataBits
	case c.DataBits < 5 || c.DataBits > 8:
		return nil, fmt.Errorf("data bits %d: must be 5, 6, 7 or 8", c.DataBits)
	}
	switch v := norm(c.Parity); v {
	case "", "none":
		m.Parity = serial.NoParity
	case "odd":
		m.Parity = serial.OddParity
	case "even":
		m.Parity = serial.EvenParity
	case "mark":
		m.Parity = serial.MarkParity
	case "space":
		m.Parity = serial.SpaceParity
	default:
		return nil, fmt.Errorf("parity %q: want none, odd, even, mark or space", c.Parity)
	}
	switch v := norm(c.StopBits); v {
	case "", "1":
		m.StopBits = serial.OneStopBit
	case "1.5":
		m.StopBits = serial.OnePointFiveStopBits
	case "2":
		m.StopBits = serial.TwoStopBits
	default:
		return nil, fmt.Errorf("stop bits %q: want 1, 1.5 or 2", c.StopBits)
	}
	if _, err := c.rtscts(); err != nil {
		return nil, err
	}
	return m, nil
}

// rtscts reports whether hardware flow control is asked for.
func (c Config) rtscts() (bool, error) {
	switch norm(c.Flow) {
	case "", "none":
		return false, nil
	case "rtscts":
		return true, nil
	}
	return false, fmt.Errorf("flow control %q: want none or rtscts", c.Flow)
}

func norm(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// defaultBackoff waits 100ms before the first attempt, doubling up to 5s.
func defaultBackoff(attempt int) time.Duration { return reconnect.DefaultBackoff(attempt) }
