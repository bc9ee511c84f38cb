// Package session is one workbench session, free of any UI: it owns a
// device, reads it in one goroutine, frames its bytes into records, keeps a
// bounded transcript and the link table, and queues commands so that one
// is outstanding at a time, matched to its final result.
package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"atbench/device"
	"atbench/protocol"
)

// Defaults for Options.
const (
	DefaultCapacity    = 100_000
	DefaultMaxBytes    = 64 << 20
	DefaultQueueLength = 256
)

// Errors returned by Submit and carried by commands.
var (
	ErrDisconnected = errors.New("device disconnected")
	ErrClosed       = errors.New("session closed")
	ErrQueueFull    = errors.New("command queue full")
	ErrTimeout      = errors.New("no final result")
	ErrEmpty        = errors.New("empty command")
)

// Options configure a session.
type Options struct {
	// Dialect is the module's command set. Required.
	Dialect protocol.Dialect
	// Capacity is how many records the transcript keeps in memory
	// (DefaultCapacity when 0); older ones survive only in the log.
	Capacity int
	// MaxBytes bounds the text and payload bytes the transcript keeps
	// (DefaultMaxBytes when 0).
	MaxBytes int
	// Log, when set, receives every record as a line (see LogWriter).
	Log io.Writer
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Timeout overrides the dialect's per-command timeout when > 0.
	Timeout time.Duration
	// QueueLength bounds the commands waiting to be sent.
	QueueLength int
	// LineEnding overrides the dialect's command line ending when set.
	LineEnding string
}

// Stats are the session's counters and connection state.
type Stats struct {
	RxBytes, TxBytes uint64
	Records          uint64
	State            device.State
	Cause            string // why the device is disconnected
	Pending          int    // commands queued or outstanding
	Outstanding      string // the command awaiting its final result
	Reconnects       int    // times the device came back after a loss
}

// Command is one queued command line and, once it ends, its result.
type Command struct {
	Line    string
	timeout time.Duration
	done    chan struct{}
	written chan struct{} // closed once the line is written, or the command ended unwritten
	wrote   bool
	final   protocol.Record
	err     error
	timer   *time.Timer
	sent    protocol.Record
	// quiet marks a background poll (see Poll).
	quiet bool
	// answered is set by the first line of the command's answer: only a
	// line before it can be the module's echo (AT+LIST lists its own name).
	answered bool
}

// Done is closed when the command has ended.
func (c *Command) Done() <-chan struct{} { return c.done }

// Written is closed once the command's line has been written to the device,
// or the command ended without it. A raw write or a modem line change that
// must follow the command waits for it.
func (c *Command) Written() <-chan struct{} { return c.written }

// markWrittenLocked closes written once. The session's mutex must be held.
func (c *Command) markWrittenLocked() {
	if !c.wrote {
		c.wrote = true
		close(c.written)
	}
}

// Result returns the final record, or an error when the command timed out,
// failed to be written or the session ended. Valid after Done is closed.
func (c *Command) Result() (protocol.Record, error) { return c.final, c.err }

// Wait blocks until the command ends or ctx is done.
func (c *Command) Wait(ctx context.Context) (protocol.Record, error) {
	select {
	case <-c.done:
		return c.final, c.err
	case <-ctx.Done():
		return protocol.Record{}, ctx.Err()
	}
}

// snapshotter is offered by devices that know their links first-hand.
type snapshotter interface {
	Snapshot() protocol.Snapshot
}

// watcher is offered by devices whose link table changes without output
// (the emulator, when a peer closes a link).
type watcher interface {
	Changed() <-chan struct{}
}

// watchLoop passes the device's silent link changes on to Changed.
func (s *Session) watchLoop(ctx context.Context, w watcher) {
	ch := w.Changed()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ch:
			// Take the next channel before telling anyone, so a change
			// made while they look closes it.
			ch = w.Changed()
			s.mu.Lock()
			s.notifyLocked()
			s.mu.Unlock()
		}
	}
}

// Session is one workbench session. Its methods are safe for concurrent use.
type Session struct {
	dev     device.Device
	dialect protocol.Dialect
	opts    Options
	now     func() time.Time
	truth   snapshotter

	writeMu sync.Mutex // serialises writes to the device

	mu          sync.Mutex
	transcript  ring
	changed     chan struct{}
	queue       []*Command
	outstanding *Command
	links       linkTable
	settings    settingTable
	stats       Stats
	closed      bool // no more commands: Close was called or the device ended
	ended       bool // Run has returned: no more records will come
	log         *LogWriter
	logErr      error

	kick     chan struct{} // wakes the sender
	stop     chan struct{} // closed by Close
	stopOnce sync.Once
	once     sync.Once // closes the device
}

// New makes a session on dev. Call Run to start reading.
func New(dev device.Device, opts Options) (*Session, error) {
	if opts.Dialect == nil {
		return nil, errors.New("session: no dialect")
	}
	if opts.Capacity <= 0 {
		opts.Capacity = DefaultCapacity
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if opts.QueueLength <= 0 {
		opts.QueueLength = DefaultQueueLength
	}
	if opts.LineEnding == "" {
		opts.LineEnding = opts.Dialect.LineEnding()
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	s := &Session{
		dev:        dev,
		dialect:    opts.Dialect,
		opts:       opts,
		now:        now,
		transcript: newRing(opts.Capacity, opts.MaxBytes),
		changed:    make(chan struct{}),
		links:      newLinkTable(),
		kick:       make(chan struct{}, 1),
		stop:       make(chan struct{}),
	}
	if t, ok := dev.(snapshotter); ok {
		s.truth = t
	}
	if opts.Log != nil {
		s.log = NewLogWriter(opts.Log)
	}
	return s, nil
}

// Dialect returns the module's command set.
func (s *Session) Dialect() protocol.Dialect { return s.dialect }

// Info describes the device.
func (s *Session) Info() device.Info { return s.dev.Info() }

// Now reads the session's clock.
func (s *Session) Now() time.Time { return s.now() }

// Changed returns a channel that is closed at the next change of records,
// links, settings or state. Call it again after each change.
func (s *Session) Changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

// notifyLocked flushes the transcript log and wakes everyone waiting on
// Changed: nothing is announced before it is on disk. s.mu must be held.
func (s *Session) notifyLocked() {
	if s.log != nil && s.logErr == nil {
		s.logErr = s.log.Flush()
	}
	close(s.changed)
	s.changed = make(chan struct{})
}

// Records returns up to max records whose Seq is at least from, oldest
// first (from older than the oldest kept starts at the oldest kept; max <= 0
// means all). The records are shared: do not modify their Payload.
func (s *Session) Records(from uint64, max int) []protocol.Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.transcript.since(from, max)
}

// LastSeq is the Seq of the newest record, 0 before the first.
func (s *Session) LastSeq() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.transcript.lastSeq()
}

// Stats returns the counters and the connection state.
func (s *Session) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Records = s.transcript.lastSeq()
	st.Pending = len(s.queue)
	if s.outstanding != nil {
		st.Pending++
		st.Outstanding = s.outstanding.Line
	}
	return st
}

// LogErr reports the first error writing the transcript log, if any.
func (s *Session) LogErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logErr
}

// Links returns the link table: live links by id, then closed ones, newest
// first. With the emulator it is the module's own table; with a real module
// it is inferred from answers and events.
func (s *Session) Links() []protocol.LinkInfo {
	if s.truth != nil {
		return s.truth.Snapshot().Links
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.links.list()
}

// Settings returns the module-wide settings known to be in force.
func (s *Session) Settings() []protocol.Setting {
	if s.truth != nil {
		return s.truth.Snapshot().Settings
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.settings.list()
}

// Submit queues a command line (without its line ending). It is sent when
// every command before it has ended. A command submitted while the device
// is disconnected is refused, never dropped silently.
func (s *Session) Submit(line string) (*Command, error) {
	return s.submit(line, false)
}

// Poll queues a background command, such as the periodic state command
// that keeps a real module's link table current. It is sent like any
// other, but it and its answer are marked Quiet, so a screen can keep them
// out of the way; the log keeps them.
func (s *Session) Poll(line string) (*Command, error) {
	return s.submit(line, true)
}

func (s *Session) submit(line string, quiet bool) (*Command, error) {
	line = strings.TrimRight(line, "\r\n")
	if strings.TrimSpace(line) == "" {
		return nil, ErrEmpty
	}
	if strings.ContainsAny(line, "\r\n") {
		return nil, fmt.Errorf("command %q: line breaks inside a command; use a raw send", line)
	}
	timeout := s.opts.Timeout
	if timeout <= 0 {
		timeout = s.dialect.Timeout(line)
	}
	c := &Command{Line: line, timeout: timeout, done: make(chan struct{}), written: make(chan struct{}), quiet: quiet}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return nil, ErrClosed
	case s.stats.State == device.Disconnected:
		return nil, fmt.Errorf("command %q refused: %w (%s)", line, ErrDisconnected, s.stats.Cause)
	case len(s.queue) >= s.opts.QueueLength:
		return nil, fmt.Errorf("command %q refused: %w (%d waiting)", line, ErrQueueFull, len(s.queue))
	}
	s.queue = append(s.queue, c)
	s.wakeSender()
	s.notifyLocked()
	return c, nil
}

// Exec submits a command and waits for its final result.
func (s *Session) Exec(ctx context.Context, line string) (protocol.Record, error) {
	c, err := s.Submit(line)
	if err != nil {
		return protocol.Record{}, err
	}
	return c.Wait(ctx)
}

// WriteRaw writes bytes to the device at once, outside the command queue:
// the payload after a prompt, a raw-mode transfer, a stray byte.
func (s *Session) WriteRaw(p []byte) error {
	s.mu.Lock()
	switch {
	case s.closed:
		s.mu.Unlock()
		return ErrClosed
	case s.stats.State == device.Disconnected:
		s.mu.Unlock()
		return fmt.Errorf("raw write refused: %w (%s)", ErrDisconnected, s.stats.Cause)
	}
	rec := protocol.Record{Kind: protocol.KindSent, Payload: append([]byte(nil), p...), Text: "raw", LinkID: protocol.NoLink}
	s.addLocked(&rec)
	s.notifyLocked()
	s.mu.Unlock()
	return s.write(p)
}

func (s *Session) write(p []byte) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	_, err := s.dev.Write(p)
	s.mu.Lock()
	s.stats.TxBytes += uint64(len(p))
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("write to %s: %w", s.dev.Info().Name, err)
	}
	return nil
}

func (s *Session) wakeSender() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Run reads the device until ctx is done, the device ends or Close is
// called, and sends queued commands meanwhile. It returns nil on a clean
// end and the read error otherwise.
func (s *Session) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(2)
	// sendLoop may sit in a device write that only the device can end
	// (a tty write under flow control); Run waits for it only so long.
	go func() { defer wg.Done(); s.sendLoop(ctx) }()
	go func() { defer wg.Done(); s.statusLoop(ctx) }()
	if w, ok := s.dev.(watcher); ok {
		wg.Add(1)
		go func() { defer wg.Done(); s.watchLoop(ctx, w) }()
	}
	go func() {
		select {
		case <-ctx.Done():
		case <-s.stop:
		}
		// Unblock the reader: closing the device is the only portable way.
		s.closeDevice()
	}()
	err := s.readLoop()
	byUs := s.isClosed() || ctx.Err() != nil // Close or ctx ended the read
	cancel()
	s.finish(err)
	waitBounded(&wg, time.Second)
	if errors.Is(err, io.EOF) || byUs {
		return nil
	}
	return err
}

// waitBounded waits for wg, or for d at most.
func waitBounded(wg *sync.WaitGroup, d time.Duration) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
}

func (s *Session) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

func (s *Session) isEnded() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ended
}

func (s *Session) closeDevice() {
	s.once.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		s.dev.Close()
	})
}

// Close ends the session and closes the device. Run returns after it.
func (s *Session) Close() error {
	s.stopOnce.Do(func() { close(s.stop) })
	s.closeDevice()
	return nil
}

// readLoop owns dev.Read and the framer.
func (s *Session) readLoop() error {
	framer := protocol.NewFramer(s.dialect.FrameSpec(), s.dialect.Classify)
	buf := make([]byte, 64<<10)
	var recs []protocol.Record
	for {
		n, err := s.dev.Read(buf)
		if n > 0 {
			recs = framer.Feed(recs[:0], buf[:n])
			s.ingest(n, recs)
		}
		if errors.Is(err, device.ErrLost) {
			recs = framer.Flush(recs[:0])
			s.ingest(0, recs)
			continue
		}
		if err != nil {
			recs = framer.Flush(recs[:0])
			s.ingest(0, recs)
			return err
		}
	}
}

// ingest applies a batch of records from the device under one lock and one
// notification, so a flood costs one wake-up per read, not one per line.
func (s *Session) ingest(n int, recs []protocol.Record) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.RxBytes += uint64(n)
	for i := range recs {
		r := &recs[i]
		if c := s.outstanding; c != nil {
			if r.Kind == protocol.KindInfo {
				if !c.answered && r.Text == c.Line {
					r.Kind = protocol.KindEcho
				}
				c.answered = true
			}
			switch r.Kind {
			case protocol.KindInfo, protocol.KindEcho, protocol.KindOK, protocol.KindError:
				r.Quiet = c.quiet // the answer; events and data are never quiet
			}
		}
		s.addLocked(r)
		s.applyLocked(*r)
	}
	if n > 0 || len(recs) > 0 {
		s.notifyLocked()
	}
}

// addLocked stamps a record and appends it to the transcript and the log.
func (s *Session) addLocked(r *protocol.Record) {
	r.At = s.now()
	s.transcript.add(r)
	if s.log != nil && s.logErr == nil {
		if err := s.log.Write(*r); err != nil {
			s.logErr = err
		}
	}
}

// Note adds a message of atbench's own to the transcript (and the log).
func (s *Session) Note(text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noteLocked("%s", text)
	s.notifyLocked()
}

// noteLocked adds a record of atbench's own.
func (s *Session) noteLocked(format string, args ...any) {
	r := protocol.Record{Kind: protocol.KindNote, Text: fmt.Sprintf(format, args...), LinkID: protocol.NoLink}
	s.addLocked(&r)
}

// applyLocked updates the command queue, the links and the settings from one
// record of the module.
func (s *Session) applyLocked(r protocol.Record) {
	if s.truth == nil {
		for _, u := range s.dialect.Links(r) {
			s.links.apply(u, r.At)
		}
		for _, st := range s.dialect.Settings(r) {
			s.settings.set(st)
		}
	}
	if !r.Kind.Final() || s.outstanding == nil {
		return
	}
	c := s.outstanding
	if rl, ok := s.dialect.(protocol.ResultLinker); ok && s.truth == nil {
		for _, u := range rl.ResultLinks(c.Line, r) {
			s.links.apply(u, r.At)
		}
	}
	if r.Kind == protocol.KindOK && s.truth == nil {
		// The module accepted the command: what it changes is now true.
		for _, u := range s.dialect.Links(c.sent) {
			s.links.apply(u, r.At)
		}
		for _, st := range s.dialect.Settings(c.sent) {
			s.settings.set(st)
		}
		if sc := s.dialect.StateCommand(); sc != "" && strings.EqualFold(protocol.CommandName(c.Line), sc) {
			s.links.endSnapshot(r.At)
		}
	}
	s.endLocked(c, r, nil)
}

// endLocked ends the outstanding command and lets the next one go.
func (s *Session) endLocked(c *Command, final protocol.Record, err error) {
	if s.outstanding != c {
		return
	}
	if c.timer != nil {
		c.timer.Stop()
	}
	c.final, c.err = final, err
	s.outstanding = nil
	c.markWrittenLocked()
	close(c.done)
	s.wakeSender()
}

// sendLoop writes queued commands one at a time.
func (s *Session) sendLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.kick:
		}
		for {
			c := s.next()
			if c == nil {
				break
			}
			err := s.write([]byte(c.Line + s.opts.LineEnding))
			s.mu.Lock()
			c.markWrittenLocked()
			if err != nil {
				s.noteLocked("%s: %v", c.Line, err)
				s.endLocked(c, protocol.Record{}, err)
				s.notifyLocked()
			}
			s.mu.Unlock()
		}
	}
}

// next makes the first queued command outstanding, if none is.
func (s *Session) next() *Command {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.outstanding != nil || len(s.queue) == 0 || s.closed {
		return nil
	}
	c := s.queue[0]
	s.queue[0] = nil
	s.queue = s.queue[1:]
	s.outstanding = c
	c.sent = protocol.Record{Kind: protocol.KindSent, Text: c.Line, LinkID: protocol.NoLink, Quiet: c.quiet}
	s.addLocked(&c.sent)
	s.links.beginCommand(c.Line, s.dialect.StateCommand())
	c.timer = time.AfterFunc(c.timeout, func() { s.expire(c) })
	s.notifyLocked()
	return c
}

// expire ends a command that got no final result in time.
func (s *Session) expire(c *Command) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.outstanding != c {
		return
	}
	s.noteLocked("no final result for %s after %s", c.Line, c.timeout)
	s.endLocked(c, protocol.Record{}, fmt.Errorf("%s: %w after %s", c.Line, ErrTimeout, c.timeout))
	s.notifyLocked()
}

// statusLoop follows the device's connection state.
func (s *Session) statusLoop(ctx context.Context) {
	ch := s.dev.Status()
	for {
		select {
		case <-ctx.Done():
			return
		case st, ok := <-ch:
			if !ok {
				return
			}
			s.mu.Lock()
			s.stats.State = st.State
			s.stats.Cause = ""
			switch st.State {
			case device.Disconnected:
				cause := "unknown cause"
				if st.Cause != nil {
					cause = st.Cause.Error()
				}
				s.stats.Cause = cause
				s.noteLocked("disconnected: %s", cause)
				if c := s.outstanding; c != nil {
					s.endLocked(c, protocol.Record{}, fmt.Errorf("%s: %w", c.Line, ErrDisconnected))
				}
			case device.Reconnected:
				s.stats.Reconnects++
				s.noteLocked("reconnected to %s", s.dev.Info().Name)
			}
			s.notifyLocked()
			s.mu.Unlock()
		}
	}
}

// finish fails every command still waiting once the device has ended.
func (s *Session) finish(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.ended = true
	s.stats.State = device.Closed
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, ErrClosed) {
		s.stats.Cause = err.Error()
	}
	if c := s.outstanding; c != nil {
		s.endLocked(c, protocol.Record{}, fmt.Errorf("%s: %w", c.Line, ErrClosed))
	}
	for _, c := range s.queue {
		c.err = fmt.Errorf("%s: %w", c.Line, ErrClosed)
		c.markWrittenLocked()
		close(c.done)
	}
	s.queue = nil
	s.notifyLocked()
}
