package session

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"atbench/device"
	"atbench/protocol"
)

// fakeDev is a device whose module side the test plays: what the module
// says goes through an unbuffered channel (say returns once the session has
// read it), what the host writes through a pipe. It stands in for the
// emulator where a test needs to hold the module's answers back, or to
// cut the connection (lose).
type fakeDev struct {
	in       chan chunk    // module output, or a connection boundary
	left     []byte        // the rest of the chunk being read (reader only)
	closed   chan struct{} // closed by Close
	eof      chan struct{} // closed by end: the module's output ends
	eofOnce  sync.Once
	fromHost *io.PipeReader // the test reads what the session sent
	hostW    *io.PipeWriter
	status   chan device.Status
	once     sync.Once
}

// chunk is one delivery to the reader: bytes, or a connection loss.
type chunk struct {
	b    []byte
	lost bool
}

func newFakeDev() *fakeDev {
	r2, w2 := io.Pipe()
	return &fakeDev{in: make(chan chunk), closed: make(chan struct{}), eof: make(chan struct{}), fromHost: r2, hostW: w2, status: make(chan device.Status, 8)}
}

func (f *fakeDev) Read(p []byte) (int, error) {
	if len(f.left) == 0 {
		select {
		case c := <-f.in:
			if c.lost {
				return 0, device.ErrLost
			}
			f.left = c.b
		case <-f.closed:
			return 0, io.EOF
		case <-f.eof:
			return 0, io.EOF
		}
	}
	n := copy(p, f.left)
	f.left = f.left[n:]
	return n, nil
}

func (f *fakeDev) Write(p []byte) (int, error) { return f.hostW.Write(p) }
func (f *fakeDev) Close() error {
	f.once.Do(func() {
		close(f.closed)
		f.hostW.CloseWithError(io.EOF)
		f.fromHost.CloseWithError(io.EOF)
		close(f.status)
	})
	return nil
}
func (f *fakeDev) Status() <-chan device.Status { return f.status }
func (f *fakeDev) Info() device.Info            { return device.Info{Kind: "fake", Name: "fake"} }

// lines reads host lines (CR LF ended) into a channel.
func (f *fakeDev) lines() <-chan string {
	ch := make(chan string, 64)
	go func() {
		defer close(ch)
		br := bufio.NewReader(f.fromHost)
		for {
			l, err := br.ReadString('\n')
			if err != nil {
				return
			}
			ch <- strings.TrimRight(l, "\r\n")
		}
	}()
	return ch
}

// say makes the module print s; it returns once the session has it.
func (f *fakeDev) say(s string) {
	select {
	case f.in <- chunk{b: []byte(s)}:
	case <-f.closed:
	}
}

// end ends the module's output: the session's next Read returns io.EOF.
func (f *fakeDev) end() { f.eofOnce.Do(func() { close(f.eof) }) }

// lose cuts the connection: the session's next Read returns ErrLost.
func (f *fakeDev) lose() {
	select {
	case f.in <- chunk{lost: true}:
	case <-f.closed:
	}
}

// testDialect is a minimal command set: OK / ERROR finals, "+EVT" events.
type testDialect struct{}

func (testDialect) Name() string       { return "test" }
func (testDialect) LineEnding() string { return "\r\n" }

// FrameSpec has one payload rule: "DATA<n>:" then n raw bytes (n one digit).
func (testDialect) FrameSpec() protocol.FrameSpec {
	return protocol.FrameSpec{
		PayloadPrefixes: []string{"DATA"},
		Payload: func(line []byte) protocol.PayloadMatch {
			switch {
			case len(line) < 6:
				return protocol.PayloadMatch{Status: protocol.NeedMore}
			case line[4] < '0' || line[4] > '9' || line[5] != ':':
				return protocol.PayloadMatch{Status: protocol.NoMatch}
			}
			return protocol.PayloadMatch{Status: protocol.Match, Header: 6, Length: int(line[4] - '0'), LinkID: 0}
		},
	}
}
func (testDialect) Classify(line []byte) (protocol.Kind, int) {
	s := string(line)
	switch {
	case s == "OK":
		return protocol.KindOK, protocol.NoLink
	case strings.HasPrefix(s, "ERROR"):
		return protocol.KindError, protocol.NoLink
	case strings.HasPrefix(s, "+EVT"):
		return protocol.KindEvent, protocol.NoLink
	case s == ">>>":
		return protocol.KindPrompt, protocol.NoLink
	}
	return protocol.KindInfo, protocol.NoLink
}
func (testDialect) Catalog() []protocol.CommandSpec             { return nil }
func (testDialect) Links(protocol.Record) []protocol.LinkUpdate { return nil }
func (testDialect) Settings(protocol.Record) []protocol.Setting { return nil }
func (testDialect) StateCommand() string                        { return "" }
func (testDialect) SendCommand(int, []byte) (string, error)     { return "", nil }
func (testDialect) ReadCommand(int, int) (string, error)        { return "", nil }
func (testDialect) CloseCommand(int) (string, error)            { return "", nil }
func (testDialect) KeepaliveCommands(int, protocol.Keepalive) ([]string, error) {
	return nil, nil
}
func (testDialect) Timeout(string) time.Duration { return 5 * time.Second }

// Answer ends at OK or ERROR; after "<name>RAW=<id>,<n>" a ">>>" prompt
// asks for n raw bytes.
func (testDialect) Answer(command string) protocol.Answer {
	a := &testAnswer{raw: protocol.RawOpen, link: protocol.NoLink}
	if name, args, ok := strings.Cut(command, "="); ok && strings.HasSuffix(name, "RAW") {
		if id, n, ok := strings.Cut(args, ","); ok {
			a.link, _ = strconv.Atoi(id)
			a.raw, _ = strconv.Atoi(n)
		}
	}
	return a
}

type testAnswer struct{ raw, link int }

func (a *testAnswer) Begin() protocol.Turn { return protocol.Turn{Phase: protocol.Answering} }
func (a *testAnswer) Take(r protocol.Record) protocol.Turn {
	switch {
	case r.Kind.Final():
		return protocol.Turn{Phase: protocol.Ended, Final: r}
	case r.Kind == protocol.KindPrompt:
		return protocol.Turn{Phase: protocol.AwaitingRaw, Raw: a.raw, Link: a.link}
	}
	return protocol.Turn{Phase: protocol.Answering}
}

// SendPlan is "SEND=<id>,<n>" for plain text, else "RAW=<id>,<n>" and the
// bytes.
func (testDialect) SendPlan(link int, payload []byte) (protocol.Plan, error) {
	if strings.ContainsAny(string(payload), "\r\n") {
		return protocol.Plan{protocol.LineStep(fmt.Sprintf("RAW=%d,%d", link, len(payload))), protocol.RawStep(payload)}, nil
	}
	return protocol.Plan{protocol.LineStep(fmt.Sprintf("SEND=%d,%s", link, payload))}, nil
}
func (testDialect) SplitLine(line string) protocol.Split { return protocol.SplitFields(line, 0, nil) }
func (testDialect) FormatLink(id int) string             { return strconv.Itoa(id) }
func (testDialect) KeepaliveInForce([]protocol.Setting) (protocol.Keepalive, bool) {
	return protocol.Keepalive{}, false
}
