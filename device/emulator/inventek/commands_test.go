package inventek

import (
	"strings"
	"testing"

	"atbench/device/emulator"
	inv "atbench/protocol/inventek"
)

// TestSystemAndWifi checks every Wi-Fi and system command's bytes, the
// join's success and the captured failure form.
func TestSystemAndWifi(t *testing.T) {
	h := newHarness(t, emulator.Config{})
	h.cmd("I?", inv.FormatOK([]byte("ISM43362-M3G-L44-UART,C3.5.2.5.STM,v3.5.2,v1.4.0.rc1,v8.2.1,120000000,Inventek eS-WiFi")))
	h.cmd("Z5", inv.FormatOK([]byte("C4:7F:51:A7:BE:00")))
	h.cmd("CS", inv.FormatOK([]byte("1")))
	h.cmd("CR", inv.FormatOK([]byte("-42")))
	h.cmd("F0", inv.FormatLines(
		`#001,"atbench-ap",02:00:00:A7:BE:01,-42,72.2,Infrastructure,WPA2,2.4GHz,6`,
		`#002,"atbench-open",02:00:00:A7:BE:02,-61,72.2,Infrastructure,Open,2.4GHz,1`,
		`#003,"neighbour",02:00:00:A7:BE:03,-74,72.2,Infrastructure,WPA WPA2,2.4GHz,11`))
	h.cmd("CD", inv.FormatOK(nil))
	h.cmd("CS", inv.FormatOK([]byte("0")))
	h.cmd("CR", []byte("\r\nERROR: Unknown Error\r\nUsage: CR \r\n> "))
	// not joined: no server, no client
	h.cmd("P5=11", []byte("\r\nERROR: Unknown Error\r\nUsage: P5=<mode> \r\n> "))
	// a failed join, as the real capture
	h.cmd("C1=MyAP", inv.FormatOK(nil))
	h.cmd("C0", []byte("\r\n[JOIN   ] MyAP\r\n[JOIN   ] Failed\r\nERROR: Unknown Error\r\nUsage: C0 \r\n> "))
	h.cmd("C1=atbench-ap", inv.FormatOK(nil))
	h.cmd("C2=wrong-pass", inv.FormatOK(nil))
	h.cmd("C3=3", inv.FormatOK(nil))
	h.cmd("C0", []byte("\r\n[JOIN   ] atbench-ap\r\n[JOIN   ] Failed\r\nERROR: Unknown Error\r\nUsage: C0 \r\n> "))
	h.cmd("C2=atbench123", inv.FormatOK(nil))
	h.cmd("C0", []byte("\r\n[JOIN   ] atbench-ap\r\n[JOIN   ] atbench-ap,127.0.0.1,0,0\r\nOK\r\n> "))
	h.cmd("CS", inv.FormatOK([]byte("1")))
	// an open network with C3=0, the passphrase ignored
	h.cmd("C1=atbench-open", inv.FormatOK(nil))
	h.cmd("C3=0", inv.FormatOK(nil))
	h.cmd("C0", inv.FormatLines("[JOIN   ] atbench-open", "[JOIN   ] atbench-open,127.0.0.1,0,0"))
	h.cmd("CR", inv.FormatOK([]byte("-61")))
	// an SSID with a comma is one value
	h.cmd("C1=a,b", inv.FormatOK(nil))
	h.Quiet()
}

// TestSettingsCommands checks P?, R? and the settings they show.
func TestSettingsCommands(t *testing.T) {
	h := newHarness(t, emulator.Config{})
	h.cmd("P?", inv.FormatOK([]byte("0,127.0.0.1,0,0.0.0.0,0,0,0,0,0,0,0,7200000")))
	h.cmd("P0=2", inv.FormatOK(nil))
	h.cmd("P1=1", inv.FormatOK(nil))
	h.cmd("P2=5024", inv.FormatOK(nil))
	h.cmd("P3=192.168.1.2", inv.FormatOK(nil))
	h.cmd("P4=80", inv.FormatOK(nil))
	h.cmd("P8=6", inv.FormatOK(nil))
	h.cmd("PK=1,60000", inv.FormatOK(nil))
	h.cmd("P?", inv.FormatOK([]byte("1,127.0.0.1,5024,192.168.1.2,80,0,0,6,0,0,1,60000")))
	h.cmd("P0=0", inv.FormatOK(nil))
	h.cmd("P?", inv.FormatOK([]byte("0,127.0.0.1,0,0.0.0.0,0,0,0,0,0,0,0,7200000")))
	h.cmd("R?", inv.FormatOK([]byte("1460,1")))
	h.cmd("R1=100", inv.FormatOK(nil))
	h.cmd("R2=30", inv.FormatOK(nil))
	h.cmd("R?", inv.FormatOK([]byte("100,30")))
	h.cmd("S1=10", inv.FormatOK(nil))
	h.cmd("S2=500", inv.FormatOK(nil))
	set := map[string]string{}
	for _, s := range h.m.Snapshot().Settings {
		set[s.Name] = s.Value
	}
	for k, v := range map[string]string{"socket2.keepalive": "1", "socket2.keepalive_ms": "60000", "socket0.keepalive": "0",
		"read.size": "100", "read.timeout_ms": "30", "send.size": "10", "send.timeout_ms": "500"} {
		if set[k] != v {
			t.Errorf("setting %s = %q, want %q (all %v)", k, set[k], v, set)
		}
	}
	h.Quiet()
}

// TestErrors checks each error form: an unknown command, a bad value, a
// value missing or out of range, an over-long line, garbage; the module
// answers the next command each time.
func TestErrors(t *testing.T) {
	h := newHarness(t, emulator.Config{})
	unknown := "\r\nERROR: Unknown Command\r\nUsage: <command>[=<value>] \r\n> "
	invalid := func(usage string) []byte {
		return []byte("\r\nERROR: Invalid Parameter\r\nUsage: " + usage + " \r\n> ")
	}
	cs := inv.FormatOK([]byte("1"))
	h.cmd("XX", []byte(unknown))
	h.cmd("AT", []byte(unknown))
	h.cmd("C", []byte(unknown))
	h.cmd("CSX", []byte(unknown))
	h.cmd("P0=9", invalid("P0=<socket>"))
	h.cmd("P0=x", invalid("P0=<socket>"))
	h.cmd("P0", invalid("P0=<socket>"))
	h.cmd("CS=1", invalid("CS"))
	h.cmd("P5=5", invalid("P5=<mode>"))
	h.cmd("PK=1,0", invalid("PK=<enable>,<time>"))
	h.cmd("P3=300.1.1.1", invalid("P3=<ip>"))
	h.cmd("S3=0", invalid("S3=<length>"))
	h.cmd("S0", invalid("S0")) // no S1 yet: its size is unknown
	h.cmd("cs", cs)            // names are taken without case
	// an empty line is answered with a new prompt
	h.cmd("", []byte("\r\n> "))
	// a LF after the CR (a host ending lines with CR LF) is dropped
	h.Send([]byte("CS\r\nCS\r\n"))
	h.Expect(string(cs) + string(cs))
	// an over-long line, then a working command
	h.cmd("C1="+strings.Repeat("x", 300), invalid("C1=<ssid>"))
	h.cmd(strings.Repeat("Q", 1000), []byte(unknown))
	h.cmd("CS", cs)
	// garbage: control bytes, high bytes, an escape sequence
	h.Send([]byte("\x00\xff\x1b[2J\x7f\x03\r"))
	h.Expect(unknown)
	h.cmd("CS", cs)
	// a mistaken S3 refused for its length still eats its payload
	h.Send([]byte("S3=1461\r" + strings.Repeat("C", 1461)))
	h.Expect(string(invalid("S3=<length>")))
	h.cmd("CS", cs)
	// 1460 bytes is a payload (here on a socket with no connection: -1)
	h.Send([]byte("S3=1460\r" + strings.Repeat("C", 1460)))
	h.Expect(string(inv.FormatLost()))
	h.cmd("CS", cs)
	h.Quiet()
}

// TestEcho: Config.Echo echoes each line before its answer.
func TestEcho(t *testing.T) {
	h := newHarness(t, emulator.Config{Echo: true})
	h.cmd("CS", append([]byte("CS\r\n"), inv.FormatOK([]byte("1"))...))
}
