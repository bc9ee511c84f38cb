package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"atbench/protocol"
	"atbench/session"
)

// fakeBackend is a Backend for tests: records are added by the test as the
// Realtek module prints them, the clock is fixed unless the test moves it.
type fakeBackend struct {
	mu        sync.Mutex
	recs      []protocol.Record // bounded like the session's transcript
	seq       uint64
	changed   chan struct{}
	links     []protocol.LinkInfo
	settings  []protocol.Setting
	stats     session.Stats
	info      session.Info
	lines     session.Lines
	faults    []string // :fault words
	faultErr  error
	speed     float64 // the demo clock
	now       time.Time
	dialect   protocol.Dialect
	submitted []string
	raw       [][]byte
	views     int      // calls of View
	fetches   int      // calls of Records
	modem     []string // modem control calls
	noModem   bool     // refuse modem control, like the emulator
	plans     []protocol.Plan
	coapErr   error // what CoAPPing and CoAPKeepalive fail with
	coapLinks []int // links pinged
}

// fakeCapacity bounds the fake's transcript like session.DefaultCapacity.
const fakeCapacity = 100_000

// t0 is the fixed clock of the goldens.
var t0 = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

func newFake() *fakeBackend {
	return &fakeBackend{
		changed: make(chan struct{}),
		now:     t0,
		dialect: fakeDialect{},
		info:    session.Info{Kind: "emulator", Name: "realtek"},
		stats:   session.Stats{State: session.Connected},
	}
}

func (f *fakeBackend) notifyLocked() {
	close(f.changed)
	f.changed = make(chan struct{})
}

// add appends records; a record without At gets the fake clock.
func (f *fakeBackend) add(recs ...protocol.Record) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range recs {
		f.seq++
		r.Seq = f.seq
		if r.At.IsZero() {
			r.At = f.now
		}
		if r.LinkID == 0 && r.Kind != protocol.KindData && r.Kind != protocol.KindEvent {
			r.LinkID = protocol.NoLink
		}
		f.recs = append(f.recs, r)
	}
	if len(f.recs) > fakeCapacity+fakeCapacity/16 {
		// Trim in steps, as a ring would keep it: bounded and cheap.
		n := copy(f.recs, f.recs[len(f.recs)-fakeCapacity:])
		clear(f.recs[n:])
		f.recs = f.recs[:n]
	}
	f.stats.Records = f.seq
	f.notifyLocked()
}

// set changes the state under the lock and notifies.
func (f *fakeBackend) set(fn func(f *fakeBackend)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
	f.notifyLocked()
}

func (f *fakeBackend) advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

func (f *fakeBackend) Changed() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.changed
}

func (f *fakeBackend) Records(from uint64, max int) []protocol.Record {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fetches++
	return f.recordsLocked(from, max)
}

func (f *fakeBackend) recordsLocked(from uint64, max int) []protocol.Record {
	if len(f.recs) == 0 {
		return nil
	}
	kept := min(len(f.recs), fakeCapacity)
	oldest := f.seq - uint64(kept) + 1
	from = maxU(from, oldest)
	if from > f.seq {
		return nil
	}
	n := int(f.seq - from + 1)
	if max > 0 && n > max {
		n = max
	}
	start := len(f.recs) - int(f.seq-from+1)
	return append([]protocol.Record(nil), f.recs[start:start+n]...)
}

func maxU(a, b uint64) uint64 {
	if a > b {
		return a
	}
	return b
}

func (f *fakeBackend) LastSeq() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seq
}

// View reads the fake as session.View reads a session.
func (f *fakeBackend) View(from uint64, max int) session.View {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.views++
	v := session.View{Last: f.seq, Stats: f.stats, Info: f.info, Lines: f.lines, Now: f.now, ClockSpeed: f.speed,
		Links: slices.Clone(f.links), Settings: slices.Clone(f.settings)}
	if max > 0 && v.Last >= from && v.Last-from >= uint64(max) {
		from = v.Last - uint64(max) + 1
	}
	v.Records = f.recordsLocked(from, max)
	if n := min(len(f.recs), fakeCapacity); n > 0 {
		v.First = f.seq - uint64(n) + 1
	}
	return v
}

func (f *fakeBackend) Submit(line string) (*session.Command, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stats.State == session.Disconnected {
		return nil, fmt.Errorf("command %q refused: %w (%s)", line, session.ErrDisconnected, f.stats.Cause)
	}
	f.submitted = append(f.submitted, line)
	f.notifyLocked()
	return &session.Command{Line: line}, nil
}

func (f *fakeBackend) Send(p protocol.Plan) (*session.Command, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stats.State == session.Disconnected {
		return nil, fmt.Errorf("plan refused: %w (%s)", session.ErrDisconnected, f.stats.Cause)
	}
	f.plans = append(f.plans, slices.Clone(p))
	f.notifyLocked()
	return &session.Command{}, nil
}

func (f *fakeBackend) sentPlans() []protocol.Plan {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.plans)
}

// Fault records the words of a :fault; a fake with faultErr set refuses.
func (f *fakeBackend) Fault(ctx context.Context, words []string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, strings.Join(words, " "))
	if f.faultErr != nil {
		return "", f.faultErr
	}
	return strings.Join(words, " ") + ": done", nil
}

func (f *fakeBackend) CoAPPing(ctx context.Context, link int, opts session.CoAPOptions) (session.CoAPResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.coapLinks = append(f.coapLinks, link)
	if f.coapErr != nil {
		return session.CoAPResult{}, f.coapErr
	}
	return session.CoAPResult{Link: link, Proto: protocol.ProtoUDP, MessageID: 0x1234, Transmissions: 1,
		Sent: f.now, Answered: f.now.Add(12 * time.Millisecond), RTT: 12 * time.Millisecond, Answer: "RST 0.00 mid=0x1234"}, nil
}

func (f *fakeBackend) CoAPKeepalive(ctx context.Context, link int, opts session.CoAPKeepaliveOptions) error {
	f.mu.Lock()
	f.coapLinks = append(f.coapLinks, link)
	err := f.coapErr
	f.mu.Unlock()
	if err != nil {
		return err
	}
	<-ctx.Done()
	return ctx.Err()
}

func (f *fakeBackend) WriteRaw(p []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stats.State == session.Disconnected {
		return session.ErrDisconnected
	}
	f.raw = append(f.raw, append([]byte(nil), p...))
	// Like the session: the bytes count towards what the module awaits.
	if aw := &f.stats.Awaiting; aw.Active() {
		aw.Sent += len(p)
		if aw.Bytes >= 0 && aw.Sent >= aw.Bytes {
			*aw = session.Awaiting{}
		}
		f.notifyLocked()
	}
	return nil
}

func (f *fakeBackend) modemCall(what string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.noModem {
		return fmt.Errorf("%s: the emulator has no modem control lines", what)
	}
	f.modem = append(f.modem, what)
	return nil
}

func (f *fakeBackend) SetDTR(on bool) error        { return f.modemCall(fmt.Sprint("DTR ", on)) }
func (f *fakeBackend) SetRTS(on bool) error        { return f.modemCall(fmt.Sprint("RTS ", on)) }
func (f *fakeBackend) Break(d time.Duration) error { return f.modemCall(fmt.Sprint("break ", d)) }

func (f *fakeBackend) Dialect() protocol.Dialect { return f.dialect }

func (f *fakeBackend) submittedLines() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.submitted...)
}

// fakeDialect is a small Realtek-like command set, so the tests do not
// depend on the wording of the real catalogue.
type fakeDialect struct{}

func (fakeDialect) Name() string                                { return "realtek" }
func (fakeDialect) LineEnding() string                          { return "\r\n" }
func (fakeDialect) FrameSpec() protocol.FrameSpec               { return protocol.FrameSpec{} }
func (fakeDialect) Classify([]byte) (protocol.Kind, int)        { return protocol.KindInfo, protocol.NoLink }
func (fakeDialect) Links(protocol.Record) []protocol.LinkUpdate { return nil }
func (fakeDialect) Settings(protocol.Record) []protocol.Setting { return nil }
func (fakeDialect) StateCommand() string                        { return "AT+SKTSTATE" }

// ExplainError reads "ERROR: <n>" against the fake catalogue's tables.
func (d fakeDialect) ExplainError(command string, final protocol.Record) string {
	code, ok := strings.CutPrefix(final.Text, "ERROR: ")
	if !ok {
		return ""
	}
	if m, ok := protocol.ExplainCode(d.Catalog(), command, code); ok {
		return protocol.CommandName(command) + " error " + code + ": " + m
	}
	return ""
}

// Advise warns of a bare AT, as the Realtek catalogue does.
func (fakeDialect) Advise(line string) string {
	if strings.EqualFold(strings.TrimSpace(line), "AT") {
		return "this module has no bare AT command: try AT+TEST"
	}
	return ""
}

// Answer ends at OK or ERROR; after AT+SKTSENDRAW=<id>,<size> a prompt
// asks for size raw bytes.
func (fakeDialect) Answer(command string) protocol.Answer {
	a := fakeAnswer{raw: protocol.RawOpen, link: protocol.NoLink}
	if args, ok := strings.CutPrefix(command, "AT+SKTSENDRAW="); ok {
		if f := strings.Split(args, ","); len(f) >= 2 {
			a.link, _ = strconv.Atoi(f[0])
			a.raw, _ = strconv.Atoi(f[1])
		}
	}
	return a
}

type fakeAnswer struct{ raw, link int }

func (a fakeAnswer) Begin() protocol.Turn { return protocol.Turn{Phase: protocol.Answering} }
func (a fakeAnswer) Take(r protocol.Record) protocol.Turn {
	switch {
	case r.Kind.Final():
		return protocol.Turn{Phase: protocol.Ended, Final: r}
	case r.Kind == protocol.KindPrompt:
		return protocol.Turn{Phase: protocol.AwaitingRaw, Raw: a.raw, Link: a.link}
	}
	return protocol.Turn{Phase: protocol.Answering}
}

func (d fakeDialect) SendPlan(link int, payload []byte) (protocol.Plan, error) {
	if len(payload) == 0 {
		return nil, errors.New("AT+SKTSEND: empty payload (data_size must be at least 1)")
	}
	line, err := d.SendCommand(link, payload)
	if err != nil {
		// Like Realtek: AT+SKTSENDRAW and the bytes.
		return protocol.Plan{protocol.LineStep(fmt.Sprintf("AT+SKTSENDRAW=%d,%d", link, len(payload))), protocol.RawStep(payload)}, nil
	}
	return protocol.Plan{protocol.LineStep(line)}, nil
}

func (d fakeDialect) SplitLine(line string) protocol.Split {
	return protocol.SplitFields(line, '\\', d.Catalog())
}

func (fakeDialect) FormatLink(id int) string { return strconv.Itoa(id) }

// KeepaliveInForce reads so_keepalive only.
func (fakeDialect) KeepaliveInForce(settings []protocol.Setting) (protocol.Keepalive, bool) {
	for _, s := range settings {
		if s.Name == "so_keepalive" {
			return protocol.Keepalive{Enabled: s.Value == "1"}, true
		}
	}
	return protocol.Keepalive{}, false
}

func (fakeDialect) Timeout(string) time.Duration { return 5 * time.Second }

func (fakeDialect) SendCommand(link int, payload []byte) (string, error) {
	if len(payload) == 0 {
		return "", errors.New("AT+SKTSEND: empty payload (data_size must be at least 1)")
	}
	if strings.ContainsAny(string(payload), "\r\n") {
		return "", fmt.Errorf("AT+SKTSEND: payload has CR or LF: use AT+SKTSENDRAW=%d,%d", link, len(payload))
	}
	return fmt.Sprintf("AT+SKTSEND=%d,%d,,,%s", link, len(payload), payload), nil
}

func (fakeDialect) ReadCommand(link, n int) (string, error) {
	return fmt.Sprintf("AT+SKTREAD=%d,%d", link, n), nil
}

func (fakeDialect) CloseCommand(link int) (string, error) {
	return fmt.Sprintf("AT+SKTDEL=%d", link), nil
}

func (fakeDialect) KeepaliveCommands(int, protocol.Keepalive) ([]string, error) {
	return []string{"AT+SKTCFG=,,,1,60,10,3"}, nil
}

func (fakeDialect) Catalog() []protocol.CommandSpec {
	link := func(help string) protocol.ParamSpec {
		return protocol.ParamSpec{Name: "link_id", Type: protocol.ParamInt, Link: protocol.LinkExisting, Min: 0, Max: 19, Help: help}
	}
	newLink := func(help string) protocol.ParamSpec {
		p := link(help)
		p.Link = protocol.LinkNew
		return p
	}
	port := func(name string, opt bool) protocol.ParamSpec {
		return protocol.ParamSpec{Name: name, Type: protocol.ParamInt, Optional: opt, Min: 1, Max: 65535, Help: "port"}
	}
	return []protocol.CommandSpec{
		{Name: "AT+TEST", Syntax: "AT+TEST", Help: "Liveness probe"},
		{Name: "AT+SKTCFG", Syntax: "AT+SKTCFG=[<so_sndtimeo>],[<so_rcvtimeo>],[<tcp_nodelay>],[<so_keepalive>],[<tcp_keepidle>],[<tcp_keepintvl>],[<tcp_keepcnt>]",
			Help: "Sets global socket options for sockets created later",
			Params: []protocol.ParamSpec{
				{Name: "so_sndtimeo", Type: protocol.ParamInt, Optional: true, Default: "0", Help: "send timeout in ms"},
				{Name: "so_rcvtimeo", Type: protocol.ParamInt, Optional: true, Default: "0", Help: "receive timeout in ms"},
				{Name: "tcp_nodelay", Type: protocol.ParamInt, Optional: true, Min: 0, Max: 1, Default: "0"},
				{Name: "so_keepalive", Type: protocol.ParamInt, Optional: true, Min: 0, Max: 1, Default: "0",
					Values: []string{"0: keepalive off", "1: keepalive on"}},
				{Name: "tcp_keepidle", Type: protocol.ParamInt, Optional: true, Min: 0, Max: 7200, Default: "0", Help: "idle seconds"},
				{Name: "tcp_keepintvl", Type: protocol.ParamInt, Optional: true, Min: 0, Max: 75, Default: "0"},
				{Name: "tcp_keepcnt", Type: protocol.ParamInt, Optional: true, Min: 0, Max: 10, Default: "0"},
			}},
		{Name: "AT+SKTQUERY", Syntax: "AT+SKTQUERY", Help: "Prints the global socket options"},
		{Name: "AT+SKTSERVER", Syntax: "AT+SKTSERVER=<link_id>,<conn_type>,[<cert_index>],<src_port>,<auto_rcv>",
			Help: "Starts a UDP, TCP or TLS server",
			Params: []protocol.ParamSpec{
				newLink("link id for the server"),
				{Name: "conn_type", Type: protocol.ParamInt, Min: 0, Max: 3, Values: []string{"0: UDP", "1: TCP", "2: TLS", "3: TLS, verifying the client"}, Help: "transport"},
				{Name: "cert_index", Type: protocol.ParamInt, Optional: true, Min: 1, Max: 10, Help: "TLS only"},
				port("src_port", false),
				{Name: "auto_rcv", Type: protocol.ParamInt, Min: 0, Max: 1, Values: []string{"0: hold", "1: push"}},
			}},
		{Name: "AT+SKTCLIENT", Syntax: "AT+SKTCLIENT=<link_id>,<conn_type>,[<cert_index>],<dst_host>,<dst_port>,[<src_port>],<auto_rcv>",
			Help: "Opens a UDP, TCP or TLS client",
			Params: []protocol.ParamSpec{
				newLink("link id for the client"),
				{Name: "conn_type", Type: protocol.ParamInt, Min: 0, Max: 5},
				{Name: "cert_index", Type: protocol.ParamInt, Optional: true, Min: 1, Max: 10},
				{Name: "dst_host", Type: protocol.ParamHost},
				port("dst_port", false),
				port("src_port", true),
				{Name: "auto_rcv", Type: protocol.ParamInt, Min: 0, Max: 1},
			}},
		{Name: "AT+SKTSEND", Syntax: "AT+SKTSEND=<link_id>,<data_size>,[<dst_ip>],[<dst_port>],<data>",
			Help: "Sends data on a link",
			Params: []protocol.ParamSpec{
				link("link to send on"),
				{Name: "data_size", Type: protocol.ParamInt, Min: 1, Max: 1999, Help: "must equal the length of <data>"},
				{Name: "dst_ip", Type: protocol.ParamIP, Optional: true},
				port("dst_port", true),
				{Name: "data", Type: protocol.ParamString, Help: `the bytes to send; write ',' as \, and '\' as \\`},
			},
			Errors: []protocol.ErrorCode{{Code: "1", Meaning: "parameter error (also: data_size differs from the data)"}}},
		{Name: "AT+SKTSENDRAW", Syntax: "AT+SKTSENDRAW=<link_id>,<data_size>[,<dst_ip>,<dst_port>]",
			Help: "Sends raw bytes after >>>",
			Params: []protocol.ParamSpec{
				link("link to send on"),
				{Name: "data_size", Type: protocol.ParamInt, Min: 1, Help: "bytes sent after >>>"},
				{Name: "dst_ip", Type: protocol.ParamIP, Optional: true},
				port("dst_port", true),
			}},
		{Name: "AT+SKTREAD", Syntax: "AT+SKTREAD=<link_id>,<data_size>", Help: "Reads buffered data",
			Params: []protocol.ParamSpec{link("link to read"), {Name: "data_size", Type: protocol.ParamInt, Min: 1}}},
		{Name: "AT+SKTSTATE", Syntax: "AT+SKTSTATE", Help: "Lists every link"},
		{Name: "AT+SKTDEL", Syntax: "AT+SKTDEL=<link_id>", Help: "Closes a link",
			Params: []protocol.ParamSpec{link("link to close")}},
	}
}

// sent, ok... build records as the Realtek module prints them.
func sent(line string) protocol.Record {
	return protocol.Record{Kind: protocol.KindSent, Text: line, LinkID: protocol.NoLink}
}

func rec(kind protocol.Kind, text string) protocol.Record {
	return protocol.Record{Kind: kind, Text: text, LinkID: protocol.NoLink}
}

func dataRec(link int, payload string) protocol.Record {
	return protocol.Record{Kind: protocol.KindData, LinkID: link, Payload: []byte(payload),
		Text: fmt.Sprintf("[$][SKT][DATA][%d][%d]:", link, len(payload))}
}

// scenario fills a fake with a typical session: a keepalive config, a TCP
// server on 5000, a client accepted as seed 0 that sent data (with an
// escape sequence in it), a send, an error, and a client that died.
func scenario() *fakeBackend {
	f := newFake()
	step := func(d time.Duration, recs ...protocol.Record) {
		for i := range recs {
			recs[i].At = f.now
		}
		f.add(recs...)
		f.advance(d)
	}
	step(120*time.Millisecond, sent("AT+SKTCFG=2000,2000,,1,60,10,3"))
	step(time.Second, rec(protocol.KindOK, "OK"))
	step(5*time.Millisecond, sent("AT+SKTQUERY"))
	step(time.Millisecond,
		rec(protocol.KindInfo, "Global SOCKET configuration:"),
		rec(protocol.KindInfo, "so_sndtimeo: 2000"),
		rec(protocol.KindInfo, "so_keepalive: 1"),
		rec(protocol.KindInfo, "tcp_keepidle: 60"),
		rec(protocol.KindOK, "OK"))
	step(time.Second, sent("AT+SKTSERVER=1,1,,5000,1"))
	step(2*time.Second, rec(protocol.KindOK, "OK"))
	accept := rec(protocol.KindEvent, "[$][SKT][EVENT]: A client[link_id:0,seed,tcp,dst_address:127.0.0.1,dst_port:50000] connected to server[link_id:1]")
	accept.LinkID = 0
	step(550*time.Millisecond, accept)
	step(time.Second, dataRec(0, "hello\x1b]0;hi\x07 world\r\n"))
	step(10*time.Millisecond, sent("AT+SKTSEND=0,6,,,Hello!"))
	step(time.Second, rec(protocol.KindOK, "OK"))
	step(10*time.Millisecond, sent("AT+SKTSEND=7,1,,,x"))
	step(2*time.Second, rec(protocol.KindError, "ERROR: 1"))

	now := f.now
	f.set(func(f *fakeBackend) {
		f.stats.RxBytes, f.stats.TxBytes = 1234, 48
		f.settings = []protocol.Setting{
			{Name: "so_sndtimeo", Value: "2000"}, {Name: "so_rcvtimeo", Value: "2000"},
			{Name: "tcp_nodelay", Value: "0"}, {Name: "so_keepalive", Value: "1"},
			{Name: "tcp_keepidle", Value: "60"}, {Name: "tcp_keepintvl", Value: "10"},
			{Name: "tcp_keepcnt", Value: "3"},
		}
		f.links = []protocol.LinkInfo{
			{ID: 0, Role: protocol.RoleSeed, Proto: protocol.ProtoTCP, Parent: 1, Local: "127.0.0.1:5000",
				Remote: "127.0.0.1:50000", State: protocol.StateEstablished, BytesIn: 17, BytesOut: 6,
				Opened: now.Add(-6 * time.Second), LastRx: now.Add(-5 * time.Second), LastTx: now.Add(-2 * time.Second),
				Keepalive: protocol.Keepalive{Enabled: true, Idle: 60 * time.Second, Interval: 10 * time.Second, Count: 3,
					NextProbe: now.Add(58 * time.Second), DeadAt: now.Add(88 * time.Second)}},
			{ID: 1, Role: protocol.RoleServer, Proto: protocol.ProtoTCP, Parent: protocol.NoLink, Local: "0.0.0.0:5000",
				State: protocol.StateListen, Opened: now.Add(-9 * time.Second)},
			{ID: 2, Role: protocol.RoleClient, Proto: protocol.ProtoTCP, Parent: protocol.NoLink, Local: "127.0.0.1:41000",
				Remote: "127.0.0.1:7000", State: protocol.StateClosed, BytesIn: 3, BytesOut: 5,
				Opened: now.Add(-30 * time.Second), Closed: &protocol.Closed{At: now.Add(-4 * time.Second), Reason: "peer reset (RST)"}},
		}
	})
	return f
}

// driver runs a model like Bubble Tea does, but inside a synctest bubble:
// commands run in goroutines, settle waits until all of them are blocked
// and applies the messages that came back.
type driver struct {
	t      *testing.T
	m      Model
	msgs   chan tea.Msg
	done   chan struct{}
	quit   bool
	counts map[string]int
	// guard, when set, is armed while Update and View run.
	guard *guardBackend
}

// newDriver must be called inside a synctest bubble: its cleanup ends the
// model's context and lets fake time run so every command returns.
func newDriver(t *testing.T, ctx context.Context, b Backend, opts Options) *driver {
	ctx, cancel := context.WithCancel(ctx)
	d := &driver{t: t, m: newModel(ctx, b, opts, false), msgs: make(chan tea.Msg, 1<<16), done: make(chan struct{}), counts: map[string]int{}}
	t.Cleanup(func() {
		cancel()
		time.Sleep(time.Hour) // fake time: pending ticks fire and their goroutines end
		close(d.done)
	})
	return d
}

func (d *driver) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() {
		msg := cmd()
		if msg == nil {
			return
		}
		select {
		case d.msgs <- msg:
		case <-d.done:
		}
	}()
}

// send applies a message now.
func (d *driver) send(msg tea.Msg) {
	switch msg := msg.(type) {
	case tea.BatchMsg:
		for _, c := range msg {
			d.run(c)
		}
		return
	case tea.QuitMsg:
		d.quit = true
		return
	}
	d.counts[fmt.Sprintf("%T", msg)]++
	if d.guard != nil {
		d.guard.armed.Store(true)
	}
	m, cmd := d.m.Update(msg)
	d.m = m.(Model)
	if d.guard != nil {
		_ = d.m.View()
		d.guard.armed.Store(false)
	}
	d.run(cmd)
}

// settle applies messages until every command is blocked.
func (d *driver) settle() {
	for {
		waitBubble()
		select {
		case msg := <-d.msgs:
			d.send(msg)
		default:
			return
		}
	}
}

func (d *driver) key(s string) {
	d.send(keyMsg(s))
	d.settle()
}

func (d *driver) typeText(s string) {
	for _, r := range s {
		d.send(tea.KeyPressMsg{Code: r, Text: string(r)})
		if d.guard != nil {
			d.settle() // no command may run while the guard is armed
		}
	}
	d.settle()
}

// keyMsg builds a key press from its name ("enter", "ctrl+c", "a").
func keyMsg(s string) tea.KeyPressMsg {
	var k tea.Key
	parts := strings.Split(s, "+")
	name := parts[len(parts)-1]
	for _, p := range parts[:len(parts)-1] {
		switch p {
		case "ctrl":
			k.Mod |= tea.ModCtrl
		case "alt":
			k.Mod |= tea.ModAlt
		case "shift":
			k.Mod |= tea.ModShift
		}
	}
	switch name {
	case "enter":
		k.Code = tea.KeyEnter
	case "tab":
		k.Code = tea.KeyTab
	case "esc":
		k.Code = tea.KeyEscape
	case "up":
		k.Code = tea.KeyUp
	case "down":
		k.Code = tea.KeyDown
	case "left":
		k.Code = tea.KeyLeft
	case "right":
		k.Code = tea.KeyRight
	case "pgup":
		k.Code = tea.KeyPgUp
	case "pgdown":
		k.Code = tea.KeyPgDown
	case "home":
		k.Code = tea.KeyHome
	case "end":
		k.Code = tea.KeyEnd
	case "backspace":
		k.Code = tea.KeyBackspace
	case "f1":
		k.Code = tea.KeyF1
	case "space":
		k.Code, k.Text = ' ', " "
	default:
		r := []rune(name)[0]
		k.Code = r
		if k.Mod == 0 {
			k.Text = name
		}
	}
	return tea.KeyPressMsg(k)
}
