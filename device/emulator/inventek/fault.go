package inventek

import "atbench/device/emulator"

// DropWifi is the wifi fault: the access point drops the module. The
// eS-WiFi prints nothing unasked (the host polls CS), so the choice here
// (UNCONFIRMED) is silence: the module leaves the network (CS answers 0,
// P5 and P6=1 fail until C0) and every open socket is closed with "Wi-Fi
// lost"; R0, S0 and S3 then answer -1 as after a peer close.
func (f *Firmware) DropWifi() {
	f.mu.Lock()
	f.wifi.joined = -1
	f.mu.Unlock()
	for _, v := range f.net.Table() {
		if v.Alive() {
			_ = f.net.CloseSocket(v.ID, emulator.ReasonWifiLost)
		}
	}
}
