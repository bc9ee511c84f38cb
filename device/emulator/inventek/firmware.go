package inventek

import (
	"bytes"
	"errors"
	"strconv"
	"sync"

	"atbench/device/emulator"
	"atbench/device/emulator/netcore"
	"atbench/protocol"
	inv "atbench/protocol/inventek"
)

// Firmware is the Inventek eS-WiFi (ISM43362) AT firmware over UART on an
// emulated module.
type Firmware struct {
	h        emulator.Host
	net      *netcore.Stack
	echo     bool
	commands map[string]func(inv.Command)

	// cmdMu is held while a command runs and while an accept message is
	// printed, so that no accept comes out in the middle of an answer or
	// before the answer of the P5 that opened its server.
	cmdMu sync.Mutex
	// balMu serialises balance.
	balMu sync.Mutex

	mu       sync.Mutex // guards the fields below
	selected int
	sockets  [inv.MaxSockets]socket
	s1, s2   int // S0's size, the send timeout (ms)
	r1, r2   int // R0's size, the read timeout (ms)
	wifi     wifiState

	// owned by the input goroutine
	line    []byte
	discard int      // raw bytes of a refused S3 still to drop
	pend    *payload // an S0 or S3 whose raw bytes are coming
}

// payload is an S0 or S3 waiting for its raw bytes.
type payload struct {
	cmd  inv.Command
	need int
	buf  []byte
}

// New is the firmware's constructor for emulator.Config.Firmware.
func New(h emulator.Host) emulator.Firmware {
	f := &Firmware{h: h, net: h.Net(), echo: h.Config().Echo, r1: inv.MaxPayload, r2: 1, wifi: defaultWifi()}
	for i := range f.sockets {
		f.sockets[i] = newSocket()
	}
	f.commands = map[string]func(inv.Command){
		"C1": f.cmdC1, "C2": f.cmdC2, "C3": f.cmdC3, "C0": f.cmdC0,
		"CS": f.cmdCS, "CD": f.cmdCD, "CR": f.cmdCR, "F0": f.cmdF0,
		"I?": f.cmdInfo, "Z5": f.cmdMAC,
		"P0": f.cmdP0, "P1": f.cmdP1, "P2": f.cmdP2, "P3": f.cmdP3, "P4": f.cmdP4,
		"P5": f.cmdP5, "P6": f.cmdP6, "P7": f.cmdP7, "P8": f.cmdP8, "P?": f.cmdPQuery, "PK": f.cmdPK,
		"S1": f.cmdS1, "S2": f.cmdS2, // S0 and S3 take a payload first (Input)
		"R0": f.cmdR0, "R1": f.cmdR1, "R2": f.cmdR2, "R?": f.cmdRQuery,
	}
	return f
}

// Name is the command set's name.
func (f *Firmware) Name() string { return "inventek" }

// Start claims the link ids the firmware numbers itself (sockets 0..3 and
// their clients' 4..7) and prints the power-up prompt.
func (f *Firmware) Start() {
	for id := range 2 * inv.MaxSockets {
		if err := f.net.Claim(id); err != nil {
			f.h.Logf("inventek: claim link %d: %v", id, err)
		}
	}
	_ = f.h.Print(inv.FormatPrompt())
}

// Settings are the module-wide settings in force: each socket's PK and
// the S1, S2, R1 and R2 values.
func (f *Firmware) Settings() []protocol.Setting {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []protocol.Setting
	for i, s := range f.sockets {
		out = append(out, inv.KeepaliveSettings(i, s.keep, s.keepMs)...)
	}
	return append(out,
		protocol.Setting{Name: "send.size", Value: strconv.Itoa(f.s1)},
		protocol.Setting{Name: "send.timeout_ms", Value: strconv.Itoa(f.s2)},
		protocol.Setting{Name: "read.size", Value: strconv.Itoa(f.r1)},
		protocol.Setting{Name: "read.timeout_ms", Value: strconv.Itoa(f.r2)},
	)
}

// Event turns the stack's events into the firmware's output: an accepted
// client prints "[TCP SVR] Accepted <ip>:<port>" and the prompt. Closes
// print nothing (R0 and S3 answer -1 afterwards); they are logged.
func (f *Firmware) Event(e netcore.Event) {
	switch e.Kind {
	case netcore.EventAccepted:
		f.accepted(e)
	case netcore.EventRefused:
		f.h.Logf("inventek: server %d turned a client %v away: %v", e.Server, e.Remote, e.Err)
	case netcore.EventClosed:
		if e.Err != nil {
			f.h.Logf("inventek: link %d closed: %s", e.ID, e.Reason)
		}
	}
}

// accepted seats a server's client. A server serves one client at a
// time; a second one (possible only while two servers wait at once) is
// closed.
func (f *Firmware) accepted(e netcore.Event) {
	f.cmdMu.Lock()
	defer f.cmdMu.Unlock()
	f.mu.Lock()
	ok := e.Server >= 0 && e.Server < inv.MaxSockets && f.sockets[e.Server].server && f.sockets[e.Server].seed < 0
	if ok {
		f.sockets[e.Server].seed = e.ID
	}
	f.mu.Unlock()
	if !ok {
		if v, live := f.net.Link(e.ID); live && v.Parent == e.Server && v.Remote == e.Remote {
			_ = f.net.Remove(e.ID, "refused: the server serves one client at a time")
		}
		f.balance()
		return
	}
	f.balance()
	_ = f.h.Print(inv.FormatEvent(inv.AcceptedText(e.Remote.Addr().String(), int(e.Remote.Port()))))
}

// balance keeps as many of the clients' ids (4..7) free as servers wait
// for a client, preferring each waiting server's own (4+socket), so that
// an accepted client takes its server's id; every other one is claimed.
// It runs after each change of the servers and their clients.
func (f *Firmware) balance() {
	f.balMu.Lock()
	defer f.balMu.Unlock()
	f.mu.Lock()
	preferred := map[int]bool{}
	for i, s := range f.sockets {
		if s.waiting() {
			preferred[inv.SeedLink(i)] = true
		}
	}
	f.mu.Unlock()
	want := len(preferred)
	var free, claimed []int
	for id := inv.SeedLink(0); id < inv.SeedLink(inv.MaxSockets); id++ {
		_, held := f.net.Link(id)
		switch {
		case !f.net.InUse(id):
			free = append(free, id)
		case !held:
			claimed = append(claimed, id)
		}
	}
	// order: the ids to claim last (or release first) are the preferred ones
	order := func(ids []int, preferredFirst bool) []int {
		var a, b []int
		for _, id := range ids {
			if preferred[id] == preferredFirst {
				a = append(a, id)
			} else {
				b = append(b, id)
			}
		}
		return append(a, b...)
	}
	for _, id := range order(free, false) {
		if len(free) <= want {
			break
		}
		if f.net.Claim(id) == nil {
			free = free[:len(free)-1]
		}
	}
	for _, id := range order(claimed, true) {
		if len(free) >= want {
			break
		}
		f.net.Release(id)
		free = append(free, id)
	}
}

// reclaim claims socket id again after an open failed or its link was
// removed (both free the id).
func (f *Firmware) reclaim(id int) {
	if err := f.net.Claim(id); err != nil {
		f.h.Logf("inventek: claim link %d: %v", id, err)
	}
}

func (f *Firmware) print(b []byte) { _ = f.h.Print(b) }
func (f *Firmware) ok(data []byte) { f.print(inv.FormatOK(data)) }
func (f *Firmware) lines(l ...string) {
	f.print(inv.FormatLines(l...))
}

// fail prints errLine with the usage of the command.
func (f *Firmware) fail(name, errLine string) {
	f.print(inv.FormatError(nil, errLine, inv.Usage(name)))
}

// invalid refuses a command's value or its use in the current state.
func (f *Firmware) invalid(c inv.Command) { f.fail(c.Name, inv.ErrInvalidParam) }

// --- input ---

// Input assembles host input into command lines ended by CR alone. After
// the CR of an S3 (or S0) line the next bytes are its payload, raw,
// whatever they are (a LF included); a LF that starts a command line is
// dropped by the parser.
func (f *Firmware) Input(p []byte) {
	for len(p) > 0 {
		switch {
		case f.discard > 0:
			k := min(len(p), f.discard)
			f.discard -= k
			p = p[k:]
		case f.pend != nil:
			k := min(len(p), f.pend.need-len(f.pend.buf))
			f.pend.buf = append(f.pend.buf, p[:k]...)
			p = p[k:]
			if len(f.pend.buf) == f.pend.need {
				pd := f.pend
				f.pend = nil
				f.run(func() { f.send(pd.cmd, pd.buf) })
			}
		default:
			i := bytes.IndexByte(p, '\r')
			if i < 0 {
				f.appendLine(p)
				return
			}
			f.appendLine(p[:i])
			p = p[i+1:]
			line := f.line
			f.line = nil
			f.endLine(line)
		}
	}
}

// appendLine keeps at most MaxLine+2 bytes of a line (room for a leading
// LF and one byte over, so that the parser refuses an over-long line).
func (f *Firmware) appendLine(b []byte) {
	room := inv.MaxLine + 2 - len(f.line)
	f.line = append(f.line, b[:min(len(b), max(room, 0))]...)
}

// endLine runs one command line.
func (f *Firmware) endLine(line []byte) {
	if f.echo {
		f.print(append(bytes.TrimPrefix(bytes.Clone(line), []byte("\n")), "\r\n"...))
	}
	cmd, err := inv.ParseCommand(line)
	var ce *inv.CommandError
	switch {
	case errors.Is(err, inv.ErrEmpty):
		f.print([]byte("\r\n" + inv.Prompt))
		return
	case errors.As(err, &ce):
		f.print(ce.Answer())
		f.discard = ce.Discard
		return
	case err != nil:
		f.fail("", inv.ErrUnknownCommand)
		return
	}
	if cmd.Name == "S0" || cmd.Name == "S3" {
		f.mu.Lock()
		n := cmd.PayloadLength(f.s1)
		f.mu.Unlock()
		if n < 1 {
			f.fail(cmd.Name, inv.ErrInvalidParam) // S0 before S1 (UNCONFIRMED)
			return
		}
		f.pend = &payload{cmd: cmd, need: n, buf: make([]byte, 0, n)}
		return
	}
	h, known := f.commands[cmd.Name]
	if !known {
		f.fail(cmd.Name, inv.ErrUnknownCommand)
		return
	}
	f.run(func() { h(cmd) })
}

// run runs a command holding cmdMu.
func (f *Firmware) run(fn func()) {
	f.cmdMu.Lock()
	defer f.cmdMu.Unlock()
	fn()
}
