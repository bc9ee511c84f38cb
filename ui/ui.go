// Package ui is the workbench screen: a console with the transcript of the
// module and an input line, the live link table, the keepalive timers and a
// status bar, drawn with Bubble Tea. It talks to a session through the
// small Backend interface and never parses AT text itself; every byte a
// device sends reaches the terminal through protocol.AppendEscaped.
package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	tea "charm.land/bubbletea/v2"

	"atbench/protocol"
	"atbench/session"
)

// Backend is what the screen needs from a session. *session.Session
// satisfies it; a replay can too. The screen calls it only from commands,
// never while it updates or draws.
type Backend interface {
	// Changed returns a channel closed at the next change; call it again
	// after each change.
	Changed() <-chan struct{}
	// View reads, in one go, the newest max records with Seq >= from and
	// everything else the screen shows: counters, links, settings, the
	// device and the time.
	View(from uint64, max int) session.View
	// Records returns up to max records with Seq >= from, oldest first: the
	// console fetches what it scrolls back to, and searches, through it.
	Records(from uint64, max int) []protocol.Record
	// Submit queues a command line.
	Submit(line string) (*session.Command, error)
	// WriteRaw writes bytes to the device outside the command queue.
	WriteRaw(p []byte) error
	// Send queues a plan of command lines and raw bytes (a link send,
	// read or close built by the command set).
	Send(p protocol.Plan) (*session.Command, error)
	// CoAPPing pings a link with CoAP and waits for the answer.
	CoAPPing(ctx context.Context, link int, opts session.CoAPOptions) (session.CoAPResult, error)
	// CoAPKeepalive keeps an idle link warm with CoAP pings until ctx ends
	// or a ping goes unanswered.
	CoAPKeepalive(ctx context.Context, link int, opts session.CoAPKeepaliveOptions) error
	// Dialect returns the module's command set; the screen reads it once,
	// when it is built.
	Dialect() protocol.Dialect
	// SetDTR, SetRTS and Break drive a serial port's modem control lines
	// (many boards reset the module through them); other devices refuse.
	SetDTR(on bool) error
	SetRTS(on bool) error
	Break(d time.Duration) error
	// Fault injects a fault into an emulated module (the words of :fault)
	// and returns what it did; a real module refuses.
	Fault(ctx context.Context, words []string) (string, error)
}

// The session is the backend the workbench runs on.
var _ Backend = (*session.Session)(nil)

// Options configure the screen.
type Options struct {
	// Theme is "dark", "light", "high-contrast", "mono", or "" to follow
	// the terminal's background (mono when NO_COLOR is set).
	Theme string
	// HistoryPath is the file that keeps the input history across runs;
	// "" keeps it in memory only.
	HistoryPath string
	// LogPath is the transcript log, shown in the status bar.
	LogPath string
	// Clock is the initial timestamp mode: "relative" or "wall" (default).
	Clock string
}

// Clock modes for Options.Clock.
const (
	ClockWall     = "wall"
	ClockRelative = "relative"
)

// Run shows the workbench on the terminal until the user quits (ctrl+c or
// ":q") or ctx ends. It returns nil then, and an error when the terminal
// fails or the options are invalid.
func Run(ctx context.Context, b Backend, opts Options) error {
	if err := opts.check(); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // ends the command waiting on Backend.Changed
	m := newModel(ctx, b, opts, os.Getenv("NO_COLOR") != "")
	p := tea.NewProgram(m, tea.WithContext(ctx))
	_, err := p.Run()
	switch {
	case err == nil:
		return nil
	case errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil:
		return nil // the caller ended the context: a clean stop
	case errors.Is(err, tea.ErrInterrupted):
		return nil
	}
	return fmt.Errorf("terminal: %w", err)
}

// New builds the root model for tests and embedding. Options are not
// checked: an unknown theme falls back to dark and an unknown clock to wall.
// NO_COLOR is honoured as in Run.
func New(b Backend, opts Options) Model {
	return newModel(context.Background(), b, opts, os.Getenv("NO_COLOR") != "")
}

func (o Options) check() error {
	if o.Theme != "" {
		if _, err := lookupTheme(o.Theme); err != nil {
			return err
		}
	}
	switch o.Clock {
	case "", ClockWall, ClockRelative:
	default:
		return fmt.Errorf("unknown clock mode %q (want %q or %q)", o.Clock, ClockWall, ClockRelative)
	}
	return nil
}
