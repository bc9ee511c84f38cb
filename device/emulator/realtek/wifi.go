package realtek

import (
	"net/netip"
	"strings"

	rtk "atbench/protocol/realtek"
)

// Wi-Fi error codes of the firmware (RTW_AT_ERR_*).
const (
	wlErrParamMissing = 1
	wlErrParamValue   = 2
	wlErrParamCount   = 3
	wlErrConnect      = 17
)

// accessPoint is one simulated access point in range.
type accessPoint struct {
	ssid, bssid, password, security, mode string
	channel, rssi                         int
}

// simulatedAPs is the air around the emulated module. The module starts
// joined to the first one.
func simulatedAPs() []accessPoint {
	return []accessPoint{
		{ssid: "atbench-ap", bssid: "02:00:00:a7:be:01", password: "atbench123", security: "WPA2 AES", mode: "N", channel: 6, rssi: -42},
		{ssid: "atbench-open", bssid: "02:00:00:a7:be:02", security: "Open", mode: "G", channel: 1, rssi: -61},
		{ssid: "neighbour-5g", bssid: "02:00:00:a7:be:03", password: "not-yours", security: "WPA2 AES", mode: "AC", channel: 36, rssi: -74},
	}
}

// wifiState is the station interface.
type wifiState struct {
	aps      []accessPoint
	joined   int    // index into aps, -1 when not connected
	password string // as given to AT+WLCONN
	static   netip.Addr
	gateway  netip.Addr
	mask     netip.Addr
}

func defaultWifi() wifiState {
	aps := simulatedAPs()
	return wifiState{aps: aps, joined: 0, password: aps[0].password}
}

// moduleMAC is the station MAC (Realtek OUI).
const moduleMAC = "00:e0:4c:a7:be:00"

// ip is the station address the module reports: 0.0.0.0 when not joined.
func (f *Firmware) ip() string {
	if f.wifi.joined < 0 {
		return "0.0.0.0"
	}
	if f.wifi.static.IsValid() {
		return f.wifi.static.String()
	}
	return f.net.Addr().String()
}

func (f *Firmware) cmdWLConn(c rtk.Command) {
	if !c.HasArgs {
		f.fail(wlErrParamMissing)
		return
	}
	if n := argc(c); n < 2 || n > 11 {
		f.fail(wlErrParamCount)
		return
	}
	var ssid, bssid, pw string
	for i := 0; i < len(c.Args); i += 2 {
		val, has := "", i+1 < len(c.Args)
		if has {
			val = c.Args[i+1]
		}
		switch c.Args[i] {
		case "ssid":
			if !has || val == "" || len(val) > 32 {
				f.fail(wlErrParamValue)
				return
			}
			ssid = val
		case "bssid":
			if !has || len(val) != 17 {
				f.fail(wlErrParamValue)
				return
			}
			bssid = strings.ToLower(val)
		case "pw":
			if !has || val == "" {
				f.fail(wlErrParamValue)
				return
			}
			pw = val
		case "key_id":
			if !has || len(val) != 1 || val[0] < '0' || val[0] > '3' {
				f.fail(wlErrParamValue)
				return
			}
		case "ch":
		default:
			f.fail(wlErrParamValue)
			return
		}
	}
	if ssid == "" && bssid == "" {
		f.fail(wlErrParamMissing)
		return
	}
	f.mu.Lock()
	found := -1
	for i, ap := range f.wifi.aps {
		if (ssid == "" || ap.ssid == ssid) && (bssid == "" || ap.bssid == bssid) {
			found = i
			break
		}
	}
	if found < 0 || (f.wifi.aps[found].security != "Open" && f.wifi.aps[found].password != pw) {
		f.wifi.joined = -1
		f.mu.Unlock()
		f.h.Logf("[+WLCONN] Fail: connect to %q failed", ssid)
		f.reply(rtk.FormatWifiConnectFailed(), rtk.FormatError(wlErrConnect))
		return
	}
	f.wifi.joined = found
	f.wifi.password = pw
	ip := f.ip()
	f.mu.Unlock()
	f.ok(rtk.FormatWifiConnected(), rtk.FormatWifiGotIP(ip))
}

// cmdWLDisconn leaves the access point. It prints only OK: the firmware
// prints "[$]wifi disconnected" for a link it lost, not for one the host
// asked to leave.
func (f *Firmware) cmdWLDisconn(rtk.Command) {
	f.mu.Lock()
	f.wifi.joined = -1
	f.wifi.static = netip.Addr{}
	f.mu.Unlock()
	f.ok()
}

func (f *Firmware) cmdWLState(rtk.Command) {
	f.mu.Lock()
	w := rtk.WLANInfo{Connected: f.wifi.joined >= 0, MAC: moduleMAC, IP: f.ip(), Gateway: "0.0.0.0", Mask: "0.0.0.0"}
	if w.Connected {
		ap := f.wifi.aps[f.wifi.joined]
		w.SSID, w.BSSID, w.Channel, w.Security, w.Password = ap.ssid, ap.bssid, ap.channel, ap.security, f.wifi.password
		w.Gateway, w.Mask = f.gatewayAndMask()
	}
	f.mu.Unlock()
	f.ok(rtk.FormatWLState(w))
}

// gatewayAndMask reports the static settings, else x.y.z.1 and /24.
func (f *Firmware) gatewayAndMask() (string, string) {
	gw, mask := f.wifi.gateway, f.wifi.mask
	if !gw.IsValid() {
		ip, _ := netip.ParseAddr(f.ip())
		b := ip.As4()
		b[3] = 1
		gw = netip.AddrFrom4(b)
	}
	if !mask.IsValid() {
		mask = netip.AddrFrom4([4]byte{255, 255, 255, 0})
	}
	return gw.String(), mask.String()
}

func (f *Firmware) cmdWLScan(c rtk.Command) {
	var ssid string
	var chans []int
	if c.HasArgs {
		for i := 0; i < len(c.Args); i += 2 {
			val, has := "", i+1 < len(c.Args)
			if has {
				val = c.Args[i+1]
			}
			switch c.Args[i] {
			case "ssid":
				if !has || val == "" || len(val) > 32 {
					f.fail(wlErrParamValue)
					return
				}
				ssid = val
			case "ch":
				list, ok := channelList(val)
				if !has || !ok {
					f.fail(wlErrParamValue)
					return
				}
				chans = list
			default:
				f.fail(wlErrParamValue)
				return
			}
		}
	}
	f.mu.Lock()
	aps := f.wifi.aps
	f.mu.Unlock()
	var out []byte
	idx := 0
	for _, ap := range aps {
		if ssid != "" && ap.ssid != ssid {
			continue
		}
		if chans != nil && !containsInt(chans, ap.channel) {
			continue
		}
		idx++
		out = append(out, rtk.FormatScanLine(idx, rtk.ScanResult{BSSID: ap.bssid, RSSI: ap.rssi, Channel: ap.channel,
			Mode: ap.mode, Security: ap.security, SSID: ap.ssid})...)
	}
	f.ok(out)
}

// channelList parses "1:6:11" as the firmware does: digits and colons only.
func channelList(s string) ([]int, bool) {
	if s == "" {
		return nil, false
	}
	var out []int
	for _, f := range strings.Split(s, ":") {
		n := 0
		for i := 0; i < len(f); i++ {
			if f[i] < '0' || f[i] > '9' {
				return nil, false
			}
			n = n*10 + int(f[i]-'0')
		}
		out = append(out, n)
	}
	return out, true
}

func containsInt(xs []int, v int) bool {
	for _, x := range xs {
		if x == v {
			return true
		}
	}
	return false
}

func (f *Firmware) cmdWLRSSI(rtk.Command) {
	f.mu.Lock()
	rssi := 0
	if f.wifi.joined >= 0 {
		rssi = f.wifi.aps[f.wifi.joined].rssi
	}
	f.mu.Unlock()
	if rssi == 0 {
		f.ok(rtk.FormatRSSI(0, 0, 0))
		return
	}
	f.ok(rtk.FormatRSSI(rssi, rssi-1, rssi+1))
}

// cmdWLStaticIP sets the address the module reports (AT+WLSTATE, the "got
// ip" message, AT+SKTSTATE); sockets still bind Config.HostAddr.
func (f *Firmware) cmdWLStaticIP(c rtk.Command) {
	if !c.HasArgs {
		f.fail(wlErrParamMissing)
		return
	}
	if n := argc(c); n != 2 && n != 4 {
		f.fail(wlErrParamCount)
		return
	}
	var addrs []netip.Addr
	for _, s := range c.Args {
		ip, err := netip.ParseAddr(s)
		if err != nil || !ip.Is4() {
			f.fail(wlErrParamValue)
			return
		}
		addrs = append(addrs, ip)
	}
	f.mu.Lock()
	f.wifi.static = addrs[0]
	f.wifi.gateway, f.wifi.mask = netip.Addr{}, netip.Addr{}
	if len(addrs) == 3 {
		f.wifi.gateway, f.wifi.mask = addrs[1], addrs[2]
	}
	f.mu.Unlock()
	f.ok()
}
