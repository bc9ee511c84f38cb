package realtek

import (
	"net/netip"

	"atbench/device/emulator"
	rtk "atbench/protocol/realtek"
)

// DropWifi is the wifi fault: the access point drops the module. It
// prints "[$]wifi disconnected" (A.4) and leaves the station unjoined
// until AT+WLCONN. Open sockets lose their network: each is closed with
// "Wi-Fi lost" and keeps its id until AT+SKTDEL, and, as for any close,
// the firmware prints nothing about them (UNCONFIRMED: lwIP may keep a
// PCB until its own timers run out; auto-reconnect is not emulated).
func (f *Firmware) DropWifi() {
	f.mu.Lock()
	f.wifi.joined = -1
	f.wifi.static = netip.Addr{}
	f.mu.Unlock()
	_ = f.h.Print(rtk.FormatWifiDisconnected())
	for _, v := range f.net.Table() {
		if v.Alive() {
			_ = f.net.CloseSocket(v.ID, emulator.ReasonWifiLost)
		}
	}
}
