package wizfi

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"atbench/device/emulator/netcore"
	"atbench/protocol"
	wz "atbench/protocol/wizfi"
)

// Kernel limits for the per-socket keepalive options (Linux
// MAX_TCP_KEEPIDLE, MAX_TCP_KEEPINTVL, MAX_TCP_KEEPCNT).
const (
	maxKernelIdle  = 32767 * time.Second
	maxKernelCount = 127
)

// kernelKeepalive maps the firmware's keepalive (probes 75 s apart, the
// first after Idle of silence, Idle 0 in both of the seed's recipes) to
// kernel timers with the same detection time D = Idle + Count × 75 s.
// Linux needs an idle of at least 1 s, so:
//   - Idle ≥ 1 s: the same timers (Idle, 75 s, Count);
//   - Idle 0, Count ≥ 2: idle 75 s, interval 75 s, Count−1 probes (the
//     model's first probe is the kernel's idle);
//   - Idle 0, Count 1: idle 1 s, interval D − 1 s (74 s), 1 probe.
//
// A count over 127 (the kernel's bound) keeps 127 probes and moves the
// rest into the idle; an idle over 32767 s is cut to it (the detection
// time is then shorter than the model's).
func kernelKeepalive(k protocol.Keepalive) (idle, intvl time.Duration, count int) {
	d := k.Idle + time.Duration(k.Count)*k.Interval
	count = min(k.Count, maxKernelCount)
	idle = d - time.Duration(count)*k.Interval
	intvl = k.Interval
	switch {
	case idle >= time.Second:
	case count >= 2:
		count--
		idle = k.Interval
	default:
		idle, intvl = time.Second, d-time.Second
	}
	return min(idle, maxKernelIdle), intvl, count
}

// coreOptions turns a CID's AT+SETSOCKOPT state into the stack's socket
// options: the kernel timers of kernelKeepalive, and the firmware's own
// numbers as the keepalive the workbench shows.
func coreOptions(s wz.SocketKeepalive) netcore.SocketOptions {
	if !s.On {
		return netcore.SocketOptions{}
	}
	model := s.Keepalive()
	idle, intvl, count := kernelKeepalive(model)
	return netcore.SocketOptions{KeepAlive: true, KeepIdle: idle, KeepIntvl: intvl, KeepCnt: count, Model: model}
}

// claim takes the lowest free CID, or fails with NO CID.
func (f *Firmware) claim() (int, error) {
	cid, err := f.net.ClaimLowest(f.cids)
	if err != nil {
		return 0, statusError(wz.StatusNoCID, err.Error())
	}
	return cid, nil
}

// opened records a new CID and prints CONNECT <cid> and OK in one piece,
// before any event of the CID can print (the caller holds f.order).
func (f *Firmware) opened(cid int, st *socketState) {
	f.mu.Lock()
	f.sockets[cid] = st
	f.mu.Unlock()
	f.ok(wz.FormatConnect(cid))
}

// openFailed answers a failed open: a port in use is a socket failure,
// a connect that failed plain ERROR (UNCONFIRMED mapping).
func (f *Firmware) openFailed(err error) {
	f.h.Logf("wizfi: open: %v", err)
	switch {
	case errors.Is(err, netcore.ErrBind):
		f.status(wz.StatusSocketFailure)
	case errors.Is(err, netcore.ErrNoFreeID), errors.Is(err, netcore.ErrInUse):
		f.status(wz.StatusNoCID)
	default:
		f.status(wz.StatusError)
	}
}

// open runs one of the four open commands: Wi-Fi must be up, a CID free.
func (f *Firmware) open(do func(cid int) (*socketState, error)) {
	if !f.associated() {
		f.fail(errNotAssociated)
		return
	}
	f.order.Lock()
	defer f.order.Unlock()
	cid, err := f.claim()
	if err != nil {
		f.fail(err)
		return
	}
	defer f.net.Release(cid) // a no-op once the link holds it
	st, err := do(cid)
	if err != nil {
		f.openFailed(err)
		return
	}
	f.opened(cid, st)
}

func addrPortArg(c wz.Command, ipAt, portAt int) (netip.AddrPort, bool) {
	ip, err := netip.ParseAddr(arg(c, ipAt))
	port, perr := strconv.Atoi(arg(c, portAt))
	if err != nil || !ip.Is4() || perr != nil || port < 1 || port > 65535 {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(ip, uint16(port)), true
}

func portArg(c wz.Command, i int) (int, bool) {
	p, err := strconv.Atoi(arg(c, i))
	return p, err == nil && p >= 1 && p <= 65535
}

func (f *Firmware) cmdNCTCP(c wz.Command) {
	dst, ok := addrPortArg(c, 0, 1)
	if !ok {
		f.fail(statusError(wz.StatusInvalidInput, "bad address"))
		return
	}
	f.open(func(cid int) (*socketState, error) {
		return &socketState{}, f.net.Dial(f.h.Context(), cid, netcore.DialOptions{Proto: protocol.ProtoTCP, Remote: dst, Push: true})
	})
}

// defaultMaxConn is AT+NSTCP's max_conn when it is not given.
const defaultMaxConn = 15

func (f *Firmware) cmdNSTCP(c wz.Command) {
	port, ok := portArg(c, 0)
	maxConn := defaultMaxConn
	if s := arg(c, 1); s != "" {
		maxConn, _ = strconv.Atoi(s)
	}
	if !ok || maxConn < 1 {
		f.fail(statusError(wz.StatusInvalidInput, "bad port or max_conn"))
		return
	}
	f.open(func(cid int) (*socketState, error) {
		return &socketState{maxConn: maxConn}, f.net.Listen(cid, netcore.ListenOptions{Proto: protocol.ProtoTCP, Port: port, Push: true, SeedIDs: f.cids})
	})
}

func (f *Firmware) cmdNCUDP(c wz.Command) {
	dst, ok := addrPortArg(c, 0, 1)
	lport := 0
	if s := arg(c, 2); s != "" {
		var lok bool
		lport, lok = portArg(c, 2)
		ok = ok && lok
	}
	if !ok {
		f.fail(statusError(wz.StatusInvalidInput, "bad address or port"))
		return
	}
	f.open(func(cid int) (*socketState, error) {
		return &socketState{}, f.net.Dial(f.h.Context(), cid, netcore.DialOptions{Proto: protocol.ProtoUDP, Remote: dst, LocalPort: lport, Push: true})
	})
}

func (f *Firmware) cmdNSUDP(c wz.Command) {
	port, ok := portArg(c, 0)
	if !ok {
		f.fail(statusError(wz.StatusInvalidInput, "bad port"))
		return
	}
	f.open(func(cid int) (*socketState, error) {
		return &socketState{}, f.net.Listen(cid, netcore.ListenOptions{Proto: protocol.ProtoUDP, Port: port, Push: true})
	})
}

// cidArg parses a CID field and checks that the CID is in use.
func (f *Firmware) cidArg(s string) (netcore.View, bool) {
	s = trimSpace(s)
	if len(s) != 1 {
		return netcore.View{}, false
	}
	cid, err := strconv.ParseUint(s, 16, 8)
	if err != nil {
		return netcore.View{}, false
	}
	return f.net.Link(int(cid))
}

func (f *Firmware) cmdNClose(c wz.Command) {
	v, ok := f.cidArg(arg(c, 0))
	if !ok {
		f.status(wz.StatusInvalidCID)
		return
	}
	_ = f.net.Remove(v.ID, "local close (AT+NCLOSE)")
	f.forget(v.ID)
	for _, s := range v.Seeds {
		f.forget(s) // a server takes its clients with it
	}
	f.ok()
}

func (f *Firmware) cmdNCloseAll(wz.Command) {
	f.mu.Lock()
	f.sockets = map[int]*socketState{}
	f.mu.Unlock()
	f.net.RemoveAll("local close (AT+NCLOSEALL)")
	f.ok()
}

// cidEntry is a CID's row of the AT+CID=? table. A listening server shows
// no remote end; a client the server accepted is a SERVER row with its
// peer (UNCONFIRMED, see protocol/wizfi).
func cidEntry(v netcore.View) wz.CIDEntry {
	e := wz.CIDEntry{CID: v.ID, Type: "TCP", Mode: "CLIENT", LocalPort: int(v.Local.Port()), RemoteIP: "0.0.0.0"}
	switch v.Proto {
	case protocol.ProtoUDP:
		e.Type = "UDP"
	case protocol.ProtoTLS:
		e.Type = "TCP-SSL"
	}
	if v.Role != protocol.RoleClient {
		e.Mode = "SERVER"
	}
	if v.Role != protocol.RoleServer && v.Remote.IsValid() {
		e.RemotePort, e.RemoteIP = int(v.Remote.Port()), v.Remote.Addr().String()
	}
	return e
}

func (f *Firmware) cmdCID(wz.Command) {
	var rows []wz.CIDEntry
	for _, v := range f.net.Table() {
		if v.Alive() && v.Ready {
			rows = append(rows, cidEntry(v))
		}
	}
	f.ok(wz.FormatCIDTable(rows))
}

// cmdSetSockOpt sets one option on a CID's socket and applies it to the
// real one: keepalive through the stack's socket options (kernel timers of
// the same detection time), TCP_MAXRT as TCP_USER_TIMEOUT. A bad field is
// INVALID INPUT; a CID not in use INVALID CID (UNCONFIRMED).
func (f *Firmware) cmdSetSockOpt(c wz.Command) {
	o, err := wz.ParseSetSockOpt(strings.Join(c.Args, ","))
	if err != nil {
		f.fail(err)
		return
	}
	v, ok := f.net.Link(o.CID)
	f.mu.Lock()
	st := f.sockets[o.CID]
	if !ok || !v.Alive() || st == nil {
		f.mu.Unlock()
		f.status(wz.StatusInvalidCID)
		return
	}
	next := st.ka
	if err := next.Apply(o); err != nil {
		f.mu.Unlock()
		f.fail(err)
		return
	}
	st.ka = next
	f.mu.Unlock()
	if v.Proto != protocol.ProtoUDP {
		if err := f.net.SetOptions(o.CID, coreOptions(next)); err != nil {
			f.h.Logf("wizfi: SETSOCKOPT on CID %s: %v", wz.FormatCID(o.CID), err)
			f.status(wz.StatusSocketFailure)
			return
		}
		if o.Option == wz.OptMaxRT && v.Role != protocol.RoleServer {
			f.applyMaxRT(o.CID, next.MaxRT)
		}
	}
	f.ok()
}

// applyMaxRT sets TCP_MAXRT on a CID's TCP socket, where the system has
// an equivalent (Linux: TCP_USER_TIMEOUT).
func (f *Firmware) applyMaxRT(cid, secs int) {
	tc, ok := f.net.TCPConn(cid)
	if !ok {
		return
	}
	if err := setUserTimeout(tc, time.Duration(secs)*time.Second); err != nil {
		f.h.Logf("wizfi: TCP_MAXRT on CID %s: %v", wz.FormatCID(cid), err)
	}
}

// sendFrame sends the payload of a host data frame on its CID. A CID not
// in use answers [ERROR: INVALID CID], a failed send [ERROR: SOCKET
// FAILURE]; a send that went out prints nothing (UNCONFIRMED).
func (f *Firmware) sendFrame(fr wz.Frame, data []byte) {
	v, ok := f.net.Link(fr.CID)
	if !ok || !v.Alive() {
		f.status(wz.StatusInvalidCID)
		return
	}
	var err error
	if fr.Kind == wz.FrameUDPTx {
		ip, perr := netip.ParseAddr(fr.IP)
		if perr != nil || !ip.Is4() || fr.Port < 1 || fr.Port > 65535 {
			f.status(wz.StatusInvalidInput)
			return
		}
		_, err = f.net.SendTo(fr.CID, data, netip.AddrPortFrom(ip, uint16(fr.Port)))
	} else {
		_, err = f.net.Send(fr.CID, data)
	}
	if err != nil {
		f.h.Logf("wizfi: send on CID %s: %v", wz.FormatCID(fr.CID), err)
		f.status(wz.StatusSocketFailure)
	}
}
