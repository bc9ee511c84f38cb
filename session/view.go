package session

import (
	"time"

	"atbench/device"
	"atbench/protocol"
)

// State is the device's connection state as the session reports it, so a
// screen needs no device package.
type State = device.State

// Connection states, as device names them.
const (
	Connected    = device.Connected
	Disconnected = device.Disconnected
	Reconnected  = device.Reconnected
	Closed       = device.Closed
)

// Info describes the device for a screen.
type Info = device.Info

// Lines is the far UART's modem and line state, for a remote port that
// reports it (rfc2217://).
type Lines = device.Lines

// View is everything a screen shows of the session at one moment, read in
// one go: the records new to the screen, the transcript's bounds, the
// counters, the links, the settings, the device and the time. A replay
// produces the same views from a recording.
type View struct {
	// Records are transcript records with Seq >= the from asked for, oldest
	// first; when there are more than max, the newest max.
	Records []protocol.Record
	// First and Last are the Seq of the oldest and the newest record the
	// transcript keeps (0 and 0 before the first record). Older records
	// are only in the log.
	First, Last uint64
	// Stats are the counters and the connection state.
	Stats Stats
	// Links is the link table: live links by id, then closed ones.
	Links []protocol.LinkInfo
	// Settings are the module-wide settings in force.
	Settings []protocol.Setting
	// Info describes the device.
	Info Info
	// Lines is the far UART's modem and line state, when the device
	// reports it; the zero value otherwise.
	Lines Lines
	// Now is the session's clock when the view was read.
	Now time.Time
	// ClockSpeed is how many times faster than real time the device's
	// modelled timers run (the emulator's demo clock); 0 or 1 is real time.
	ClockSpeed float64
}

// clockSpeeder is a device with a demo clock (the emulator's --speed).
type clockSpeeder interface{ ClockSpeed() float64 }

// View reads a view for a screen: the newest max records (all when
// max <= 0) with Seq >= from, and the rest of the state. It may make
// system calls (a link's TCP_INFO), so a screen calls it from a command,
// never while drawing.
func (s *Session) View(from uint64, max int) View {
	var snap protocol.Snapshot
	if s.truth != nil {
		snap = s.truth.Snapshot() // system calls: outside the lock
	}
	now := s.now()
	var v View
	s.mu.Lock()
	// The transcript's bounds, its records and the counters are read
	// under one lock, so they agree.
	v.Last = s.transcript.lastSeq()
	if max > 0 && v.Last >= from && v.Last-from >= uint64(max) {
		from = v.Last - uint64(max) + 1
	}
	v.Records = s.transcript.since(from, max)
	v.First = s.transcript.firstSeq()
	v.Stats = s.statsLocked()
	if s.truth == nil {
		v.Links = s.links.list(now)
		v.Settings = s.settings.list()
	}
	s.mu.Unlock()
	if s.truth != nil {
		v.Links, v.Settings = snap.Links, snap.Settings
	}
	v.Info = s.Info()
	if lr, ok := s.dev.(device.LineReporter); ok {
		v.Lines = lr.Lines()
	}
	if cs, ok := s.dev.(clockSpeeder); ok {
		v.ClockSpeed = cs.ClockSpeed()
	}
	v.Now = now
	return v
}
