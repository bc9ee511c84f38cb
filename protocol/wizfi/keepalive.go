package wizfi

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"atbench/protocol"
)

// AT+SETSOCKOPT levels (the <type> field, decimal; dialects.md C.3).
const (
	LevelSocket = 65535 // SOL_SOCKET
	LevelIP     = 0
	LevelTCP    = 6
)

// AT+SETSOCKOPT option names (the <param> field, hexadecimal).
const (
	OptKeepalive    = 0x8    // SO_KEEPALIVE, level 65535: 1 on, 0 off
	OptMaxRT        = 0x10   // TCP_MAXRT, level 6: maximum retransmission time, s
	OptTCPKeepalive = 0x4001 // TCP_KEEPALIVE, level 6: keepalive timeout, s
	OptKeepaliveCnt = 0x4005 // TCP_KEEPALIVE_CNT, level 6: probe count
)

// The firmware's keepalive rules (dialects.md C.3, the seed's forum answer).
const (
	// ProbeInterval is the spacing of keepalive probes; no option changes it.
	ProbeInterval = 75 * time.Second
	// DefaultProbeCount is the probe count before TCP_KEEPALIVE_CNT is set.
	DefaultProbeCount = 8
	// DefaultKeepaliveTime is the keepalive timeout in force when
	// SO_KEEPALIVE is on and TCP_KEEPALIVE was never set. UNCONFIRMED: the
	// BSD default, 2 hours.
	DefaultKeepaliveTime = 7200
	// MaxProbeCount bounds TCP_KEEPALIVE_CNT. UNCONFIRMED.
	MaxProbeCount = 255
)

// SockOpt is one AT+SETSOCKOPT=<cid>,<type>,<param>,<value>,<length>.
type SockOpt struct {
	CID    int
	Level  int // <type>: LevelSocket, LevelIP or LevelTCP
	Option int // <param>, read as hex: OptKeepalive, OptTCPKeepalive, ...
	Value  int
	Length int // 4, 2 or 1
}

// ParseSetSockOpt checks the parameters of AT+SETSOCKOPT (the text after
// '='): five fields, spaces around each allowed; <cid> one hex digit;
// <type> 65535, 0 or 6; <param> hex (a "0x" prefix allowed) and one of the four documented options
// at its level; <value> decimal and fitting in <length> bytes (4, 2 or 1);
// SO_KEEPALIVE 0 or 1, TCP_KEEPALIVE_CNT 1..MaxProbeCount. Whether the CID
// exists and TCP_KEEPALIVE's lower bound (see SocketKeepalive.Apply) are
// the firmware's checks. Errors are *ResultError with StatusInvalidInput,
// the module's "[ERROR: INVALID INPUT]".
func ParseSetSockOpt(args string) (SockOpt, error) {
	f := strings.Split(args, ",")
	if len(f) != 5 {
		return SockOpt{}, invalid("AT+SETSOCKOPT takes 5 fields, got %d", len(f))
	}
	for i := range f {
		f[i] = strings.TrimSpace(f[i])
	}
	var o SockOpt
	var ok bool
	if o.CID, ok = cidOf([]byte(f[0])); !ok {
		return SockOpt{}, invalid("CID %q is not one hex digit", f[0])
	}
	if o.Level, ok = atoiMax(f[1], 65535); !ok || (o.Level != LevelSocket && o.Level != LevelIP && o.Level != LevelTCP) {
		return SockOpt{}, invalid("type %q is not 65535, 0 or 6", f[1])
	}
	if o.Option, ok = parseHex(f[2], 0xffff); !ok {
		return SockOpt{}, invalid("param %q is not a hex number", f[2])
	}
	if o.Value, ok = atoiMax(f[3], 1<<31-1); !ok {
		return SockOpt{}, invalid("value %q is not a decimal number", f[3])
	}
	if o.Length, ok = atoiMax(f[4], 4); !ok || (o.Length != 1 && o.Length != 2 && o.Length != 4) {
		return SockOpt{}, invalid("length %q is not 4, 2 or 1", f[4])
	}
	if o.Length < 4 && o.Value >= 1<<(8*o.Length) {
		return SockOpt{}, invalid("value %d does not fit in %d bytes", o.Value, o.Length)
	}
	want, known := optionLevel(o.Option)
	if !known || want != o.Level {
		return SockOpt{}, invalid("option %x is not supported at level %d", o.Option, o.Level)
	}
	switch o.Option {
	case OptKeepalive:
		if o.Value > 1 {
			return SockOpt{}, invalid("SO_KEEPALIVE %d is not 0 or 1", o.Value)
		}
	case OptKeepaliveCnt:
		if o.Value < 1 || o.Value > MaxProbeCount {
			return SockOpt{}, invalid("TCP_KEEPALIVE_CNT %d out of range 1..%d", o.Value, MaxProbeCount)
		}
	}
	return o, nil
}

// optionLevel is the level each documented option belongs to.
func optionLevel(opt int) (int, bool) {
	switch opt {
	case OptKeepalive:
		return LevelSocket, true
	case OptMaxRT, OptTCPKeepalive, OptKeepaliveCnt:
		return LevelTCP, true
	}
	return 0, false
}

// optionName is the setting name of an option.
func optionName(opt int) string {
	switch opt {
	case OptKeepalive:
		return "so_keepalive"
	case OptMaxRT:
		return "tcp_maxrt"
	case OptTCPKeepalive:
		return "tcp_keepalive"
	case OptKeepaliveCnt:
		return "tcp_keepalive_cnt"
	}
	return fmt.Sprintf("opt_%x", opt)
}

// SettingName names a per-CID option as a protocol.Setting: "cid<c>.<opt>",
// e.g. "cid0.tcp_keepalive".
func SettingName(cid, opt int) string { return "cid" + FormatCID(cid) + "." + optionName(opt) }

// Setting is the option as a protocol.Setting, the value in decimal.
func (o SockOpt) Setting() protocol.Setting {
	return protocol.Setting{Name: SettingName(o.CID, o.Option), Value: strconv.Itoa(o.Value)}
}

// SocketKeepalive is the keepalive state of one CID's socket as the
// SETSOCKOPT commands left it. The zero value is the state of a new
// socket: keepalive off, timeout and count not set.
type SocketKeepalive struct {
	On    bool // SO_KEEPALIVE
	Time  int  // TCP_KEEPALIVE, s; 0 = not set (DefaultKeepaliveTime)
	Count int  // TCP_KEEPALIVE_CNT; 0 = not set (DefaultProbeCount)
	MaxRT int  // TCP_MAXRT, s; 0 = not set
}

// count is the probe count in force.
func (s SocketKeepalive) count() int {
	if s.Count > 0 {
		return s.Count
	}
	return DefaultProbeCount
}

// Apply takes one option into the state. TCP_KEEPALIVE below count × 75 s
// is refused with ERROR: INVALID INPUT, which is why the forum recipe sets
// the count first (UNCONFIRMED: whether the firmware refuses or raises the
// value; the forum calls count × 75 s the minimum). An option for another
// CID or not about keepalive leaves the state unchanged.
func (s *SocketKeepalive) Apply(o SockOpt) error {
	switch o.Option {
	case OptKeepalive:
		s.On = o.Value != 0
	case OptTCPKeepalive:
		if min := s.count() * int(ProbeInterval/time.Second); o.Value < min {
			return invalid("TCP_KEEPALIVE %d s is below count %d × 75 s = %d s", o.Value, s.count(), min)
		}
		s.Time = o.Value
	case OptKeepaliveCnt:
		s.Count = o.Value
	case OptMaxRT:
		s.MaxRT = o.Value
	}
	return nil
}

// Detection is how long a silent peer takes to be declared dead: the
// keepalive timeout, never less than count × 75 s.
func (s SocketKeepalive) Detection() time.Duration {
	t := s.Time
	if t == 0 {
		t = DefaultKeepaliveTime
	}
	d := time.Duration(t) * time.Second
	return max(d, time.Duration(s.count())*ProbeInterval)
}

// Keepalive is the keepalive in force as a protocol.Keepalive: probes 75 s
// apart, Count of them, the first after Idle of silence, so that Idle +
// Count × Interval is Detection. The firmware's timeout is the whole
// detection time, so Idle is Detection − Count × 75 s, and it is 0 (the
// first probe as soon as the link falls silent) when the timeout is the
// minimum, as in both of the seed's recipes. Enabled follows SO_KEEPALIVE;
// the times are filled in either way.
func (s SocketKeepalive) Keepalive() protocol.Keepalive {
	n := s.count()
	return protocol.Keepalive{
		Enabled:  s.On,
		Idle:     s.Detection() - time.Duration(n)*ProbeInterval,
		Interval: ProbeInterval,
		Count:    n,
	}
}

// KeepaliveInForce replays the settings a session saw (from confirmed
// AT+SETSOCKOPT commands, see CommandSettings) for one CID, in the order
// they were confirmed, and returns the keepalive in force on it. Options
// are per socket: only the settings seen since the CID was last opened
// apply. Settings of other CIDs are ignored; a value the firmware would
// refuse leaves the state as it was.
func KeepaliveInForce(cid int, settings []protocol.Setting) protocol.Keepalive {
	var s SocketKeepalive
	for _, set := range settings {
		for _, opt := range [...]int{OptKeepalive, OptTCPKeepalive, OptKeepaliveCnt, OptMaxRT} {
			if set.Name != SettingName(cid, opt) {
				continue
			}
			if v, ok := atoiMax(set.Value, 1<<31-1); ok {
				_ = s.Apply(SockOpt{CID: cid, Option: opt, Value: v, Length: 4}) // a refused value changes nothing
			}
		}
	}
	return s.Keepalive()
}

// CommandSettings reads a confirmed command line (one the module answered
// with OK): AT+SETSOCKOPT gives its option as a setting (SettingName),
// ATE0/ATE1 the echo setting ("echo" = "0"/"1") and AT+BDATA the bulk mode
// ("bulk").
func CommandSettings(command string) []protocol.Setting {
	c, err := ParseCommand([]byte(command))
	if err != nil {
		return nil
	}
	switch c.Name {
	case "AT+SETSOCKOPT":
		o, err := ParseSetSockOpt(strings.Join(c.Args, ","))
		if err != nil {
			return nil
		}
		return []protocol.Setting{o.Setting()}
	case "ATE0", "ATE1":
		return []protocol.Setting{{Name: "echo", Value: c.Name[3:]}}
	case "AT+BDATA":
		if len(c.Args) == 1 {
			if v := strings.TrimSpace(c.Args[0]); v == "0" || v == "1" {
				return []protocol.Setting{{Name: "bulk", Value: v}}
			}
		}
	}
	return nil
}

// KeepaliveCommands builds the AT+SETSOCKOPT lines that put policy p on a
// CID, in the forum's order: SO_KEEPALIVE on, TCP_KEEPALIVE_CNT, then
// TCP_KEEPALIVE with the detection time Idle + Count × 75 s. The probe
// spacing is fixed at 75 s, so Interval must be 0 or 75 s; Count 0 means
// the default 8; the detection time is rounded up to whole seconds. When p
// is not Enabled it turns SO_KEEPALIVE off.
func KeepaliveCommands(cid int, p protocol.Keepalive) ([]string, error) {
	if err := checkCID(cid); err != nil {
		return nil, fmt.Errorf("keepalive: %w", err)
	}
	c := FormatCID(cid)
	if !p.Enabled {
		return []string{fmt.Sprintf("AT+SETSOCKOPT=%s,%d,%x,0,4", c, LevelSocket, OptKeepalive)}, nil
	}
	if p.Interval != 0 && p.Interval != ProbeInterval {
		return nil, fmt.Errorf("keepalive: interval %v: the module probes every 75 s and cannot change it", p.Interval)
	}
	if p.Idle < 0 {
		return nil, fmt.Errorf("keepalive: idle %v is negative", p.Idle)
	}
	n := p.Count
	if n == 0 {
		n = DefaultProbeCount
	}
	if n < 1 || n > MaxProbeCount {
		return nil, fmt.Errorf("keepalive: count %d out of range 1..%d", n, MaxProbeCount)
	}
	d := p.Idle + time.Duration(n)*ProbeInterval
	secs := (d + time.Second - 1) / time.Second
	if secs > 1<<31-1 {
		return nil, fmt.Errorf("keepalive: detection time %v too long", d)
	}
	return []string{
		fmt.Sprintf("AT+SETSOCKOPT=%s,%d,%x,1,4", c, LevelSocket, OptKeepalive),
		fmt.Sprintf("AT+SETSOCKOPT=%s,%d,%x,%d,4", c, LevelTCP, OptKeepaliveCnt, n),
		fmt.Sprintf("AT+SETSOCKOPT=%s,%d,%x,%d,4", c, LevelTCP, OptTCPKeepalive, secs),
	}, nil
}

// parseHex reads a hexadecimal number worth at most max, with an optional
// "0x" prefix as C's strtoul(…, 16) takes it.
func parseHex(s string, max int) (int, bool) {
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		s = s[2:]
	}
	if s == "" || len(s) > 8 {
		return 0, false
	}
	v, err := strconv.ParseUint(s, 16, 32)
	if err != nil || v > uint64(max) {
		return 0, false
	}
	return int(v), true
}
