package wizfi

import (
	"net/netip"

	wz "atbench/protocol/wizfi"
)

// accessPoint is a simulated access point the module can associate with.
type accessPoint struct {
	ssid, bssid string
	channel     int
	security    string // as AT+NSTAT=? prints it
	passphrase  string // "" for an open network
	rssi        int
}

// simulatedAPs are the networks around the emulated module. The first is
// the one it is associated with at power-on, so sockets work at once.
func simulatedAPs() []accessPoint {
	return []accessPoint{
		{ssid: "atbench", bssid: "00:08:dc:00:00:01", channel: 6, security: "WPA2-PERSONAL", passphrase: "atbench-pass", rssi: -45},
		{ssid: "atbench-open", bssid: "00:08:dc:00:00:02", channel: 11, security: "NONE", rssi: -60},
	}
}

// moduleMAC is the station MAC (WIZnet's OUI).
const moduleMAC = "00:08:dc:1a:2b:3c"

// wifiState is the station side.
type wifiState struct {
	ap         int // the associated AP's index in simulatedAPs, -1 when not associated
	passphrase string
	dhcp       bool
	static     [3]netip.Addr // AT+NSET: address, mask, gateway
}

func defaultWifi() wifiState {
	aps := simulatedAPs()
	return wifiState{ap: 0, passphrase: aps[0].passphrase, dhcp: true}
}

// addresses are the station's address, mask and gateway: the static ones
// when DHCP is off and AT+NSET gave them, else the module's host address
// on a /24 with the gateway at .1. Sockets always bind the host address.
func (f *Firmware) addressesLocked() (ip, mask, gw string) {
	if f.wifi.ap < 0 {
		return "0.0.0.0", "0.0.0.0", "0.0.0.0"
	}
	if !f.wifi.dhcp && f.wifi.static[0].IsValid() {
		return f.wifi.static[0].String(), f.wifi.static[1].String(), f.wifi.static[2].String()
	}
	a := f.net.Addr().As4()
	return f.net.Addr().String(), "255.255.255.0", netip.AddrFrom4([4]byte{a[0], a[1], a[2], 1}).String()
}

func (f *Firmware) cmdWWPA(c wz.Command) {
	p := arg(c, 0)
	if len(p) < 8 || len(p) > 63 {
		f.fail(statusError(wz.StatusInvalidInput, "passphrase of 8 to 63 characters"))
		return
	}
	f.mu.Lock()
	f.wifi.passphrase = p
	f.mu.Unlock()
	f.ok()
}

// cmdWA associates with a simulated AP: the address line, then OK; an
// unknown network or a wrong passphrase answers [ERROR] (UNCONFIRMED).
func (f *Firmware) cmdWA(c wz.Command) {
	ssid := arg(c, 0)
	f.mu.Lock()
	idx := -1
	for i, ap := range simulatedAPs() {
		if ap.ssid == ssid {
			idx = i
		}
	}
	if idx < 0 || (simulatedAPs()[idx].passphrase != "" && simulatedAPs()[idx].passphrase != f.wifi.passphrase) {
		f.mu.Unlock()
		f.status(wz.StatusError)
		return
	}
	f.wifi.ap = idx
	ip, mask, gw := f.addressesLocked()
	f.mu.Unlock()
	f.ok(wz.FormatAddress(ip, mask, gw))
}

// cmdWD disassociates: every CID is closed (silently, UNCONFIRMED), then OK.
func (f *Firmware) cmdWD(wz.Command) {
	f.disassociate("Wi-Fi disassociated (AT+WD)")
	f.ok()
}

func (f *Firmware) disassociate(reason string) {
	f.mu.Lock()
	f.wifi.ap = -1
	f.sockets = map[int]*socketState{}
	f.mu.Unlock()
	f.net.RemoveAll(reason)
}

// Disassociate is a fault: the access point drops the module. Every CID
// is closed and the module prints "Disassociation Event" (no DISCONNECT
// lines: UNCONFIRMED). AT+WA associates again.
func (f *Firmware) Disassociate() {
	f.disassociate("Wi-Fi lost (Disassociation Event)")
	f.printOrdered(wz.FormatDisassociationEvent())
}

func (f *Firmware) associated() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.wifi.ap >= 0
}

func (f *Firmware) cmdNDHCP(c wz.Command) {
	f.mu.Lock()
	f.wifi.dhcp = arg(c, 0) == "1"
	f.mu.Unlock()
	f.ok()
}

func (f *Firmware) cmdNSet(c wz.Command) {
	var a [3]netip.Addr
	for i := range a {
		var err error
		if a[i], err = netip.ParseAddr(arg(c, i)); err != nil || !a[i].Is4() {
			f.fail(statusError(wz.StatusInvalidInput, "not an IPv4 address"))
			return
		}
	}
	f.mu.Lock()
	f.wifi.static = a
	f.mu.Unlock()
	f.ok()
}

// cmdNStat prints the network status; the counts are the bytes the CIDs
// received and sent.
func (f *Firmware) cmdNStat(wz.Command) {
	var rx, tx uint64
	table, _ := f.net.Links()
	for _, l := range table {
		rx += l.BytesIn
		tx += l.BytesOut
	}
	f.mu.Lock()
	s := wz.NetStatus{MAC: moduleMAC, Connected: f.wifi.ap >= 0, DNS1: "0.0.0.0", DNS2: "0.0.0.0",
		RxCount: int(rx), TxCount: int(tx), Security: "NONE", BSSID: "00:00:00:00:00:00"}
	if f.wifi.ap >= 0 {
		ap := simulatedAPs()[f.wifi.ap]
		s.BSSID, s.SSID, s.Channel, s.Security, s.RSSI = ap.bssid, ap.ssid, ap.channel, ap.security, ap.rssi
	}
	s.IP, s.Mask, s.Gateway = f.addressesLocked()
	if f.wifi.ap >= 0 {
		s.DNS1 = s.Gateway
	}
	f.mu.Unlock()
	f.ok(wz.FormatNStat(s))
}

// errNotAssociated is the answer of an open while Wi-Fi is down.
var errNotAssociated = statusError(wz.StatusDisassociated, "Wi-Fi is not associated")
