package inventek

import (
	"strconv"

	inv "atbench/protocol/inventek"
)

// accessPoint is one simulated access point in range.
type accessPoint struct {
	ssid, mac, passphrase string
	security              int // C3's numbering
	rssi, channel         int
}

// simulatedAPs is the air around the emulated module, as in the Realtek
// firmware. The module starts joined to the first one.
func simulatedAPs() []accessPoint {
	return []accessPoint{
		{ssid: "atbench-ap", mac: "02:00:00:A7:BE:01", passphrase: "atbench123", security: 3, rssi: -42, channel: 6},
		{ssid: "atbench-open", mac: "02:00:00:A7:BE:02", security: 0, rssi: -61, channel: 1},
		{ssid: "neighbour", mac: "02:00:00:A7:BE:03", passphrase: "not-yours", security: 4, rssi: -74, channel: 11},
	}
}

// securityNames are F0's names of C3's security types.
var securityNames = [...]string{"Open", "WEP", "WPA", "WPA2", "WPA WPA2", "WPA2 TKIP"}

// wifiState is the station interface: what C1-C3 set and what C0 joined.
type wifiState struct {
	ssid, passphrase string
	security         int
	joined           int // index into simulatedAPs, -1 when not joined
}

// defaultWifi is the power-up state: joined to atbench-ap with C1-C3 set
// to it (UNCONFIRMED: a real module joins only after C0, or with its
// saved settings).
func defaultWifi() wifiState {
	ap := simulatedAPs()[0]
	return wifiState{ssid: ap.ssid, passphrase: ap.passphrase, security: ap.security, joined: 0}
}

// moduleMAC is the station MAC (Inventek's OUI C4:7F:51).
const moduleMAC = "C4:7F:51:A7:BE:00"

// joinedLocked reports whether the module is on a network.
func (f *Firmware) joinedLocked() bool { return f.wifi.joined >= 0 }

// ip is the address the module reports.
func (f *Firmware) ip() string { return f.net.Addr().String() }

func (f *Firmware) cmdC1(c inv.Command) {
	f.mu.Lock()
	f.wifi.ssid = c.Args[0]
	f.mu.Unlock()
	f.ok(nil)
}

func (f *Firmware) cmdC2(c inv.Command) {
	f.mu.Lock()
	f.wifi.passphrase = c.Args[0]
	f.mu.Unlock()
	f.ok(nil)
}

func (f *Firmware) cmdC3(c inv.Command) {
	f.mu.Lock()
	f.wifi.security = c.Int(0)
	f.mu.Unlock()
	f.ok(nil)
}

// cmdC0 joins the network of C1-C3: "[JOIN   ] <ssid>" then
// "[JOIN   ] <ssid>,<ip>,0,0" and OK, or "[JOIN   ] Failed" and
// "ERROR: Unknown Error" as the captured failure. An open network needs
// C3=0; any other needs C3 to match and the passphrase.
func (f *Firmware) cmdC0(c inv.Command) {
	f.mu.Lock()
	w := f.wifi
	found := -1
	for i, ap := range simulatedAPs() {
		if ap.ssid == w.ssid && ap.security == w.security && (ap.security == 0 || ap.passphrase == w.passphrase) {
			found = i
		}
	}
	f.wifi.joined = found
	f.mu.Unlock()
	start := inv.JoinStartText(w.ssid)
	if found < 0 {
		f.print(inv.FormatError([]byte(start+"\r\n"+inv.JoinFailedText), inv.ErrUnknownError, inv.Usage(c.Name)))
		return
	}
	f.lines(start, inv.JoinText(w.ssid, f.ip()))
}

func (f *Firmware) cmdCS(inv.Command) {
	f.mu.Lock()
	on := f.joinedLocked()
	f.mu.Unlock()
	if on {
		f.ok([]byte("1"))
		return
	}
	f.ok([]byte("0"))
}

// cmdCD leaves the network; the sockets stay (UNCONFIRMED).
func (f *Firmware) cmdCD(inv.Command) {
	f.mu.Lock()
	f.wifi.joined = -1
	f.mu.Unlock()
	f.ok(nil)
}

// cmdCR is the RSSI of the joined network; not joined, an error.
func (f *Firmware) cmdCR(c inv.Command) {
	f.mu.Lock()
	j := f.wifi.joined
	f.mu.Unlock()
	if j < 0 {
		f.fail(c.Name, inv.ErrUnknownError)
		return
	}
	f.ok([]byte(strconv.Itoa(simulatedAPs()[j].rssi)))
}

func (f *Firmware) cmdF0(inv.Command) {
	var lines []string
	for i, ap := range simulatedAPs() {
		lines = append(lines, inv.FormatScanLine(i+1, inv.ScanResult{
			SSID: ap.ssid, MAC: ap.mac, RSSI: ap.rssi, Rate: "72.2", Mode: "Infrastructure",
			Security: securityNames[ap.security], Band: "2.4GHz", Channel: ap.channel,
		}))
	}
	f.lines(lines...)
}

func (f *Firmware) cmdInfo(inv.Command) {
	f.lines(inv.FormatInfo(inv.Info{
		Product: "ISM43362-M3G-L44-UART", Firmware: "C3.5.2.5.STM", API: "v3.5.2", Stack: "v1.4.0.rc1",
		RTOS: "v8.2.1", CPUClock: 120000000, Name: "Inventek eS-WiFi",
	}))
}

func (f *Firmware) cmdMAC(inv.Command) { f.ok([]byte(moduleMAC)) }
