package wizfi

import (
	"bytes"
	"errors"
	"sort"
	"strconv"
	"sync"

	"atbench/device/emulator"
	"atbench/device/emulator/netcore"
	"atbench/protocol"
	wz "atbench/protocol/wizfi"
)

// Firmware is the WizFi210 (GainSpan S2W) firmware on an emulated module:
// AT command lines ended by CR, bracketed status words, CIDs 0..f, and data
// in ESC frames both ways (dialects.md section C).
type Firmware struct {
	h        emulator.Host
	net      *netcore.Stack
	commands map[string]func(wz.Command)
	cids     int // CIDs are 0..cids-1

	// order is held during an open (claim, connect, CONNECT line) and
	// while an event prints, so a peer's first data never comes before the
	// CONNECT line of its CID. Like the single-task module, a slow connect
	// holds back the other CIDs' data meanwhile (bounded by the connect
	// timeout and the module's close).
	order sync.Mutex

	mu      sync.Mutex // guards the fields below
	echo    bool
	bulk    bool
	wifi    wifiState
	sockets map[int]*socketState // by CID, from the open until the CID is freed

	// owned by the input goroutine
	dec     *wz.Decoder
	frames  []wz.Frame
	lineBuf emulator.LineBuffer
	pending []byte // a data frame that arrives in parts
}

// socketState is what the firmware keeps of a CID beyond the stack.
type socketState struct {
	ka      wz.SocketKeepalive // the AT+SETSOCKOPT options, per socket
	maxConn int                // a TCP server's AT+NSTCP max_conn
}

// New is the firmware's constructor for emulator.Config.Firmware. Echo
// starts as Config.Echo (the module's default is UNCONFIRMED); the
// module starts associated with the simulated access point. There are 16
// CIDs, or Config.MaxLinks if that is smaller.
func New(h emulator.Host) emulator.Firmware {
	cfg := h.Config()
	f := &Firmware{
		h: h, net: h.Net(), echo: cfg.Echo, wifi: defaultWifi(), cids: wz.MaxCIDs,
		sockets: map[int]*socketState{}, dec: wz.NewDecoder(maxFrame),
		lineBuf: emulator.LineBuffer{Max: wz.MaxLine},
	}
	if cfg.MaxLinks > 0 && cfg.MaxLinks < f.cids {
		f.cids = cfg.MaxLinks
	}
	f.commands = map[string]func(wz.Command){
		"AT":            func(wz.Command) { f.ok() },
		"ATE0":          func(wz.Command) { f.setEcho(false) },
		"ATE1":          func(wz.Command) { f.setEcho(true) },
		"AT+VER":        f.cmdVer,
		"AT+BDATA":      f.cmdBData,
		"AT+WWPA":       f.cmdWWPA,
		"AT+WA":         f.cmdWA,
		"AT+WD":         f.cmdWD,
		"AT+NDHCP":      f.cmdNDHCP,
		"AT+NSET":       f.cmdNSet,
		"AT+NSTAT":      f.cmdNStat,
		"AT+NCTCP":      f.cmdNCTCP,
		"AT+NSTCP":      f.cmdNSTCP,
		"AT+NCUDP":      f.cmdNCUDP,
		"AT+NSUDP":      f.cmdNSUDP,
		"AT+NCLOSE":     f.cmdNClose,
		"AT+NCLOSEALL":  f.cmdNCloseAll,
		"AT+CID":        f.cmdCID,
		"AT+SETSOCKOPT": f.cmdSetSockOpt,
	}
	return f
}

// Name is the command set's name.
func (f *Firmware) Name() string { return "wizfi" }

// banner is what the S2W application prints at boot (the status table's
// "Serial2WiFi APP"; the exact framing is UNCONFIRMED).
const banner = "\r\nSerial2WiFi APP\r\n"

// Start prints the power-on banner.
func (f *Firmware) Start() { _ = f.h.Print([]byte(banner)) }

// Settings are the echo and bulk modes and, per CID in use, the
// AT+SETSOCKOPT options set on it (named as wizfi.SettingName).
func (f *Firmware) Settings() []protocol.Setting {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := []protocol.Setting{{Name: "echo", Value: b01(f.echo)}, {Name: "bulk", Value: b01(f.bulk)}}
	cids := make([]int, 0, len(f.sockets))
	for cid := range f.sockets {
		cids = append(cids, cid)
	}
	sort.Ints(cids)
	for _, cid := range cids {
		k := f.sockets[cid].ka
		if k == (wz.SocketKeepalive{}) {
			continue
		}
		out = append(out, protocol.Setting{Name: wz.SettingName(cid, wz.OptKeepalive), Value: b01(k.On)})
		for _, o := range []struct{ opt, v int }{{wz.OptTCPKeepalive, k.Time}, {wz.OptKeepaliveCnt, k.Count}, {wz.OptMaxRT, k.MaxRT}} {
			if o.v != 0 {
				out = append(out, protocol.Setting{Name: wz.SettingName(cid, o.opt), Value: strconv.Itoa(o.v)})
			}
		}
	}
	return out
}

func b01(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// Event turns the stack's events into the module's words: CONNECT for an
// accepted client, ESC frames for data, DISCONNECT when the network
// closed a CID (which frees it).
func (f *Firmware) Event(e netcore.Event) {
	switch e.Kind {
	case netcore.EventAccepted:
		f.accepted(e)
	case netcore.EventData:
		f.mu.Lock()
		bulk := f.bulk
		f.mu.Unlock()
		f.printOrdered(dataFrame(e.ID, e.Data, bulk))
	case netcore.EventDatagram:
		f.mu.Lock()
		bulk := f.bulk
		f.mu.Unlock()
		v, ok := f.net.Link(e.ID)
		if ok && v.Role == protocol.RoleServer {
			ip, port := e.Remote.Addr().String(), int(e.Remote.Port())
			if bulk {
				f.printOrdered(wz.EncodeUDPServerBulkRx(e.ID, ip, port, e.Data))
			} else {
				f.printOrdered(wz.EncodeUDPServerRx(e.ID, ip, port, e.Data))
			}
			return
		}
		f.printOrdered(dataFrame(e.ID, e.Data, bulk))
	case netcore.EventClosed:
		if e.Err == nil || !e.Ready {
			return // the firmware closed it, or a client never announced
		}
		// The network closed it: the module frees the CID and says so.
		// Under f.order no open can reuse the CID between the check and
		// the removal.
		f.order.Lock()
		defer f.order.Unlock()
		v, ok := f.net.Link(e.ID)
		if !ok || v.Alive() {
			return // already freed (and maybe reused)
		}
		f.h.Logf("wizfi: CID %s closed: %s", wz.FormatCID(e.ID), e.Reason)
		_ = f.net.Remove(e.ID, e.Reason) // its EventClosed (Err nil) prints nothing
		f.forget(e.ID)
		_ = f.h.Print(wz.FormatDisconnect(e.ID))
	case netcore.EventRefused:
		f.h.Logf("wizfi: server %s refused a client: %v", wz.FormatCID(e.Server), e.Err)
	}
}

// accepted announces a client a TCP server took, or turns it away when the
// server already holds its max_conn clients.
func (f *Firmware) accepted(e netcore.Event) {
	srv, ok := f.net.Link(e.Server)
	f.mu.Lock()
	st := f.sockets[e.Server]
	var seed socketState
	if st != nil {
		seed.ka = st.ka
	}
	over := ok && st != nil && st.maxConn > 0 && len(srv.Seeds) > st.maxConn
	if !over {
		f.sockets[e.ID] = &seed
	}
	f.mu.Unlock()
	if over {
		f.h.Logf("wizfi: server %s holds its %d clients; %s turned away", wz.FormatCID(e.Server), st.maxConn, e.Remote)
		_ = f.net.Remove(e.ID, "max_conn reached")
		return
	}
	if seed.ka.MaxRT > 0 {
		f.applyMaxRT(e.ID, seed.ka.MaxRT)
	}
	f.printOrdered(wz.FormatAccept(e.Server, e.ID, e.Remote.Addr().String(), int(e.Remote.Port())))
}

// dataFrame frames received data: ESC S … ESC E, or ESC Z in bulk mode.
func dataFrame(cid int, data []byte, bulk bool) []byte {
	if !bulk {
		return wz.EncodeData(cid, data)
	}
	var b []byte
	for len(data) > 0 {
		n := min(len(data), wz.MaxBulk)
		b = append(b, wz.EncodeBulk(cid, data[:n])...)
		data = data[n:]
	}
	return b
}

func (f *Firmware) printOrdered(msg []byte) {
	f.order.Lock()
	defer f.order.Unlock()
	_ = f.h.Print(msg)
}

// forget drops what the firmware kept of a freed CID.
func (f *Firmware) forget(cid int) {
	f.mu.Lock()
	delete(f.sockets, cid)
	f.mu.Unlock()
}

func (f *Firmware) reply(parts ...[]byte) { _ = f.h.Print(bytes.Join(parts, nil)) }
func (f *Firmware) ok(parts ...[]byte)    { f.reply(append(parts, wz.FormatOK())...) }
func (f *Firmware) fail(err error)        { f.reply(wz.FormatError(err)) }
func (f *Firmware) status(s wz.Status)    { f.reply(wz.FormatStatus(s)) }

// statusError is a status word as an error, for the error paths.
func statusError(s wz.Status, reason string) error {
	return &wz.ResultError{Status: s, Reason: reason}
}

// line runs one command line, its ending removed. An unknown command and
// any bad field answer [ERROR: INVALID INPUT].
func (f *Firmware) line(b []byte) {
	c, err := wz.ParseCommand(b)
	if err != nil {
		f.fail(err)
		return
	}
	spec, err := wz.Validate(c)
	if err != nil {
		f.fail(err)
		return
	}
	h, ok := f.commands[spec.Name]
	if !ok {
		f.fail(errors.New("not emulated: " + spec.Name))
		return
	}
	h(c)
}

func (f *Firmware) setEcho(on bool) {
	f.mu.Lock()
	f.echo = on
	f.mu.Unlock()
	f.ok()
}

// Version strings AT+VER=? prints (UNCONFIRMED: the values of a real
// WizFi210 were not captured).
const (
	verApp  = "1.0.0.6 (atbench emulator)"
	verGEPS = "2.3.1"
	verWLAN = "2.3.1"
)

func (f *Firmware) cmdVer(wz.Command) { f.ok(wz.FormatVersion(verApp, verGEPS, verWLAN)) }

func (f *Firmware) cmdBData(c wz.Command) {
	f.mu.Lock()
	f.bulk = arg(c, 0) == "1"
	f.mu.Unlock()
	f.ok()
}

// arg is parameter i, spaces trimmed; "" when absent.
func arg(c wz.Command, i int) string {
	if i < len(c.Args) {
		return trimSpace(c.Args[i])
	}
	return ""
}

func trimSpace(s string) string { return string(bytes.TrimSpace([]byte(s))) }
