// Package session is one workbench session, free of any UI: it owns a
// device, reads it in one goroutine, frames its bytes into records, keeps a
// bounded transcript and the link table, and runs the conversation by the
// command set's rules: one command outstanding at a time, matched to the
// end of its answer, raw bytes written when the module awaits them, and
// background polls.
package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
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
	// Detect, when Dialect is nil, are the command sets to choose from by
	// probing the module when Run starts (--dialect auto).
	Detect []Candidate
	// Poll, when > 0, sends the dialect's state command (quietly, see
	// Session.Poll) as soon as Run starts and then this often, skipping a
	// turn while the last poll is still waiting.
	Poll time.Duration
	// Header is written at the top of the log, one note per line, before
	// the command set and the start time: the program's version, the port
	// and its settings.
	Header string
}

// Stats are the session's counters and connection state.
type Stats struct {
	RxBytes, TxBytes uint64
	Records          uint64
	State            device.State
	Cause            string // why the device is disconnected
	Pending          int    // commands queued or outstanding
	Outstanding      string // the command awaiting the end of its answer
	// Awaiting is what the module waits for from the host: raw bytes for
	// the outstanding command, or nothing (Command "").
	Awaiting   Awaiting
	Reconnects int // times the device came back after a loss
	// Table says how far the link table can be trusted.
	Table TableState
	// Log is the state of the transcript log.
	Log LogState
}

// TableState says how far the link table can be trusted.
type TableState struct {
	// FirstHand: the device knows its links itself (the emulator); the
	// rest is about a table inferred from the module's words.
	FirstHand bool
	// StateCommand is the command that lists every link, "" if none.
	StateCommand string
	// Listed is when the module last listed every link; zero: never.
	Listed time.Time
	// Stale is when the port was lost, zero while the rows are current:
	// from then until the next listing they are as of that time.
	Stale time.Time
	// Restarted is when the module last announced a restart (every link
	// was reset); zero: not seen.
	Restarted time.Time
	// WifiLost is when the module said it lost its Wi-Fi link, zero once
	// it says it is back.
	WifiLost time.Time
}

// LogState is the state of the transcript log.
type LogState struct {
	Failing bool   // the last write failed
	Err     string // the last write error
	Missed  uint64 // lines that never reached the log
}

// Awaiting says that the module waits for raw bytes for a command: its
// answer turned to them (Realtek's ">>>"), and until they are all written
// the command does not time out.
type Awaiting struct {
	Command string // the command line; "" when the module awaits nothing
	Link    int    // the link the bytes go to, or protocol.NoLink
	Bytes   int    // how many the module waits for, or protocol.RawOpen
	Sent    int    // how many the host has written since
}

// Active reports whether the module awaits raw bytes.
func (a Awaiting) Active() bool { return a.Command != "" }

// Command is one queued command line (or a plan's leading raw bytes)
// and, once it ends, its result.
type Command struct {
	// Line is the command line, "" for a plan's leading raw step.
	Line    string
	timeout time.Duration
	done    chan struct{}
	written chan struct{} // closed once the line is written, or the command ended unwritten
	wrote   bool
	final   protocol.Record
	err     error
	timer   *time.Timer
	timerID uint64 // a timer that fires with an older id is stale
	sent    protocol.Record
	// quiet marks a background poll (see Poll).
	quiet bool
	// losses is how many connection losses the device had counted when
	// the command went out (device.LossCounter; 0 when it counts none).
	losses uint64
	// answered is set by the first line of the command's answer: only a
	// line before it can be the module's echo (AT+LIST lists its own name).
	answered bool

	answer  protocol.Answer // the dialect's rules for the answer
	raw     []byte          // a plan's raw bytes, written once the module awaits them
	rawOnly bool            // a plan's leading raw step: raw, no line, no answer
	rawDone bool            // raw has been taken for writing
	await   *Awaiting       // what the module awaits now, nil when nothing
	awaited chan struct{}   // closed when the module first awaits raw bytes, or at the end
	awoke   bool            // awaited is closed
	plan    *planRun        // the plan the command is a step of
}

// planRun is one plan being carried out: a step that fails ends it.
type planRun struct {
	failed error
}

// Done is closed when the command has ended.
func (c *Command) Done() <-chan struct{} { return c.done }

// Written is closed once the command's line has been written to the device,
// or the command ended without it. A raw write or a modem line change that
// must follow the command waits for it.
func (c *Command) Written() <-chan struct{} { return c.written }

// Awaited is closed once the module awaits raw bytes for the command (its
// answer turned to them), or the command has ended. A script's raw bytes
// after a send wait for it.
func (c *Command) Awaited() <-chan struct{} { return c.awaited }

// markAwaitedLocked closes awaited once. The session's mutex must be held.
func (c *Command) markAwaitedLocked() {
	if !c.awoke {
		c.awoke = true
		close(c.awaited)
	}
}

// markWrittenLocked closes written once. The session's mutex must be held.
func (c *Command) markWrittenLocked() {
	if !c.wrote {
		c.wrote = true
		close(c.written)
	}
}

// Result returns the final record, or an error when the command timed out,
// failed to be written, was skipped because an earlier step of its plan
// failed, or the session ended. Valid after Done is closed.
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
// Run calls it with the channel and the links it took before any command
// could go out, so no change is missed however late the goroutine starts.
func (s *Session) watchLoop(ctx context.Context, w watcher, ch <-chan struct{}, seen truthSeen) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-ch:
			// Take the next channel before telling anyone, so a change
			// made while they look closes it.
			ch = w.Changed()
			var notes []string
			if s.truth != nil {
				notes = seen.diff(s.truth.Snapshot().Links, notes)
			}
			s.mu.Lock()
			for _, n := range notes {
				s.noteLocked("%s", n)
			}
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

	// framing is the command line whose answer the reader frames: set
	// before the line is written, read by readLoop before each Feed.
	framing atomic.Pointer[string]

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
	losses      uint64             // connection losses the reader has taken (boundaries)
	counter     device.LossCounter // dev, when it counts its losses; nil otherwise
	lineNote    string             // the remote port's last note on unconfirmed controls
	logErr      error              // the first error writing the log

	detected chan struct{} // closed once dialect is known (see Detected)
	kick     chan struct{} // wakes the sender
	stop     chan struct{} // closed by Close
	stopOnce sync.Once
	once     sync.Once // closes the device

	coap coapState // which connections have sent a CoAP CSM (coap.go)
}

// New makes a session on dev. Call Run to start reading.
func New(dev device.Device, opts Options) (*Session, error) {
	if opts.Dialect == nil && len(opts.Detect) == 0 {
		return nil, errors.New("session: no dialect and nothing to detect")
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
	if opts.Poll < 0 {
		return nil, fmt.Errorf("session: poll interval %v is negative", opts.Poll)
	}
	if opts.LineEnding == "" && opts.Dialect != nil {
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
		detected:   make(chan struct{}),
	}
	if opts.Dialect != nil {
		close(s.detected)
	}
	if t, ok := dev.(snapshotter); ok {
		s.truth = t
	}
	s.counter, _ = dev.(device.LossCounter)
	s.stats.Table = TableState{FirstHand: s.truth != nil}
	if opts.Dialect != nil {
		s.adoptLocked(opts.Dialect)
	}
	if opts.Log != nil {
		s.log = NewLogWriter(opts.Log)
		s.writeHeader()
	}
	return s, nil
}

// adoptLocked takes d as the session's command set: what the link table
// and the stats need from it. Before detection ends no rule is known.
func (s *Session) adoptLocked(d protocol.Dialect) {
	s.dialect = d
	s.links.inForce = func() (protocol.Keepalive, bool) { return d.KeepaliveInForce(s.settings.list()) }
	s.links.format = d.FormatLink
	s.stats.Table.StateCommand = d.StateCommand()
}

// writeHeader writes the log's header: the caller's lines, the command
// set and the start time, as notes of atbench's own (in the log only).
func (s *Session) writeHeader() {
	at := s.now()
	var lines []string
	for l := range strings.SplitSeq(strings.TrimSpace(s.opts.Header), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	set := "command set: detected from the module's answers (--dialect auto)"
	if s.dialect != nil {
		set = "command set " + s.dialect.Name()
	}
	lines = append(lines, set, "started "+at.UTC().Format(time.RFC3339Nano))
	for _, l := range lines {
		r := protocol.Record{Kind: protocol.KindNote, Text: l, LinkID: protocol.NoLink, At: at}
		s.logRecordLocked(r)
	}
	s.flushLogLocked()
}

// Dialect returns the module's command set; with detection, wait for
// Detected first.
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
	s.flushLogLocked()
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

// AppendRecords appends to dst what Records returns, so a reader that
// polls can reuse its slice.
func (s *Session) AppendRecords(dst []protocol.Record, from uint64, max int) []protocol.Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.transcript.appendSince(dst, from, max)
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
	return s.statsLocked()
}

// statsLocked is Stats with s.mu held.
func (s *Session) statsLocked() Stats {
	st := s.stats
	st.Records = s.transcript.lastSeq()
	st.Pending = len(s.queue)
	if c := s.outstanding; c != nil {
		st.Pending++
		st.Outstanding = c.Line
		if c.await != nil {
			st.Awaiting = *c.await
		}
	}
	return st
}

// flushLogLocked writes out the log and follows its state: the first
// failure is said at once in the transcript, with the lines missed, and so
// is the first success after it. s.mu must be held (or the session not yet
// shared).
func (s *Session) flushLogLocked() {
	if s.log == nil {
		return
	}
	err := s.log.Flush()
	s.logStateLocked(err)
}

// logRecordLocked writes one record to the log and follows its state.
func (s *Session) logRecordLocked(r protocol.Record) {
	if s.log == nil {
		return
	}
	s.logStateLocked(s.log.Write(r))
}

// logStateLocked follows the log's state after a write or a flush.
func (s *Session) logStateLocked(err error) {
	st := &s.stats.Log
	st.Missed = s.log.Missed()
	switch {
	case err != nil && !st.Failing:
		st.Failing, st.Err = true, err.Error()
		if s.logErr == nil {
			s.logErr = err
		}
		s.transcriptNoteLocked(fmt.Sprintf("log: %v: %d lines missed so far; writing resumes when the log takes it", err, st.Missed))
	case err != nil:
		st.Err = err.Error()
	case st.Failing && s.log.Clean():
		st.Failing, st.Err = false, ""
		s.transcriptNoteLocked(fmt.Sprintf("log: writing again; %d lines missed", st.Missed))
	}
}

// transcriptNoteLocked adds a note to the transcript, and to the log's
// buffer for its next flush.
func (s *Session) transcriptNoteLocked(text string) {
	r := protocol.Record{Kind: protocol.KindNote, Text: text, LinkID: protocol.NoLink, At: s.now()}
	s.transcript.add(&r)
	s.log.Write(r) // an error here is the one being reported
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
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.links.list(now)
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
	go func() {
		select {
		case <-ctx.Done():
		case <-s.stop:
		}
		// Unblock the reader: closing the device is the only portable way.
		s.closeDevice()
	}()
	chunks, free := s.startReader()
	var err error
	select {
	case <-s.detected:
	default:
		err = s.detect(ctx, chunks, free)
	}
	var wg sync.WaitGroup
	if err == nil {
		if w, ok := s.dev.(watcher); ok {
			// Before any command can go out: what is there now is not news.
			ch := w.Changed()
			var seen truthSeen
			if s.truth != nil {
				seen.diff(s.truth.Snapshot().Links, nil)
			}
			wg.Add(1)
			go func() { defer wg.Done(); s.watchLoop(ctx, w, ch, seen) }()
		}
		wg.Add(2)
		// sendLoop may sit in a device write that only the device can end
		// (a tty write under flow control); Run waits for it only so long.
		go func() { defer wg.Done(); s.sendLoop(ctx) }()
		go func() { defer wg.Done(); s.statusLoop(ctx) }()
		if line := s.dialect.StateCommand(); s.opts.Poll > 0 && line != "" {
			wg.Add(1)
			go func() { defer wg.Done(); s.pollLoop(ctx, s.opts.Poll, line) }()
		}
		err = s.readLoop(chunks, free)
	} else {
		s.closeDevice()
		for c := range chunks { // the reader ends once the device is closed
			free <- c.b[:cap(c.b)]
		}
	}
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

// readLoop owns the framer. A reader goroutine (pump) owns dev.Read and
// reads ahead while the records of the previous read are framed, stored
// and logged, so the two costs overlap on two cores. The log is flushed and
// the change announced when the reader has nothing more waiting, or every
// announceEvery bytes in a flood: one flush per burst, not one per read.
func (s *Session) readLoop(chunks <-chan readChunk, free chan<- []byte) error {
	framer := protocol.NewFramer(s.dialect.FrameSpec(), s.dialect.Classify)
	var recs []protocol.Record
	var framing *string // the command the framer was told of
	unannounced := 0
	for c := range chunks {
		if p := s.framing.Load(); p != framing {
			framing = p
			framer.SetCommand(*p)
		}
		if n := len(c.b); n > 0 {
			recs = framer.Feed(recs[:0], c.b)
			s.ingest(n, recs, false)
			unannounced += n
		}
		free <- c.b[:cap(c.b)]
		switch {
		case errors.Is(c.err, device.ErrLost):
			var (
				cut protocol.Cut
				ok  bool
			)
			recs, cut, ok = framer.Boundary(recs[:0])
			s.boundary(recs, cut, ok)
			unannounced = 0
		case c.err != nil:
			recs = framer.Flush(recs[:0])
			s.ingest(0, recs, true)
			return c.err
		case unannounced > 0 && (len(chunks) == 0 || unannounced >= announceEvery):
			s.announce()
			unannounced = 0
		}
	}
	return io.EOF // not reached: pump ends with an error chunk
}

// startReader starts the goroutine that reads the device ahead (pump).
func (s *Session) startReader() (<-chan readChunk, chan<- []byte) {
	chunks := make(chan readChunk, readAhead)
	free := make(chan []byte, readAhead+1)
	for range readAhead + 1 {
		free <- make([]byte, readSize)
	}
	go s.pump(chunks, free)
	return chunks, free
}

// Read-ahead of the session's reader.
const (
	readSize      = 32 << 10 // bytes per read
	readAhead     = 8        // reads that may wait to be framed
	announceEvery = 256 << 10
)

// readChunk is one read of the device: its bytes and the error that came with
// them.
type readChunk struct {
	b   []byte
	err error
}

// pump reads the device into free buffers and hands each read to readLoop.
// It ends, closing chunks, after the read error that ends the device.
func (s *Session) pump(chunks chan<- readChunk, free chan []byte) {
	defer close(chunks)
	for {
		buf := <-free
		n, err := s.dev.Read(buf)
		chunks <- readChunk{b: buf[:n], err: err}
		if err != nil && !errors.Is(err, device.ErrLost) {
			return
		}
	}
}

// announce flushes the log and tells everyone waiting on Changed.
func (s *Session) announce() {
	s.mu.Lock()
	s.notifyLocked()
	s.mu.Unlock()
}

// boundary takes what a lost connection left half-framed: a cut line is
// its own record, a cut payload is noted, and the command outstanding ends
// if it went out before the loss (what comes next is from a fresh
// connection, not its answer).
func (s *Session) boundary(recs []protocol.Record, cut protocol.Cut, cutOK bool) {
	s.ingest(0, recs, false)
	s.mu.Lock()
	defer s.mu.Unlock()
	if cutOK {
		of := "payload"
		if cut.LinkID != protocol.NoLink {
			of = "payload of link " + s.dialect.FormatLink(cut.LinkID)
		}
		if cut.Want < 0 { // a delimited payload: no length was announced
			s.noteLocked("%s cut by the disconnect: %d bytes, its end never came", of, cut.Got)
		} else {
			s.noteLocked("%s cut by the disconnect: %d of %d bytes", of, cut.Got, cut.Want)
		}
	}
	s.losses++
	if c := s.outstanding; c != nil && s.wentOutBefore(c, s.losses) {
		s.endLocked(c, protocol.Record{}, fmt.Errorf("%s: %w", c.Line, ErrDisconnected))
	}
	s.notifyLocked()
}

// deviceLosses is how many connection losses the device has counted, 0
// when it counts none.
func (s *Session) deviceLosses() uint64 {
	if s.counter == nil {
		return 0
	}
	return s.counter.Losses()
}

// wentOutBefore reports whether c went out before the device's loss number
// k, so its answer was lost with the connection. The status of a loss and
// the reader's boundary come by two ways and either may be late: a command
// written on the connection that came back is not ended by them. A device
// that counts no losses has every command end at a loss.
func (s *Session) wentOutBefore(c *Command, k uint64) bool {
	return s.counter == nil || c.losses < k
}

// ingest applies a batch of records from the device under one lock; with
// notify it also flushes the log and announces them.
func (s *Session) ingest(n int, recs []protocol.Record, notify bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.RxBytes += uint64(n)
	var at time.Time // one clock read per batch: its records arrived in one read
	if len(recs) > 0 {
		at = s.now()
	}
	for i := range recs {
		r := &recs[i]
		c := s.outstanding
		if c != nil {
			if r.Kind == protocol.KindInfo {
				if !c.answered && r.Text == c.Line {
					r.Kind = protocol.KindEcho
				}
				c.answered = true
			}
			switch r.Kind {
			case protocol.KindInfo, protocol.KindEcho, protocol.KindOK, protocol.KindError, protocol.KindPrompt:
				r.Quiet = c.quiet // the answer (Inventek's ends with a prompt); events and data are never quiet
			}
		}
		s.addAtLocked(r, at)
		s.applyLocked(*r)
		if c != nil && s.outstanding == c {
			s.turnLocked(c, c.answer.Take(*r))
		}
	}
	if notify && (n > 0 || len(recs) > 0) {
		s.notifyLocked()
	}
}

// addLocked stamps a record and appends it to the transcript and the log.
func (s *Session) addLocked(r *protocol.Record) { s.addAtLocked(r, s.now()) }

// addAtLocked appends a record stamped at to the transcript and the log.
func (s *Session) addAtLocked(r *protocol.Record, at time.Time) {
	r.At = at
	s.transcript.add(r)
	s.logRecordLocked(*r)
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

// applyLocked updates the links and the settings from one record of the
// module.
func (s *Session) applyLocked(r protocol.Record) {
	if me, ok := s.dialect.(protocol.ModuleEventer); ok {
		s.moduleEventLocked(me.ModuleEvent(r), r)
	}
	if s.truth != nil {
		return
	}
	for _, u := range s.dialect.Links(r) {
		s.links.apply(u, r.At)
	}
	for _, st := range s.dialect.Settings(r) {
		s.settings.set(st)
	}
	s.linkNotesLocked()
}

// moduleEventLocked follows what the module says about itself: a restart
// resets every link, a Wi-Fi loss is kept until it is back.
func (s *Session) moduleEventLocked(ev protocol.ModuleEvent, r protocol.Record) {
	tb := &s.stats.Table
	switch ev {
	case protocol.ModuleRestart:
		tb.WifiLost = time.Time{}
		s.links.wifiLost = time.Time{}
		switch {
		case s.truth != nil:
			s.noteLocked("module started (%s)", protocol.Escape(r.Text))
		case len(s.links.live) == 0 && tb.Listed.IsZero():
			// Nothing was known of its links: a power-on, or a restart
			// before anything was listed. Either way it holds none now.
			s.noteLocked("module started (%s): it holds no links", protocol.Escape(r.Text))
		default:
			tb.Restarted = r.At
			s.noteLocked("module restart (%s): every link was reset", protocol.Escape(r.Text))
			s.links.reset(r.At, "module restart")
			s.linkNotesLocked()
		}
		if s.truth == nil {
			// A module that just started holds no links: the table is
			// complete, as a listing would make it.
			tb.Listed, tb.Stale = r.At, time.Time{}
		}
	case protocol.ModuleWifiLost:
		tb.WifiLost = r.At
		s.links.wifiLost = r.At
		s.noteLocked("Wi-Fi lost (%s): the module's links may not survive", protocol.Escape(r.Text))
	case protocol.ModuleWifiBack:
		if !tb.WifiLost.IsZero() {
			s.noteLocked("Wi-Fi back (%s)", protocol.Escape(r.Text))
		}
		tb.WifiLost = time.Time{}
		s.links.wifiLost = time.Time{}
	}
}

// linkNotesLocked adds the link table's notes on what changed.
func (s *Session) linkNotesLocked() {
	for _, n := range s.links.takeNotes() {
		s.noteLocked("%s", n)
	}
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
				if s.stats.Table.Stale.IsZero() {
					s.stats.Table.Stale = s.now()
				}
				cause := "unknown cause"
				if st.Cause != nil {
					cause = st.Cause.Error()
				}
				s.stats.Cause = cause
				s.noteLocked("disconnected: %s", cause)
				if c := s.outstanding; c != nil && s.wentOutBefore(c, s.deviceLosses()) {
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
		s.endLocked(c, protocol.Record{}, fmt.Errorf("%s: %w", c.Line, ErrClosed))
	}
	s.queue = nil
	s.notifyLocked()
}
