package realtek

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/netip"
	"time"

	"atbench/device/emulator"
	"atbench/device/emulator/netcore"
	"atbench/protocol"
	rtk "atbench/protocol/realtek"
)

// Socket command limits of the firmware.
const (
	readSelectWait = 20 * time.Millisecond // AT+SKTREAD's select() timeout
	maxReadAlloc   = 200 << 10             // a larger AT+SKTREAD size fails its malloc: ERROR: 2
)

// Connection types of AT+SKTSERVER and AT+SKTCLIENT.
const (
	connUDP          = 0
	connTCP          = 1
	connTLS          = 2 // server: no client verification; client: no server verification
	connTLSVerify    = 3 // server: verify the client; client: verify the server
	connTLSClientCrt = 4 // client: present the client certificate
	connTLSMutual    = 5 // client: 3 and 4
)

// linkTag is what the firmware remembers of a link beyond the stack: what
// AT+SKTSTATE reports as its source.
type linkTag struct {
	srcIP   string // a server's: the station address when it was opened
	srcPort int    // a server's port, a UDP client's source port
}

// coreOptions turns AT+SKTCFG into the stack's socket options: the
// module's 0 is "not set" for every keepalive value.
func coreOptions(o rtk.SocketOptions) netcore.SocketOptions {
	return netcore.SocketOptions{
		NoDelay:     o.NoDelay == 1,
		KeepAlive:   o.KeepAlive == 1,
		KeepIdle:    time.Duration(o.KeepIdle) * time.Second,
		KeepIntvl:   time.Duration(o.KeepIntvl) * time.Second,
		KeepCnt:     o.KeepCnt,
		SendTimeout: time.Duration(o.SndTimeo) * time.Millisecond,
	}
}

func (f *Firmware) cmdSktCfg(c rtk.Command) {
	if n := argc(c); !c.HasArgs || n < 2 || n > 8 {
		f.fail(1)
		return
	}
	field := func(i int) string {
		if i < len(c.Args) {
			return c.Args[i]
		}
		return ""
	}
	ranges := [7][2]int{{0, 1 << 31}, {0, 1 << 31}, {0, 1}, {0, 1}, {0, 7200}, {0, 75}, {0, 10}}
	var v [7]int
	for i := range v {
		if s := field(i); s != "" {
			v[i] = atoi(s)
			if v[i] < ranges[i][0] || v[i] > ranges[i][1] {
				f.fail(1)
				return
			}
		}
	}
	f.mu.Lock()
	f.opts = rtk.SocketOptions{SndTimeo: v[0], RcvTimeo: v[1], NoDelay: v[2], KeepAlive: v[3], KeepIdle: v[4], KeepIntvl: v[5], KeepCnt: v[6]}
	f.mu.Unlock()
	f.ok()
}

func (f *Firmware) cmdSktQuery(c rtk.Command) {
	if c.HasArgs {
		f.fail(1)
		return
	}
	f.mu.Lock()
	o := f.opts
	f.mu.Unlock()
	f.ok(rtk.FormatQuery(o))
}

// linkID parses a link id; ok is false when it is out of range.
func (f *Firmware) linkID(s string) (int, bool) {
	id := atoi(s)
	return id, id >= 0 && id < f.links
}

// certIndex checks a cert_index field: 1 for a bad value, 6 for an empty
// slot of the flash.
func (f *Firmware) certIndex(s string) (*emulator.CertSlot, int) {
	if s == "" {
		return nil, 1
	}
	i := atoi(s)
	if i < 1 || i > emulator.CertSlots {
		return nil, 1
	}
	slot, ok := f.h.CertSlot(i)
	if !ok {
		return nil, 6
	}
	return slot, 0
}

func validPort(p int) bool { return p >= 1 && p <= 65535 }

func (f *Firmware) cmdSktServer(c rtk.Command) {
	// <link_id>,<conn_type>,[<cert_index>],<src_port>,<auto_rcv>
	id, ct, slot, code := f.openArgs(c, 5, []int{0, 1, 3, 4}, connTLSVerify, connTLS)
	if code != 0 {
		f.fail(code)
		return
	}
	defer f.net.Release(id) // a no-op once the server holds it
	port, auto := atoi(c.Args[3]), atoi(c.Args[4])
	if !validPort(port) || (auto != 0 && auto != 1) {
		f.fail(1)
		return
	}
	if code := f.createServer(id, ct, slot, port, auto == 1); code != 0 {
		f.fail(code)
		return
	}
	f.ok()
}

// openArgs checks what AT+SKTSERVER and AT+SKTCLIENT share: exactly n
// fields with the required ones present, a free link id, a conn_type up to
// maxType, and, from conn_type certFrom on, a filled certificate slot. It
// returns the error code to print, or 0 with the id claimed: no seed
// accepted meanwhile can take it. The caller releases the claim.
func (f *Firmware) openArgs(c rtk.Command, n int, required []int, maxType, certFrom int) (id, ct int, slot *emulator.CertSlot, code int) {
	if !c.HasArgs || len(c.Args) != n {
		return 0, 0, nil, 1
	}
	for _, i := range required {
		if c.Args[i] == "" {
			return 0, 0, nil, 1
		}
	}
	id, ok := f.linkID(c.Args[0])
	if !ok || f.net.InUse(id) {
		return 0, 0, nil, 1
	}
	if ct = atoi(c.Args[1]); ct < connUDP || ct > maxType {
		return 0, 0, nil, 1
	}
	if ct >= certFrom {
		if slot, code = f.certIndex(c.Args[2]); code != 0 {
			return 0, 0, nil, code
		}
	}
	if f.net.Claim(id) != nil {
		return 0, 0, nil, 1 // a seed took it during the checks
	}
	return id, ct, slot, 0
}

func (f *Firmware) createServer(id, ct int, slot *emulator.CertSlot, port int, auto bool) int {
	f.mu.Lock()
	opts, srcIP := f.opts, f.ip()
	f.mu.Unlock()
	lo := netcore.ListenOptions{Port: port, Push: auto, Options: coreOptions(opts), SeedIDs: f.links,
		Tag: &linkTag{srcIP: srcIP, srcPort: port}}
	switch ct {
	case connUDP:
		lo.Proto = protocol.ProtoUDP
	case connTCP:
		lo.Proto = protocol.ProtoTCP
	default:
		lo.Proto = protocol.ProtoTLS
		lo.TLS = &tls.Config{Certificates: []tls.Certificate{slot.Server}, MinVersion: tls.VersionTLS12}
		if ct == connTLSVerify {
			lo.TLS.ClientAuth = tls.RequireAndVerifyClientCert
			lo.TLS.ClientCAs = slot.Pool
		}
	}
	err := f.net.Listen(id, lo)
	bind := errors.Is(err, netcore.ErrBind)
	switch {
	case err == nil:
		return 0
	case ct == connUDP:
		if bind {
			f.h.Logf("[create_socket_server_udp] Failed to bind() to port: %d: %v", port, err)
		}
		return 4
	case ct == connTCP:
		if bind {
			f.h.Logf("[create_socket_server_tcp] Failed to bind() to port: %d: %v", port, err)
		}
		return 2
	case bind:
		f.h.Logf("[create_socket_server_tls] mbedtls_net_bind() failed: %v", err)
		return 11
	}
	return 2
}

func (f *Firmware) cmdSktClient(c rtk.Command) {
	// <link_id>,<conn_type>,[<cert_index>],<dst_host>,<dst_port>,[<src_port>],<auto_rcv>
	id, ct, slot, code := f.openArgs(c, 7, []int{0, 1, 3, 4, 6}, connTLSMutual, connTLSVerify)
	if code != 0 {
		f.fail(code)
		return
	}
	defer f.net.Release(id) // a no-op once the client holds it
	if ct == connUDP && c.Args[5] == "" {
		f.fail(1)
		return
	}
	dst, err := f.net.Resolve(f.h.Context(), c.Args[3])
	if err != nil {
		f.h.Logf("[at_sktclient] Destination host '%s' not found", c.Args[3])
		f.fail(1)
		return
	}
	dport := atoi(c.Args[4])
	if !validPort(dport) {
		f.fail(1)
		return
	}
	sport := 0
	if c.Args[5] != "" {
		if sport = atoi(c.Args[5]); !validPort(sport) {
			f.fail(1)
			return
		}
	}
	auto := atoi(c.Args[6])
	if auto != 0 && auto != 1 {
		f.fail(1)
		return
	}
	if code := f.createClient(id, ct, slot, dst, dport, sport, auto == 1); code != 0 {
		f.fail(code)
		return
	}
	f.ok()
}

func (f *Firmware) createClient(id, ct int, slot *emulator.CertSlot, dst netip.Addr, dport, sport int, auto bool) int {
	f.mu.Lock()
	opts, joined := f.opts, f.wifi.joined >= 0
	f.mu.Unlock()
	do := netcore.DialOptions{Remote: netip.AddrPortFrom(dst, uint16(dport)), Push: auto, Options: coreOptions(opts),
		Tag: &linkTag{srcIP: "0.0.0.0"}}
	ctx := f.h.Context()
	if ct == connUDP {
		do.Proto, do.LocalPort = protocol.ProtoUDP, sport
		do.Tag = &linkTag{srcIP: "0.0.0.0", srcPort: sport}
		if err := f.net.Dial(ctx, id, do); err != nil {
			f.h.Logf("[create_socket_client_udp] bind() to client port %d failed: %v", sport, err)
			return 4
		}
		return 0
	}
	connFail := 2
	do.Proto = protocol.ProtoTCP
	if ct >= connTLS {
		connFail = 13
		do.Proto, do.TLS = protocol.ProtoTLS, clientTLSConfig(ct, slot)
	}
	if !joined {
		f.h.Logf("[create_socket_client] no network: Wi-Fi is not connected")
		return connFail
	}
	err := f.net.Dial(ctx, id, do)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, netcore.ErrHandshake):
		f.h.Logf("[create_socket_client_tls] mbedtls_ssl_handshake() failed: %v", err)
		return 14
	case errors.Is(err, netcore.ErrConnect):
		f.h.Logf("[create_socket_client] Failed to connect to server(%s:%d): %v", dst, dport, err)
	}
	return connFail
}

// clientTLSConfig builds the TLS client of a connection type. The firmware
// sets no host name, so verification checks the chain only.
func clientTLSConfig(ct int, slot *emulator.CertSlot) *tls.Config {
	cfg := &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}
	if ct == connTLSVerify || ct == connTLSMutual {
		pool := slot.Pool
		cfg.VerifyPeerCertificate = func(raw [][]byte, _ [][]*x509.Certificate) error {
			return emulator.VerifyChain(pool, raw, x509.ExtKeyUsageServerAuth)
		}
	}
	if ct == connTLSClientCrt || ct == connTLSMutual {
		cfg.Certificates = []tls.Certificate{slot.Client}
	}
	return cfg
}

// usable returns the link a data command may use: it exists, has an open
// socket and, for a seed, finished its handshake.
func (f *Firmware) usable(idField string) (netcore.View, bool) {
	id, ok := f.linkID(idField)
	if !ok {
		return netcore.View{}, false
	}
	v, ok := f.net.Link(id)
	if !ok || !v.Alive() || !v.Ready {
		return netcore.View{}, false
	}
	return v, true
}

// udpDest parses a UDP server's destination fields.
func udpDest(ipField, portField string) (netip.AddrPort, bool) {
	if ipField == "" || portField == "" || len(ipField) > 255 {
		return netip.AddrPort{}, false
	}
	port := atoi(portField)
	ip, err := netip.ParseAddr(ipField)
	if !validPort(port) || err != nil || !ip.Is4() {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(ip, uint16(port)), true
}

// sender returns the function that sends one piece of data on v, or ok
// false for a parameter error (a TCP/TLS server, a UDP server without a
// valid destination).
func (f *Firmware) sender(v netcore.View, ipField, portField string) (func([]byte) error, bool) {
	id := v.ID
	switch {
	case v.Proto == protocol.ProtoUDP && v.Role == protocol.RoleServer:
		dst, ok := udpDest(ipField, portField)
		if !ok {
			return nil, false
		}
		return func(p []byte) error { _, err := f.net.SendTo(id, p, dst); return err }, true
	case v.Role == protocol.RoleServer && v.Proto != protocol.ProtoUDP:
		f.h.Logf("[at_sktsend] Please use the correct seed <link_id> for TCP/SSL server")
		return nil, false
	}
	return func(p []byte) error { _, err := f.net.Send(id, p); return err }, true
}

func (f *Firmware) cmdSktSend(c rtk.Command) {
	if !c.HasArgs || len(c.Args) != 5 || c.Args[0] == "" || c.Args[1] == "" || c.Args[4] == "" {
		f.fail(1)
		return
	}
	v, ok := f.usable(c.Args[0])
	if !ok {
		f.fail(1)
		return
	}
	size := atoi(c.Args[1])
	if size <= 0 || size >= maxLine || size != len(c.Args[4]) {
		f.fail(1)
		return
	}
	send, ok := f.sender(v, c.Args[2], c.Args[3])
	if !ok {
		f.fail(1)
		return
	}
	if err := send([]byte(c.Args[4])); err != nil {
		f.h.Logf("[atcmd_lwip_send_data] send failed on link %d: %v", v.ID, err)
		f.fail(2)
		return
	}
	f.ok()
}

func (f *Firmware) cmdSktSendRaw(c rtk.Command) {
	if !c.HasArgs || (len(c.Args) != 2 && len(c.Args) != 4) || c.Args[0] == "" || c.Args[1] == "" {
		f.fail(1)
		return
	}
	v, ok := f.usable(c.Args[0])
	if !ok {
		f.fail(1)
		return
	}
	size := atoi(c.Args[1])
	if size <= 0 {
		f.fail(1)
		return
	}
	ip, port := "", ""
	if len(c.Args) == 4 {
		ip, port = c.Args[2], c.Args[3]
	}
	send, ok := f.sender(v, ip, port)
	if !ok {
		f.fail(1)
		return
	}
	f.startTT(size, send, func(errNo int) {
		if errNo != 0 {
			f.fail(errNo)
			return
		}
		f.ok()
	})
}

func (f *Firmware) cmdSktRead(c rtk.Command) {
	if !c.HasArgs || len(c.Args) != 2 || c.Args[0] == "" || c.Args[1] == "" {
		f.fail(1)
		return
	}
	v, ok := f.usable(c.Args[0])
	if !ok {
		f.fail(1)
		return
	}
	want := atoi(c.Args[1])
	if want <= 0 || (v.Role == protocol.RoleServer && v.Proto != protocol.ProtoUDP) {
		f.fail(1)
		return
	}
	if want > maxReadAlloc {
		f.fail(2)
		return
	}
	if v.Proto == protocol.ProtoUDP {
		data, from, got, err := f.net.ReadFrom(v.ID, want, readSelectWait)
		if err != nil {
			f.fail(4)
			return
		}
		ip, port := "0.0.0.0", 0
		if got {
			ip, port = from.Addr().String(), int(from.Port())
		}
		f.ok(rtk.FormatUDPRead(v.ID, ip, port, data))
		return
	}
	data, err := f.net.Read(v.ID, want, readSelectWait)
	if errors.Is(err, netcore.ErrEnded) {
		// lwIP's read() returned 0 or an error: the firmware closes the socket
		why := "peer closed (FIN)"
		if lv, ok := f.net.Link(v.ID); ok && lv.EndReason != "" {
			why = lv.EndReason
		}
		f.h.Logf("[atcmd_lwip_receive_data] read() link %d: %s; Connection closed", v.ID, why)
		_ = f.net.CloseSocket(v.ID, why)
	}
	if err != nil {
		f.fail(4)
		return
	}
	f.ok(rtk.FormatRead(v.ID, data))
}

// stateEntry is a link as AT+SKTSTATE lists it: seeds show src 0.0.0.0:0,
// TLS clients too; servers their station address and port.
func stateEntry(v netcore.View) rtk.StateEntry {
	e := rtk.StateEntry{ID: v.ID, Role: string(v.Role), Proto: protoWord(v.Proto), SrcIP: "0.0.0.0", DstIP: "0.0.0.0", FD: v.FD}
	tag, _ := v.Tag.(*linkTag)
	switch {
	case v.Role == protocol.RoleServer:
		if tag != nil {
			e.SrcIP, e.SrcPort = tag.srcIP, tag.srcPort
		}
		return e
	case v.Role == protocol.RoleClient && v.Proto == protocol.ProtoTCP:
		e.SrcIP, e.SrcPort = v.Local.Addr().String(), int(v.Local.Port())
	case v.Role == protocol.RoleClient && v.Proto == protocol.ProtoUDP && tag != nil:
		e.SrcPort = tag.srcPort
	}
	e.DstIP, e.DstPort = v.Remote.Addr().String(), int(v.Remote.Port())
	return e
}

// protoWord is the protocol as AT+SKTSTATE prints it.
func protoWord(p protocol.Proto) string {
	switch p {
	case protocol.ProtoUDP:
		return "udp"
	case protocol.ProtoTCP:
		return "tcp"
	}
	return "ssl"
}

// cmdSktState lists servers and clients by id, each server followed by its
// seeds in accept order; parameters are ignored, as in the firmware.
func (f *Firmware) cmdSktState(rtk.Command) {
	table := f.net.Table()
	byID := make(map[int]netcore.View, len(table))
	for _, v := range table {
		byID[v.ID] = v
	}
	var out []byte
	for _, v := range table {
		if v.Role == protocol.RoleSeed {
			continue
		}
		out = append(out, rtk.FormatStateLine(stateEntry(v))...)
		for _, id := range v.Seeds {
			if s, ok := byID[id]; ok {
				out = append(out, rtk.FormatStateLine(stateEntry(s))...)
			}
		}
	}
	f.ok(out)
}

// cmdSktDel deletes a link; a server takes its seeds with it.
func (f *Firmware) cmdSktDel(c rtk.Command) {
	if !c.HasArgs || len(c.Args) != 1 || c.Args[0] == "" {
		f.fail(1)
		return
	}
	id, ok := f.linkID(c.Args[0])
	if !ok || f.net.Remove(id, "deleted (AT+SKTDEL)") != nil {
		f.fail(1)
		return
	}
	f.ok()
}
