package session

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"atbench/device"
	"atbench/protocol"
)

// ErrSkipped is carried by the steps of a plan after one that failed.
var ErrSkipped = errors.New("skipped: an earlier step of the plan failed")

// Submit queues a command line (without its line ending). It is sent when
// every command before it has ended. A command submitted while the device
// is disconnected is refused, never dropped silently.
func (s *Session) Submit(line string) (*Command, error) {
	return s.send(protocol.Plan{protocol.LineStep(line)}, false)
}

// Poll queues a background command, such as the periodic state command
// that keeps a real module's link table current. It is sent like any
// other, but it and its answer are marked Quiet, so a screen can keep them
// out of the way; the log keeps them.
func (s *Session) Poll(line string) (*Command, error) {
	return s.send(protocol.Plan{protocol.LineStep(line)}, true)
}

// Send queues a plan (see Dialect.SendPlan): its command lines go out one
// at a time like submitted ones, and each raw step is written once the
// module awaits raw bytes for the line before it (at once for a plan that
// starts with raw bytes). A step whose command fails or gets no OK ends
// the plan: the later steps end with ErrSkipped, unsent. Send returns the
// command of the last step; its result is the plan's.
func (s *Session) Send(p protocol.Plan) (*Command, error) {
	return s.send(p, false)
}

// send checks and queues a plan as one command per line step (with the raw
// steps after it) plus one for leading raw bytes.
func (s *Session) send(p protocol.Plan, quiet bool) (*Command, error) {
	if len(p) == 0 {
		return nil, ErrEmpty
	}
	if !s.isDetected() {
		return nil, errDetecting
	}
	var cmds []*Command
	run := &planRun{}
	for _, st := range p {
		if st.IsRaw() {
			if len(st.Raw) == 0 {
				return nil, fmt.Errorf("plan: %w (a raw step with no bytes)", ErrEmpty)
			}
			if len(cmds) == 0 {
				cmds = append(cmds, &Command{rawOnly: true})
			}
			last := cmds[len(cmds)-1]
			last.raw = append(last.raw, st.Raw...)
			continue
		}
		line := strings.TrimRight(st.Line, "\r\n")
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
		cmds = append(cmds, &Command{Line: line, timeout: timeout, quiet: quiet})
	}
	for _, c := range cmds {
		c.done, c.written, c.awaited, c.plan = make(chan struct{}), make(chan struct{}), make(chan struct{}), run
	}
	what := cmds[0].Line
	if what == "" {
		what = fmt.Sprintf("raw %d bytes", len(cmds[0].raw))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return nil, ErrClosed
	case s.stats.State == device.Disconnected:
		return nil, fmt.Errorf("command %q refused: %w (%s)", what, ErrDisconnected, s.stats.Cause)
	case len(s.queue)+len(cmds) > s.opts.QueueLength:
		return nil, fmt.Errorf("command %q refused: %w (%d waiting)", what, ErrQueueFull, len(s.queue))
	}
	s.queue = append(s.queue, cmds...)
	s.wakeSender()
	s.notifyLocked()
	return cmds[len(cmds)-1], nil
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
// the bytes a module awaits after its prompt, a stray byte. They count
// towards what the module awaits (Stats.Awaiting); once all it asked for
// are written, the command's timeout starts again.
func (s *Session) WriteRaw(p []byte) error {
	if !s.isDetected() {
		return errDetecting
	}
	s.mu.Lock()
	switch {
	case s.closed:
		s.mu.Unlock()
		return ErrClosed
	case s.stats.State == device.Disconnected:
		s.mu.Unlock()
		return fmt.Errorf("raw write refused: %w (%s)", ErrDisconnected, s.stats.Cause)
	}
	s.mu.Unlock()
	return s.writeRaw(p)
}

// writeRaw records and writes raw bytes, counting them towards what the
// module awaits. The count is taken with the record, before the write, so
// no one sees the record while the module still seems to wait for it.
func (s *Session) writeRaw(p []byte) error {
	s.mu.Lock()
	rec := protocol.Record{Kind: protocol.KindRaw, Payload: append([]byte(nil), p...), LinkID: protocol.NoLink}
	var restart *Command
	if c := s.outstanding; c != nil && c.await != nil {
		rec.LinkID = c.await.Link
		c.await.Sent += len(p)
		if c.await.Bytes != protocol.RawOpen && c.await.Sent >= c.await.Bytes {
			c.await = nil
			restart = c
		}
	}
	s.addLocked(&rec)
	s.applyLocked(rec) // a set whose data goes out as raw frames counts it here (WizFi)
	s.notifyLocked()
	s.mu.Unlock()
	err := s.write(p)
	if restart != nil {
		// The module has all it asked for: its answer may take the
		// command's timeout again, from the last byte.
		s.mu.Lock()
		if s.outstanding == restart && restart.await == nil {
			s.startTimerLocked(restart)
		}
		s.mu.Unlock()
	}
	return err
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

// startTimerLocked (re)starts the command's timeout; a timer started
// before fires stale and is ignored.
func (s *Session) startTimerLocked(c *Command) {
	s.stopTimerLocked(c)
	id := c.timerID
	c.timer = time.AfterFunc(c.timeout, func() { s.expire(c, id) })
}

// stopTimerLocked stops the command's timeout.
func (s *Session) stopTimerLocked(c *Command) {
	c.timerID++
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
}

// expire ends a command that got no final result in time.
func (s *Session) expire(c *Command, id uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.outstanding != c || c.timerID != id || c.await != nil {
		return
	}
	s.noteLocked("no final result for %s after %s", c.Line, c.timeout)
	s.endLocked(c, protocol.Record{}, fmt.Errorf("%s: %w after %s", c.Line, ErrTimeout, c.timeout))
	s.notifyLocked()
}

// turnLocked moves the outstanding command along by one turn of its
// answer.
func (s *Session) turnLocked(c *Command, t protocol.Turn) {
	switch t.Phase {
	case protocol.AwaitingRaw:
		if c.await != nil {
			return
		}
		c.await = &Awaiting{Command: c.Line, Link: t.Link, Bytes: t.Raw}
		if t.Raw == 0 {
			c.await.Bytes = protocol.RawOpen
		}
		s.stopTimerLocked(c) // the module waits for us: no timeout
		c.markAwaitedLocked()
		if len(c.raw) > 0 && !c.rawDone {
			s.wakeSender()
		}
	case protocol.Ended:
		s.finalLocked(c, t.Final)
	}
}

// finalLocked ends the outstanding command with the record that carries
// its result, and applies what the module accepted.
func (s *Session) finalLocked(c *Command, final protocol.Record) {
	if s.truth == nil {
		if rl, ok := s.dialect.(protocol.ResultLinker); ok {
			for _, u := range rl.ResultLinks(c.Line, final) {
				s.links.apply(u, final.At)
			}
		}
		if final.Kind == protocol.KindOK {
			// The module accepted the command: what it changes is now true.
			for _, u := range s.dialect.Links(c.sent) {
				s.links.apply(u, final.At)
			}
			for _, st := range s.dialect.Settings(c.sent) {
				s.settings.set(st)
			}
			if sc := s.dialect.StateCommand(); sc != "" && strings.EqualFold(protocol.CommandName(c.Line), sc) {
				s.links.endSnapshot(final.At)
				s.stats.Table.Listed = final.At
				s.stats.Table.Stale = time.Time{}
			}
		}
		s.linkNotesLocked()
	}
	s.endLocked(c, final, nil)
}

// endLocked ends the outstanding command (or one never sent) and lets the
// next one go. A step that failed ends its plan.
func (s *Session) endLocked(c *Command, final protocol.Record, err error) {
	if s.outstanding == c {
		s.outstanding = nil
		s.framing.Store(new(string))
	}
	select {
	case <-c.done:
		return // ended already
	default:
	}
	s.stopTimerLocked(c)
	c.await = nil
	c.final, c.err = final, err
	if c.plan != nil && c.plan.failed == nil {
		switch {
		case err != nil:
			c.plan.failed = err
		case !c.rawOnly && final.Kind != protocol.KindOK:
			c.plan.failed = fmt.Errorf("%s: %s", c.Line, final.Text)
		}
	}
	c.markWrittenLocked()
	c.markAwaitedLocked()
	close(c.done)
	s.wakeSender()
}

// work is one write for the sender.
type work struct {
	c   *Command
	p   []byte
	raw bool
}

// sendLoop writes queued commands one at a time, and a plan's raw bytes
// when the module awaits them.
func (s *Session) sendLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.kick:
		}
		for {
			w, ok := s.next()
			if !ok {
				break
			}
			var err error
			if w.raw {
				err = s.writeRaw(w.p)
			} else {
				err = s.write(w.p)
			}
			s.mu.Lock()
			if !w.raw {
				w.c.markWrittenLocked()
			}
			switch {
			case err != nil:
				what := w.c.Line
				if what == "" {
					what = "raw bytes"
				}
				s.noteLocked("%s: %v", what, err)
				s.endLocked(w.c, protocol.Record{}, err)
				s.notifyLocked()
			case w.c.rawOnly:
				s.endLocked(w.c, protocol.Record{}, nil)
				s.notifyLocked()
			}
			s.mu.Unlock()
		}
	}
}

// next returns the next write: the raw bytes the outstanding command's
// module now awaits, or the first queued command, which it makes
// outstanding (a leading raw step is written without becoming so).
func (s *Session) next() (work, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return work{}, false
	}
	if c := s.outstanding; c != nil {
		if c.await != nil && len(c.raw) > 0 && !c.rawDone {
			c.rawDone = true
			return work{c: c, p: c.raw, raw: true}, true
		}
		return work{}, false
	}
	for len(s.queue) > 0 {
		c := s.queue[0]
		s.queue[0] = nil
		s.queue = s.queue[1:]
		if c.plan.failed != nil {
			s.endLocked(c, protocol.Record{}, fmt.Errorf("%w (%v)", ErrSkipped, c.plan.failed))
			s.notifyLocked()
			continue
		}
		if c.rawOnly {
			c.rawDone = true
			return work{c: c, p: c.raw, raw: true}, true
		}
		s.outstanding = c
		c.losses = s.deviceLosses()
		s.framing.Store(&c.Line)
		c.sent = protocol.Record{Kind: protocol.KindSent, Text: c.Line, LinkID: protocol.NoLink, Quiet: c.quiet,
			End: protocol.LineEndOf(s.opts.LineEnding)}
		s.addLocked(&c.sent)
		s.links.beginCommand(c.Line, s.dialect.StateCommand())
		c.answer = s.dialect.Answer(c.Line)
		s.startTimerLocked(c)
		s.turnLocked(c, c.answer.Begin())
		s.notifyLocked()
		return work{c: c, p: []byte(c.Line + s.opts.LineEnding)}, true
	}
	return work{}, false
}

// pollLoop sends the state command at once and then every interval, while
// the last poll is not waiting still.
func (s *Session) pollLoop(ctx context.Context, every time.Duration, line string) {
	t := time.NewTicker(every)
	defer t.Stop()
	var last *Command
	for {
		idle := last == nil
		if last != nil {
			select {
			case <-last.Done():
				idle = true
			default:
			}
		}
		if idle {
			if c, err := s.Poll(line); err == nil {
				last = c
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
