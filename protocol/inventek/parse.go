package inventek

import (
	"net/netip"
	"strconv"
	"strings"
	"time"

	"atbench/protocol"
)

// Keepalive probing beyond PK's time. PK sets one value, in ms; P? shows
// 7200000 before any PK, lwIP's TCP_KEEPIDLE_DEFAULT, so the time is read
// as the idle time and the rest as lwIP's defaults (UNCONFIRMED).
const (
	KeepInterval = 75 * time.Second // lwIP TCP_KEEPINTVL_DEFAULT
	KeepCount    = 9                // lwIP TCP_KEEPCNT_DEFAULT
	KeepDefault  = 7200000          // PK's time before any PK, ms
)

// Link ids. A socket's own link is its number (a server, a client or a UDP
// socket); the client a server socket accepted is a seed on SeedLink, a
// workbench id (the module numbers only sockets): sends and reads on it
// select its socket.
const seedBase = MaxSockets

// SeedLink is the link id of the client accepted on a server socket.
func SeedLink(socket int) int { return seedBase + socket }

// SocketOf gives the socket a link id acts on and whether it is a seed.
func SocketOf(link int) (socket int, seed bool, ok bool) {
	switch {
	case link >= 0 && link < MaxSockets:
		return link, false, true
	case link >= seedBase && link < seedBase+MaxSockets:
		return link - seedBase, true, true
	}
	return 0, false, false
}

// Accept is what "[TCP SVR] Accepted <ip>:<port>" says.
type Accept struct {
	IP   string
	Port int
}

// ParseAccept parses a server's accept message, bare
// ("[TCP SVR] Accepted 192.168.10.100:34489") or as MR returns it over SPI
// ("[SOMA][TCP SVR] Accepted 192.168.1.5:4000[EOMA]").
func ParseAccept(line string) (Accept, bool) {
	line = unwrap(trimEOL(line))
	rest, ok := strings.CutPrefix(line, acceptedPrefix)
	if !ok {
		return Accept{}, false
	}
	ip, port, ok := strings.Cut(rest, ":")
	if !ok || !isIPv4(ip) {
		return Accept{}, false
	}
	p, ok := atoiMax(port, 65535)
	if !ok || p == 0 {
		return Accept{}, false
	}
	return Accept{IP: ip, Port: p}, true
}

// Join is what C0's success line says.
type Join struct {
	SSID string
	IP   string
}

// ParseJoin parses "[JOIN   ] <ssid>,<ip>,0,0". The SSID may hold commas,
// so the fields are taken from the end.
func ParseJoin(line string) (Join, bool) {
	rest, ok := strings.CutPrefix(trimEOL(line), joinPrefix)
	if !ok {
		return Join{}, false
	}
	rest, ok = strings.CutSuffix(rest, ",0,0")
	if !ok {
		return Join{}, false
	}
	i := strings.LastIndexByte(rest, ',')
	if i < 0 || !isIPv4(rest[i+1:]) {
		return Join{}, false
	}
	return Join{SSID: rest[:i], IP: rest[i+1:]}, true
}

// IsWaiting reports whether line is "[TCP SVR] Waiting on connection ..."
// with either ellipsis.
func IsWaiting(line string) bool {
	rest, ok := strings.CutPrefix(trimEOL(line), "[TCP SVR] Waiting on connection")
	rest = strings.TrimSpace(rest)
	return ok && (rest == Ellipsis || rest == "...")
}

// ParseTransport parses P?'s data line: ten fields as ST reads them, or
// twelve with the keepalive (see Transport).
func ParseTransport(line string) (Transport, bool) {
	f := strings.Split(trimEOL(line), ",")
	if len(f) != 10 && len(f) != 12 {
		return Transport{}, false
	}
	var t Transport
	nums := []*int{&t.Proto, nil, &t.LocalPort, nil, &t.RemotePort, &t.TCPServer, &t.UDPServer, &t.Backlog, &t.AcceptLoop, &t.ReadMode}
	if len(f) == 12 {
		nums = append(nums, &t.Keepalive, &t.KeepMillis)
		t.HasKeepalive = true
	}
	for i, p := range nums {
		if p == nil {
			continue
		}
		v, ok := atoiMax(f[i], 1<<31-1)
		if !ok {
			return Transport{}, false
		}
		*p = v
	}
	if t.Proto > 3 || t.LocalPort > 65535 || t.RemotePort > 65535 || !isIPv4(f[1]) || !isIPv4(f[3]) {
		return Transport{}, false
	}
	t.LocalIP, t.RemoteIP = f[1], f[3]
	return t, true
}

// ParseCount reads the data of an S0 or S3 answer: the bytes sent, or
// lost when it is "-1" (the connection is gone).
func ParseCount(data string) (n int, lost bool, ok bool) {
	data = strings.Trim(data, "\r\n")
	if data == Lost {
		return 0, true, true
	}
	n, ok = atoiMax(data, 1<<31-1)
	return n, false, ok
}

// protoOf maps P1's value to a link transport.
func protoOf(p int) protocol.Proto {
	switch p {
	case 1, 2:
		return protocol.ProtoUDP
	case 3:
		return protocol.ProtoTLS
	}
	return protocol.ProtoTCP
}

// AcceptUpdate is the link fact of an accept on a server socket: its seed
// exists, connected to the client.
func AcceptUpdate(socket int, proto protocol.Proto, a Accept) protocol.LinkUpdate {
	return protocol.LinkUpdate{
		ID: SeedLink(socket), Present: true, Role: protocol.RoleSeed, Proto: proto,
		Parent: socket, Remote: hostPort(a.IP, a.Port), State: protocol.StateEstablished,
	}
}

// LostUpdate is the link fact of a "-1" answer to command (R0, S0 or S3)
// on link: its connection is gone. The module does not say why.
func LostUpdate(link int, command string) protocol.LinkUpdate {
	return protocol.LinkUpdate{
		ID: link, Parent: protocol.NoLink, State: protocol.StateClosed,
		Reason: "connection lost: keepalive or peer close (" + commandName(trimEOL(command)) + " answered -1)",
	}
}

// TransportUpdates reads a P? answer of socket: a running server listens
// on its local port, and a remote address (not 0.0.0.0, port not 0) is the
// server's accepted client or the client's peer.
func TransportUpdates(socket int, t Transport) []protocol.LinkUpdate {
	proto := protoOf(t.Proto)
	remote := ""
	if t.RemotePort != 0 && t.RemoteIP != "0.0.0.0" {
		remote = hostPort(t.RemoteIP, t.RemotePort)
	}
	switch {
	case t.TCPServer == 1 || t.UDPServer == 1:
		srv := protocol.LinkUpdate{ID: socket, Present: true, Role: protocol.RoleServer, Proto: proto,
			Parent: protocol.NoLink, Local: hostPort(t.LocalIP, t.LocalPort), State: protocol.StateListen}
		if proto == protocol.ProtoUDP {
			srv.State = protocol.StateBound
			return []protocol.LinkUpdate{srv}
		}
		if remote == "" {
			return []protocol.LinkUpdate{srv}
		}
		return []protocol.LinkUpdate{srv, {ID: SeedLink(socket), Present: true, Role: protocol.RoleSeed, Proto: proto,
			Parent: socket, Remote: remote, State: protocol.StateEstablished}}
	case remote != "":
		u := protocol.LinkUpdate{ID: socket, Present: true, Role: protocol.RoleClient, Proto: proto,
			Parent: protocol.NoLink, Remote: remote, State: protocol.StateEstablished}
		if t.LocalPort != 0 {
			u.Local = hostPort(t.LocalIP, t.LocalPort)
		}
		if proto == protocol.ProtoUDP {
			u.State = protocol.StateBound
		}
		return []protocol.LinkUpdate{u}
	}
	return nil
}

// KeepaliveFor is the keepalive PK=<enable>,<ms> puts on a socket's TCP
// connections: idle ms, then KeepCount probes KeepInterval apart.
func KeepaliveFor(enable bool, ms int) protocol.Keepalive {
	if !enable {
		return protocol.Keepalive{}
	}
	return protocol.Keepalive{Enabled: true, Idle: time.Duration(ms) * time.Millisecond,
		Interval: KeepInterval, Count: KeepCount}
}

// KeepaliveSettings names PK's values on socket as settings:
// "socket<n>.keepalive" (0 or 1) and "socket<n>.keepalive_ms".
func KeepaliveSettings(socket int, enable bool, ms int) []protocol.Setting {
	on := "0"
	if enable {
		on = "1"
	}
	p := "socket" + strconv.Itoa(socket) + "."
	return []protocol.Setting{{Name: p + "keepalive", Value: on}, {Name: p + "keepalive_ms", Value: strconv.Itoa(ms)}}
}

// unwrap drops MR's "[SOMA]" and "[EOMA]" around a message.
func unwrap(s string) string {
	if r, ok := strings.CutPrefix(s, somaPrefix); ok {
		s, _ = strings.CutSuffix(r, eomaSuffix)
	}
	return s
}

func hostPort(host string, port int) string { return host + ":" + strconv.Itoa(port) }

// isIPv4 reports whether s is a dotted IPv4 address.
func isIPv4(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is4()
}

// atoiMax parses a non-empty run of at most ten decimal digits worth at
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

// trimEOL drops trailing line-ending bytes.
func trimEOL(s string) string {
	for len(s) > 0 && (s[len(s)-1] == '\r' || s[len(s)-1] == '\n') {
		s = s[:len(s)-1]
	}
	return s
}
