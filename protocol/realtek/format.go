package realtek

import (
	"fmt"
	"strconv"
	"strings"

	"atbench/protocol"
)

// The module's answers as bytes, as the current ameba-rtos AT firmware
// prints them (component/at_cmd). The emulator writes them; tests and the
// host-side parsers can check against them.

// FormatReady is printed on the AT port at start-up in Host Control Mode.
func FormatReady() []byte { return []byte("ATCMD READY\r\n") }

// FormatOK is the final success result.
func FormatOK() []byte { return []byte("\r\nOK\r\n") }

// FormatError is the final error result with its decimal code.
func FormatError(code int) []byte { return fmt.Appendf(nil, "\r\nERROR: %d\r\n", code) }

// FormatUnknown answers a command name that is not in the table. The LogUART
// shell prints this text; the Host Control Mode reply is UNCONFIRMED and the
// emulator uses the same text (without the shell's "#" prompt).
func FormatUnknown(name string) []byte { return fmt.Appendf(nil, "\r\nunknown command '%s'\r\n", name) }

// FormatTestEcho is AT+TEST=0,<str>'s output before OK.
func FormatTestEcho(arg string) []byte {
	return fmt.Appendf(nil, "\r\n arg len = %d \r\n\r\n arg = %s \r\n", len(arg), arg)
}

// FormatDownstreamStart and FormatDownstreamEnd bracket AT+TEST=2,<len>'s bytes.
func FormatDownstreamStart() []byte { return []byte("Downstream Test Start\r\n") }

// FormatDownstreamEnd ends AT+TEST=2,<len>'s bytes.
func FormatDownstreamEnd() []byte { return []byte("Downstream Test End\r\n") }

// FormatUpstreamResult is AT+TEST=1,<len>'s summary (note the "\n\r" ending,
// as in the firmware).
func FormatUpstreamResult(kbytes, ms, kbps int) []byte {
	return fmt.Appendf(nil, "upstream test(tt mode): Send %d KBytes in %d ms, %d Kbits/sec\n\r", kbytes, ms, kbps)
}

// FormatTTPrompt is printed when the module enters Transparent Transmission
// mode (AT+SKTSENDRAW, AT+TEST=1).
func FormatTTPrompt() []byte { return []byte(">>>\r\n") }

// ListGroup is one group of AT+LIST.
type ListGroup struct {
	Header   string   // e.g. "Common AT Command:"
	Commands []string // e.g. "AT+TEST"
}

// FormatList is AT+LIST's output before OK: each header, then one command a
// line.
func FormatList(groups []ListGroup) []byte {
	var b []byte
	for _, g := range groups {
		b = append(b, g.Header...)
		b = append(b, "\r\n"...)
		for _, c := range g.Commands {
			b = append(b, c...)
			b = append(b, "\r\n"...)
		}
	}
	return b
}

// Version is what AT+GMR reports.
type Version struct {
	SDK         string // "1.1.0"
	ATCmd       string // "1.0.0"
	Image       string // "1.0"
	Chip        string // "RTL8721Dx"
	ChipInfo    string
	CompileTime string
	CompileUser string // "user@host"
	CompileEnv  string
}

// FormatGMR is AT+GMR's seven lines before OK. The first line ends with a
// bare "\n", as in the firmware.
func FormatGMR(v Version) []byte {
	return fmt.Appendf(nil, "AMEBA-RTOS SDK VERSION: %s\nATCMD VERSION: %s\r\nIMAGE VERSION: %s\r\n%s: %s\r\nCOMPILE TIME: %s\r\nCOMPILE USER: %s\r\nCOMPILE ENV : %s\r\n",
		v.SDK, v.ATCmd, v.Image, v.Chip, v.ChipInfo, v.CompileTime, v.CompileUser, v.CompileEnv)
}

// SocketOptions are the global socket options of AT+SKTCFG, in its order.
type SocketOptions struct {
	SndTimeo  int // so_sndtimeo, ms
	RcvTimeo  int // so_rcvtimeo, ms
	NoDelay   int // tcp_nodelay, 0/1
	KeepAlive int // so_keepalive, 0/1
	KeepIdle  int // tcp_keepidle, s
	KeepIntvl int // tcp_keepintvl, s
	KeepCnt   int // tcp_keepcnt
}

// Settings lists the options with the names AT+SKTQUERY prints.
func (o SocketOptions) Settings() []protocol.Setting {
	vals := [...]int{o.SndTimeo, o.RcvTimeo, o.NoDelay, o.KeepAlive, o.KeepIdle, o.KeepIntvl, o.KeepCnt}
	names := socketOptionNames()
	out := make([]protocol.Setting, len(vals))
	for i, v := range vals {
		out[i] = protocol.Setting{Name: names[i], Value: strconv.Itoa(v)}
	}
	return out
}

func socketOptionNames() [7]string {
	return [7]string{"so_sndtimeo", "so_rcvtimeo", "tcp_nodelay", "so_keepalive", "tcp_keepidle", "tcp_keepintvl", "tcp_keepcnt"}
}

// FormatQuery is AT+SKTQUERY's block before OK.
func FormatQuery(o SocketOptions) []byte {
	b := []byte("\r\nGlobal SOCKET configuration:\r\n")
	for _, s := range o.Settings() {
		b = fmt.Appendf(b, "%s: %s\r\n", s.Name, s.Value)
	}
	return b
}

// FormatAccept is the unsolicited event of a TCP or TLS server accepting a
// client into the seed link.
func FormatAccept(seed int, tls bool, ip string, port int, server int) []byte {
	proto := "tcp"
	if tls {
		proto = "tls"
	}
	return fmt.Appendf(nil, "[$][SKT][EVENT]: A client[link_id:%d,seed,%s,dst_address:%s,dst_port:%d] connected to server[link_id:%d]\r\n",
		seed, proto, ip, port, server)
}

// FormatData is auto-received TCP/TLS data: a header, the raw bytes, CR LF.
func FormatData(id int, payload []byte) []byte {
	b := fmt.Appendf(make([]byte, 0, len(payload)+32), "[$][SKT][DATA][%d][%d]:", id, len(payload))
	b = append(b, payload...)
	return append(b, "\r\n"...)
}

// FormatUDPData is auto-received UDP data with its source address.
func FormatUDPData(id int, ip string, port int, payload []byte) []byte {
	b := fmt.Appendf(make([]byte, 0, len(payload)+48), "[$][SKT][DATA][%d][%d][%s][%d]:", id, len(payload), ip, port)
	b = append(b, payload...)
	return append(b, "\r\n"...)
}

// FormatRead is AT+SKTREAD's answer for a TCP/TLS link before OK. The data
// is not followed by a line ending: the firmware prints the OK result
// ("\r\nOK\r\n") right after it.
func FormatRead(id int, data []byte) []byte {
	b := fmt.Appendf(make([]byte, 0, len(data)+24), "+SKTREAD:%d,%d,", id, len(data))
	return append(b, data...)
}

// FormatUDPRead is AT+SKTREAD's answer for a UDP link (with the datagram's
// source; 0.0.0.0 and 0 when nothing was read) before OK.
func FormatUDPRead(id int, ip string, port int, data []byte) []byte {
	b := fmt.Appendf(make([]byte, 0, len(data)+40), "+SKTREAD:%d,%d,%s,%d,", id, len(data), ip, port)
	return append(b, data...)
}

// StateEntry is one line of AT+SKTSTATE.
type StateEntry struct {
	ID      int
	Role    string // "server", "client" or "seed"
	Proto   string // "udp", "tcp" or "ssl" (TLS is printed as "ssl")
	SrcIP   string
	SrcPort int
	DstIP   string
	DstPort int
	FD      int // -1 once the socket is closed
}

// FormatStateLine is one line of AT+SKTSTATE.
func FormatStateLine(e StateEntry) []byte {
	return fmt.Appendf(nil, "link_id:%d,%s,%s,src_address:%s,src_port:%d,dst_address:%s,dst_port:%d,socket_fd:%d\r\n",
		e.ID, e.Role, e.Proto, e.SrcIP, e.SrcPort, e.DstIP, e.DstPort, e.FD)
}

// FormatWifiConnected, FormatWifiGotIP, FormatWifiConnectFailed and
// FormatWifiDisconnected are the Wi-Fi AT messages. Their CR LF ending is
// UNCONFIRMED (the most likely form).
func FormatWifiConnected() []byte { return []byte("[$]wifi connected\r\n") }

// FormatWifiGotIP announces the address DHCP gave.
func FormatWifiGotIP(ip string) []byte { return fmt.Appendf(nil, "[$]wifi got ip:\"%s\"\r\n", ip) }

// FormatWifiConnectFailed reports a failed join.
func FormatWifiConnectFailed() []byte { return []byte("[$]wifi connect failed\r\n") }

// FormatWifiDisconnected reports leaving or losing the access point.
func FormatWifiDisconnected() []byte { return []byte("[$]wifi disconnected\r\n") }

// ScanResult is one access point found by AT+WLSCAN.
type ScanResult struct {
	BSSID    string // "aa:bb:cc:dd:ee:ff"
	RSSI     int    // dBm, negative
	Channel  int
	Mode     string // "AX", "AC", "N", "G", "B"
	Security string // "Open", "WPA2 AES", ...
	SSID     string
}

// FormatScanLine is one AT+WLSCAN result; idx counts from 1. The firmware
// leaves a space before the line ending.
func FormatScanLine(idx int, r ScanResult) []byte {
	return fmt.Appendf(nil, "%2d, %s, %d, %d, %s, \"%s\", \"%s\" \r\n", idx, r.BSSID, r.RSSI, r.Channel, r.Mode, r.Security, r.SSID)
}

// FormatRSSI is AT+WLRSSI's output before OK (values in dBm, negative).
func FormatRSSI(rssi, data, beacon int) []byte {
	return fmt.Appendf(nil, "rssi = %d\r\ndata rssi = %d\r\nbeacon rssi = %d\r\n", rssi, data, beacon)
}

// WLANInfo is what AT+WLSTATE shows.
type WLANInfo struct {
	Connected bool
	SSID      string
	BSSID     string
	Channel   int
	Security  string
	Password  string
	MAC       string
	IP        string
	Gateway   string
	Mask      string
}

// FormatWLState is AT+WLSTATE's block before OK, in the layout of a real
// capture. UNCONFIRMED in detail; meant for display only.
func FormatWLState(w WLANInfo) []byte {
	var b strings.Builder
	b.WriteString("[+WLSTATE]: _AT_WLAN_INFO_\r\n")
	b.WriteString("WLAN0 Status: Running\r\n")
	b.WriteString("==============================\r\n")
	b.WriteString("WLAN0 Setting:\r\n")
	b.WriteString("==============================\r\n")
	row := func(k, v string) { fmt.Fprintf(&b, "%10s => %s\r\n", k, v) }
	row("MODE", "STATION")
	if w.Connected {
		row("SSID", w.SSID)
		row("BSSID", w.BSSID)
		row("CHANNEL", strconv.Itoa(w.Channel))
		row("SECURITY", w.Security)
		row("PASSWORD", w.Password)
	} else {
		row("SSID", "")
		row("BSSID", "00:00:00:00:00:00")
		row("CHANNEL", "0")
		row("SECURITY", "Open")
		row("PASSWORD", "")
	}
	b.WriteString("\r\nInterface (0)\r\n")
	b.WriteString("==============================\r\n")
	fmt.Fprintf(&b, "MAC => %s\r\n", w.MAC)
	fmt.Fprintf(&b, "IP  => %s\r\n", w.IP)
	fmt.Fprintf(&b, "GW  => %s\r\n", w.Gateway)
	fmt.Fprintf(&b, "MSK  => %s\r\n", w.Mask)
	b.WriteString("\r\n")
	return []byte(b.String())
}
