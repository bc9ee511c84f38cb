package session

import (
	"bufio"
	"io"
	"strings"
	"sync"
	"time"

	"atbench/device"
	"atbench/protocol"
)

// fakeDev is a device made of two pipes: the test plays the module on the
// far ends. It stands in for the emulator where a test needs to hold the
// module's answers back.
type fakeDev struct {
	toHost   *io.PipeReader // session reads module output here
	module   *io.PipeWriter // the test writes module output here
	fromHost *io.PipeReader // the test reads what the session sent
	hostW    *io.PipeWriter
	status   chan device.Status
	once     sync.Once
}

func newFakeDev() *fakeDev {
	r1, w1 := io.Pipe()
	r2, w2 := io.Pipe()
	return &fakeDev{toHost: r1, module: w1, fromHost: r2, hostW: w2, status: make(chan device.Status, 8)}
}

func (f *fakeDev) Read(p []byte) (int, error)  { return f.toHost.Read(p) }
func (f *fakeDev) Write(p []byte) (int, error) { return f.hostW.Write(p) }
func (f *fakeDev) Close() error {
	f.once.Do(func() {
		f.toHost.CloseWithError(io.EOF)
		f.module.CloseWithError(io.EOF)
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

func (f *fakeDev) say(s string) { io.WriteString(f.module, s) }

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
