package inventek

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"atbench/protocol"
)

// Dialect is the Inventek eS-WiFi command set as a session speaks it. It
// holds the session's view of the module (a Tracker of the P0 selection
// and of each socket's settings, S1's size) because no Inventek line names
// a socket: make one per session with New. Its methods may be called from
// several goroutines (the session's reader asks FrameSpec's Answer rule
// while the session's answers feed the Tracker); a mutex guards the state.
type Dialect struct {
	mu sync.Mutex
	tr Tracker
	s1 int // S1's size, 0 until an S1 got OK: S0 awaits that many bytes
	// answering is the line of the command whose answer is under way, ""
	// between answers.
	answering string
	// deferred holds accept messages that came during a P5 answer, before
	// the Tracker knew the server: they are replayed once it ends.
	deferred []string
	// seeds follows each server socket's accepted client as the link
	// facts tell it: P? shows a client whose connection was lost (R0 or
	// S3 answered -1) as it shows a live one, so a lost seed is only
	// listed again when another client has come.
	seeds [MaxSockets]seedState
	// done is what the last answer established, handed to the session by
	// ResultLinks (links) and Settings (settings, with the KindSent record
	// of the command) right after the answer ended.
	done result
}

// seedState is what the link facts said of a server socket's client.
type seedState struct {
	remote string // the client's address, "" when none
	lost   bool   // its connection is gone
}

// noteLocked follows the seeds through link facts the dialect hands out.
func (d *Dialect) noteLocked(ups []protocol.LinkUpdate) {
	for _, u := range ups {
		sock, seed, ok := SocketOf(u.ID)
		if !ok || !seed {
			continue
		}
		st := &d.seeds[sock]
		switch {
		case u.Gone:
			*st = seedState{}
		case u.Present && u.Remote != "" && u.State != protocol.StateClosed:
			if u.Remote != st.remote {
				*st = seedState{remote: u.Remote}
			}
		case u.State == protocol.StateClosed:
			st.lost = true
		}
	}
}

// result is what one finished answer established.
type result struct {
	line string
	ups  []protocol.LinkUpdate
	set  []protocol.Setting
}

var (
	_ protocol.Dialect      = (*Dialect)(nil)
	_ protocol.ResultLinker = (*Dialect)(nil)
)

// New returns the Inventek dialect for one session: a module at power-up,
// socket 0 selected.
func New() protocol.Dialect { return &Dialect{} }

// Name returns "inventek".
func (*Dialect) Name() string { return "inventek" }

// LineEnding returns CR alone, which ends every command line.
func (*Dialect) LineEnding() string { return LineEnding }

// FrameSpec frames the module's lines (CR LF, or CR alone), the "> "
// prompt that has no line ending, and the answer of an outstanding R0 as
// one data record (see readFrame).
func (d *Dialect) FrameSpec() protocol.FrameSpec {
	return protocol.FrameSpec{
		Prompts: []string{Prompt},
		Answer:  d.readFrame,
	}
}

// readFrame is the framing of R0's answer: its data has no length, so it
// is every byte from the leading CR LF to the final "\r\nOK\r\n> " (or
// the bare "OK\r\n> " a driver has seen), one KindData record on the link
// the read acts on. An error answer's "ERROR..." line is cut before its
// "\r\nUsage: " line and so arrives as that record's data; the answer
// rule reads it as the error it is. Limits of framing by terminator: data
// that itself holds "\r\nOK\r\n> " or "\r\nUsage: " is cut there, and an
// accept message the module printed after R0 was written but before its
// answer is framed as the start of the data (the answer rule still reads
// it as the accept it is and leaves it out of the bytes read).
func (d *Dialect) readFrame(command string) *protocol.AnswerFrame {
	if !isRead(command) {
		return nil
	}
	d.mu.Lock()
	link := d.dataLinkLocked()
	d.mu.Unlock()
	return &protocol.AnswerFrame{
		DataUntil: []string{okTail, okTail[2:], "\r\nUsage: "},
		Skip:      "\r\n",
		LinkID:    link,
	}
}

// isRead reports whether command is a bare R0 (R0 takes no value; an
// "R0=..." is refused with an ordinary error answer).
func isRead(command string) bool {
	return strings.EqualFold(strings.TrimSpace(trimEOL(command)), "R0")
}

// dataLinkLocked is the link S0, S3 and R0 act on, as far as the answers
// seen say: a TCP or TLS server socket's data is its accepted client's
// (the seed, whether or not its accept was seen), any other socket's its
// own.
func (d *Dialect) dataLinkLocked() int {
	sock := d.tr.selected
	if s := &d.tr.sockets[sock]; s.server && protoOf(s.proto) != protocol.ProtoUDP {
		return SeedLink(sock)
	}
	return sock
}

// Classify gives the kind of one output line (see the package's Classify).
// No line names a socket, so the link is always NoLink.
func (*Dialect) Classify(line []byte) (protocol.Kind, int) { return Classify(line) }

// Catalog returns the documented commands.
func (*Dialect) Catalog() []protocol.CommandSpec { return Catalog() }

// StateCommand returns "P?": it shows the selected socket only (no command
// lists every socket), so its answer is a complete listing of that socket
// and its accepted client. The other sockets' links are kept as they are
// (see ResultLinks): a poll never drops them, and P? is harmless while
// another command's socket is selected since it does not change the
// selection. A P? of a socket with P3 and P4 set but no client running
// still shows the remote address, which reads as a client.
func (*Dialect) StateCommand() string { return "P?" }

// Links reads one record of the module. Only the accept message says
// something by itself: "[TCP SVR] Accepted <ip>:<port>" is the seed of
// the server socket (see Tracker.Event). What an answer establishes (a
// server started, bytes sent or read, a "-1" lost connection, a P?
// listing) comes from ResultLinks once the answer has ended, because it
// depends on the command and on the socket P0 selected.
func (d *Dialect) Links(r protocol.Record) []protocol.LinkUpdate {
	if r.Kind != protocol.KindEvent {
		return nil
	}
	if _, ok := ParseAccept(r.Text); !ok {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	ups := d.tr.Event(r.Text)
	d.noteLocked(ups)
	if ups == nil && isServerStart(d.answering) {
		// The client came before P5's answer ended: the server is not
		// known yet. Replay the accept once it is.
		d.deferred = append(d.deferred, r.Text)
	}
	return ups
}

// isServerStart reports whether line is a P5 that starts a server.
func isServerStart(line string) bool {
	cmd, err := ParseCommand([]byte(line))
	return err == nil && cmd.Name == "P5" && (cmd.Int(0) == 1 || cmd.Int(0) == 11)
}

// ResultLinks returns what the answer to command established, once it has
// ended: the Tracker's link facts (a server or client started or stopped,
// bytes sent or read, "-1" to R0, S0 or S3 meaning the connection is
// gone) and, for P?, the selected socket's listing marked as a snapshot
// with the other sockets' known links kept. A failed command establishes
// nothing.
func (d *Dialect) ResultLinks(command string, final protocol.Record) []protocol.LinkUpdate {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.done.line != command {
		return nil
	}
	ups := d.done.ups
	d.done.ups = nil
	return ups
}

// Settings returns, for the KindSent record of a command that got OK,
// the settings its answer established: a socket's keepalive from PK or
// from P?'s last two fields ("socket<n>.keepalive", "socket<n>.keepalive_ms").
// The module prints no setting by itself.
func (d *Dialect) Settings(r protocol.Record) []protocol.Setting {
	if r.Kind != protocol.KindSent {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.done.line != r.Text {
		return nil
	}
	set := d.done.set
	d.done.set = nil
	return set
}

// SendCommand fails: no Inventek command line carries a payload. S3=<n>
// is followed by the n raw bytes after its CR; SendPlan builds that.
func (*Dialect) SendCommand(link int, payload []byte) (string, error) {
	if _, _, ok := SocketOf(link); !ok {
		return "", fmt.Errorf("S3: link %d is not a socket (0..%d) or an accepted client (%d..%d)",
			link, MaxSockets-1, seedBase, seedBase+MaxSockets-1)
	}
	return "", fmt.Errorf("S3: no command line carries a payload: S3=%d is followed by the raw bytes "+
		"(send it as a plan: P0=<socket>, S3=<n> and the bytes)", len(payload))
}

// SendPlan sends payload on link: "P0=<socket>", then for each piece of
// at most MaxPayload (1460) bytes "S3=<n>" and the piece as a raw step,
// which the module takes right after the CR (Answer's Begin awaits it).
// Each S3 is answered with the count sent, or "-1" once the connection is
// gone; that ends the plan's link (ResultLinks) but not the plan.
func (*Dialect) SendPlan(link int, payload []byte) (protocol.Plan, error) {
	steps, err := SendSteps(link, payload)
	if err != nil {
		return nil, fmt.Errorf("send: %w", err)
	}
	plan := make(protocol.Plan, 0, len(steps))
	for _, s := range steps {
		if s.Raw != nil {
			plan = append(plan, protocol.RawStep(s.Raw))
		} else {
			plan = append(plan, protocol.LineStep(s.Line))
		}
	}
	return plan, nil
}

// ReadCommand builds the one line that reads link: "R0" when link's
// socket is the one selected, which it acts on. n is not a part of R0
// (R1=<n> sets the size beforehand) and is only checked. When another
// socket is selected it fails and says to select it first: no single line
// reads a socket that is not selected (ReadPlan builds the whole read).
func (d *Dialect) ReadCommand(link, n int) (string, error) {
	if _, err := ReadCommands(link, n); err != nil {
		return "", err
	}
	if err := d.checkSelected(link, "R0"); err != nil {
		return "", err
	}
	return "R0", nil
}

// ReadPlan builds the whole read of up to n bytes from link:
// "P0=<socket>", "R1=<n>", "R0".
func (*Dialect) ReadPlan(link, n int) (protocol.Plan, error) {
	lines, err := ReadCommands(link, n)
	if err != nil {
		return nil, err
	}
	return linePlan(lines), nil
}

// CloseCommand builds the one line that closes link when its socket is
// the one selected: "P5=10" drops an accepted client (the server waits for
// the next), "P5=0" stops a server (and its client), "P6=0" stops a
// client. When another socket is selected it fails and says to select it
// first (ClosePlan builds the whole close).
func (d *Dialect) CloseCommand(link int) (string, error) {
	lines, err := d.closeLines(link)
	if err != nil {
		return "", err
	}
	if err := d.checkSelected(link, lines[1]); err != nil {
		return "", err
	}
	return lines[1], nil
}

// ClosePlan builds the whole close of link: "P0=<socket>" and the line
// CloseCommand gives.
func (d *Dialect) ClosePlan(link int) (protocol.Plan, error) {
	lines, err := d.closeLines(link)
	if err != nil {
		return nil, err
	}
	return linePlan(lines), nil
}

// closeLines is CloseCommands with the role the Tracker knows.
func (d *Dialect) closeLines(link int) ([]string, error) {
	socket, _, ok := SocketOf(link)
	if !ok {
		return CloseCommands(link, "")
	}
	d.mu.Lock()
	role := protocol.RoleClient
	if d.tr.sockets[socket].server {
		role = protocol.RoleServer
	}
	d.mu.Unlock()
	return CloseCommands(link, role)
}

// checkSelected fails when link's socket is not the selected one.
func (d *Dialect) checkSelected(link int, what string) error {
	socket, _, _ := SocketOf(link)
	d.mu.Lock()
	sel := d.tr.selected
	d.mu.Unlock()
	if sel != socket {
		return fmt.Errorf("%s acts on the selected socket, %d: select socket %d first with P0=%d", what, sel, socket, socket)
	}
	return nil
}

// linePlan is a plan of command lines.
func linePlan(lines []string) protocol.Plan {
	p := make(protocol.Plan, len(lines))
	for i, l := range lines {
		p[i] = protocol.LineStep(l)
	}
	return p
}

// KeepaliveCommands builds "P0=<socket>" and "PK=<enable>,<ms>" (see the
// package's KeepaliveCommands): PK sets the idle time of the socket's TCP
// connections; the probes are KeepInterval apart and KeepCount end the
// link. A seed's link sets its server's socket, whose current client gets
// it at once and its next clients too.
func (*Dialect) KeepaliveCommands(link int, p protocol.Keepalive) ([]string, error) {
	return KeepaliveCommands(link, p)
}

// Timeout is how long a command may take: C0 (association and DHCP) and
// P6=1 (a TCP connect or TLS handshake) 30 s; R0, S0 and S3 wait up to
// R2's or S2's timeout (30 s at most) before answering, 35 s; F0 (a scan)
// 15 s; everything else 5 s.
func (*Dialect) Timeout(command string) time.Duration {
	switch strings.ToUpper(strings.TrimSpace(commandName(command))) {
	case "C0", "P6":
		return 30 * time.Second
	case "R0", "S0", "S3":
		return 35 * time.Second
	case "F0":
		return 15 * time.Second
	}
	return 5 * time.Second
}

// SplitLine cuts a typed line as the module does: the name is everything
// up to '=' (two characters, "P?" included: the '?' is part of the name),
// and the values after '=' are split on commas with no escapes, except
// that the one free-text value of C1 (an SSID) and C2 (a passphrase)
// keeps its commas.
func (*Dialect) SplitLine(line string) protocol.Split {
	var sp protocol.Split
	sp.Name.Start = len(line) - len(strings.TrimLeft(line, " "))
	eq := strings.IndexByte(line[sp.Name.Start:], '=')
	if eq < 0 {
		sp.Name.End = len(line)
		return sp
	}
	eq += sp.Name.Start
	sp.Name.End, sp.Sep = eq, '='
	spec, ok := Lookup(Catalog(), line[sp.Name.Start:eq])
	if ok && len(spec.Params) == 1 && spec.Params[0].Type == protocol.ParamString {
		sp.Fields = []protocol.Field{{Start: eq + 1, End: len(line)}}
		return sp
	}
	start := eq + 1
	for i := start; i < len(line); i++ {
		if line[i] == ',' {
			sp.Fields = append(sp.Fields, protocol.Field{Start: start, End: i})
			start = i + 1
		}
	}
	sp.Fields = append(sp.Fields, protocol.Field{Start: start, End: len(line)})
	return sp
}

// FormatLink writes a link id as the commands take it, in P0: a socket's
// number, 0..3, for the socket's own link and for the client its server
// accepted (a workbench id, 4..7), since the commands reach that client
// through its server's socket. Other ids are written in decimal.
func (*Dialect) FormatLink(id int) string {
	if socket, _, ok := SocketOf(id); ok {
		return strconv.Itoa(socket)
	}
	return strconv.Itoa(id)
}

// KeepaliveInForce is the keepalive that connections made now get: PK is
// per socket, so it is the selected socket's (the one the next P5 or P6
// starts), from its "socket<n>.keepalive" and "socket<n>.keepalive_ms"
// settings: idle ms, then KeepCount probes KeepInterval apart. ok is false
// while the settings say nothing of that socket.
func (d *Dialect) KeepaliveInForce(settings []protocol.Setting) (protocol.Keepalive, bool) {
	d.mu.Lock()
	sock := d.tr.selected
	d.mu.Unlock()
	return socketKeepalive(sock, settings)
}

// socketKeepalive reads socket's keepalive settings.
func socketKeepalive(sock int, settings []protocol.Setting) (protocol.Keepalive, bool) {
	prefix := "socket" + strconv.Itoa(sock) + "."
	on, known := false, false
	ms := KeepDefault
	for _, s := range settings {
		name, ok := strings.CutPrefix(s.Name, prefix)
		if !ok {
			continue
		}
		v, err := strconv.Atoi(strings.TrimSpace(s.Value))
		if err != nil || v < 0 {
			continue
		}
		switch name {
		case "keepalive":
			on, known = v == 1, true
		case "keepalive_ms":
			ms = v
		}
	}
	if !known {
		return protocol.Keepalive{}, false
	}
	return KeepaliveFor(on, ms), true
}
