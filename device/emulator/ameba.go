package emulator

import (
	"bytes"
	"strings"
	"sync"
	"time"

	"atbench/protocol"
	rtk "atbench/protocol/realtek"
)

// amebaMaxLine is the Host Control Mode command buffer (UART_LOG_CMD_BUFLEN
// with "Enable Longer CMD"): a line may hold up to 2000 bytes, its ending
// not counted. A longer line is answered with ERROR: 1.
const amebaMaxLine = 2000

// ttFragment is MAX_TT_BUF_LEN: raw bytes are sent to the socket in pieces
// of at most this size (one datagram each on UDP).
const ttFragment = 10240

// ameba is the Realtek Ameba AT firmware (ameba-rtos, current "link_id"
// socket commands).
type ameba struct {
	m        *Module
	commands map[string]func(rtk.Command)
	osKA     osKeepalive

	mu     sync.Mutex // guards everything below
	t      table
	opts   rtk.SocketOptions
	wifi   wifiState
	closed bool // Module.Close has begun: open nothing new

	tt *ttState // owned by the interpreter goroutine
}

// ttState is a Transparent Transmission transfer in progress.
type ttState struct {
	remaining int
	buf       []byte
	send      func([]byte) error // nil for the AT+TEST=1 upload test
	errNo     int
	total     int
	finish    func(errNo int)
}

func newAmeba(m *Module) *ameba {
	a := &ameba{m: m, t: newTable(m.cfg.MaxLinks, m.linksChanged, m.cfg.Now == nil), wifi: defaultWifi(), osKA: readOSKeepalive()}
	a.commands = map[string]func(rtk.Command){
		"AT+TEST":       a.cmdTest,
		"AT+LIST":       a.cmdList,
		"AT+GMR":        a.cmdGMR,
		"AT+RST":        a.cmdRST,
		"AT+STATE":      a.cmdState,
		"AT+LOG":        a.cmdLog,
		"AT+WLCONN":     a.cmdWLConn,
		"AT+WLDISCONN":  a.cmdWLDisconn,
		"AT+WLSTATE":    a.cmdWLState,
		"AT+WLSCAN":     a.cmdWLScan,
		"AT+WLRSSI":     a.cmdWLRSSI,
		"AT+WLSTATICIP": a.cmdWLStaticIP,
		"AT+SKTCFG":     a.cmdSktCfg,
		"AT+SKTQUERY":   a.cmdSktQuery,
		"AT+SKTSERVER":  a.cmdSktServer,
		"AT+SKTCLIENT":  a.cmdSktClient,
		"AT+SKTSENDRAW": a.cmdSktSendRaw,
		"AT+SKTSEND":    a.cmdSktSend,
		"AT+SKTREAD":    a.cmdSktRead,
		"AT+SKTSTATE":   a.cmdSktState,
		"AT+SKTDEL":     a.cmdSktDel,
	}
	return a
}

// listGroups is what AT+LIST prints, in the firmware's group order.
func listGroups() []rtk.ListGroup {
	return []rtk.ListGroup{
		{Header: "Common AT Command:", Commands: []string{"AT+TEST", "AT+LIST", "AT+GMR", "AT+RST", "AT+STATE", "AT+LOG"}},
		{Header: "Wi-Fi AT Command:", Commands: []string{"AT+WLCONN", "AT+WLDISCONN", "AT+WLSCAN", "AT+WLRSSI", "AT+WLSTATE", "AT+WLSTATICIP"}},
		{Header: "Socket AT Commands:", Commands: []string{"AT+SKTCFG", "AT+SKTQUERY", "AT+SKTSERVER", "AT+SKTCLIENT", "AT+SKTSENDRAW", "AT+SKTSEND", "AT+SKTREAD", "AT+SKTSTATE", "AT+SKTDEL"}},
	}
}

func (a *ameba) start()       { _ = a.m.print(rtk.FormatReady()) }
func (a *ameba) maxLine() int { return amebaMaxLine }
func (a *ameba) overlong()    { a.reply(rtk.FormatError(1)) }

func (a *ameba) reply(parts ...[]byte) { _ = a.m.print(bytes.Join(parts, nil)) }
func (a *ameba) ok(parts ...[]byte)    { a.reply(append(parts, rtk.FormatOK())...) }
func (a *ameba) fail(code int)         { a.reply(rtk.FormatError(code)) }

func (a *ameba) line(b []byte) {
	cmd, err := rtk.ParseCommand(b)
	name := cmd.Name
	if err != nil {
		name = string(b)
		if i := bytes.IndexByte(b, '='); i >= 0 {
			name = string(b[:i])
		}
	}
	h, known := a.commands[name]
	switch {
	case !known:
		a.reply(rtk.FormatUnknown(name))
	case err != nil:
		// too many parameters or a bad escape: the handler sees a wrong count
		a.fail(1)
	default:
		h(cmd)
	}
}

func (a *ameba) snapshot() protocol.Snapshot {
	a.mu.Lock()
	defer a.mu.Unlock()
	table, hist := a.t.split(a.m.now())
	return protocol.Snapshot{Links: append(table, hist...), Settings: a.opts.Settings()}
}

func (a *ameba) links() (table, history []protocol.LinkInfo) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.t.split(a.m.now())
}

// shutdown closes every socket for Module.Close.
func (a *ameba) shutdown() {
	a.mu.Lock()
	a.closed = true
	finish := a.removeAll("module closed")
	a.mu.Unlock()
	finish()
}

// removeAll closes every link (servers take their seeds) and frees every id.
// Called with mu held; run the result without it.
func (a *ameba) removeAll(reason string) func() {
	var fins []func()
	now := a.m.now()
	for _, l := range a.t.links {
		if l != nil {
			fins = append(fins, a.t.remove(l, reason, now))
		}
	}
	return func() {
		for _, f := range fins {
			f()
		}
	}
}

// --- Transparent Transmission ---

func (a *ameba) rawPending() bool { return a.tt != nil }

func (a *ameba) raw(p []byte) int {
	tt := a.tt
	n := min(len(p), tt.remaining)
	tt.buf = append(tt.buf, p[:n]...)
	tt.remaining -= n
	tt.total += n
	if len(tt.buf) >= ttFragment || tt.remaining == 0 {
		if tt.send != nil && tt.errNo == 0 {
			for len(tt.buf) > 0 {
				k := min(len(tt.buf), ttFragment)
				if err := tt.send(tt.buf[:k]); err != nil {
					a.m.logf("[atcmd_lwip_start_tt_handle] atcmd_lwip_send_data() failed: %v", err)
					tt.errNo = 2
					break
				}
				tt.buf = tt.buf[k:]
			}
		}
		tt.buf = tt.buf[:0]
	}
	if tt.remaining == 0 {
		a.tt = nil
		tt.finish(tt.errNo)
	}
	return n
}

// startTT prints the TT prompt and takes the next n raw bytes.
func (a *ameba) startTT(n int, send func([]byte) error, finish func(errNo int)) {
	a.reply(rtk.FormatTTPrompt())
	a.tt = &ttState{remaining: n, send: send, finish: finish, buf: make([]byte, 0, min(n, ttFragment))}
}

// --- common commands ---

// atoi is C's atoi: optional blanks and sign, then digits; 0 if none.
func atoi(s string) int {
	s = strings.TrimLeft(s, " \t")
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	n := 0
	for i := 0; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		n = n*10 + int(s[i]-'0')
		if n > 1<<31 {
			n = 1 << 31
		}
	}
	if neg {
		return -n
	}
	return n
}

// argc is the firmware's argument count: the name plus the parameters.
func argc(c rtk.Command) int {
	if !c.HasArgs {
		return 1
	}
	return len(c.Args) + 1
}

func (a *ameba) cmdTest(c rtk.Command) {
	if argc(c) == 1 {
		a.ok()
		return
	}
	if argc(c) != 3 {
		a.fail(1)
		return
	}
	switch atoi(c.Args[0]) {
	case 0:
		a.ok(rtk.FormatTestEcho(c.Args[1]))
	case 1:
		n := atoi(c.Args[1])
		if n <= 0 {
			a.fail(2)
			return
		}
		start := time.Now()
		a.startTT(n, nil, func(int) {
			ms := int(time.Since(start).Milliseconds())
			kbps := 0
			if ms > 0 {
				kbps = n * 8 / ms
			}
			a.ok(rtk.FormatUpstreamResult(n/1024, ms, kbps))
		})
	case 2:
		n := max(atoi(c.Args[1]), 0)
		if err := a.m.print(rtk.FormatDownstreamStart()); err != nil {
			return
		}
		chunk := bytes.Repeat([]byte{1}, 256)
		for n > 0 {
			k := min(n, len(chunk))
			if err := a.m.print(chunk[:k]); err != nil {
				return
			}
			n -= k
		}
		a.ok(rtk.FormatDownstreamEnd())
	default:
		a.fail(1)
	}
}

func (a *ameba) cmdList(rtk.Command) { a.ok(rtk.FormatList(listGroups())) }

func (a *ameba) cmdGMR(rtk.Command) {
	a.ok(rtk.FormatGMR(rtk.Version{
		SDK: "1.1.0", ATCmd: "1.1.0", Image: "1.0", Chip: "RTL8721Dx", ChipInfo: "atbench emulator",
		CompileTime: "2025/01/01-00:00:00", CompileUser: "atbench@emulator", CompileEnv: "go",
	}))
}

// cmdRST answers OK, drops every link, returns the settings to their
// defaults and prints the start-up banner again.
func (a *ameba) cmdRST(rtk.Command) {
	a.ok()
	a.mu.Lock()
	finish := a.removeAll("module reset (AT+RST)")
	a.opts = rtk.SocketOptions{}
	a.wifi = defaultWifi()
	a.mu.Unlock()
	finish()
	a.reply(rtk.FormatReady())
}

// cmdState prints the heap state. The real layout was not captured
// (UNCONFIRMED); this is a plausible stand-in.
func (a *ameba) cmdState(rtk.Command) {
	a.ok([]byte("Available heap 332448\r\n"))
}

// cmdLog accepts the log-level command; its parameters were not captured
// (UNCONFIRMED), so up to three are taken and ignored.
func (a *ameba) cmdLog(c rtk.Command) {
	if argc(c) > 4 {
		a.fail(1)
		return
	}
	a.ok()
}
