package wizfi

import (
	"bytes"
	"net/netip"
	"strconv"
	"strings"

	"atbench/protocol"
)

// MaxCIDs is the number of connection ids, 0 to f (one hex digit).
const MaxCIDs = 16

// Line starts and fixed lines of the module's answers (dialects.md C.2, C.4).
const (
	connectPrefix    = "CONNECT "
	disconnectPrefix = "DISCONNECT "
	// CIDHeader is the first line of the AT+CID=? table.
	CIDHeader = "CID\tTYPE\tMODE\tLOCAL PORT\tREMOTE PORT\tREMOTE IP"
	// NoCIDs is the AT+CID=? answer when no CID is in use, as printed
	// (with its leading space).
	NoCIDs = " No valid Cids"
)

// Connect is what a CONNECT line says: a client connection (or UDP socket,
// or server) got CID, or, when Server is not NoLink, the server CID Server
// accepted a connection from IP:Port into the new CID.
type Connect struct {
	CID    int
	Server int // the accepting server's CID, or protocol.NoLink
	IP     string
	Port   int
}

// ParseConnect parses "CONNECT <cid>" or "CONNECT <server> <new> <ip>
// <port>" (e.g. "CONNECT 0 1 192.168.100.200 65535"), bracketed or not.
func ParseConnect(line string) (Connect, bool) {
	inner, _ := unbracket(trimEOL([]byte(line)))
	rest, ok := bytes.CutPrefix(inner, []byte(connectPrefix))
	if !ok {
		return Connect{}, false
	}
	if cid, ok := cidOf(rest); ok {
		return Connect{CID: cid, Server: protocol.NoLink}, true
	}
	f := strings.Split(string(rest), " ")
	if len(f) != 4 {
		return Connect{}, false
	}
	server, ok1 := cidOf([]byte(f[0]))
	cid, ok2 := cidOf([]byte(f[1]))
	port, ok3 := atoiMax(f[3], 65535)
	if !ok1 || !ok2 || !ok3 || !isIPv4(f[2]) {
		return Connect{}, false
	}
	return Connect{CID: cid, Server: server, IP: f[2], Port: port}, true
}

// ParseDisconnect parses "DISCONNECT <cid>", bracketed or not.
func ParseDisconnect(line string) (int, bool) {
	inner, _ := unbracket(trimEOL([]byte(line)))
	rest, ok := bytes.CutPrefix(inner, []byte(disconnectPrefix))
	if !ok {
		return protocol.NoLink, false
	}
	return cidOf(rest)
}

// connectLink returns the CID a CONNECT line (without brackets) is about:
// the new CID of an accept. It does not allocate.
func connectLink(rest []byte) int {
	if cid, ok := cidOf(rest); ok {
		return cid
	}
	// "<server> <new> <ip> <port>"
	if len(rest) > 4 && rest[1] == ' ' && rest[3] == ' ' {
		if _, ok := cidOf(rest[:1]); ok {
			if cid, ok := cidOf(rest[2:3]); ok {
				return cid
			}
		}
	}
	return protocol.NoLink
}

// CIDEntry is one row of the AT+CID=? table.
type CIDEntry struct {
	CID        int
	Type       string // "TCP", "UDP", "TCP-SSL" or "HTTP", as printed
	Mode       string // "SERVER" or "CLIENT"
	LocalPort  int
	RemotePort int
	RemoteIP   string // dotted, padding removed; "0.0.0.0" when none
}

// ParseCIDRow parses one row of the AT+CID=? table, as the firmware prints
// it: "<cid>\t<type>\t<mode>\t%4d\t\t%4d\t\t%3d.%3d.%3d.%3d", where a TLS
// row has "TCP-SSL " (a space, no tab) before the mode.
func ParseCIDRow(line string) (CIDEntry, bool) {
	f := strings.Split(string(trimEOL([]byte(line))), "\t")
	if len(f) < 3 {
		return CIDEntry{}, false
	}
	var e CIDEntry
	var ok bool
	if e.CID, ok = cidOf([]byte(strings.TrimSpace(f[0]))); !ok {
		return CIDEntry{}, false
	}
	rest := f[1:]
	if t, mode, found := strings.Cut(rest[0], " "); found && t == "TCP-SSL" {
		e.Type, e.Mode = t, strings.TrimSpace(mode)
		rest = rest[1:]
	} else {
		e.Type, e.Mode = rest[0], rest[1]
		rest = rest[2:]
	}
	switch e.Type {
	case "TCP", "UDP", "TCP-SSL", "HTTP":
	default:
		return CIDEntry{}, false
	}
	if e.Mode != "SERVER" && e.Mode != "CLIENT" {
		return CIDEntry{}, false
	}
	var nums []string
	for _, s := range rest {
		if s = strings.TrimSpace(s); s != "" {
			nums = append(nums, s)
		}
	}
	if len(nums) != 3 {
		return CIDEntry{}, false
	}
	if e.LocalPort, ok = atoiMax(nums[0], 65535); !ok {
		return CIDEntry{}, false
	}
	if e.RemotePort, ok = atoiMax(nums[1], 65535); !ok {
		return CIDEntry{}, false
	}
	ip := strings.ReplaceAll(nums[2], " ", "")
	if !isIPv4(ip) {
		return CIDEntry{}, false
	}
	e.RemoteIP = ip
	return e, true
}

// Proto is the transport of the entry's type; HTTP runs over TCP.
func (e CIDEntry) Proto() protocol.Proto {
	switch e.Type {
	case "UDP":
		return protocol.ProtoUDP
	case "TCP-SSL":
		return protocol.ProtoTLS
	}
	return protocol.ProtoTCP
}

// Update turns the row into a snapshot link update. A SERVER row with no
// remote end (port 0) is the listening socket; a SERVER row with one is a
// connection it accepted (its server is not shown, so Parent is NoLink).
func (e CIDEntry) Update() protocol.LinkUpdate {
	u := protocol.LinkUpdate{
		ID: e.CID, Present: true, Proto: e.Proto(), Parent: protocol.NoLink, Snapshot: true,
	}
	if e.LocalPort != 0 {
		u.Local = hostPort("0.0.0.0", e.LocalPort)
	}
	if e.RemotePort != 0 {
		u.Remote = hostPort(e.RemoteIP, e.RemotePort)
	}
	switch {
	case e.Mode == "SERVER" && e.RemotePort == 0:
		u.Role = protocol.RoleServer
		u.State = protocol.StateListen
	case e.Mode == "SERVER":
		u.Role = protocol.RoleSeed
		u.State = protocol.StateEstablished
	default:
		u.Role = protocol.RoleClient
		u.State = protocol.StateEstablished
	}
	if u.Proto == protocol.ProtoUDP {
		u.State = protocol.StateBound
	}
	return u
}

// ParseCIDTable reads a whole AT+CID=? answer, one line per element (line
// endings and blank lines allowed, the final status ignored). It returns
// the rows, empty for " No valid Cids", and false if the lines are not
// such an answer.
func ParseCIDTable(lines []string) ([]CIDEntry, bool) {
	var (
		rows   []CIDEntry
		header bool
		none   bool
	)
	for _, l := range lines {
		t := string(trimEOL([]byte(l)))
		switch {
		case t == "":
		case t == CIDHeader:
			header = true
		case strings.TrimSpace(t) == strings.TrimSpace(NoCIDs):
			none = true
		default:
			if _, ok := ParseStatus([]byte(t)); ok {
				continue
			}
			e, ok := ParseCIDRow(t)
			if !ok || !header {
				return nil, false
			}
			rows = append(rows, e)
		}
	}
	if none && len(rows) == 0 {
		return []CIDEntry{}, true
	}
	return rows, header
}

// ConnectUpdate is the link fact of a CONNECT line: the CID exists; an
// accepted connection is a seed of its server with the peer's address.
// A client's protocol and peer are in the command that opened it (see
// OpenedLink).
func ConnectUpdate(c Connect) protocol.LinkUpdate {
	u := protocol.LinkUpdate{ID: c.CID, Present: true, Parent: protocol.NoLink}
	if c.Server != protocol.NoLink {
		u.Role = protocol.RoleSeed
		u.Proto = protocol.ProtoTCP
		u.Parent = c.Server
		u.Remote = hostPort(c.IP, c.Port)
		u.State = protocol.StateEstablished
	}
	return u
}

// DisconnectUpdate is the link fact of "DISCONNECT <cid>": the peer closed
// or the connection was lost, and the module freed the CID.
func DisconnectUpdate(cid int) protocol.LinkUpdate {
	return protocol.LinkUpdate{ID: cid, Gone: true, Parent: protocol.NoLink,
		State: protocol.StateClosed, Reason: "DISCONNECT " + FormatCID(cid)}
}

// OpenedLink combines a command that opened a CID (AT+NCTCP, AT+NSTCP,
// AT+NCUDP, AT+NSUDP) with the CID its "CONNECT <cid>" answer gave.
func OpenedLink(command string, cid int) (protocol.LinkUpdate, bool) {
	c, err := ParseCommand([]byte(command))
	if err != nil || cid < 0 || cid >= MaxCIDs {
		return protocol.LinkUpdate{}, false
	}
	a := c.Args
	arg := func(i int) string {
		if i < len(a) {
			return strings.TrimSpace(a[i])
		}
		return ""
	}
	u := protocol.LinkUpdate{ID: cid, Present: true, Parent: protocol.NoLink}
	switch c.Name {
	case "AT+NCTCP", "AT+NCUDP": // <ip>,<port>[,<lport>]
		port, ok := atoiMax(arg(1), 65535)
		if !ok || !isIPv4(arg(0)) {
			return protocol.LinkUpdate{}, false
		}
		u.Role, u.Remote = protocol.RoleClient, hostPort(arg(0), port)
		u.Proto, u.State = protocol.ProtoTCP, protocol.StateEstablished
		if c.Name == "AT+NCUDP" {
			u.Proto, u.State = protocol.ProtoUDP, protocol.StateBound
			if lp, ok := atoiMax(arg(2), 65535); ok {
				u.Local = hostPort("0.0.0.0", lp)
			}
		}
	case "AT+NSTCP", "AT+NSUDP": // <port>[,...]
		port, ok := atoiMax(arg(0), 65535)
		if !ok {
			return protocol.LinkUpdate{}, false
		}
		u.Role, u.Local = protocol.RoleServer, hostPort("0.0.0.0", port)
		u.Proto, u.State = protocol.ProtoTCP, protocol.StateListen
		if c.Name == "AT+NSUDP" {
			u.Proto, u.State = protocol.ProtoUDP, protocol.StateBound
		}
	default:
		return protocol.LinkUpdate{}, false
	}
	return u, true
}

// ClosedLinks reads a command the module confirmed with OK: AT+NCLOSE=<cid>
// closed one CID, AT+NCLOSEALL every one (an update for each of the 16).
func ClosedLinks(command string) []protocol.LinkUpdate {
	c, err := ParseCommand([]byte(command))
	if err != nil {
		return nil
	}
	switch {
	case c.Name == "AT+NCLOSE" && len(c.Args) == 1:
		cid, ok := cidOf([]byte(strings.TrimSpace(c.Args[0])))
		if !ok {
			return nil
		}
		return []protocol.LinkUpdate{{ID: cid, Gone: true, Parent: protocol.NoLink,
			State: protocol.StateClosed, Reason: "closed (AT+NCLOSE)", Cause: protocol.CauseHost}}
	case c.Name == "AT+NCLOSEALL" && !c.HasArgs:
		out := make([]protocol.LinkUpdate, MaxCIDs)
		for i := range out {
			out[i] = protocol.LinkUpdate{ID: i, Gone: true, Parent: protocol.NoLink,
				State: protocol.StateClosed, Reason: "closed (AT+NCLOSEALL)", Cause: protocol.CauseHost}
		}
		return out
	}
	return nil
}

// ParseNStatLine reads one line of the AT+NSTAT=? answer, "KEY=value"
// pairs separated by runs of two or more spaces, such as
// "IP addr=192.168.3.100   SubNet=255.255.255.0   Gateway=192.168.3.1" or
// "WSTATE=NOT CONNECTED     MODE=INFRA" (GainSpan's layout; UNCONFIRMED
// for WizFi210, see the package doc). A quoted value (SSID="my  ap") may
// hold any spaces. Names are lower-cased with spaces as '_' ("ip_addr");
// values are kept as printed, quotes removed. It returns nil for a line
// that is not such a run of pairs or names a key AT+NSTAT=? does not print.
func ParseNStatLine(line string) []protocol.Setting {
	var (
		out    []protocol.Setting
		chunks []string
		start  = 0
		quoted = false
	)
	s := strings.TrimSpace(string(trimEOL([]byte(line))))
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '"':
			quoted = !quoted
		case !quoted && (s[i] == ' ' || s[i] == '\t') && i+1 < len(s) && (s[i+1] == ' ' || s[i+1] == '\t'):
			chunks = append(chunks, s[start:i])
			for i+1 < len(s) && (s[i+1] == ' ' || s[i+1] == '\t') {
				i++
			}
			start = i + 1
		}
	}
	if quoted {
		return nil
	}
	chunks = append(chunks, s[start:])
	for _, c := range chunks {
		key, val, ok := strings.Cut(c, "=")
		key = strings.TrimSpace(key)
		if !ok || key == "" || strings.ContainsAny(key, "\"") {
			return nil
		}
		if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
			val = val[1 : len(val)-1]
		} else if strings.ContainsAny(val, "\"=") {
			return nil
		}
		name := strings.ToLower(strings.ReplaceAll(key, " ", "_"))
		if !nstatKey(name) {
			return nil
		}
		out = append(out, protocol.Setting{Name: name, Value: val})
	}
	return out
}

// nstatKey reports the names AT+NSTAT=? prints, so that an echoed command
// or another answer with '=' is not read as status.
func nstatKey(name string) bool {
	switch name {
	case "mac", "wstate", "mode", "bssid", "ssid", "channel", "security", "rssi",
		"ip_addr", "subnet", "gateway", "dns1", "dns2", "rx_count", "tx_count":
		return true
	}
	return false
}

// cidOf parses a CID: exactly one hex digit, either case.
func cidOf(b []byte) (int, bool) {
	if len(b) != 1 {
		return protocol.NoLink, false
	}
	c := b[0]
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0'), true
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10, true
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10, true
	}
	return protocol.NoLink, false
}

// FormatCID writes a CID as the module does: one lower-case hex digit.
func FormatCID(cid int) string {
	if cid < 0 || cid >= MaxCIDs {
		return strconv.Itoa(cid)
	}
	return string("0123456789abcdef"[cid])
}

// atoiMax parses a non-empty run of at most 10 decimal digits worth at
// most max.
func atoiMax(s string, max int) (int, bool) {
	if s == "" || len(s) > 10 {
		return 0, false
	}
	v := 0
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		v = v*10 + int(s[i]-'0')
	}
	if v > max {
		return 0, false
	}
	return v, true
}

// isIPv4 reports whether s is a dotted IPv4 address.
func isIPv4(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is4()
}

func hostPort(host string, port int) string { return host + ":" + strconv.Itoa(port) }
