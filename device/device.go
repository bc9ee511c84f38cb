// Package device defines what atbench talks to: a byte stream to an AT
// module, real or emulated, that reports when it is connected and when not.
package device

import (
	"errors"
	"io"
	"strings"
	"time"
)

// ErrLost is returned by Read of a device that reconnects by itself, with
// n == 0, exactly once each time its connection is lost, after the last
// byte read from that connection and before any byte of the next one. It
// marks a connection boundary in the byte stream: a reader drops or closes
// whatever it had half-framed (a cut line, a cut payload). Read may be
// called again; it then blocks until the device is back or closed.
var ErrLost = errors.New("connection lost")

// State is the connection state of a device.
type State uint8

// Device states.
const (
	Connected    State = iota // open and usable
	Disconnected              // lost; the device may be retrying
	Reconnected               // back after a loss, same settings
	Closed                    // closed by the host; final
)

// String names the state.
func (s State) String() string {
	switch s {
	case Connected:
		return "connected"
	case Disconnected:
		return "disconnected"
	case Reconnected:
		return "reconnected"
	case Closed:
		return "closed"
	}
	return "unknown"
}

// Status is one change of a device's state.
type Status struct {
	State State
	Cause error // why it was lost, for Disconnected
	At    time.Time
}

// Info describes a device for the status bar and the transcript log.
type Info struct {
	Kind string // "emulator", "serial", "tcp" or "rfc2217"
	Name string // the port path, the address, or the emulated command set
	Baud int    // 0 when it does not apply
}

// Device is a byte stream to an AT module. Read blocks until bytes arrive
// or the device ends (io.EOF or an error). A device that reconnects by
// itself (a serial port that is unplugged and plugged back) returns
// ErrLost from Read once per loss, keeps Read blocked while it is down,
// reports each change on Status, and fails Write at once while it is down.
// Close unblocks Read.
type Device interface {
	io.ReadWriteCloser
	// Status reports state changes. It is closed when the device is closed.
	Status() <-chan Status
	// Info describes the device.
	Info() Info
}

// Lines is the far UART's state as a remote serial server reports it
// (RFC 2217 NOTIFY-MODEMSTATE and NOTIFY-LINESTATE), with what the server
// left unacknowledged. The zero value means nothing is known.
type Lines struct {
	Modem      byte // CD 0x80, RI 0x40, DSR 0x20, CTS 0x10; deltas in the low bits
	ModemKnown bool // a NOTIFY-MODEMSTATE has arrived on this connection
	Line       byte // errors: break 0x10, framing 0x08, parity 0x04, overrun 0x02
	LineKnown  bool // a NOTIFY-LINESTATE has arrived on this connection
	// Note says what the server did not acknowledge, e.g. DTR and RTS on
	// ser2net in front of a pty; "" when all was acknowledged.
	Note string
}

// String shows the modem lines and any line errors, e.g. "CTS DSR -CD -RI"
// or "CTS DSR CD -RI framing-error"; "" when nothing is known.
func (l Lines) String() string {
	var parts []string
	if l.ModemKnown {
		for _, b := range []struct {
			bit  byte
			name string
		}{{0x10, "CTS"}, {0x20, "DSR"}, {0x80, "CD"}, {0x40, "RI"}} {
			if l.Modem&b.bit != 0 {
				parts = append(parts, b.name)
			} else {
				parts = append(parts, "-"+b.name)
			}
		}
	}
	if l.LineKnown {
		for _, b := range []struct {
			bit  byte
			name string
		}{{0x10, "break"}, {0x08, "framing-error"}, {0x04, "parity-error"}, {0x02, "overrun"}} {
			if l.Line&b.bit != 0 {
				parts = append(parts, b.name)
			}
		}
	}
	return strings.Join(parts, " ")
}

// LineReporter is implemented by devices that know the far UART's modem and
// line state (an rfc2217:// port). The status bar shows Lines().String()
// beside the port, and Note when it is not empty.
type LineReporter interface {
	Lines() Lines
}

// LossCounter is implemented by devices that count their connection
// losses: Losses is how many there have been so far, each one reported by
// Read as one ErrLost, in order, whether or not Read has reported it yet.
// The session uses it to tell a command written before a loss (its answer
// is lost with the connection) from one written on the connection that
// came back.
type LossCounter interface {
	Losses() uint64
}
