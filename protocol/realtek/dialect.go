// Package realtek is the Realtek Ameba AT command set (ameba-rtos "AT
// command" firmware, Host Control Mode) as the host sees it: its catalogue,
// the framing and classification of its output, and the commands the
// workbench builds for it.
package realtek

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"atbench/protocol"
)

// Dialect is the Realtek Ameba command set. The zero value is ready to use.
type Dialect struct{}

var (
	_ protocol.Dialect       = Dialect{}
	_ protocol.ModuleEventer = Dialect{}
)

// New returns the Realtek dialect.
func New() Dialect { return Dialect{} }

// Name returns "realtek".
func (Dialect) Name() string { return "realtek" }

// LineEnding returns CR LF, which ends every command line.
func (Dialect) LineEnding() string { return "\r\n" }

// FrameSpec frames lines of at most MaxLine bytes and the two
// length-delimited records: auto-receive pushes ("[$][SKT][DATA]...:") and
// AT+SKTREAD answers ("+SKTREAD:...,"). The module has no prompt without a
// line ending: its ">>>" comes with CR LF.
func (Dialect) FrameSpec() protocol.FrameSpec {
	return protocol.FrameSpec{
		MaxLine:         MaxLine,
		PayloadPrefixes: []string{dataPrefix, readPrefix},
		Payload:         Payload,
	}
}

// Payload is the payload rule of FrameSpec. It recognises
//
//	[$][SKT][DATA][<id>][<len>]:                  TCP, TLS
//	[$][SKT][DATA][<id>][<len>][<ip>][<port>]:    UDP
//	+SKTREAD:<id>,<len>,                          TCP, TLS
//	+SKTREAD:<id>,<len>,<ip>,<port>,              UDP
//
// A "+SKTREAD:" line does not say which protocol it carries, so the UDP form
// is chosen when the bytes after "<len>," are a dotted IPv4 address, a
// comma, a port and a comma; while they could still become that, the rule
// answers NeedMore, and as soon as they cannot (a byte that is not a digit
// or a dot, an octet over 255, the CR of an empty read) it settles on the
// TCP form. A TCP payload that itself starts with "<ipv4>,<port>," is
// therefore misread as UDP.
//
// It answers NeedMore while the header could still be completed and NoMatch
// as soon as it cannot (a non-digit where a digit belongs, a length over
// 65535, a link id over three digits).
func Payload(line []byte) protocol.PayloadMatch {
	var (
		h  PayloadHeader
		st protocol.MatchStatus
	)
	switch {
	case len(line) == 0:
		return protocol.PayloadMatch{Status: protocol.NeedMore, LinkID: protocol.NoLink}
	case line[0] == dataPrefix[0]:
		h, st = scanData(line)
	case line[0] == readPrefix[0]:
		h, st = scanRead(line, false)
	default:
		st = protocol.NoMatch
	}
	if st != protocol.Match {
		return protocol.PayloadMatch{Status: st, LinkID: protocol.NoLink}
	}
	return protocol.PayloadMatch{Status: protocol.Match, Header: h.Size, Length: h.Length, LinkID: h.LinkID}
}

// Classify gives the kind of one line of module output and its link:
// "OK" and the other generation's "+<NAME>:OK" are successes; "ERROR: <n>"
// (any line starting "ERROR:"), "+<NAME>:ERROR: <n>", "ERROR" and the
// firmware's "unknown command '...'" answer are errors; ">>>" (transparent
// transmission) is a prompt; "ATCMD
// READY" and every "[$]..." message are events, an accept event with its
// seed's link id; the rest is information, an AT+SKTSTATE line or a
// "+SKTREAD:" line with its link id.
func (Dialect) Classify(line []byte) (protocol.Kind, int) {
	line = bytes.TrimRight(line, "\r\n")
	// Comparisons of string(line) with constants do not allocate; only the
	// lines that carry a link id are converted to a string.
	switch {
	case string(line) == "OK":
		return protocol.KindOK, protocol.NoLink
	case string(line) == "ERROR", bytes.HasPrefix(line, []byte("ERROR:")), bytes.HasPrefix(line, []byte("unknown command")):
		return protocol.KindError, protocol.NoLink
	case len(line) > 0 && line[0] == '+':
		// The 2024 generation's named results, "+WLCONN:OK" and
		// "+WLCONN:ERROR: <n>" (A.4); any other "+NAME:" line is an answer.
		if k, ok := namedResult(line); ok {
			return k, protocol.NoLink
		}
		if bytes.HasPrefix(line, []byte(readPrefix)) {
			return protocol.KindInfo, leadingID(line[len(readPrefix):])
		}
		return protocol.KindInfo, protocol.NoLink
	case string(line) == ">>>":
		return protocol.KindPrompt, protocol.NoLink
	case string(line) == "ATCMD READY":
		return protocol.KindEvent, protocol.NoLink
	case bytes.HasPrefix(line, []byte(eventPrefix)):
		s := string(line)
		if a, ok := ParseAccept(s); ok {
			return protocol.KindEvent, a.Seed
		}
		if h, ok := ParseDataHeader(s); ok {
			return protocol.KindEvent, h.LinkID
		}
		return protocol.KindEvent, protocol.NoLink
	case bytes.HasPrefix(line, []byte(statePrefix)):
		return protocol.KindInfo, leadingID(line[len(statePrefix):])
	}
	return protocol.KindInfo, protocol.NoLink
}

// namedResult reads a final result of the generation that names its
// command: "+<NAME>:OK" or "+<NAME>:ERROR: <n>", NAME in upper case
// letters and digits.
func namedResult(line []byte) (protocol.Kind, bool) {
	name, rest, ok := bytes.Cut(line[1:], []byte(":"))
	if !ok || len(name) == 0 {
		return 0, false
	}
	for _, c := range name {
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return 0, false
		}
	}
	switch {
	case string(rest) == "OK":
		return protocol.KindOK, true
	case bytes.HasPrefix(rest, []byte("ERROR")):
		if _, ok := ParseError(string(rest)); ok || string(rest) == "ERROR" {
			return protocol.KindError, true
		}
	}
	return 0, false
}

// ModuleEvent reads the module's words about itself: "ATCMD READY" (it
// started up: every link is gone), "[$]wifi disconnected" (its Wi-Fi link
// was lost), "[$]wifi connected", "[$]wifi reconnect done" and
// "[$]wifi got ip:..." (it is back).
func (Dialect) ModuleEvent(r protocol.Record) protocol.ModuleEvent {
	if r.Kind != protocol.KindEvent {
		return protocol.ModuleNone
	}
	t := trimEOL(r.Text)
	switch {
	case t == "ATCMD READY":
		return protocol.ModuleRestart
	case t == "[$]wifi disconnected":
		return protocol.ModuleWifiLost
	case t == "[$]wifi connected", t == "[$]wifi reconnect done", strings.HasPrefix(t, "[$]wifi got ip:"):
		return protocol.ModuleWifiBack
	}
	return protocol.ModuleNone
}

// leadingID reads the link id that starts s and is followed by a comma.
func leadingID(b []byte) int {
	id, _, ok := bytes.Cut(b, []byte(","))
	if !ok {
		return protocol.NoLink
	}
	n, ok := atoiMax(string(id), maxID)
	if !ok {
		return protocol.NoLink
	}
	return n
}

// Catalog returns the documented commands (see the package-level Catalog).
func (Dialect) Catalog() []protocol.CommandSpec { return Catalog() }

// StateCommand returns "AT+SKTSTATE", which lists every link.
func (Dialect) StateCommand() string { return "AT+SKTSTATE" }

// Links extracts link facts from one record:
//   - an accept event: the seed exists, with its peer and its server;
//   - an AT+SKTSTATE line: the link exists (Snapshot), with role, protocol
//     and the addresses the module reports; an address with port 0 is not
//     reported and stays empty, and socket_fd -1 means the socket is closed;
//   - a KindData record: the payload bytes received on its link;
//   - a KindSent record of AT+SKTSERVER, AT+SKTCLIENT or AT+SKTDEL, which
//     the session passes only after the command got OK: the link was created
//     or deleted. Deleting a server also deletes its seeds; the session
//     closes those itself.
//
// Parent is NoLink unless the record names the server (accept events). The
// firmware prints nothing when a peer closes a link (the only trace is
// "ERROR: 4" after AT+SKTREAD, which does not name the link), so no update
// reports it.
func (Dialect) Links(r protocol.Record) []protocol.LinkUpdate {
	switch r.Kind {
	case protocol.KindEvent, protocol.KindInfo:
		if a, ok := ParseAccept(r.Text); ok {
			return []protocol.LinkUpdate{{
				ID: a.Seed, Present: true, Role: protocol.RoleSeed, Proto: a.Proto,
				Parent: a.Server, Remote: hostPort(a.IP, a.Port),
				State: protocol.StateEstablished,
			}}
		}
		if s, ok := ParseStateLine(r.Text); ok {
			return []protocol.LinkUpdate{stateUpdate(s)}
		}
	case protocol.KindData:
		if len(r.Payload) == 0 {
			return nil
		}
		id := r.LinkID
		if id == protocol.NoLink {
			id = headerLink(r.Text)
		}
		if id == protocol.NoLink {
			return nil
		}
		return []protocol.LinkUpdate{{ID: id, Parent: protocol.NoLink, RxBytes: len(r.Payload)}}
	case protocol.KindSent:
		return sentLinks(trimEOL(r.Text))
	}
	return nil
}

// ResultLinks reads what a failed command says about a link: AT+SKTREAD
// answered "ERROR: 4" means the peer closed the link and the firmware
// closed its socket (A.6), the only trace a peer's close leaves on the AT
// port.
func (Dialect) ResultLinks(command string, final protocol.Record) []protocol.LinkUpdate {
	name, args, _ := strings.Cut(trimEOL(command), "=")
	if final.Kind != protocol.KindError || !strings.EqualFold(name, "AT+SKTREAD") {
		return nil
	}
	if code, ok := ParseError(final.Text); !ok || code != 4 {
		return nil
	}
	idText, _, _ := strings.Cut(args, ",")
	id, ok := atoiMax(idText, maxID)
	if !ok {
		return nil
	}
	// The firmware closes the socket; the link keeps its id until AT+SKTDEL.
	return []protocol.LinkUpdate{{ID: id, Parent: protocol.NoLink, State: protocol.StateClosed, Reason: "peer closed (AT+SKTREAD: ERROR: 4)", Cause: protocol.CausePeer}}
}

// headerLink is the link id of a payload header, or NoLink.
func headerLink(text string) int {
	if h, ok := ParseDataHeader(text); ok {
		return h.LinkID
	}
	if h, ok := ParseReadHeader(text); ok {
		return h.LinkID
	}
	return protocol.NoLink
}

// stateUpdate turns an AT+SKTSTATE line into a link update.
func stateUpdate(s StateLine) protocol.LinkUpdate {
	u := protocol.LinkUpdate{
		ID: s.LinkID, Present: true, Role: s.Role, Proto: s.Proto,
		Parent: protocol.NoLink, Snapshot: true,
	}
	if s.SrcPort != 0 {
		u.Local = hostPort(s.SrcAddr, s.SrcPort)
	}
	if s.DstPort != 0 {
		u.Remote = hostPort(s.DstAddr, s.DstPort)
	}
	switch {
	case s.FD < 0:
		u.State = protocol.StateClosed
		u.Reason = "socket closed (socket_fd:-1)"
	case s.Proto == protocol.ProtoUDP:
		u.State = protocol.StateBound
	case s.Role == protocol.RoleServer:
		u.State = protocol.StateListen
	default:
		u.State = protocol.StateEstablished
	}
	return u
}

// sentLinks reads a confirmed AT+SKTSERVER, AT+SKTCLIENT or AT+SKTDEL line.
func sentLinks(line string) []protocol.LinkUpdate {
	name, args, _ := strings.Cut(line, "=")
	f := strings.Split(args, ",")
	switch strings.ToUpper(name) {
	case "AT+SKTSERVER": // <link_id>,<conn_type>,[<cert_index>],<src_port>,<auto_rcv>
		if len(f) != 5 {
			return nil
		}
		id, ok1 := atoiMax(f[0], maxID)
		typ, ok2 := atoiMax(f[1], 3)
		port, ok3 := atoiMax(f[3], maxPort)
		if !ok1 || !ok2 || !ok3 {
			return nil
		}
		u := protocol.LinkUpdate{
			ID: id, Present: true, Role: protocol.RoleServer, Proto: connProto(typ),
			Parent: protocol.NoLink, Local: hostPort("0.0.0.0", port), State: protocol.StateListen,
		}
		if u.Proto == protocol.ProtoUDP {
			u.State = protocol.StateBound
		}
		return []protocol.LinkUpdate{u}
	case "AT+SKTCLIENT": // <link_id>,<conn_type>,[<cert_index>],<dst_host>,<dst_port>,[<src_port>],<auto_rcv>
		if len(f) != 7 || f[3] == "" {
			return nil
		}
		id, ok1 := atoiMax(f[0], maxID)
		typ, ok2 := atoiMax(f[1], 5)
		port, ok3 := atoiMax(f[4], maxPort)
		if !ok1 || !ok2 || !ok3 {
			return nil
		}
		u := protocol.LinkUpdate{
			ID: id, Present: true, Role: protocol.RoleClient, Proto: connProto(typ),
			Parent: protocol.NoLink, Remote: hostPort(f[3], port), State: protocol.StateEstablished,
		}
		if src, ok := atoiMax(f[5], maxPort); ok {
			u.Local = hostPort("0.0.0.0", src)
		}
		if u.Proto == protocol.ProtoUDP {
			u.State = protocol.StateBound
		}
		return []protocol.LinkUpdate{u}
	case "AT+SKTSEND", "AT+SKTSENDRAW": // <link_id>,<data_size>,...
		if len(f) < 2 {
			return nil
		}
		id, ok1 := atoiMax(f[0], maxID)
		n, ok2 := atoiMax(f[1], math.MaxInt32)
		if !ok1 || !ok2 || n == 0 {
			return nil
		}
		return []protocol.LinkUpdate{{ID: id, Parent: protocol.NoLink, TxBytes: n}}
	case "AT+SKTDEL": // <link_id>
		if len(f) != 1 {
			return nil
		}
		id, ok := atoiMax(f[0], maxID)
		if !ok {
			return nil
		}
		return []protocol.LinkUpdate{{ID: id, Gone: true, Parent: protocol.NoLink, Reason: "deleted (AT+SKTDEL)", Cause: protocol.CauseHost}}
	}
	return nil
}

// connProto maps a conn_type of AT+SKTSERVER/AT+SKTCLIENT: 0 UDP, 1 TCP,
// anything above a TLS variant.
func connProto(t int) protocol.Proto {
	switch t {
	case 0:
		return protocol.ProtoUDP
	case 1:
		return protocol.ProtoTCP
	}
	return protocol.ProtoTLS
}

func hostPort(host string, port int) string { return host + ":" + strconv.Itoa(port) }

// Settings extracts global socket options: one from an AT+SKTQUERY answer
// line ("so_keepalive: 1"), or all seven from a confirmed AT+SKTCFG line.
// The firmware assigns every AT+SKTCFG field on each call, so an omitted
// field is reported as "0".
func (Dialect) Settings(r protocol.Record) []protocol.Setting {
	switch r.Kind {
	case protocol.KindInfo:
		if s, ok := ParseQueryLine(r.Text); ok {
			return []protocol.Setting{s}
		}
	case protocol.KindSent:
		name, args, ok := strings.Cut(trimEOL(r.Text), "=")
		if !ok || !strings.EqualFold(name, "AT+SKTCFG") {
			return nil
		}
		vals := strings.Split(args, ",")
		names := sktcfgFields()
		if len(vals) > len(names) {
			return nil
		}
		out := make([]protocol.Setting, 0, len(names))
		for i, n := range names {
			v := 0
			if i < len(vals) && vals[i] != "" {
				var ok bool
				if v, ok = atoiMax(vals[i], 1<<31-1); !ok {
					return nil
				}
			}
			out = append(out, protocol.Setting{Name: n, Value: strconv.Itoa(v)})
		}
		return out
	}
	return nil
}

// SendCommand builds "AT+SKTSEND=<id>,<len>,,,<data>". The data field goes
// through the firmware's escaping parser (parse_param_advance), so ',' is
// sent as `\,` and '\' as `\\`; <len> counts the bytes before escaping. The
// whole line with its CR LF must fit in MaxLine bytes. A payload with CR,
// LF or NUL cannot travel in a command line: send it with AT+SKTSENDRAW.
func (Dialect) SendCommand(link int, payload []byte) (string, error) {
	if err := checkLink(link); err != nil {
		return "", fmt.Errorf("AT+SKTSEND: %w", err)
	}
	if len(payload) == 0 {
		return "", errors.New("AT+SKTSEND: empty payload (data_size must be at least 1)")
	}
	for _, c := range payload {
		if c == '\r' || c == '\n' || c == 0 {
			return "", fmt.Errorf("AT+SKTSEND: payload contains %q, which a command line cannot carry; "+
				"send it with AT+SKTSENDRAW=%d,%d instead", c, link, len(payload))
		}
	}
	var b strings.Builder
	b.Grow(len("AT+SKTSEND=") + 12 + 2*len(payload))
	fmt.Fprintf(&b, "AT+SKTSEND=%d,%d,,,", link, len(payload))
	for _, c := range payload {
		if c == ',' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	cmd := b.String()
	if n := len(cmd) + len("\r\n"); n > MaxLine {
		return "", fmt.Errorf("AT+SKTSEND: a %d-byte payload makes a %d-byte command line, over the module's %d bytes; "+
			"send it in parts or with AT+SKTSENDRAW", len(payload), n, MaxLine)
	}
	return cmd, nil
}

// ReadCommand builds "AT+SKTREAD=<id>,<n>" (n from 1 to 65535).
func (Dialect) ReadCommand(link, n int) (string, error) {
	if err := checkLink(link); err != nil {
		return "", fmt.Errorf("AT+SKTREAD: %w", err)
	}
	if n < 1 || n > maxPayloadLen {
		return "", fmt.Errorf("AT+SKTREAD: data_size %d out of range 1..%d", n, maxPayloadLen)
	}
	return fmt.Sprintf("AT+SKTREAD=%d,%d", link, n), nil
}

// CloseCommand builds "AT+SKTDEL=<id>". Deleting a server also deletes its
// seeds.
func (Dialect) CloseCommand(link int) (string, error) {
	if err := checkLink(link); err != nil {
		return "", fmt.Errorf("AT+SKTDEL: %w", err)
	}
	return fmt.Sprintf("AT+SKTDEL=%d", link), nil
}

// KeepaliveCommands builds one "AT+SKTCFG=,,,<0|1>,<idle>,<intvl>,<cnt>".
// AT+SKTCFG is global and applies only to sockets created after it, never
// to link itself if it is already open; link is checked but otherwise
// unused (NoLink is accepted). The firmware assigns every field on each
// call, so the command also resets so_sndtimeo, so_rcvtimeo and tcp_nodelay
// to 0. Durations are rounded up to whole seconds; idle must be at most
// 7200 s, interval at most 75 s, count at most 10. Zero means "not set" to
// the firmware (lwIP's default applies). When p is not Enabled the command
// turns keepalive off and zeroes the three values.
func (Dialect) KeepaliveCommands(link int, p protocol.Keepalive) ([]string, error) {
	if link != protocol.NoLink {
		if err := checkLink(link); err != nil {
			return nil, fmt.Errorf("keepalive: %w", err)
		}
	}
	if !p.Enabled {
		return []string{"AT+SKTCFG=,,,0,0,0,0"}, nil
	}
	idle, err := seconds("idle (tcp_keepidle)", p.Idle, 7200)
	if err != nil {
		return nil, err
	}
	intvl, err := seconds("interval (tcp_keepintvl)", p.Interval, 75)
	if err != nil {
		return nil, err
	}
	if p.Count < 0 || p.Count > 10 {
		return nil, fmt.Errorf("keepalive: count (tcp_keepcnt) %d out of range 0..10", p.Count)
	}
	return []string{fmt.Sprintf("AT+SKTCFG=,,,1,%d,%d,%d", idle, intvl, p.Count)}, nil
}

// seconds rounds d up to whole seconds and checks it against 0..max.
func seconds(what string, d time.Duration, max int) (int, error) {
	if d < 0 {
		return 0, fmt.Errorf("keepalive: %s %v is negative", what, d)
	}
	s := (d + time.Second - 1) / time.Second
	if s > time.Duration(max) {
		return 0, fmt.Errorf("keepalive: %s %v out of range 0..%ds", what, d, max)
	}
	return int(s), nil
}

// checkLink checks a link id against the firmware's 0..MaxLinks-1.
func checkLink(link int) error {
	if link < 0 || link >= MaxLinks {
		return fmt.Errorf("link_id %d out of range 0..%d", link, MaxLinks-1)
	}
	return nil
}

// Timeout is how long a command may take: AT+SKTCLIENT and AT+WLCONN block
// through the TCP connect or TLS handshake and association plus DHCP (30 s);
// AT+WLSTARTAP and AT+WLDISCONN poll for up to 20 s in the firmware (25 s);
// AT+WLSCAN takes 10 s; everything else, AT+RST included (its OK comes
// before the reboot), 5 s.
func (Dialect) Timeout(command string) time.Duration {
	switch strings.ToUpper(strings.TrimSpace(protocol.CommandName(command))) {
	case "AT+SKTCLIENT", "AT+WLCONN":
		return 30 * time.Second
	case "AT+WLSTARTAP", "AT+WLDISCONN":
		return 25 * time.Second
	case "AT+WLSCAN":
		return 10 * time.Second
	}
	return 5 * time.Second
}
