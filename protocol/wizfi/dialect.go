package wizfi

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"atbench/protocol"
)

// Dialect is the WizFi210 / GainSpan S2W command set as a session speaks
// it. It keeps two pieces of per-session state, learnt from the records
// the session shows it: which CIDs have had socket options set, so that a
// new connection on such a CID resets them (see Settings), and the peer
// that last sent a datagram to each UDP server CID, so that a send on it
// answers that peer (see SendPlan). It is safe for use by several
// goroutines.
type Dialect struct {
	mu sync.Mutex
	// configured holds the CIDs whose options were set since they were
	// last opened.
	configured [MaxCIDs]bool
	// peers holds, per UDP server CID, the last sender seen.
	peers [MaxCIDs]udpPeerAddr
}

// udpPeerAddr is a UDP server's peer; the zero value is none.
type udpPeerAddr struct {
	ip   string
	port int
}

var (
	_ protocol.Dialect      = (*Dialect)(nil)
	_ protocol.ResultLinker = (*Dialect)(nil)
)

// New returns the WizFi dialect for one session.
func New() protocol.Dialect { return &Dialect{} }

// Name returns "wizfi".
func (*Dialect) Name() string { return "wizfi" }

// LineEnding returns CR, which ends every command line (C.1).
func (*Dialect) LineEnding() string { return LineEnding }

// FrameSpec frames the module's lines (CR LF, CR or LF) and its data
// frames (Payload): ESC S and ESC u up to ESC E with ESC doubled, the
// counted ESC Z, ESC y, ESC H and ESC R, and the ESC O / ESC F
// acknowledgements. The module has no prompt and no answer-specific
// framing: data is never the answer to a command.
func (*Dialect) FrameSpec() protocol.FrameSpec {
	return protocol.FrameSpec{
		PayloadPrefixes: PayloadPrefixes(),
		Payload:         Payload,
	}
}

// Classify gives the kind and CID of one line (see the package's Classify).
func (*Dialect) Classify(line []byte) (protocol.Kind, int) { return Classify(line) }

// Catalog returns the documented commands.
func (*Dialect) Catalog() []protocol.CommandSpec { return Catalog() }

// StateCommand returns "AT+CID=?", which lists every CID in use, or says
// " No valid Cids".
func (*Dialect) StateCommand() string { return StateCommand }

// Links extracts link facts from one record (see the package's Links),
// plus:
//   - " No valid Cids", the AT+CID=? answer with no CID: an update of
//     NoLink marked Snapshot, which says that no link exists;
//   - a KindRaw record (the host's data frames): the bytes sent on each
//     CID they name;
//   - "Disassociation Event", or a confirmed AT+WD: the module left its
//     access point and every CID is gone (UNCONFIRMED, as the emulator
//     does: no DISCONNECT lines follow).
//
// A UDP server's datagram (ESC u, ESC y) makes its sender the peer of the
// next send on that CID; a CID that is gone or connected anew has none.
func (d *Dialect) Links(r protocol.Record) []protocol.LinkUpdate {
	out := links(r)
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, u := range out {
		if u.Gone && u.ID >= 0 && u.ID < MaxCIDs {
			d.peers[u.ID] = udpPeerAddr{}
		}
	}
	switch r.Kind {
	case protocol.KindEvent:
		if c, ok := ParseConnect(r.Text); ok {
			d.peers[c.CID] = udpPeerAddr{}
		}
	case protocol.KindData:
		if p, ok := datagramPeer(r.Text); ok && r.LinkID >= 0 && r.LinkID < MaxCIDs {
			d.peers[r.LinkID] = p
		}
	}
	return out
}

// datagramPeer reads the sender in the header of a UDP server frame
// ("ESC u <cid> <ip> SP <port> HT", or ESC y's).
func datagramPeer(head string) (udpPeerAddr, bool) {
	if len(head) < 4 || head[0] != ESC || (head[1] != 'u' && head[1] != 'y') {
		return udpPeerAddr{}, false
	}
	addr, _, ok := strings.Cut(head[3:], "\t")
	if !ok {
		return udpPeerAddr{}, false
	}
	ip, portText, ok := strings.Cut(addr, " ")
	port, okPort := atoiMax(portText, 65535)
	if !ok || !okPort || !isIPv4(ip) {
		return udpPeerAddr{}, false
	}
	return udpPeerAddr{ip: ip, port: port}, true
}

// peer returns the peer of a UDP server CID, if one sent to it.
func (d *Dialect) peer(cid int) (udpPeerAddr, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	p := d.peers[cid]
	return p, p.ip != ""
}

// links is Links without the state it keeps.
func links(r protocol.Record) []protocol.LinkUpdate {
	switch r.Kind {
	case protocol.KindInfo:
		if strings.TrimSpace(r.Text) == strings.TrimSpace(NoCIDs) {
			return []protocol.LinkUpdate{{ID: protocol.NoLink, Snapshot: true, Parent: protocol.NoLink,
				Reason: "not listed by AT+CID=? (No valid Cids)"}}
		}
	case protocol.KindEvent:
		if st, ok := ParseStatus([]byte(r.Text)); ok && st == StatusDisassociationEvent {
			return allGone("Wi-Fi lost (Disassociation Event)", protocol.CauseNetwork)
		}
	case protocol.KindRaw:
		return sentFrames(r.Payload)
	case protocol.KindSent:
		if commandName(r.Text) == "AT+WD" {
			return allGone("Wi-Fi left (AT+WD)", protocol.CauseHost)
		}
	}
	return Links(r)
}

// allGone says that every CID is gone.
func allGone(reason string, cause protocol.Cause) []protocol.LinkUpdate {
	out := make([]protocol.LinkUpdate, MaxCIDs)
	for i := range out {
		out[i] = protocol.LinkUpdate{ID: i, Gone: true, Parent: protocol.NoLink, State: protocol.StateClosed, Reason: reason, Cause: cause}
	}
	return out
}

// sentFrames counts the payload bytes of the host's data frames per CID.
func sentFrames(p []byte) []protocol.LinkUpdate {
	var out []protocol.LinkUpdate
	for _, f := range NewDecoder(len(p)).Decode(nil, p) {
		switch f.Kind {
		case FrameData, FrameBulk, FrameUDPTx:
		default:
			continue
		}
		if f.CID < 0 || f.CID >= MaxCIDs || len(f.Data) == 0 {
			continue
		}
		if n := len(out); n > 0 && out[n-1].ID == f.CID {
			out[n-1].TxBytes += len(f.Data)
			continue
		}
		out = append(out, protocol.LinkUpdate{ID: f.CID, Parent: protocol.NoLink, TxBytes: len(f.Data)})
	}
	return out
}

// ResultLinks reads what a command's final result says about a link:
//   - a successful AT+NCTCP, AT+NSTCP, AT+NCUDP or AT+NSUDP: the answer's
//     "CONNECT <cid>" gave the new link's CID, which Answer puts in the
//     final record's LinkID; the command says its role, protocol and
//     address (OpenedLink);
//   - "ERROR: INVALID CID" to a command that names a CID (AT+NCLOSE,
//     AT+SETSOCKOPT): that CID is not in use.
func (*Dialect) ResultLinks(command string, final protocol.Record) []protocol.LinkUpdate {
	switch final.Kind {
	case protocol.KindOK:
		if final.LinkID == protocol.NoLink || !opens(command) {
			return nil
		}
		if u, ok := OpenedLink(command, final.LinkID); ok {
			return []protocol.LinkUpdate{u}
		}
	case protocol.KindError:
		st, ok := ParseStatus([]byte(final.Text))
		if !ok || st != StatusInvalidCID {
			return nil
		}
		if cid, ok := commandCID(command); ok {
			return []protocol.LinkUpdate{{ID: cid, Gone: true, Parent: protocol.NoLink,
				State: protocol.StateClosed, Reason: "not in use (" + StatusInvalidCID.String() + ")"}}
		}
	}
	return nil
}

// opens reports a command that opens a CID and answers "CONNECT <cid>".
func opens(command string) bool {
	switch commandName(command) {
	case "AT+NCTCP", "AT+NSTCP", "AT+NCUDP", "AT+NSUDP":
		return true
	}
	return false
}

// commandName is a command line's name as the module reads it: up to '=',
// spaces dropped, upper case.
func commandName(command string) string {
	name, _, _ := strings.Cut(command, "=")
	return strings.ToUpper(strings.TrimSpace(strings.TrimRight(name, "\r\n")))
}

// commandCID is the CID that AT+NCLOSE or AT+SETSOCKOPT names first.
func commandCID(command string) (int, bool) {
	c, err := ParseCommand([]byte(command))
	if err != nil || len(c.Args) == 0 || (c.Name != "AT+NCLOSE" && c.Name != "AT+SETSOCKOPT") {
		return protocol.NoLink, false
	}
	return cidOf([]byte(strings.TrimSpace(c.Args[0])))
}

// Settings extracts settings from one record (see the package's Settings:
// AT+NSTAT=? lines, and the echo, bulk and per-CID socket options of
// confirmed commands). Socket options belong to the socket, so a new
// connection on a CID whose options were set ("CONNECT <cid>", or an
// accept into it) resets them: each comes back as "0", not set.
func (d *Dialect) Settings(r protocol.Record) []protocol.Setting {
	out := Settings(r)
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, s := range out {
		if cid, ok := settingCID(s.Name); ok {
			d.configured[cid] = true
		}
	}
	if r.Kind != protocol.KindEvent {
		return out
	}
	c, ok := ParseConnect(r.Text)
	if !ok || !d.configured[c.CID] {
		return out
	}
	d.configured[c.CID] = false
	for _, opt := range [...]int{OptKeepalive, OptTCPKeepalive, OptKeepaliveCnt, OptMaxRT} {
		out = append(out, protocol.Setting{Name: SettingName(c.CID, opt), Value: "0"})
	}
	return out
}

// settingCID reads the CID of a per-CID setting name ("cid3.tcp_keepalive").
func settingCID(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, "cid")
	if !ok || len(rest) < 2 || rest[1] != '.' {
		return protocol.NoLink, false
	}
	return cidOf([]byte(rest[:1]))
}

// ErrNoSendLine is returned by SendCommand: data never travels in a
// command line.
var ErrNoSendLine = errors.New("wizfi: no command line carries data: a send is an ESC S <cid> … ESC E frame written as raw bytes (a send plan)")

// SendCommand fails: no command line carries data (see SendPlan).
func (*Dialect) SendCommand(link int, payload []byte) (string, error) {
	return "", ErrNoSendLine
}

// ReadCommand fails with ErrNoRead: the module pushes received data.
func (*Dialect) ReadCommand(link, n int) (string, error) { return ReadCommand(link, n) }

// CloseCommand builds "AT+NCLOSE=<cid>".
func (*Dialect) CloseCommand(link int) (string, error) { return CloseCommand(link) }

// KeepaliveCommands builds the AT+SETSOCKOPT lines of a policy on a CID
// (see the package's KeepaliveCommands).
func (*Dialect) KeepaliveCommands(link int, p protocol.Keepalive) ([]string, error) {
	return KeepaliveCommands(link, p)
}

// Timeout is how long a command may take: association (AT+WA) and DHCP
// (AT+NDHCP) 30 s; a TCP connect (AT+NCTCP) 30 s; a DNS lookup 10 s;
// everything else 5 s. UNCONFIRMED: the module's own timeouts are not
// documented.
func (*Dialect) Timeout(command string) time.Duration {
	switch commandName(command) {
	case "AT+WA", "AT+NDHCP", "AT+NCTCP":
		return 30 * time.Second
	case "AT+DNSLOOKUP":
		return 10 * time.Second
	}
	return 5 * time.Second
}

// SplitLine cuts a typed line as the module's parser does (ParseCommand):
// the name runs to the first '=' without the spaces around it; "=?" is a
// query with no fields (Sep '=', Fields nil); the fields are split on
// every comma, without escapes (so an SSID cannot hold a comma), each
// without its surrounding spaces.
func (*Dialect) SplitLine(line string) protocol.Split {
	sp := protocol.Split{}
	sp.Name.Start = len(line) - len(strings.TrimLeft(line, " \t"))
	eq := strings.IndexByte(line, '=')
	if eq < 0 {
		sp.Name.End = len(line)
		return sp
	}
	sp.Name.End = sp.Name.Start + len(strings.TrimRight(line[sp.Name.Start:eq], " \t"))
	sp.Sep = '='
	if strings.TrimSpace(line[eq+1:]) == "?" {
		return sp
	}
	start := eq + 1
	for i := start; i <= len(line); i++ {
		if i < len(line) && line[i] != ',' {
			continue
		}
		f := protocol.Field{Start: start, End: i}
		for f.Start < f.End && (line[f.Start] == ' ' || line[f.Start] == '\t') {
			f.Start++
		}
		for f.End > f.Start && (line[f.End-1] == ' ' || line[f.End-1] == '\t') {
			f.End--
		}
		sp.Fields = append(sp.Fields, f)
		start = i + 1
	}
	return sp
}

// FormatLink writes a CID as one lower-case hex digit, 0..f.
func (*Dialect) FormatLink(id int) string { return FormatCID(id) }

// KeepaliveInForce is the keepalive that sockets created now get: the
// options are set per socket after it is open (AT+SETSOCKOPT=<cid>,…), so
// a new socket always starts with keepalive off, whatever the settings
// say; were it turned on, the firmware's defaults would apply: probes 75 s
// apart, 8 of them, detection after 7200 s. ok is always true. The
// keepalive of an open CID is LinkKeepalive's.
func (*Dialect) KeepaliveInForce(settings []protocol.Setting) (protocol.Keepalive, bool) {
	return SocketKeepalive{}.Keepalive(), true
}

// LinkKeepalive is the keepalive in force on one CID by the settings seen
// (its confirmed AT+SETSOCKOPT options, reset when the CID was opened
// again; see Settings): probes 75 s apart, Count of them, the first after
// Idle of silence, Idle + Count × Interval being the detection time. The
// seed's recipes give Idle 0, Count 8 (600 s) and Idle 0, Count 1 (75 s).
// The module accepted every option it confirmed, so the latest value of
// each is in force, in whatever order they were set; the detection time is
// never below count × 75 s. ok is false when no option of the CID was
// seen.
func (*Dialect) LinkKeepalive(link int, settings []protocol.Setting) (protocol.Keepalive, bool) {
	if link < 0 || link >= MaxCIDs {
		return protocol.Keepalive{}, false
	}
	var s SocketKeepalive
	seen := false
	for _, set := range settings {
		for _, opt := range [...]int{OptKeepalive, OptTCPKeepalive, OptKeepaliveCnt, OptMaxRT} {
			if set.Name != SettingName(link, opt) {
				continue
			}
			v, err := strconv.Atoi(strings.TrimSpace(set.Value))
			if err != nil || v < 0 {
				continue
			}
			seen = true
			switch opt {
			case OptKeepalive:
				s.On = v != 0
			case OptTCPKeepalive:
				s.Time = v
			case OptKeepaliveCnt:
				s.Count = v
			case OptMaxRT:
				s.MaxRT = v
			}
		}
	}
	if !seen {
		return protocol.Keepalive{}, false
	}
	return s.Keepalive(), true
}

// checkPayload checks a CID and a payload for a send.
func checkPayload(link int, payload []byte) error {
	if err := checkCID(link); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	if len(payload) == 0 {
		return errors.New("send: empty payload")
	}
	return nil
}
