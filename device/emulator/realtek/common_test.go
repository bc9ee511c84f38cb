package realtek

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"atbench/device"
	"atbench/device/emulator"
	"atbench/internal/emutest"
)

func TestCommonCommands(t *testing.T) {
	h := newHarness(t, Config{})
	h.Cmd("AT+TEST", "\r\nOK\r\n")
	h.Cmd("AT+TEST=0,hello world", "\r\n arg len = 11 \r\n\r\n arg = hello world \r\n\r\nOK\r\n")
	h.Cmd("AT+TEST=0", "\r\nERROR: 1\r\n")
	h.Cmd("AT+TEST=7,x", "\r\nERROR: 1\r\n")
	h.Cmd("AT+TEST=2,300", "Downstream Test Start\r\n"+strings.Repeat("\x01", 300)+"Downstream Test End\r\n\r\nOK\r\n")
	h.Cmd("AT+TEST=1,0", "\r\nERROR: 2\r\n")
	h.Cmd("AT+TEST=1,5", ">>>\r\n")
	h.Send([]byte("ab\r\nc"))
	if up := h.Until("\r\nOK\r\n"); !strings.HasPrefix(up, "upstream test(tt mode): Send 0 KBytes in ") || !strings.HasSuffix(up, " Kbits/sec\n\r\r\nOK\r\n") {
		t.Fatalf("upload test: %q", up)
	}
	h.Cmd("AT+LIST", "Common AT Command:\r\nAT+TEST\r\nAT+LIST\r\nAT+GMR\r\nAT+RST\r\nAT+STATE\r\nAT+LOG\r\n"+
		"Wi-Fi AT Command:\r\nAT+WLCONN\r\nAT+WLDISCONN\r\nAT+WLSCAN\r\nAT+WLRSSI\r\nAT+WLSTATE\r\nAT+WLSTATICIP\r\nAT+WLSTARTAP\r\nAT+WLSTOPAP\r\nAT+WLRECONN\r\nAT+WLPS\r\n"+
		"Socket AT Commands:\r\nAT+SKTCFG\r\nAT+SKTQUERY\r\nAT+SKTSERVER\r\nAT+SKTCLIENT\r\nAT+SKTSENDRAW\r\nAT+SKTSEND\r\nAT+SKTREAD\r\nAT+SKTSTATE\r\nAT+SKTDEL\r\n\r\nOK\r\n")
	h.SendLine("AT+GMR")
	gmr := h.Until("\r\nOK\r\n")
	lines := strings.Split(strings.TrimSuffix(gmr, "\r\n\r\nOK\r\n"), "\n")
	prefixes := []string{"AMEBA-RTOS SDK VERSION: ", "ATCMD VERSION: ", "IMAGE VERSION: ", "RTL8721Dx: ", "COMPILE TIME: ", "COMPILE USER: ", "COMPILE ENV : "}
	if len(lines) != 7 {
		t.Fatalf("AT+GMR gave %d lines: %q", len(lines), gmr)
	}
	for i, p := range prefixes {
		if !strings.HasPrefix(lines[i], p) {
			t.Errorf("GMR line %d = %q, want prefix %q", i, lines[i], p)
		}
	}
	h.Cmd("AT+STATE", "Available heap 332448\r\n\r\nOK\r\n")
	h.Cmd("AT+LOG", "\r\nERROR: 1\r\n") // the vendor code wants arguments
	h.Cmd("AT+LOG=1,2,3,4", "\r\nERROR: 1\r\n")
	h.Cmd("AT+FOO=1", "\r\nunknown command 'AT+FOO'\r\n")
	h.Cmd("at+test", "\r\nunknown command 'at+test'\r\n")
	h.Cmd("AT", "\r\nunknown command 'AT'\r\n")
	h.Cmd("hello=world", "\r\nunknown command 'hello'\r\n")
	// empty lines are ignored; CR, LF and CR LF each end one line
	h.Send([]byte("\r\n\r\n\nAT+TEST\rAT+TEST\nAT+TEST\r\n"))
	h.Expect("\r\nOK\r\n\r\nOK\r\n\r\nOK\r\n")
	h.Quiet()
}

func TestOverlongLine(t *testing.T) {
	h := newHarness(t, Config{})
	h.Cmd("AT+TEST=0,"+strings.Repeat("x", 2000), "\r\nERROR: 1\r\n")
	h.Cmd("AT+TEST", "\r\nOK\r\n")
	// exactly 2000 bytes is allowed
	arg := strings.Repeat("y", 2000-len("AT+TEST=0,"))
	h.Cmd("AT+TEST=0,"+arg, "\r\n arg len = 1990 \r\n\r\n arg = "+arg+" \r\n\r\nOK\r\n")
}

func TestEcho(t *testing.T) {
	h := newHarness(t, Config{Echo: true})
	h.Cmd("AT+TEST", "AT+TEST\r\n\r\nOK\r\n")
}

func TestNewRejectsBadConfig(t *testing.T) {
	for _, cfg := range []Config{{}, {Firmware: New, MaxLinks: -1}, {Firmware: New, MaxLinks: 257}, {Firmware: New, HostAddr: "::1"},
		{Firmware: New, HostAddr: "nope"}, {Firmware: New, RecvBuffer: -5}} {
		if m, err := emulator.New(cfg); err == nil {
			m.Close()
			t.Errorf("New(%+v) succeeded", cfg)
		}
	}
}

func TestDeviceContract(t *testing.T) {
	m, err := start(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if st := <-m.Status(); st.State != device.Connected {
		t.Fatalf("first status %v", st.State)
	}
	if got := m.Info(); got != (device.Info{Kind: "emulator", Name: "realtek"}) {
		t.Fatalf("Info = %+v", got)
	}
	buf := make([]byte, 64)
	n, err := m.Read(buf)
	if err != nil || string(buf[:n]) != "ATCMD READY\r\n" {
		t.Fatalf("Read = %q, %v", buf[:n], err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
	if _, err := m.Read(buf); !errors.Is(err, io.EOF) {
		t.Fatalf("Read after Close: %v", err)
	}
	if _, err := m.Write([]byte("AT+TEST\r\n")); !errors.Is(err, emulator.ErrClosed) {
		t.Fatalf("Write after Close: %v", err)
	}
	for range m.Status() {
	}
}

func TestWifi(t *testing.T) {
	h := newHarness(t, Config{})
	h.SendLine("AT+WLSTATE")
	st := h.Until("\r\nOK\r\n")
	for _, want := range []string{"      SSID => atbench-ap\r\n", "IP  => 127.0.0.1\r\n", "     BSSID => 02:00:00:a7:be:01\r\n"} {
		if !strings.Contains(st, want) {
			t.Errorf("AT+WLSTATE lacks %q:\n%s", want, st)
		}
	}
	h.Cmd("AT+WLSCAN", ` 1, 02:00:00:a7:be:01, -42, 6, N, "WPA2 AES", "atbench-ap" `+"\r\n"+
		` 2, 02:00:00:a7:be:02, -61, 1, G, "Open", "atbench-open" `+"\r\n"+
		` 3, 02:00:00:a7:be:03, -74, 36, AC, "WPA2 AES", "neighbour-5g" `+"\r\n\r\nOK\r\n")
	h.Cmd("AT+WLSCAN=ssid,atbench-open", ` 1, 02:00:00:a7:be:02, -61, 1, G, "Open", "atbench-open" `+"\r\n\r\nOK\r\n")
	h.Cmd("AT+WLSCAN=ch,6:36", ` 1, 02:00:00:a7:be:01, -42, 6, N, "WPA2 AES", "atbench-ap" `+"\r\n"+
		` 2, 02:00:00:a7:be:03, -74, 36, AC, "WPA2 AES", "neighbour-5g" `+"\r\n\r\nOK\r\n")
	h.Cmd("AT+WLSCAN=ch,1;6", "\r\nERROR: 2\r\n")
	h.Cmd("AT+WLSCAN=band,5", "\r\nERROR: 2\r\n")
	h.Cmd("AT+WLRSSI", "rssi = -42\r\ndata rssi = -43\r\nbeacon rssi = -41\r\n\r\nOK\r\n")
	h.Cmd("AT+WLDISCONN", "\r\nOK\r\n") // no "[$]wifi disconnected": only a lost link prints it
	h.Cmd("AT+WLDISCONN", "\r\nOK\r\n")
	h.Cmd("AT+SKTCLIENT=0,1,,127.0.0.1,9,,1", "\r\nERROR: 2\r\n")
	h.Cmd("AT+WLCONN=ssid,atbench-ap,pw,wrong-pass", "[$]wifi connect failed\r\n\r\nERROR: 17\r\n")
	h.Cmd("AT+WLCONN=ssid,nowhere,pw,whatever1", "[$]wifi connect failed\r\n\r\nERROR: 17\r\n")
	h.Cmd("AT+WLCONN", "\r\nERROR: 1\r\n")
	h.Cmd("AT+WLCONN=pw,12345678", "\r\nERROR: 1\r\n")
	h.Cmd("AT+WLCONN=ssid,", "\r\nERROR: 2\r\n")
	h.Cmd("AT+WLCONN=color,blue", "\r\nERROR: 2\r\n")
	h.Cmd("AT+WLCONN=ssid,a,pw,b,ch,1,key_id,0,bssid,02:00:00:a7:be:01,x", "\r\nERROR: 3\r\n")
	h.Cmd("AT+WLCONN=ssid,atbench-ap,pw,atbench123", "[$]wifi connected\r\n[$]wifi got ip:\"127.0.0.1\"\r\n\r\nOK\r\n")
	h.Cmd("AT+WLSTATICIP=192.168.1.50,192.168.1.1,255.255.255.0", "\r\nOK\r\n")
	h.Cmd("AT+WLCONN=ssid,atbench-open", "[$]wifi connected\r\n[$]wifi got ip:\"192.168.1.50\"\r\n\r\nOK\r\n")
	h.Cmd("AT+WLSTATICIP=300.1.1.1", "\r\nERROR: 2\r\n")
	h.Cmd("AT+WLSTATICIP=1.2.3.4,1.2.3.1", "\r\nERROR: 3\r\n")
	h.Cmd("AT+WLSTATICIP", "\r\nERROR: 1\r\n")
}

func TestSktCfgAndQuery(t *testing.T) {
	h := newHarness(t, Config{})
	defaults := "\r\nGlobal SOCKET configuration:\r\nso_sndtimeo: 0\r\nso_rcvtimeo: 0\r\ntcp_nodelay: 0\r\nso_keepalive: 0\r\ntcp_keepidle: 0\r\ntcp_keepintvl: 0\r\ntcp_keepcnt: 0\r\n\r\nOK\r\n"
	h.Cmd("AT+SKTQUERY", defaults)
	h.Cmd("AT+SKTCFG=2000,2000,,1,60,10,3", "\r\nOK\r\n")
	h.Cmd("AT+SKTQUERY", "\r\nGlobal SOCKET configuration:\r\nso_sndtimeo: 2000\r\nso_rcvtimeo: 2000\r\ntcp_nodelay: 0\r\nso_keepalive: 1\r\ntcp_keepidle: 60\r\ntcp_keepintvl: 10\r\ntcp_keepcnt: 3\r\n\r\nOK\r\n")
	want := map[string]string{"so_sndtimeo": "2000", "so_keepalive": "1", "tcp_keepidle": "60", "tcp_keepintvl": "10", "tcp_keepcnt": "3", "tcp_nodelay": "0"}
	for _, s := range h.m.Snapshot().Settings {
		if w, ok := want[s.Name]; ok && s.Value != w {
			t.Errorf("setting %s = %s, want %s", s.Name, s.Value, w)
		}
	}
	h.Cmd("AT+SKTQUERY=1", "\r\nERROR: 1\r\n")
	h.Cmd("AT+SKTQUERY=", "\r\nERROR: 1\r\n")
	for _, bad := range []string{"AT+SKTCFG", "AT+SKTCFG=-1", "AT+SKTCFG=,-5", "AT+SKTCFG=,,2", "AT+SKTCFG=,,,2", "AT+SKTCFG=,,,,7201",
		"AT+SKTCFG=,,,,,76", "AT+SKTCFG=,,,,,,11", "AT+SKTCFG=0,0,0,0,0,0,0,0"} {
		h.Cmd(bad, "\r\nERROR: 1\r\n")
	}
	// an omitted field resets to 0
	h.Cmd("AT+SKTCFG=1", "\r\nOK\r\n")
	h.Cmd("AT+SKTQUERY", strings.Replace(defaults, "so_sndtimeo: 0", "so_sndtimeo: 1", 1))
}

func TestRandomBytesThenTest(t *testing.T) {
	before := runtime.NumGoroutine()
	h := newHarness(t, Config{})
	port := h.server(0, 1, "", 1)
	rng := rand.New(rand.NewPCG(1, 2))
	junk := make([]byte, 1<<20)
	for i := range junk {
		junk[i] = byte(rng.Uint32())
	}
	h.Send(junk)
	h.Send([]byte("\r\nAT+TEST\r\n"))
	h.WaitOutput("final OK", func(out []byte) bool { return bytes.HasSuffix(out, []byte("\r\nOK\r\n")) })
	h.Close()
	// the module's listener is gone: the port can be listened on again
	ln, err := net.Listen("tcp4", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatalf("port %d still in use after Close: %v", port, err)
	}
	ln.Close()
	deadline := time.Now().Add(emutest.WaitLimit)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("goroutines: %d before, %d after\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
}

func TestRST(t *testing.T) {
	h := newHarness(t, Config{})
	port := h.server(0, 1, "", 1)
	c := emutest.Dial(t, port)
	h.Expect(acceptEvent(1, false, emutest.LocalPort(c), 0))
	h.Cmd("AT+SKTCFG=,,1", "\r\nOK\r\n")
	h.Cmd("AT+WLDISCONN", "\r\nOK\r\n") // no "[$]wifi disconnected": only a lost link prints it
	h.Cmd("AT+RST", "\r\nOK\r\nATCMD READY\r\n")
	emutest.ExpectEOF(t, c)
	h.Cmd("AT+SKTSTATE", "\r\nOK\r\n")
	h.Cmd("AT+SKTQUERY", "\r\nGlobal SOCKET configuration:\r\nso_sndtimeo: 0\r\nso_rcvtimeo: 0\r\ntcp_nodelay: 0\r\nso_keepalive: 0\r\ntcp_keepidle: 0\r\ntcp_keepintvl: 0\r\ntcp_keepcnt: 0\r\n\r\nOK\r\n")
	if l, ok := h.ClosedLink(1); !ok || l.Closed.Reason != "module reset (AT+RST)" {
		t.Fatalf("seed history %+v", l)
	}
	h.SendLine("AT+WLSTATE")
	if st := h.Until("\r\nOK\r\n"); !strings.Contains(st, "SSID => atbench-ap") {
		t.Fatalf("not rejoined after reset: %s", st)
	}
}
