package emulator

import (
	"bytes"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/netip"
	"testing"
	"time"

	"atbench/device"
	"atbench/device/emulator/netcore"
	"atbench/protocol"
)

// waitLimit bounds every wait for an asynchronous event in the tests.
const waitLimit = 10 * time.Second

// echoFirmware is the smallest firmware: a banner, input printed back, and
// the stack's events passed to the test.
type echoFirmware struct {
	h      Host
	events chan netcore.Event
}

func (f *echoFirmware) Name() string   { return "echo" }
func (f *echoFirmware) Start()         { _ = f.h.Print([]byte("READY\r\n")) }
func (f *echoFirmware) Input(p []byte) { _ = f.h.Print(bytes.ToUpper(p)) }
func (f *echoFirmware) Settings() []protocol.Setting {
	return []protocol.Setting{{Name: "mode", Value: "echo"}}
}
func (f *echoFirmware) Event(e netcore.Event) {
	e.Data = nil // valid only during the call
	f.events <- e
}

// next waits for the next event of kind k.
func (f *echoFirmware) next(t *testing.T, k netcore.EventKind) netcore.Event {
	t.Helper()
	timeout := time.After(waitLimit)
	for {
		select {
		case e := <-f.events:
			if e.Kind == k {
				return e
			}
		case <-timeout:
			t.Fatalf("no event of kind %d", k)
		}
	}
}

func startEcho(t *testing.T, cfg Config) (*Module, *echoFirmware) {
	t.Helper()
	var fw *echoFirmware
	cfg.Firmware = func(h Host) Firmware {
		fw = &echoFirmware{h: h, events: make(chan netcore.Event, 64)}
		return fw
	}
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m, fw
}

func readString(t *testing.T, m *Module, want string) {
	t.Helper()
	got := make([]byte, 0, len(want))
	buf := make([]byte, 64)
	for len(got) < len(want) {
		n, err := m.Read(buf)
		if err != nil {
			t.Fatalf("Read: %v after %q", err, got)
		}
		got = append(got, buf[:n]...)
	}
	if string(got) != want {
		t.Fatalf("output %q, want %q", got, want)
	}
}

func TestDeviceContract(t *testing.T) {
	m, _ := startEcho(t, Config{})
	if st := <-m.Status(); st.State != device.Connected {
		t.Fatalf("first status %v", st.State)
	}
	if got := m.Info(); got != (device.Info{Kind: "emulator", Name: "echo"}) {
		t.Fatalf("Info = %+v", got)
	}
	readString(t, m, "READY\r\n")
	if _, err := m.Write([]byte("at\r\n")); err != nil {
		t.Fatal(err)
	}
	readString(t, m, "AT\r\n")
	if s := m.Snapshot().Settings; len(s) != 1 || s[0].Value != "echo" {
		t.Fatalf("settings %+v", s)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
	if _, err := m.Read(make([]byte, 8)); !errors.Is(err, io.EOF) {
		t.Fatalf("Read after Close: %v", err)
	}
	if _, err := m.Write([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Fatalf("Write after Close: %v", err)
	}
	for range m.Status() {
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	fw := func(h Host) Firmware { return &echoFirmware{h: h} }
	for _, cfg := range []Config{{}, {Firmware: fw, MaxLinks: -1}, {Firmware: fw, MaxLinks: 257}, {Firmware: fw, HostAddr: "::1"},
		{Firmware: fw, HostAddr: "nope"}, {Firmware: fw, RecvBuffer: -5}, {Firmware: func(Host) Firmware { return nil }}} {
		if m, err := New(cfg); err == nil {
			m.Close()
			t.Errorf("New(%+v) succeeded", cfg)
		}
	}
}

// TestChangedIsNotLost: two link changes in a row, with nobody waiting
// between them, must both leave Changed's channel closed for the next
// waiter.
func TestChangedIsNotLost(t *testing.T) {
	m, _ := startEcho(t, Config{})
	first := m.Changed()
	m.linksChanged()
	m.linksChanged()
	select {
	case <-first:
	default:
		t.Fatal("the channel taken before the changes was not closed")
	}
	second := m.Changed()
	m.linksChanged()
	select {
	case <-second:
	default:
		t.Fatal("a change after a fresh Changed call was lost")
	}
}

// TestChangedBeforeAnyWatcher: a change made before the watcher took its
// first channel (a session whose watcher starts late) is reported by that
// first channel, once.
func TestChangedBeforeAnyWatcher(t *testing.T) {
	m, _ := startEcho(t, Config{})
	m.linksChanged()
	select {
	case <-m.Changed():
	default:
		t.Fatal("a change before the first Changed call was lost")
	}
	select {
	case <-m.Changed():
		t.Fatal("one change reported twice")
	default:
	}
}

// TestPeerCloseWakesChanged: a peer closing a link is a change of the
// table, announced to a watcher that came after it, with the reason in
// the snapshot and the event passed to the firmware.
func TestPeerCloseWakesChanged(t *testing.T) {
	m, fw := startEcho(t, Config{})
	readString(t, m, "READY\r\n")
	if err := m.Net().Listen(0, netcore.ListenOptions{Proto: protocol.ProtoTCP, Push: true, SeedIDs: 4}); err != nil {
		t.Fatal(err)
	}
	srv, _ := m.Net().Link(0)
	peer, err := net.Dial("tcp4", srv.Local.String())
	if err != nil {
		t.Fatal(err)
	}
	if e := fw.next(t, netcore.EventAccepted); e.ID != 1 || e.Server != 0 {
		t.Fatalf("accept %+v", e)
	}
	peer.Close()
	if e := fw.next(t, netcore.EventClosed); e.ID != 1 || e.Reason != "peer closed (FIN)" || e.Err == nil {
		t.Fatalf("close %+v", e)
	}
	select {
	case <-m.Changed(): // taken after the change: still reported
	case <-time.After(waitLimit):
		t.Fatal("the close did not wake Changed")
	}
	var seed protocol.LinkInfo
	for _, l := range m.Snapshot().Links {
		if l.ID == 1 {
			seed = l
		}
	}
	if seed.Closed == nil || seed.Closed.Reason != "peer closed (FIN)" || seed.Parent != 0 {
		t.Fatalf("seed %+v", seed)
	}
}

func TestCertSlots(t *testing.T) {
	m, _ := startEcho(t, Config{HostAddr: netip.MustParseAddr("127.0.0.1").String()})
	if _, _, _, ok := m.CertSlot(1); !ok {
		t.Fatal("slot 1 empty")
	}
	for _, i := range []int{0, 2, CertSlots, CertSlots + 1} {
		if _, _, _, ok := m.CertSlot(i); ok {
			t.Fatalf("slot %d filled", i)
		}
	}
}

func TestVerifyChain(t *testing.T) {
	s, err := NewCertSlot(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := NewCertSlot(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyChain(s.Pool, s.Server.Certificate, x509.ExtKeyUsageServerAuth); err != nil {
		t.Fatalf("own chain: %v", err)
	}
	if err := VerifyChain(s.Pool, s.Client.Certificate, x509.ExtKeyUsageServerAuth); err == nil {
		t.Fatal("a client certificate passed as a server")
	}
	if err := VerifyChain(s.Pool, foreign.Server.Certificate, x509.ExtKeyUsageServerAuth); err == nil {
		t.Fatal("a foreign chain passed")
	}
	if err := VerifyChain(s.Pool, nil, x509.ExtKeyUsageServerAuth); err == nil {
		t.Fatal("an empty chain passed")
	}
}
