package realtek

import (
	"net/netip"
	"strconv"
	"strings"

	"atbench/protocol"
)

// Line starts of the module's answers and messages.
const (
	dataPrefix   = "[$][SKT][DATA][" // auto-receive push, A.7
	readPrefix   = "+SKTREAD:"       // answer of AT+SKTREAD
	acceptPrefix = "[$][SKT][EVENT]: A client[link_id:"
	acceptMiddle = "] connected to server[link_id:"
	eventPrefix  = "[$]" // every unsolicited message (at_printf_indicate)
	statePrefix  = "link_id:"
)

// Bounds used while scanning headers. A link id has at most three digits
// (lwIP's MEMP_NUM_NETCONN is 20 by default but is a build option); a
// payload length is at most 65535, the largest datagram and far above the
// module's receive buffer.
const (
	maxIDDigits   = 3
	maxID         = 999
	maxLenDigits  = 5
	maxPayloadLen = 65535
	maxPort       = 65535
)

// Accept is what an accept event says: a TCP or TLS server took a new
// connection into a seed link.
type Accept struct {
	Seed   int            // link id of the new seed
	Proto  protocol.Proto // ProtoTCP or ProtoTLS
	IP     string         // the peer's address
	Port   int            // the peer's port
	Server int            // link id of the server that accepted it
}

// ParseAccept parses an accept event such as
// "[$][SKT][EVENT]: A client[link_id:1,seed,tls,dst_address:192.168.0.103,dst_port:49946] connected to server[link_id:0]".
func ParseAccept(line string) (Accept, bool) {
	rest, ok := strings.CutPrefix(line, acceptPrefix)
	rest = trimEOL(rest)
	if !ok {
		return Accept{}, false
	}
	inner, tail, ok := strings.Cut(rest, acceptMiddle)
	if !ok {
		return Accept{}, false
	}
	server, ok := strings.CutSuffix(tail, "]")
	if !ok {
		return Accept{}, false
	}
	f := strings.Split(inner, ",")
	if len(f) != 5 || f[1] != "seed" {
		return Accept{}, false
	}
	var a Accept
	if a.Seed, ok = atoiMax(f[0], maxID); !ok {
		return Accept{}, false
	}
	if a.Proto, ok = parseProto(f[2]); !ok || a.Proto == protocol.ProtoUDP {
		return Accept{}, false
	}
	ip, ok := strings.CutPrefix(f[3], "dst_address:")
	if !ok || !isIPv4(ip) {
		return Accept{}, false
	}
	a.IP = ip
	port, ok := strings.CutPrefix(f[4], "dst_port:")
	if !ok {
		return Accept{}, false
	}
	if a.Port, ok = atoiMax(port, maxPort); !ok {
		return Accept{}, false
	}
	if a.Server, ok = atoiMax(server, maxID); !ok {
		return Accept{}, false
	}
	return a, true
}

// StateLine is one line of the AT+SKTSTATE listing.
type StateLine struct {
	LinkID  int
	Role    protocol.Role
	Proto   protocol.Proto // the module's "ssl" is ProtoTLS
	SrcAddr string
	SrcPort int
	DstAddr string
	DstPort int
	FD      int // lwIP socket descriptor; -1 once the socket was closed
}

// ParseStateLine parses a line such as
// "link_id:0,server,tcp,src_address:192.168.0.109,src_port:6666,dst_address:0.0.0.0,dst_port:0,socket_fd:0".
func ParseStateLine(line string) (StateLine, bool) {
	if !strings.HasPrefix(line, statePrefix) {
		return StateLine{}, false
	}
	f := strings.Split(trimEOL(line), ",")
	if len(f) != 8 {
		return StateLine{}, false
	}
	var s StateLine
	var ok bool
	id, ok := strings.CutPrefix(f[0], statePrefix)
	if !ok {
		return StateLine{}, false
	}
	if s.LinkID, ok = atoiMax(id, maxID); !ok {
		return StateLine{}, false
	}
	switch r := protocol.Role(f[1]); r {
	case protocol.RoleServer, protocol.RoleClient, protocol.RoleSeed:
		s.Role = r
	default:
		return StateLine{}, false
	}
	if s.Proto, ok = parseProto(f[2]); !ok {
		return StateLine{}, false
	}
	if s.SrcAddr, ok = field(f[3], "src_address:"); !ok || !isIPv4(s.SrcAddr) {
		return StateLine{}, false
	}
	if s.SrcPort, ok = intField(f[4], "src_port:"); !ok {
		return StateLine{}, false
	}
	if s.DstAddr, ok = field(f[5], "dst_address:"); !ok || !isIPv4(s.DstAddr) {
		return StateLine{}, false
	}
	if s.DstPort, ok = intField(f[6], "dst_port:"); !ok {
		return StateLine{}, false
	}
	fd, ok := field(f[7], "socket_fd:")
	if !ok {
		return StateLine{}, false
	}
	neg := strings.HasPrefix(fd, "-")
	if s.FD, ok = atoiMax(strings.TrimPrefix(fd, "-"), 1<<30); !ok {
		return StateLine{}, false
	}
	if neg {
		s.FD = -s.FD
	}
	return s, true
}

// sktcfgFields are the AT+SKTCFG fields in command order, which is also the
// order of the AT+SKTQUERY answer lines.
func sktcfgFields() [7]string {
	return [7]string{"so_sndtimeo", "so_rcvtimeo", "tcp_nodelay", "so_keepalive",
		"tcp_keepidle", "tcp_keepintvl", "tcp_keepcnt"}
}

// ParseQueryLine parses one option line of the AT+SKTQUERY answer, such as
// "so_keepalive: 1". The header "Global SOCKET configuration:" is not an option.
func ParseQueryLine(line string) (protocol.Setting, bool) {
	name, value, ok := strings.Cut(trimEOL(line), ":")
	if !ok {
		return protocol.Setting{}, false
	}
	value = strings.TrimSpace(value)
	known := false
	for _, f := range sktcfgFields() {
		if name == f {
			known = true
			break
		}
	}
	if !known {
		return protocol.Setting{}, false
	}
	n, ok := atoiMax(value, 1<<31-1)
	if !ok {
		return protocol.Setting{}, false
	}
	return protocol.Setting{Name: name, Value: strconv.Itoa(n)}, true
}

// PayloadHeader is a parsed header of a length-delimited record.
type PayloadHeader struct {
	LinkID int
	Length int    // payload bytes that follow the header
	UDP    bool   // the header carries the datagram's peer
	IP     string // peer address (UDP only)
	Port   int    // peer port (UDP only)
	Size   int    // bytes of the header, the trailing ':' or ',' included
}

// ParseDataHeader parses the start of an auto-receive push:
// "[$][SKT][DATA][<id>][<len>]:" (TCP, TLS) or
// "[$][SKT][DATA][<id>][<len>][<ip>][<port>]:" (UDP). Bytes after the
// header are ignored.
func ParseDataHeader(line string) (PayloadHeader, bool) {
	h, st := scanData(line)
	return h, st == protocol.Match
}

// ParseReadHeader parses the start of an AT+SKTREAD answer:
// "+SKTREAD:<id>,<len>," (TCP, TLS) or "+SKTREAD:<id>,<len>,<ip>,<port>,"
// (UDP). The line carries no protocol, so the UDP form is chosen when the
// text after "<len>," is a dotted IPv4 address, a comma, a port and a
// comma; a TCP payload that itself starts that way is misread as UDP.
// The text is taken as complete: if it ends before the UDP form could be
// decided, it is the TCP form.
func ParseReadHeader(line string) (PayloadHeader, bool) {
	h, st := scanRead(line, true)
	return h, st == protocol.Match
}

// ParseError returns the code of an "ERROR: <n>" result line. The older
// "ERROR:<n>" spelling is accepted too; a bare "ERROR" has no code.
//
// The generation that names its command ("+WLCONN:ERROR: 17") is read too.
func ParseError(line string) (int, bool) {
	line = trimEOL(line)
	if strings.HasPrefix(line, "+") {
		if _, rest, ok := strings.Cut(line, ":"); ok {
			line = rest
		}
	}
	rest, ok := strings.CutPrefix(line, "ERROR:")
	if !ok {
		return 0, false
	}
	return atoiMax(strings.TrimLeft(rest, " "), 1<<31-1)
}

// scanData reads a "[$][SKT][DATA]" header. It returns NeedMore while b is
// a prefix of a header that could still be completed.
func scanData[T text](b T) (PayloadHeader, protocol.MatchStatus) {
	h := PayloadHeader{LinkID: protocol.NoLink}
	if st := hasPrefix(b, dataPrefix); st != protocol.Match {
		return h, st
	}
	id, i, st := scanNumber(b, len(dataPrefix), maxIDDigits, maxID)
	if st != protocol.Match {
		return h, st
	}
	if b[i] != ']' {
		return h, protocol.NoMatch
	}
	if st := expect(b, i+1, '['); st != protocol.Match {
		return h, st
	}
	n, i, st := scanNumber(b, i+2, maxLenDigits, maxPayloadLen)
	if st != protocol.Match {
		return h, st
	}
	if b[i] != ']' {
		return h, protocol.NoMatch
	}
	i++
	if i >= len(b) {
		return h, protocol.NeedMore
	}
	switch b[i] {
	case ':':
		return PayloadHeader{LinkID: id, Length: n, Size: i + 1}, protocol.Match
	case '[':
	default:
		return h, protocol.NoMatch
	}
	ip, i, st := scanIPv4(b, i+1, ']')
	if st != protocol.Match {
		return h, st
	}
	if st := expect(b, i, '['); st != protocol.Match {
		return h, st
	}
	port, i, st := scanNumber(b, i+1, maxLenDigits, maxPort)
	if st != protocol.Match {
		return h, st
	}
	if b[i] != ']' {
		return h, protocol.NoMatch
	}
	if st := expect(b, i+1, ':'); st != protocol.Match {
		return h, st
	}
	return PayloadHeader{LinkID: id, Length: n, UDP: true, IP: ip, Port: port, Size: i + 2}, protocol.Match
}

// scanRead reads a "+SKTREAD:" header. With final false it returns
// NeedMore while b is a prefix of a header that could still be completed,
// including while the UDP form is still possible; with final true the end
// of b ends the header.
func scanRead[T text](b T, final bool) (PayloadHeader, protocol.MatchStatus) {
	h := PayloadHeader{LinkID: protocol.NoLink}
	if st := hasPrefix(b, readPrefix); st != protocol.Match {
		return h, settle(st, final)
	}
	id, i, st := scanNumber(b, len(readPrefix), maxIDDigits, maxID)
	if st != protocol.Match {
		return h, settle(st, final)
	}
	if b[i] != ',' {
		return h, protocol.NoMatch
	}
	n, i, st := scanNumber(b, i+1, maxLenDigits, maxPayloadLen)
	if st != protocol.Match {
		return h, settle(st, final)
	}
	if b[i] != ',' {
		return h, protocol.NoMatch
	}
	base := i + 1
	tcp := PayloadHeader{LinkID: id, Length: n, Size: base}
	ip, i, st := scanIPv4(b, base, ',')
	if st == protocol.Match {
		var port int
		port, i, st = scanNumber(b, i, maxLenDigits, maxPort)
		if st == protocol.Match {
			if b[i] == ',' {
				return PayloadHeader{LinkID: id, Length: n, UDP: true, IP: ip, Port: port, Size: i + 1}, protocol.Match
			}
			st = protocol.NoMatch
		}
	}
	if st == protocol.NeedMore && !final {
		return h, protocol.NeedMore
	}
	return tcp, protocol.Match
}

// settle turns NeedMore into NoMatch once the text is known to be complete.
func settle(st protocol.MatchStatus, final bool) protocol.MatchStatus {
	if final && st == protocol.NeedMore {
		return protocol.NoMatch
	}
	return st
}

// text is what the scanners read: a line as a string or as bytes.
type text interface{ ~string | ~[]byte }

// hasPrefix reports Match if b starts with p, NeedMore if b is a proper
// prefix of p, NoMatch otherwise.
func hasPrefix[T text](b T, p string) protocol.MatchStatus {
	n := min(len(b), len(p))
	for i := range n {
		if b[i] != p[i] {
			return protocol.NoMatch
		}
	}
	if len(b) < len(p) {
		return protocol.NeedMore
	}
	return protocol.Match
}

// scanNumber reads 1 to digits decimal digits at b[i:], worth at most max.
// On Match the number ends at next, which holds a non-digit. It returns
// NeedMore when b ends before a non-digit was seen.
func scanNumber[T text](b T, i, digits, max int) (v, next int, st protocol.MatchStatus) {
	j := i
	for j < len(b) && isDigit(b[j]) {
		if j-i == digits {
			return 0, j, protocol.NoMatch
		}
		v = v*10 + int(b[j]-'0')
		if v > max {
			return 0, j, protocol.NoMatch
		}
		j++
	}
	switch {
	case j == len(b):
		return v, j, protocol.NeedMore
	case j == i:
		return 0, j, protocol.NoMatch
	}
	return v, j, protocol.Match
}

// expect checks for byte c at b[i].
func expect[T text](b T, i int, c byte) protocol.MatchStatus {
	switch {
	case i >= len(b):
		return protocol.NeedMore
	case b[i] != c:
		return protocol.NoMatch
	}
	return protocol.Match
}

// scanIPv4 reads a dotted IPv4 address at b[i:] followed by the byte term;
// next is the index after term.
func scanIPv4[T text](b T, i int, term byte) (ip string, next int, st protocol.MatchStatus) {
	start := i
	for k := range 4 {
		_, j, st := scanNumber(b, i, 3, 255)
		if st != protocol.Match {
			return "", j, st
		}
		sep := byte('.')
		if k == 3 {
			sep = term
		}
		if b[j] != sep {
			return "", j, protocol.NoMatch
		}
		i = j + 1
	}
	return string(b[start : i-1]), i, protocol.Match
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// atoiMax parses a non-empty run of decimal digits worth at most max.
func atoiMax(s string, max int) (int, bool) {
	if s == "" || len(s) > 10 {
		return 0, false
	}
	v := 0
	for i := range len(s) {
		if !isDigit(s[i]) {
			return 0, false
		}
		v = v*10 + int(s[i]-'0')
	}
	if v > max {
		return 0, false
	}
	return v, true
}

// field strips the name prefix from one "name:value" field.
func field(f, name string) (string, bool) { return strings.CutPrefix(f, name) }

// intField parses a "name:<port>" field.
func intField(f, name string) (int, bool) {
	v, ok := strings.CutPrefix(f, name)
	if !ok {
		return 0, false
	}
	return atoiMax(v, maxPort)
}

// parseProto maps the module's protocol names; "ssl" is what AT+SKTSTATE
// prints for TLS links.
func parseProto(s string) (protocol.Proto, bool) {
	switch s {
	case "tcp":
		return protocol.ProtoTCP, true
	case "udp":
		return protocol.ProtoUDP, true
	case "tls", "ssl":
		return protocol.ProtoTLS, true
	}
	return "", false
}

// isIPv4 reports whether s is a dotted IPv4 address.
func isIPv4(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is4()
}

// trimEOL drops a trailing line ending.
func trimEOL(s string) string {
	for len(s) > 0 && (s[len(s)-1] == '\r' || s[len(s)-1] == '\n') {
		s = s[:len(s)-1]
	}
	return s
}
