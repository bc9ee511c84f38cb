package session

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"atbench/protocol"
)

// Candidate is a command set that detection may choose (--dialect auto).
type Candidate struct {
	// Name is the set's name, for the transcript.
	Name string
	// Dialect makes the set's dialect once it is chosen.
	Dialect func() protocol.Dialect
	// Probes tell the set from the others; a set without probes is never
	// chosen.
	Probes []protocol.Probe
}

// DefaultProbeWait is how long detection waits for the answer to one probe.
const DefaultProbeWait = 1500 * time.Millisecond

// Detected is closed once the session knows its command set: at once when
// Options.Dialect names it, after detection otherwise. Dialect may be read
// after it.
func (s *Session) Detected() <-chan struct{} { return s.detected }

// isDetected reports whether the command set is known.
func (s *Session) isDetected() bool {
	select {
	case <-s.detected:
		return true
	default:
		return false
	}
}

// errDetecting refuses commands while the command set is being detected.
var errDetecting = errors.New("the command set is still being detected")

// detect sends each candidate's probes in turn and takes the first set
// whose probe answers Yes. Every probe and every answer goes into the
// transcript, so the console and the log show how the choice was made. No
// answer at all leaves the raw console (protocol.Generic), never a guess.
func (s *Session) detect(ctx context.Context, chunks <-chan readChunk, free chan<- []byte) error {
	chosen, why := protocol.Generic(), ""
	var tried []string
	s.Note("detecting the command set (--dialect auto)")
outer:
	for _, c := range s.opts.Detect {
		for _, p := range c.Probes {
			tried = append(tried, c.Name+" ("+p.Line+")")
			v, err := s.probe(ctx, chunks, free, p)
			if err != nil {
				return err
			}
			if v == protocol.Yes {
				chosen, why = c.Dialect(), fmt.Sprintf("it answered %s as only %s does", p.Line, c.Name)
				break outer
			}
			if v == protocol.No {
				break
			}
		}
	}
	s.mu.Lock()
	s.adoptLocked(chosen)
	if s.opts.LineEnding == "" {
		s.opts.LineEnding = chosen.LineEnding()
	}
	if why != "" {
		s.noteLocked("command set: %s (%s)", chosen.Name(), why)
	} else {
		s.noteLocked("no known command set answered (tried %s): the raw console; name the set with --dialect", strings.Join(tried, ", "))
	}
	s.notifyLocked()
	s.mu.Unlock()
	close(s.detected)
	return nil
}

// probe writes one probe and judges what comes back, for DefaultProbeWait
// at most. What the module sent is recorded as one record of its own.
func (s *Session) probe(ctx context.Context, chunks <-chan readChunk, free chan<- []byte, p protocol.Probe) (protocol.Verdict, error) {
	var answer []byte
	// Bytes left from an earlier probe are not this probe's answer.
	for drained := false; !drained; {
		select {
		case c, ok := <-chunks:
			if err := s.take(&answer, c, ok, free); err != nil {
				return protocol.No, err
			}
		default:
			drained = true
		}
	}
	s.recordAnswer(answer)
	answer = answer[:0]
	s.mu.Lock()
	sent := protocol.Record{Kind: protocol.KindSent, Text: p.Line, LinkID: protocol.NoLink}
	s.addLocked(&sent)
	s.notifyLocked()
	s.mu.Unlock()
	if err := s.write([]byte(p.Line + p.Ending)); err != nil {
		return protocol.No, err
	}
	t := time.NewTimer(DefaultProbeWait)
	defer t.Stop()
	v := protocol.Unsure
	defer func() { s.recordAnswer(answer) }()
	for v == protocol.Unsure {
		select {
		case <-ctx.Done():
			return protocol.No, ctx.Err()
		case <-t.C:
			return protocol.No, nil
		case c, ok := <-chunks:
			if err := s.take(&answer, c, ok, free); err != nil {
				return protocol.No, err
			}
			v = p.Match(answer)
		}
	}
	return v, nil
}

// take adds one read to answer and gives its buffer back; a read error
// (the device ended or lost its connection) ends detection.
func (s *Session) take(answer *[]byte, c readChunk, ok bool, free chan<- []byte) error {
	if !ok {
		return errors.New("detection: the device ended")
	}
	*answer = append(*answer, c.b...)
	s.mu.Lock()
	s.stats.RxBytes += uint64(len(c.b))
	s.mu.Unlock()
	free <- c.b[:cap(c.b)]
	if c.err != nil {
		return fmt.Errorf("detection: %w", c.err)
	}
	return nil
}

// recordAnswer puts what the module said to a probe in the transcript,
// unclassified: no command set is known yet.
func (s *Session) recordAnswer(answer []byte) {
	if len(answer) == 0 {
		return
	}
	s.mu.Lock()
	r := protocol.Record{Kind: protocol.KindNoise, Text: string(answer), LinkID: protocol.NoLink}
	s.addLocked(&r)
	s.notifyLocked()
	s.mu.Unlock()
}
