package realtek

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"time"

	"atbench/device/emulator"
	"atbench/device/emulator/netcore"
	"atbench/protocol"
	rtk "atbench/protocol/realtek"
)

// maxLine is the Host Control Mode command buffer (UART_LOG_CMD_BUFLEN with
// "Enable Longer CMD"): a line may hold up to 2000 bytes, its ending not
// counted. A longer line is answered with ERROR: 1.
const maxLine = 2000

// ttFragment is MAX_TT_BUF_LEN: raw bytes are sent to the socket in pieces
// of at most this size (one datagram each on UDP).
const ttFragment = 10240

// defaultLinks is MEMP_NUM_NETCONN: link ids 0..19.
const defaultLinks = 20

// Firmware is the Realtek Ameba AT firmware (ameba-rtos, current "link_id"
// socket commands) on an emulated module.
type Firmware struct {
	h        emulator.Host
	net      *netcore.Stack
	links    int // link ids are 0..links-1
	echo     bool
	commands map[string]func(rtk.Command)

	mu       sync.Mutex // guards opts, wifi, ap and switches
	opts     rtk.SocketOptions
	wifi     wifiState
	ap       *softAP // nil while the soft AP is off
	switches reconnectSettings

	// ttMu is held by Input and by the early-stop timer, which is the
	// only other goroutine that touches the input state below.
	ttMu     sync.Mutex
	inputGen uint64 // counts Input calls, so a stop timer sees new input
	lineBuf  emulator.LineBuffer
	skipLF   bool
	tt       *ttState
}

// New is the firmware's constructor for emulator.Config.Firmware.
func New(h emulator.Host) emulator.Firmware {
	cfg := h.Config()
	f := &Firmware{h: h, net: h.Net(), links: cfg.MaxLinks, echo: cfg.Echo, wifi: defaultWifi(), lineBuf: emulator.LineBuffer{Max: maxLine}}
	if f.links == 0 {
		f.links = defaultLinks
	}
	f.commands = map[string]func(rtk.Command){
		"AT+TEST":       f.cmdTest,
		"AT+LIST":       f.cmdList,
		"AT+GMR":        f.cmdGMR,
		"AT+RST":        f.cmdRST,
		"AT+STATE":      f.cmdState,
		"AT+LOG":        f.cmdLog,
		"AT+WLCONN":     f.cmdWLConn,
		"AT+WLDISCONN":  f.cmdWLDisconn,
		"AT+WLSTATE":    f.cmdWLState,
		"AT+WLSCAN":     f.cmdWLScan,
		"AT+WLRSSI":     f.cmdWLRSSI,
		"AT+WLSTATICIP": f.cmdWLStaticIP,
		"AT+WLSTARTAP":  f.cmdWLStartAP,
		"AT+WLSTOPAP":   f.cmdWLStopAP,
		"AT+WLRECONN":   f.cmdWLReconn,
		"AT+WLPS":       f.cmdWLPS,
		"AT+SKTCFG":     f.cmdSktCfg,
		"AT+SKTQUERY":   f.cmdSktQuery,
		"AT+SKTSERVER":  f.cmdSktServer,
		"AT+SKTCLIENT":  f.cmdSktClient,
		"AT+SKTSENDRAW": f.cmdSktSendRaw,
		"AT+SKTSEND":    f.cmdSktSend,
		"AT+SKTREAD":    f.cmdSktRead,
		"AT+SKTSTATE":   f.cmdSktState,
		"AT+SKTDEL":     f.cmdSktDel,
	}
	return f
}

// Name is the command set's name.
func (f *Firmware) Name() string { return "realtek" }

// Start prints the power-on banner.
func (f *Firmware) Start() { _ = f.h.Print(rtk.FormatReady()) }

// Settings are the AT+SKTCFG options in force.
func (f *Firmware) Settings() []protocol.Setting {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.opts.Settings()
}

// Event turns the stack's events into the firmware's output: the accept
// event and auto-received data. A socket that closes prints nothing, as in
// the firmware; it is only logged.
func (f *Firmware) Event(e netcore.Event) {
	switch e.Kind {
	case netcore.EventAccepted:
		_ = f.h.Print(rtk.FormatAccept(e.ID, e.Proto == protocol.ProtoTLS, e.Remote.Addr().String(), int(e.Remote.Port()), e.Server))
	case netcore.EventData:
		_ = f.h.Print(rtk.FormatData(e.ID, e.Data))
	case netcore.EventDatagram:
		_ = f.h.Print(rtk.FormatUDPData(e.ID, e.Remote.Addr().String(), int(e.Remote.Port()), e.Data))
	case netcore.EventRefused:
		if errors.Is(e.Err, netcore.ErrNoFreeID) || errors.Is(e.Err, netcore.ErrLinkClosed) || errors.Is(e.Err, netcore.ErrStackClosed) {
			f.h.Logf("[socket_server_auto_rcv_client_and_data] Failed to search_available_node()")
			return
		}
		f.h.Logf("[socket_server_auto_rcv_client_and_data] Failed to accept(): %v", e.Err)
	case netcore.EventClosed:
		switch {
		case errors.Is(e.Err, netcore.ErrHandshake):
			f.h.Logf("[socket_server_tls_auto_rcv_client_and_data] mbedtls_ssl_handshake() failed: %v", e.Err)
		case e.Err != nil:
			f.h.Logf("[socket_auto_rcv] read() link %d: %s; Connection closed", e.ID, e.Reason)
		}
	}
}

// listGroups is what AT+LIST prints, in the firmware's group order.
func listGroups() []rtk.ListGroup {
	return []rtk.ListGroup{
		{Header: "Common AT Command:", Commands: []string{"AT+TEST", "AT+LIST", "AT+GMR", "AT+RST", "AT+STATE", "AT+LOG"}},
		{Header: "Wi-Fi AT Command:", Commands: []string{"AT+WLCONN", "AT+WLDISCONN", "AT+WLSCAN", "AT+WLRSSI", "AT+WLSTATE", "AT+WLSTATICIP", "AT+WLSTARTAP", "AT+WLSTOPAP", "AT+WLRECONN", "AT+WLPS"}},
		{Header: "Socket AT Commands:", Commands: []string{"AT+SKTCFG", "AT+SKTQUERY", "AT+SKTSERVER", "AT+SKTCLIENT", "AT+SKTSENDRAW", "AT+SKTSEND", "AT+SKTREAD", "AT+SKTSTATE", "AT+SKTDEL"}},
	}
}

func (f *Firmware) reply(parts ...[]byte) { _ = f.h.Print(bytes.Join(parts, nil)) }
func (f *Firmware) ok(parts ...[]byte)    { f.reply(append(parts, rtk.FormatOK())...) }
func (f *Firmware) fail(code int)         { f.reply(rtk.FormatError(code)) }

// line runs one command line, its ending removed.
func (f *Firmware) line(b []byte) {
	cmd, err := rtk.ParseCommand(b)
	name := cmd.Name
	if err != nil {
		name = string(b)
		if i := bytes.IndexByte(b, '='); i >= 0 {
			name = string(b[:i])
		}
	}
	h, known := f.commands[name]
	switch {
	case !known:
		f.reply(rtk.FormatUnknown(name))
	case err != nil:
		// too many parameters or a bad escape: the handler sees a wrong count
		f.fail(1)
	default:
		h(cmd)
	}
}

// --- Transparent Transmission ---

// ttState is a Transparent Transmission transfer in progress.
type ttState struct {
	remaining int
	buf       []byte
	send      func([]byte) error // nil for the AT+TEST=1 upload test
	errNo     int
	total     int
	finish    func(errNo int)
	held      int           // trailing '<' bytes held back: data, or the early stop
	stop      netcore.Timer // armed while three '<' wait for 30 ms of quiet
}

// ttQuiet is how long the host must stay quiet after "<<<" for the
// firmware to stop a transfer early (A.8).
const ttQuiet = 30 * time.Millisecond

// ttStopMark is the byte the host sends three times to stop early.
const ttStopMark = '<'

// ttInput takes host bytes for the transfer in progress and returns how
// many of p it used. Trailing '<' bytes (up to three) that do not finish
// the transfer are held back: three of them followed by ttQuiet of quiet
// stop it early; anything else arriving first makes them data.
func (f *Firmware) ttInput(p []byte) int {
	tt := f.tt
	if tt.stop != nil {
		tt.stop.Stop()
		tt.stop = nil
	}
	in, before := p, tt.held
	if before > 0 {
		in = append(bytes.Repeat([]byte{ttStopMark}, before), p...)
		tt.held = 0
	}
	if len(in) >= tt.remaining {
		return f.raw(in) - before
	}
	k := 0
	for k < 3 && k < len(in) && in[len(in)-1-k] == ttStopMark {
		k++
	}
	if n := len(in) - k; n > 0 {
		f.raw(in[:n])
	}
	tt.held = k
	if k == 3 {
		gen := f.inputGen
		tt.stop = f.h.Clock().AfterFunc(ttQuiet, func() { f.stopTT(tt, gen) })
	}
	return len(p)
}

// stopTT ends the transfer tt early if no input came since the Input call
// numbered gen: the bytes before the "<<<" are sent, the three '<' are not.
func (f *Firmware) stopTT(tt *ttState, gen uint64) {
	f.ttMu.Lock()
	defer f.ttMu.Unlock()
	if f.tt != tt || f.inputGen != gen || tt.held != 3 {
		return
	}
	f.tt = nil
	if tt.send != nil && tt.errNo == 0 {
		for len(tt.buf) > 0 {
			k := min(len(tt.buf), ttFragment)
			if err := tt.send(tt.buf[:k]); err != nil {
				f.h.Logf("[atcmd_lwip_start_tt_handle] atcmd_lwip_send_data() failed: %v", err)
				tt.errNo = 2
				break
			}
			tt.buf = tt.buf[k:]
		}
	}
	f.h.Logf("[atcmd_tt_mode] early stop after %d of %d bytes", tt.total, tt.total+tt.remaining)
	tt.finish(tt.errNo)
}

// raw takes raw bytes for the transfer in progress and returns how many it
// used.
func (f *Firmware) raw(p []byte) int {
	tt := f.tt
	n := min(len(p), tt.remaining)
	tt.buf = append(tt.buf, p[:n]...)
	tt.remaining -= n
	tt.total += n
	if len(tt.buf) >= ttFragment || tt.remaining == 0 {
		if tt.send != nil && tt.errNo == 0 {
			for len(tt.buf) > 0 {
				k := min(len(tt.buf), ttFragment)
				if err := tt.send(tt.buf[:k]); err != nil {
					f.h.Logf("[atcmd_lwip_start_tt_handle] atcmd_lwip_send_data() failed: %v", err)
					tt.errNo = 2
					break
				}
				tt.buf = tt.buf[k:]
			}
		}
		tt.buf = tt.buf[:0]
	}
	if tt.remaining == 0 {
		f.tt = nil
		tt.finish(tt.errNo)
	}
	return n
}

// startTT prints the TT prompt and takes the next n raw bytes.
func (f *Firmware) startTT(n int, send func([]byte) error, finish func(errNo int)) {
	f.reply(rtk.FormatTTPrompt())
	f.tt = &ttState{remaining: n, send: send, finish: finish, buf: make([]byte, 0, min(n, ttFragment))}
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

func (f *Firmware) cmdTest(c rtk.Command) {
	if argc(c) == 1 {
		f.ok()
		return
	}
	if argc(c) != 3 {
		f.fail(1)
		return
	}
	switch atoi(c.Args[0]) {
	case 0:
		f.ok(rtk.FormatTestEcho(c.Args[1]))
	case 1:
		n := atoi(c.Args[1])
		if n <= 0 {
			f.fail(2)
			return
		}
		clock := f.h.Clock()
		start := clock.Now()
		f.startTT(n, nil, func(int) {
			ms := int(clock.Now().Sub(start).Milliseconds())
			kbps := 0
			if ms > 0 {
				kbps = n * 8 / ms
			}
			f.ok(rtk.FormatUpstreamResult(n/1024, ms, kbps))
		})
	case 2:
		n := max(atoi(c.Args[1]), 0)
		if err := f.h.Print(rtk.FormatDownstreamStart()); err != nil {
			return
		}
		chunk := bytes.Repeat([]byte{1}, 256)
		for n > 0 {
			k := min(n, len(chunk))
			if err := f.h.Print(chunk[:k]); err != nil {
				return
			}
			n -= k
		}
		f.ok(rtk.FormatDownstreamEnd())
	default:
		f.fail(1)
	}
}

func (f *Firmware) cmdList(rtk.Command) { f.ok(rtk.FormatList(listGroups())) }

func (f *Firmware) cmdGMR(rtk.Command) {
	f.ok(rtk.FormatGMR(rtk.Version{
		SDK: "1.1.0", ATCmd: "1.1.0", Image: "1.0", Chip: "RTL8721Dx", ChipInfo: "atbench emulator",
		CompileTime: "2025/01/01-00:00:00", CompileUser: "atbench@emulator", CompileEnv: "go",
	}))
}

// cmdRST answers OK, drops every link, returns the settings to their
// defaults and prints the start-up banner again.
func (f *Firmware) cmdRST(rtk.Command) {
	f.ok()
	f.net.RemoveAll("module reset (AT+RST)")
	f.mu.Lock()
	f.opts = rtk.SocketOptions{}
	f.wifi = defaultWifi()
	f.stopAPLocked() // a restart says nothing of the station it drops
	f.switches = reconnectSettings{}
	f.mu.Unlock()
	f.reply(rtk.FormatReady())
}

// cmdState prints the heap state. The real layout was not captured
// (UNCONFIRMED); this is a plausible stand-in.
func (f *Firmware) cmdState(rtk.Command) {
	f.ok([]byte("Available heap 332448\r\n"))
}

// cmdLog is AT+LOG=<get_set>,<module>[,<log_level>]: get_set 0 (get) and
// 1 (set) name a module tag (or *), set takes a level 0..5, 2 (print all)
// and 3 (clear all) take nothing more. Anything else, or no argument at
// all, is ERROR: 1, as in the vendor code. What a get prints was not
// captured (UNCONFIRMED): the emulator prints nothing but OK.
func (f *Firmware) cmdLog(c rtk.Command) {
	if !c.HasArgs || c.Args[0] == "" || !allDigits(c.Args[0]) {
		f.fail(1)
		return
	}
	ok := false
	switch atoi(c.Args[0]) {
	case 0:
		ok = len(c.Args) == 2 && c.Args[1] != ""
	case 1:
		ok = len(c.Args) == 3 && c.Args[1] != "" && allDigits(c.Args[2]) && c.Args[2] != "" && atoi(c.Args[2]) <= 5
	case 2, 3:
		ok = len(c.Args) == 1
	}
	if !ok {
		f.fail(1)
		return
	}
	f.ok()
}

// allDigits reports whether s holds decimal digits only.
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
