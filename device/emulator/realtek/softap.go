package realtek

import (
	"time"

	"atbench/device/emulator/netcore"
	rtk "atbench/protocol/realtek"
)

// Soft AP defaults of the emulator (UNCONFIRMED beyond A.4's messages):
// the module's access point is 192.168.43.1, and one simulated station
// joins apJoinAfter after the AP starts and is given apStationIP.
const (
	apJoinAfter  = 2 * time.Second
	apStationMAC = "02:00:00:5a:7e:01"
	apStationIP  = "192.168.43.2"
	wlErrAPStart = 21
)

// softAP is the module's access point while it runs.
type softAP struct {
	ssid    string
	joined  bool          // the simulated station has joined
	joinTmr netcore.Timer // until it joins
}

// reconnectSettings are AT+WLRECONN's and AT+WLPS's switches; they change
// nothing else in the emulator (it never loses its access point by itself).
type reconnectSettings struct {
	auto, fast, lps, ips bool
}

// pairs reads "name,value" pairs; ok is false for an odd count.
func pairs(args []string) (map[string]string, bool) {
	if len(args)%2 != 0 {
		return nil, false
	}
	m := make(map[string]string, len(args)/2)
	for i := 0; i < len(args); i += 2 {
		m[args[i]] = args[i+1]
	}
	return m, true
}

// cmdWLStartAP starts the soft AP:
// AT+WLSTARTAP=ssid,<ssid>[,pw,<pw>][,sec,<sec>][,ch,<ch>].
func (f *Firmware) cmdWLStartAP(c rtk.Command) {
	if !c.HasArgs {
		f.fail(wlErrParamMissing)
		return
	}
	kv, ok := pairs(c.Args)
	if !ok {
		f.fail(wlErrParamCount)
		return
	}
	for k, v := range kv {
		switch k {
		case "ssid":
			if v == "" || len(v) > 32 {
				f.fail(wlErrParamValue)
				return
			}
		case "pw":
			if len(v) < 8 || len(v) > 64 {
				f.fail(wlErrParamValue)
				return
			}
		case "sec":
			switch v {
			case "open", "wep", "tkip", "wpa2", "wpa3":
			default:
				f.fail(wlErrParamValue)
				return
			}
		case "ch":
			if n := atoi(v); n < 1 || n > 11 || v == "" {
				f.fail(wlErrParamValue)
				return
			}
		default:
			f.fail(wlErrParamValue)
			return
		}
	}
	if kv["ssid"] == "" {
		f.fail(wlErrParamMissing)
		return
	}
	if sec, has := kv["sec"]; has && sec != "open" && kv["pw"] == "" {
		f.fail(wlErrParamMissing)
		return
	}
	f.mu.Lock()
	f.stopAPLocked()
	ap := &softAP{ssid: kv["ssid"]}
	f.ap = ap
	ap.joinTmr = f.h.Clock().AfterFunc(apJoinAfter, func() { f.stationJoins(ap) })
	f.mu.Unlock()
	f.ok()
}

// stationJoins lets the simulated station join ap if it still runs.
func (f *Firmware) stationJoins(ap *softAP) {
	f.mu.Lock()
	if f.ap != ap || ap.joined {
		f.mu.Unlock()
		return
	}
	ap.joined = true
	f.mu.Unlock()
	f.reply(rtk.FormatAPClientConnected(apStationMAC), rtk.FormatAPAssignIP(apStationIP, apStationMAC))
}

// stopAPLocked stops the soft AP, if it runs, and returns what the
// firmware prints for its station. f.mu is held.
func (f *Firmware) stopAPLocked() []byte {
	ap := f.ap
	if ap == nil {
		return nil
	}
	f.ap = nil
	if ap.joinTmr != nil {
		ap.joinTmr.Stop()
	}
	if ap.joined {
		return rtk.FormatAPClientDisconnected(apStationMAC)
	}
	return nil
}

// cmdWLStopAP stops the soft AP; a joined station is told it left.
func (f *Firmware) cmdWLStopAP(c rtk.Command) {
	if c.HasArgs {
		f.fail(wlErrParamCount)
		return
	}
	f.mu.Lock()
	msg := f.stopAPLocked()
	f.mu.Unlock()
	f.ok(msg)
}

// cmdWLReconn sets automatic or fast reconnection:
// AT+WLRECONN=<auto|fast>,<0|1>.
func (f *Firmware) cmdWLReconn(c rtk.Command) {
	if !c.HasArgs {
		f.fail(wlErrParamMissing)
		return
	}
	if len(c.Args) != 2 {
		f.fail(wlErrParamCount)
		return
	}
	on, ok := onOff(c.Args[1])
	if !ok {
		f.fail(wlErrParamValue)
		return
	}
	next := f.switchesNow()
	switch c.Args[0] {
	case "auto":
		next.auto = on
	case "fast":
		next.fast = on
	default:
		f.fail(wlErrParamValue)
		return
	}
	f.mu.Lock()
	f.switches = next
	f.mu.Unlock()
	f.ok()
}

// cmdWLPS turns power saving on or off: AT+WLPS=<lps|ips>,<0|1>[,...].
func (f *Firmware) cmdWLPS(c rtk.Command) {
	if !c.HasArgs {
		f.fail(wlErrParamMissing)
		return
	}
	if len(c.Args) != 2 && len(c.Args) != 4 {
		f.fail(wlErrParamCount)
		return
	}
	next := f.switchesNow()
	for i := 0; i < len(c.Args); i += 2 {
		on, ok := onOff(c.Args[i+1])
		if !ok {
			f.fail(wlErrParamValue)
			return
		}
		switch c.Args[i] {
		case "lps":
			next.lps = on
		case "ips":
			next.ips = on
		default:
			f.fail(wlErrParamValue)
			return
		}
	}
	f.mu.Lock()
	f.switches = next
	f.mu.Unlock()
	f.ok()
}

func (f *Firmware) switchesNow() reconnectSettings {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.switches
}

// onOff reads "0" or "1".
func onOff(s string) (bool, bool) {
	switch s {
	case "0":
		return false, true
	case "1":
		return true, true
	}
	return false, false
}
