package serial

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"atbench/device"
	"atbench/device/reconnect"

	"go.bug.st/serial"
)

// ErrDisconnected is wrapped by errors from a port that is lost and not yet
// back: writes fail at once with it rather than being dropped.
var ErrDisconnected = reconnect.ErrDisconnected

// ErrClosed is wrapped by errors from a port after Close.
var ErrClosed = reconnect.ErrClosed

// ErrNotThere is wrapped by the cause of the first status of a port
// opened with Config.Wait whose path is not there yet.
var ErrNotThere = errors.New("not there yet")

// waitBackoff polls for a port that is awaited: 100ms doubling up to 1s,
// so a board plugged in is found within a second.
func waitBackoff(attempt int) time.Duration {
	return min(reconnect.DefaultBackoff(attempt), time.Second)
}

// Port is an open serial port that survives unplugging: when the port goes
// away Read returns device.ErrLost once and then waits while it is reopened
// (found again by its USB serial number), and Status reports each change.
// It implements device.Device.
type Port struct {
	mode   *serial.Mode
	rtscts bool
	list   func() ([]PortInfo, error)
	openFn opener
	link   *reconnect.Link[serial.Port]

	startedDown bool // opened with Config.Wait before the port was there

	mu       sync.Mutex
	path     string // where the port is now; may change on reconnect
	serialNo string // USB serial number, to find the port again; "" if none
	dtr, rts *bool  // last values set, reapplied on reconnect
}

// Open opens the port cfg describes. ctx bounds the opening only, as with
// net.Dialer: once open, the port lives until Close.
func Open(ctx context.Context, cfg Config) (*Port, error) {
	return open(ctx, cfg, List, openPort)
}

// opener opens a port; tests replace it to play a port's failures.
type opener func(path string, mode *serial.Mode, rtscts bool) (serial.Port, error)

func open(ctx context.Context, cfg Config, list func() ([]PortInfo, error), openFn opener) (*Port, error) {
	mode, err := cfg.Mode()
	if err != nil {
		return nil, fmt.Errorf("serial %s: %w", cfg.Path, err)
	}
	rtscts, _ := cfg.rtscts() // checked by Mode
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("serial %s: %w", cfg.Path, err)
	}
	path := cfg.Path
	switch path {
	case "":
		return nil, errors.New("serial: no port path given")
	case "auto":
		ports, err := list()
		if err != nil {
			return nil, fmt.Errorf("serial auto: %w", err)
		}
		if path, err = Auto(ports); err != nil {
			return nil, fmt.Errorf("serial %w", err)
		}
	}
	p := &Port{
		mode:   mode,
		rtscts: rtscts,
		list:   list,
		openFn: openFn,
		path:   path,
	}
	rc := reconnect.Config[serial.Port]{
		Label:   func() string { return "serial " + p.Path() },
		Dial:    p.reopen,
		Backoff: cfg.Backoff,
		Now:     cfg.Now,
	}
	if _, err := os.Stat(path); cfg.Wait && errors.Is(err, fs.ErrNotExist) {
		if rc.Backoff == nil {
			rc.Backoff = waitBackoff
		}
		p.startedDown = true
		p.link = reconnect.NewDown(rc, fmt.Errorf("waiting for %s… (%w)", path, ErrNotThere))
		return p, nil
	}
	sp, err := openFn(path, mode, rtscts)
	if err != nil {
		return nil, fmt.Errorf("open serial %s: %w", path, err)
	}
	p.serialNo = usbSerial(path, list)
	p.link = reconnect.New(sp, rc)
	return p, nil
}

// StartedDown reports whether the port was opened (Config.Wait) before it
// was there: its first connection is then reported as Reconnected.
func (p *Port) StartedDown() bool { return p.startedDown }

// Path is where the port is now; it may change when a USB adapter comes
// back under another name.
func (p *Port) Path() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.path
}

// usbSerial finds the USB serial number of the port at path, if any. It
// lists ports only for names that may be USB: on Linux listing opens every
// ttyS port to see whether it is real.
func usbSerial(path string, list func() ([]PortInfo, error)) string {
	if !maybeUSB(path) {
		return ""
	}
	ports, err := list()
	if err != nil {
		return ""
	}
	real, _ := filepath.EvalSymlinks(path)
	for _, p := range ports {
		if p.IsUSB && p.SerialNumber != "" && (p.Path == path || p.Path == real) {
			return p.SerialNumber
		}
	}
	return ""
}

// maybeUSB reports whether the port's name, or the name its link points to,
// allows it to be a USB adapter: ttyUSB*, ttyACM* and the like on Linux,
// *usb* on macOS, any COM port.
func maybeUSB(path string) bool {
	if runtime.GOOS == "windows" {
		return true
	}
	names := []string{path}
	if real, err := filepath.EvalSymlinks(path); err == nil {
		names = append(names, real)
	}
	for _, n := range names {
		base := strings.ToLower(filepath.Base(n))
		if strings.Contains(base, "usb") || strings.Contains(base, "acm") {
			return true
		}
	}
	return false
}

// Read reads what the port received. When the port is lost it returns
// (0, device.ErrLost) once, then waits for the reconnect; after Close it
// returns io.EOF.
func (p *Port) Read(b []byte) (int, error) { return p.link.Read(b) }

// Write sends b. While the port is lost it fails at once with an error
// wrapping ErrDisconnected; a failed write also counts as losing the port.
func (p *Port) Write(b []byte) (int, error) { return p.link.Write(b) }

// SetDTR sets the Data Terminal Ready line; it is set again after a reconnect.
func (p *Port) SetDTR(on bool) error {
	return p.link.Use("set DTR", false, func(sp serial.Port) error {
		if err := sp.SetDTR(on); err != nil {
			return err
		}
		p.mu.Lock()
		p.dtr = &on
		p.mu.Unlock()
		return nil
	})
}

// SetRTS sets the Request To Send line; it is set again after a reconnect.
func (p *Port) SetRTS(on bool) error {
	return p.link.Use("set RTS", false, func(sp serial.Port) error {
		if err := sp.SetRTS(on); err != nil {
			return err
		}
		p.mu.Lock()
		p.rts = &on
		p.mu.Unlock()
		return nil
	})
}

// Break holds the line in the break state for d.
func (p *Port) Break(d time.Duration) error {
	return p.link.Use("break", false, func(sp serial.Port) error { return sp.Break(d) })
}

// Status reports state changes: Connected first, then Disconnected and
// Reconnected as the port goes and comes back, and Closed last. If nobody
// reads, the oldest change is dropped so the newest one is always there.
func (p *Port) Status() <-chan device.Status { return p.link.Status() }

// Losses is how many times the port was lost so far (device.LossCounter).
func (p *Port) Losses() uint64 { return p.link.Losses() }

// Info describes the port as "serial", its current path and baud rate.
func (p *Port) Info() device.Info {
	return device.Info{Kind: "serial", Name: p.Path(), Baud: p.mode.BaudRate}
}

// Close closes the port and stops reconnecting. Read returns io.EOF, other
// calls fail with ErrClosed, and the Status channel is closed after a final
// Closed status.
func (p *Port) Close() error { return p.link.Close() }
