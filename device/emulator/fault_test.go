package emulator_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"atbench/device"
	"atbench/device/emulator"
	"atbench/device/emulator/inventek"
	"atbench/device/emulator/netcore"
	"atbench/device/emulator/realtek"
	"atbench/device/emulator/wizfi"
	"atbench/internal/emutest"
	"atbench/protocol"
)

const limit = 15 * time.Second

func TestParseFault(t *testing.T) {
	for _, c := range []struct {
		in   string
		want emulator.Fault
		err  bool
	}{
		{in: "blackhole 3", want: emulator.Fault{Kind: emulator.FaultBlackhole, Link: 3}},
		{in: "blackhole 3 modelled", want: emulator.Fault{Kind: emulator.FaultBlackhole, Link: 3, Blackhole: netcore.BlackholeModelled}},
		{in: "BLACKHOLE 0 real", want: emulator.Fault{Kind: emulator.FaultBlackhole, Link: 0, Blackhole: netcore.BlackholeKernel}},
		{in: "reset 1", want: emulator.Fault{Kind: emulator.FaultReset, Link: 1}},
		{in: "latency 2 300ms", want: emulator.Fault{Kind: emulator.FaultLatency, Link: 2, Duration: 300 * time.Millisecond}},
		{in: "latency 2 0s", want: emulator.Fault{Kind: emulator.FaultLatency, Link: 2}},
		{in: "wifi", want: emulator.Fault{Kind: emulator.FaultWifi, Link: protocol.NoLink}},
		{in: "reboot", want: emulator.Fault{Kind: emulator.FaultReboot, Link: protocol.NoLink}},
		{in: "unplug 3s", want: emulator.Fault{Kind: emulator.FaultUnplug, Link: protocol.NoLink, Duration: 3 * time.Second}},
		{in: "", err: true},
		{in: "blackhole", err: true},
		{in: "blackhole x", err: true},
		{in: "blackhole 3 maybe", err: true},
		{in: "blackhole 300", err: true},
		{in: "reset", err: true},
		{in: "latency 2", err: true},
		{in: "latency 2 fast", err: true},
		{in: "latency 2 -1s", err: true},
		{in: "wifi now", err: true},
		{in: "unplug", err: true},
		{in: "unplug 0s", err: true},
		{in: "flood 3", err: true},
	} {
		got, err := emulator.ParseFault(strings.Fields(c.in))
		if c.err {
			if err == nil {
				t.Errorf("ParseFault(%q) = %+v, want an error", c.in, got)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseFault(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
			continue
		}
		if again, err := emulator.ParseFault(strings.Fields(got.String())); err != nil || again != got {
			t.Errorf("%q does not read back: %+v, %v", got.String(), again, err)
		}
	}
}

// output collects a module's output for the tests.
type output struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	lost int
	more chan struct{}
}

func collect(t *testing.T, m *emulator.Module) *output {
	o := &output{more: make(chan struct{}, 1)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		p := make([]byte, 4096)
		for {
			n, err := m.Read(p)
			o.mu.Lock()
			o.buf.Write(p[:n])
			if errors.Is(err, device.ErrLost) {
				o.lost++
			}
			o.mu.Unlock()
			select {
			case o.more <- struct{}{}:
			default:
			}
			if err != nil && !errors.Is(err, device.ErrLost) {
				return
			}
		}
	}()
	t.Cleanup(func() { m.Close(); <-done })
	return o
}

// waitFor waits until the output holds s after from; it returns the end.
func (o *output) waitFor(t *testing.T, from int, s string) int {
	t.Helper()
	deadline := time.After(limit)
	for {
		o.mu.Lock()
		b := o.buf.String()
		o.mu.Unlock()
		if i := strings.Index(b[min(from, len(b)):], s); i >= 0 {
			return from + i + len(s)
		}
		select {
		case <-o.more:
		case <-deadline:
			t.Fatalf("output never had %q; got %q", s, b[min(from, len(b)):])
		}
	}
}

func start(t *testing.T, fw emulator.NewFirmware, clk netcore.Clock) (*emulator.Module, *output) {
	t.Helper()
	m, err := emulator.New(emulator.Config{Firmware: fw, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	return m, collect(t, m)
}

// peer is a real TCP server the module's client links dial.
func peer(t *testing.T) (net.Listener, int) {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln, ln.Addr().(*net.TCPAddr).Port
}

func accept(t *testing.T, ln net.Listener) net.Conn {
	t.Helper()
	_ = ln.(*net.TCPListener).SetDeadline(time.Now().Add(limit))
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// realtekClient opens Realtek client link 0 to the peer.
func realtekClient(t *testing.T, m *emulator.Module, o *output, port int) int {
	t.Helper()
	at := o.waitFor(t, 0, "ATCMD READY\r\n")
	if _, err := m.Write([]byte("AT+SKTCLIENT=0,1,,127.0.0.1," + itoa(port) + ",,1\r\n")); err != nil {
		t.Fatal(err)
	}
	return o.waitFor(t, at, "OK")
}

func itoa(n int) string { return strconv.Itoa(n) }

func closedReason(t *testing.T, m *emulator.Module, id int) string {
	t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		for _, l := range m.Snapshot().Links {
			if l.ID == id && l.Closed != nil {
				return l.Closed.Reason
			}
		}
		select {
		case <-m.Changed():
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Fatalf("link %d never closed: %+v", id, m.Snapshot().Links)
	return ""
}

func hasSetting(s protocol.Snapshot, name, part string) bool {
	for _, st := range s.Settings {
		if st.Name == name && strings.Contains(st.Value, part) {
			return true
		}
	}
	return false
}

// TestFaultResetRealtek: the peer sees a RST, the link's close reason
// says it was injected, and Snapshot lists the fault.
func TestFaultResetRealtek(t *testing.T) {
	m, o := start(t, realtek.New, nil)
	ln, port := peer(t)
	realtekClient(t, m, o, port)
	c := accept(t, ln)
	if err := m.Fault(context.Background(), emulator.Fault{Kind: emulator.FaultReset, Link: 0}); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(limit))
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("the peer read %v, want a reset", err)
	}
	if r := closedReason(t, m, 0); r != "injected fault: reset" {
		t.Fatalf("reason %q", r)
	}
	if !hasSetting(m.Snapshot(), "fault", "reset 0: peer sent a RST") {
		t.Fatalf("Snapshot does not list the fault: %+v", m.Snapshot().Settings)
	}
	if err := m.Fault(context.Background(), emulator.Fault{Kind: emulator.FaultReset, Link: 5}); err == nil {
		t.Fatal("a reset of no link succeeded")
	}
}

// TestFaultBlackholeModelledRealtek: AT+SKTCFG's keepalive (idle 2 s,
// interval 1 s, count 3) on a modelled blackhole: dead 5 s after the peer
// was last heard, on the module's clock, with a reset to the peer.
func TestFaultBlackholeModelledRealtek(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clk := emutest.NewStepClock(t0)
	m, o := start(t, realtek.New, clk)
	ln, port := peer(t)
	at := o.waitFor(t, 0, "ATCMD READY\r\n")
	if _, err := m.Write([]byte("AT+SKTCFG=0,0,0,1,2,1,3\r\n")); err != nil {
		t.Fatal(err)
	}
	at = o.waitFor(t, at, "OK")
	if _, err := m.Write([]byte("AT+SKTCLIENT=0,1,,127.0.0.1," + itoa(port) + ",,1\r\n")); err != nil {
		t.Fatal(err)
	}
	o.waitFor(t, at, "OK")
	c := accept(t, ln)
	if err := m.Fault(context.Background(), emulator.Fault{Kind: emulator.FaultBlackhole, Link: 0, Blackhole: netcore.BlackholeModelled}); err != nil {
		t.Fatal(err)
	}
	if s := m.Snapshot(); !hasSetting(s, "fault.link0", "modelled") || !hasSetting(s, "fault.link0", "00:00:05.000") {
		t.Fatalf("Snapshot does not say the modelled blackhole and its death: %+v", s.Settings)
	}
	clk.Advance(4900 * time.Millisecond)
	if v, _ := m.Net().Link(0); !v.Alive() {
		t.Fatal("dead before 5 s")
	}
	clk.Advance(100 * time.Millisecond)
	if r := closedReason(t, m, 0); r != netcore.ReasonBlackholeDeath {
		t.Fatalf("reason %q", r)
	}
	_ = c.SetReadDeadline(time.Now().Add(limit))
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("the peer read %v, want a reset", err)
	}
}

// TestFaultRebootAndWifi: each firmware's words for a reboot and a Wi-Fi
// loss, and the links they close.
func TestFaultRebootAndWifi(t *testing.T) {
	for _, c := range []struct {
		name       string
		fw         emulator.NewFirmware
		boot, wifi string
		open       string    // opens a client to %d
		opened     [2]string // the open's answer, in two parts
	}{
		{"realtek", realtek.New, "ATCMD READY\r\n", "[$]wifi disconnected\r\n", "AT+SKTCLIENT=0,1,,127.0.0.1,%d,,1\r\n", [2]string{"\r\nOK\r\n", ""}},
		{"inventek", inventek.New, "> ", "", "P0=0\rP1=0\rP3=127.0.0.1\rP4=%d\rP6=1\r", [2]string{"Connecting to 127.0.0.1", "> "}},
		{"wizfi", wizfi.New, "Serial2WiFi APP\r\n", "Disassociation Event", "AT+NCTCP=127.0.0.1,%d\r", [2]string{"CONNECT", "[OK]\r\n"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, kind := range []emulator.FaultKind{emulator.FaultReboot, emulator.FaultWifi} {
				m, o := start(t, c.fw, nil)
				ln, port := peer(t)
				at := o.waitFor(t, 0, c.boot)
				if _, err := m.Write([]byte(strings.ReplaceAll(c.open, "%d", itoa(port)))); err != nil {
					t.Fatal(err)
				}
				accept(t, ln)
				var id = -1
				for deadline := time.Now().Add(limit); id < 0 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
					for _, l := range m.Snapshot().Links {
						if l.Role == protocol.RoleClient && l.Closed == nil {
							id = l.ID
						}
					}
				}
				if id < 0 {
					t.Fatalf("no client link: %+v", m.Snapshot().Links)
				}
				at = o.waitFor(t, o.waitFor(t, at, c.opened[0]), c.opened[1])
				if err := m.Fault(context.Background(), emulator.Fault{Kind: kind}); err != nil {
					t.Fatal(err)
				}
				want, reason := c.boot, emulator.ReasonModuleReset
				if kind == emulator.FaultWifi {
					want, reason = c.wifi, emulator.ReasonWifiLost
					if c.name == "wizfi" {
						reason = "Wi-Fi lost (Disassociation Event)"
					}
				}
				if want != "" {
					o.waitFor(t, at, want)
				}
				if r := closedReason(t, m, id); r != reason {
					t.Fatalf("%s: link %d closed %q, want %q", kind, id, r, reason)
				}
				m.Close()
			}
		})
	}
}

// TestFaultUnplug: the port goes away as a device does: Read returns
// ErrLost once, Write fails, Status says Disconnected, and after the
// duration on the module's clock Reconnected, with the module answering.
func TestFaultUnplug(t *testing.T) {
	clk := emutest.NewStepClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	m, o := start(t, realtek.New, clk)
	st := m.Status()
	if s := <-st; s.State != device.Connected {
		t.Fatalf("first status %v", s.State)
	}
	at := o.waitFor(t, 0, "ATCMD READY\r\n")
	if err := m.Fault(context.Background(), emulator.Fault{Kind: emulator.FaultUnplug, Duration: 3 * time.Second}); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-st:
		if s.State != device.Disconnected || !errors.Is(s.Cause, emulator.ErrUnplugged) {
			t.Fatalf("status %+v", s)
		}
	case <-time.After(limit):
		t.Fatal("no Disconnected status")
	}
	if _, err := m.Write([]byte("AT\r\n")); !errors.Is(err, emulator.ErrUnplugged) {
		t.Fatalf("Write while unplugged: %v", err)
	}
	if !hasSetting(m.Snapshot(), "fault.port", "unplugged") {
		t.Fatal("Snapshot does not say the port is unplugged")
	}
	for deadline := time.Now().Add(limit); ; time.Sleep(5 * time.Millisecond) {
		o.mu.Lock()
		lost := o.lost
		o.mu.Unlock()
		if lost == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Read never returned ErrLost")
		}
	}
	clk.WaitTimer(t)
	clk.Advance(3 * time.Second)
	select {
	case s := <-st:
		if s.State != device.Reconnected {
			t.Fatalf("status %+v", s)
		}
	case <-time.After(limit):
		t.Fatal("no Reconnected status")
	}
	if _, err := m.Write([]byte("AT+GMR\r\n")); err != nil {
		t.Fatal(err)
	}
	o.waitFor(t, at, "OK")
}

// TestFaultBlackholeDefaultMode: without a mode the blackhole is the
// kernel's as root on Linux, else modelled, and Snapshot says which.
func TestFaultBlackholeDefaultMode(t *testing.T) {
	m, o := start(t, realtek.New, nil)
	ln, port := peer(t)
	realtekClient(t, m, o, port)
	accept(t, ln)
	if err := m.Fault(context.Background(), emulator.Fault{Kind: emulator.FaultBlackhole, Link: 0}); err != nil {
		t.Fatal(err)
	}
	want := "modelled"
	if runtime.GOOS == "linux" && os.Geteuid() == 0 {
		want = "kernel drops the peer's segments"
	}
	if s := m.Snapshot(); !hasSetting(s, "fault.link0", want) || !hasSetting(s, "fault", "blackhole 0: "+want) {
		t.Fatalf("Snapshot does not say %q: %+v", want, s.Settings)
	}
}
