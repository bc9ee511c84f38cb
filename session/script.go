package session

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"atbench/protocol"
)

// A script is a line-based recipe run against a session:
//
//	# comment
//	timeout 5s           how long each later expect waits (default 5s)
//	send AT+SKTSERVER=1,1,,${PORT},1
//	expect ^OK$          wait for a record of the module matching the regular expression
//	expect-note ^reconnected   the same for a message of atbench's own (disconnects, reconnects, timeouts)
//	raw Hello\r\n\x00    write bytes (escapes \r \n \t \\ \0 \xNN) once the module awaits
//	                     raw bytes for the last send, or that send has ended
//	sleep 200ms
//	dtr on|off, rts on|off, break [duration]   modem control lines (serial ports)
//	keepalive 90s [link] send the command set's keepalive plan for a dead peer
//	                     detected within 90s (on link, as the set writes its
//	                     id; none: the set's global settings), each command
//	                     expected to end in OK
//	coap ping <link>     a CoAP ping; the script fails when it gets no answer
//	coap keepalive <link> <idle> <for>   keep link warm with CoAP pings after
//	                     idle, for a while; fails when a ping goes unanswered
//
// ${NAME} is replaced by the environment variable NAME; an unset name is
// an error. expect matches a record's text followed by its payload; records
// are consumed in order, so an expect never matches a record an earlier
// expect already passed, with one exception: module messages that come
// unasked (DATA and EVENT records) passed over on the way to a match stay
// for the next expect, since they may arrive before the final result of
// the command that an expect waits for. An expect fails at once, naming
// the error, when the command sent last ends in an error the expect does
// not match, rather than waiting out its timeout.

// DefaultExpectTimeout is how long expect waits unless a timeout line says.
const DefaultExpectTimeout = 5 * time.Second

// Step is one parsed script line.
type Step struct {
	Line int    // 1-based line number in the script
	Verb string // send, raw, expect, timeout, sleep, dtr, rts, break
	Arg  string // the argument, after ${NAME} expansion
	re   *regexp.Regexp
	raw  []byte
	dur  time.Duration
	on   bool
	// keepalive, coap: the link as written (resolved when the step runs,
	// as links open while a script runs), the CoAP action, the idle time.
	link string
	coap string
	idle time.Duration
}

// Script is a parsed script.
type Script struct {
	Name  string
	Steps []Step
}

// ScriptError is a problem with a script's text, found before it runs.
type ScriptError struct {
	Name string
	Line int
	Msg  string
}

// Error names the script, the line and the problem.
func (e *ScriptError) Error() string { return fmt.Sprintf("%s:%d: %s", e.Name, e.Line, e.Msg) }

// ParseScript reads a script. lookup resolves ${NAME} (os.LookupEnv).
func ParseScript(name string, r io.Reader, lookup func(string) (string, bool)) (*Script, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	s := &Script{Name: name}
	n := 0
	for sc.Scan() {
		n++
		text := strings.TrimRight(sc.Text(), "\r")
		trimmed := strings.TrimSpace(text)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		verb, arg, _ := strings.Cut(strings.TrimLeft(text, " \t"), " ")
		fail := func(format string, a ...any) error {
			return &ScriptError{Name: name, Line: n, Msg: fmt.Sprintf(format, a...)}
		}
		arg, err := expand(arg, lookup)
		if err != nil {
			return nil, fail("%v", err)
		}
		st := Step{Line: n, Verb: verb, Arg: arg}
		switch verb {
		case "send":
			if strings.TrimSpace(arg) == "" {
				return nil, fail("send needs a command")
			}
		case "raw":
			if st.raw, err = protocol.Unescape(arg); err != nil {
				return nil, fail("raw: %v", err)
			}
		case "expect", "expect-note":
			if arg == "" {
				return nil, fail("expect needs a regular expression")
			}
			if st.re, err = regexp.Compile(arg); err != nil {
				return nil, fail("expect: %v", err)
			}
		case "timeout", "sleep":
			if st.dur, err = time.ParseDuration(strings.TrimSpace(arg)); err != nil || st.dur < 0 {
				return nil, fail("%s needs a duration like 500ms or 5s, got %q", verb, arg)
			}
		case "dtr", "rts":
			switch strings.TrimSpace(arg) {
			case "on", "1":
				st.on = true
			case "off", "0":
			default:
				return nil, fail("%s takes on or off, got %q", verb, arg)
			}
		case "break":
			st.dur = 250 * time.Millisecond
			if a := strings.TrimSpace(arg); a != "" {
				if st.dur, err = time.ParseDuration(a); err != nil || st.dur <= 0 {
					return nil, fail("break takes an optional duration, got %q", arg)
				}
			}
		case "keepalive":
			f := strings.Fields(arg)
			if len(f) < 1 || len(f) > 2 {
				return nil, fail("keepalive takes a detection time and optionally a link, like keepalive 90s 0")
			}
			if st.dur, err = time.ParseDuration(f[0]); err != nil || st.dur <= 0 {
				return nil, fail("keepalive needs a detection time like 90s, got %q", f[0])
			}
			if len(f) == 2 {
				st.link = f[1]
			}
		case "coap":
			f := strings.Fields(arg)
			switch {
			case len(f) == 2 && f[0] == "ping":
			case len(f) == 4 && f[0] == "keepalive":
				if st.idle, err = time.ParseDuration(f[2]); err != nil || st.idle <= 0 {
					return nil, fail("coap keepalive needs an idle time like 30s, got %q", f[2])
				}
				if st.dur, err = time.ParseDuration(f[3]); err != nil || st.dur <= 0 {
					return nil, fail("coap keepalive needs how long to run, like 2m, got %q", f[3])
				}
			default:
				return nil, fail("coap takes ping <link> or keepalive <link> <idle> <for>, got %q", arg)
			}
			st.coap, st.link = f[0], f[1]
		case "fault":
			if len(strings.Fields(arg)) == 0 {
				return nil, fail("fault needs what to inject: blackhole <link>, reset <link>, latency <link> 300ms, wifi, reboot or unplug 3s")
			}
		default:
			return nil, fail("unknown verb %q (send, raw, expect, expect-note, timeout, sleep, dtr, rts, break, keepalive, coap, fault)", verb)
		}
		s.Steps = append(s.Steps, st)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read script %s: %w", name, err)
	}
	return s, nil
}

// expand replaces ${NAME} from lookup.
func expand(s string, lookup func(string) (string, bool)) (string, error) {
	if !strings.Contains(s, "${") {
		return s, nil
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return "", fmt.Errorf("unterminated ${ in %q", s)
		}
		name := s[i+2 : i+j]
		v, ok := "", false
		if lookup != nil {
			v, ok = lookup(name)
		}
		if !ok {
			return "", fmt.Errorf("${%s} is not set in the environment", name)
		}
		b.WriteString(s[:i])
		b.WriteString(v)
		s = s[i+j+1:]
	}
}

// ExpectError is an expectation that was not met.
type ExpectError struct {
	Script  string
	Line    int
	Pattern string
	Waited  time.Duration
	Seen    []protocol.Record // records that arrived while it waited
	Cause   error             // the session ended, or ctx was cancelled
}

// Error names the script line, the pattern, why it failed and the records
// that arrived while it waited.
func (e *ExpectError) Error() string {
	var b strings.Builder
	why := fmt.Sprintf("timed out after %s", e.Waited)
	if e.Cause != nil {
		why = e.Cause.Error()
	}
	fmt.Fprintf(&b, "%s:%d: expect %q: %s", e.Script, e.Line, e.Pattern, why)
	if len(e.Seen) == 0 {
		b.WriteString("; no record arrived meanwhile")
		return b.String()
	}
	b.WriteString("; records seen meanwhile:")
	for _, r := range e.Seen {
		b.WriteString("\n  ")
		b.WriteString(r.Kind.String())
		b.WriteString(" ")
		b.WriteString(string(protocol.AppendEscaped(protocol.AppendEscapedString(nil, r.Text), r.Payload)))
	}
	return b.String()
}

// Runner runs scripts on a session.
type Runner struct {
	S *Session
	// Progress, when set, is told each step before it runs.
	Progress func(Step)
	// Cursor is the Seq of the first record the next expect may match.
	// Zero means the records that arrive after Run starts. Run leaves it
	// after the last record it consumed, so a second script run by the same
	// Runner (a script after an init script) sees what came in between.
	Cursor uint64

	// pending are the unasked module messages (DATA, EVENT) an expect
	// passed over on its way to a match, oldest first: the next expect may
	// still match them.
	pending []protocol.Record
	// failSeen is set once an expect has matched the failure of the
	// command sent last, or failed because of it: that failure fails no
	// later expect.
	failSeen bool
}

// maxPending bounds Runner.pending; the oldest go first.
const maxPending = 64

// unasked reports whether a record is a module message that comes on its
// own, which an expect passing over it leaves for the next one.
func unasked(r protocol.Record) bool {
	return r.Kind == protocol.KindData || r.Kind == protocol.KindEvent
}

// failure reports whether c has ended in a failure, and which: its error
// final record, or the error it ended with (a timeout, a lost port).
func failure(c *Command) (rec protocol.Record, failed bool, err error) {
	if c == nil {
		return protocol.Record{}, false, nil
	}
	select {
	case <-c.Done():
	default:
		return protocol.Record{}, false, nil
	}
	rec, err = c.Result()
	if err != nil {
		return protocol.Record{}, true, err
	}
	if !c.rawOnly && rec.Kind != protocol.KindOK {
		return rec, true, nil
	}
	return protocol.Record{}, false, nil
}

// Run runs the script. It returns nil when every expectation was met, an
// *ExpectError when one was not, or another error when a step could not be
// carried out. At the end it waits for queued commands to finish.
func (rn *Runner) Run(ctx context.Context, sc *Script) error {
	s := rn.S
	cursor := rn.Cursor
	if cursor == 0 {
		cursor = s.LastSeq() + 1
	}
	defer func() { rn.Cursor = cursor }()
	timeout := DefaultExpectTimeout
	var last *Command
	for _, st := range sc.Steps {
		if rn.Progress != nil {
			rn.Progress(st)
		}
		fail := func(err error) error { return fmt.Errorf("%s:%d: %s: %w", sc.Name, st.Line, st.Verb, err) }
		switch st.Verb {
		case "raw", "dtr", "rts", "break", "fault":
			// These act at once: let an earlier send reach the wire first,
			// and raw bytes wait until the module asks for them.
			if last != nil {
				wait := last.Written()
				if st.Verb == "raw" {
					wait = last.Awaited()
				}
				select {
				case <-wait:
				case <-ctx.Done():
					return fail(ctx.Err())
				}
			}
		}
		switch st.Verb {
		case "send":
			c, err := s.Submit(st.Arg)
			if err != nil {
				return fail(err)
			}
			last = c
			rn.failSeen = false
		case "raw":
			if err := s.WriteRaw(st.raw); err != nil {
				return fail(err)
			}
		case "expect", "expect-note":
			next, err := rn.expect(ctx, cursor, st, timeout, sc.Name, last)
			if err != nil {
				return err
			}
			cursor = next
		case "timeout":
			timeout = st.dur
		case "sleep":
			t := time.NewTimer(st.dur)
			select {
			case <-ctx.Done():
				t.Stop()
				return fail(ctx.Err())
			case <-t.C:
			}
		case "dtr":
			if err := s.SetDTR(st.on); err != nil {
				return fail(err)
			}
		case "rts":
			if err := s.SetRTS(st.on); err != nil {
				return fail(err)
			}
		case "break":
			if err := s.Break(st.dur); err != nil {
				return fail(err)
			}
		case "keepalive":
			c, err := rn.keepalive(ctx, st)
			if c != nil {
				last = c
				rn.failSeen = true // each command's result was checked
			}
			if err != nil {
				return fail(err)
			}
		case "coap":
			if err := rn.coap(ctx, st); err != nil {
				return fail(err)
			}
		case "fault":
			if _, err := s.Fault(ctx, strings.Fields(st.Arg)); err != nil {
				return fail(err)
			}
		}
	}
	if last != nil {
		// Let the last command reach the module before the caller closes it.
		if _, err := last.Wait(ctx); err != nil && ctx.Err() != nil {
			return err
		}
	}
	return nil
}

// expect waits for a record from the module matching st.re (for
// expect-note, a note of atbench's own), starting with the pending
// unasked messages and then at Seq cursor, and returns the Seq after the
// match. A module expect fails at once when last ends in a failure that
// it does not match.
func (rn *Runner) expect(ctx context.Context, cursor uint64, st Step, timeout time.Duration, name string, last *Command) (uint64, error) {
	s := rn.S
	start := s.Now()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	note := st.Verb == "expect-note"
	var seen lastSeen
	var passed, batch []protocol.Record
	var buf []byte
	matches := func(r protocol.Record) bool {
		seen.add(r)
		if len(r.Payload) == 0 {
			return st.re.MatchString(r.Text)
		}
		buf = append(append(buf[:0], r.Text...), r.Payload...)
		return st.re.Match(buf)
	}
	if !note {
		for i, r := range rn.pending {
			if matches(r) {
				rn.pending = append(rn.pending[:i:i], rn.pending[i+1:]...)
				rn.noteMatch(r, last)
				return cursor, nil
			}
		}
	}
	for {
		// Read the state before the records: a session that ends, or a
		// command that ends, does so after its records, and every record
		// before the end is read below.
		changed := s.Changed()
		ended := s.isEnded()
		failRec, failed, failErr := failure(last)
		batch = s.AppendRecords(batch[:0], cursor, 0)
		for _, r := range batch {
			cursor = r.Seq + 1
			if r.Kind.FromHost() || (r.Kind == protocol.KindNote) != note {
				continue // expect waits for the module, expect-note for atbench
			}
			if matches(r) {
				rn.keepPending(passed)
				rn.noteMatch(r, last)
				return cursor, nil
			}
			if !note && unasked(r) {
				passed = append(passed, r)
			}
		}
		// The error is made only when the expect fails: a flood passes
		// here once per batch.
		fail := func() *ExpectError {
			return &ExpectError{Script: name, Line: st.Line, Pattern: st.Arg, Waited: timeout, Seen: seen.list()}
		}
		if !note && failed && !rn.failSeen {
			e := fail()
			rn.failSeen = true
			rn.keepPending(passed)
			if failErr != nil {
				e.Cause = fmt.Errorf("the command sent last (%s) failed: %w", last.Line, failErr)
			} else {
				e.Cause = fmt.Errorf("the command sent last (%s) ended in %s", last.Line, protocol.AppendEscapedString(nil, failRec.Text))
			}
			return cursor, e
		}
		if ended {
			e := fail()
			e.Cause = fmt.Errorf("the session ended after %s", s.Now().Sub(start).Round(time.Millisecond))
			return cursor, e
		}
		select {
		case <-changed:
		case <-timer.C:
			rn.keepPending(passed)
			return cursor, fail()
		case <-ctx.Done():
			e := fail()
			e.Cause = ctx.Err()
			return cursor, e
		}
	}
}

// seenKept is how many records a failed expect shows.
const seenKept = 50

// lastSeen keeps the last seenKept records an expect looked at, in a
// fixed ring: a flood passes millions of records through it.
type lastSeen struct {
	buf  [seenKept]protocol.Record
	next int
	full bool
}

func (l *lastSeen) add(r protocol.Record) {
	l.buf[l.next] = r
	if l.next++; l.next == seenKept {
		l.next, l.full = 0, true
	}
}

// list returns the records kept, oldest first.
func (l *lastSeen) list() []protocol.Record {
	if !l.full {
		return append([]protocol.Record(nil), l.buf[:l.next]...)
	}
	return append(append([]protocol.Record(nil), l.buf[l.next:]...), l.buf[:l.next]...)
}

// keepPending keeps the unasked messages an expect passed over for the
// next one.
func (rn *Runner) keepPending(passed []protocol.Record) {
	rn.pending = append(rn.pending, passed...)
	if n := len(rn.pending) - maxPending; n > 0 {
		rn.pending = append(rn.pending[:0], rn.pending[n:]...)
	}
}

// noteMatch records that an expect matched r: if last has failed and r
// is its failure or came after it, that failure was expected.
func (rn *Runner) noteMatch(r protocol.Record, last *Command) {
	rec, failed, err := failure(last)
	if failed && (err != nil || r.Seq >= rec.Seq) {
		rn.failSeen = true
	}
}

// scriptLink resolves a link named in a script: as the command set
// writes it (WizFi CID "a"), or in decimal; a live link first.
func (s *Session) scriptLink(name string) (int, error) {
	if s.dialect == nil {
		return 0, errDetecting
	}
	links := s.Links()
	found := -1
	for _, l := range links {
		if strings.EqualFold(s.dialect.FormatLink(l.ID), name) || strconv.Itoa(l.ID) == name {
			if found < 0 || l.Closed == nil {
				found = l.ID
			}
		}
	}
	if found >= 0 {
		return found, nil
	}
	if n, err := strconv.Atoi(name); err == nil && n >= 0 {
		return n, nil
	}
	return 0, fmt.Errorf("no link %q", name)
}

// keepalive sends the command set's keepalive plan, one command at a time,
// each expected to end in OK. It returns the last command sent.
func (rn *Runner) keepalive(ctx context.Context, st Step) (*Command, error) {
	s := rn.S
	if !s.isDetected() {
		select {
		case <-s.Detected():
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	planner, ok := s.Dialect().(protocol.KeepalivePlanner)
	if !ok {
		return nil, fmt.Errorf("the %s command set has no keepalive planner", s.Dialect().Name())
	}
	link := protocol.NoLink
	if st.link != "" {
		var err error
		if link, err = s.scriptLink(st.link); err != nil {
			return nil, err
		}
	}
	plan, err := planner.PlanKeepalive(link, st.dur)
	if err != nil {
		return nil, err
	}
	var last *Command
	for _, line := range plan.Commands {
		c, err := s.Submit(line)
		if err != nil {
			return last, err
		}
		last = c
		final, err := c.Wait(ctx)
		if err != nil {
			return last, fmt.Errorf("%s: %w", line, err)
		}
		if final.Kind != protocol.KindOK {
			return last, fmt.Errorf("%s ended in %s", line, protocol.AppendEscapedString(nil, final.Text))
		}
	}
	s.Note("keepalive plan sent: " + plan.Arithmetic)
	return last, nil
}

// coap runs a coap step: a ping, or a keepalive for st.dur.
func (rn *Runner) coap(ctx context.Context, st Step) error {
	s := rn.S
	link, err := s.scriptLink(st.link)
	if err != nil {
		return err
	}
	if st.coap == "ping" {
		_, err := s.CoAPPing(ctx, link, CoAPOptions{}) // it notes the exchange
		return err
	}
	kctx, cancel := context.WithTimeout(ctx, st.dur)
	defer cancel()
	err = s.CoAPKeepalive(kctx, link, CoAPKeepaliveOptions{Idle: st.idle})
	if err != nil && kctx.Err() != nil && ctx.Err() == nil {
		return nil // ran its time
	}
	return err
}
