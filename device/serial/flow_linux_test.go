package serial

import (
	"errors"
	"os"

	"atbench/device"
	"atbench/internal/socattest"
	"testing"

	"golang.org/x/sys/unix"
)

// crtscts reads the CRTSCTS flag of the terminal at path through a
// descriptor of our own; the port holds it exclusively, which only root may
// bypass.
func crtscts(t *testing.T, path string) bool {
	t.Helper()
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if errors.Is(err, unix.EBUSY) {
		t.Skip("port held exclusively; reading its settings needs root")
	}
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	tio, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	return tio.Cflag&unix.CRTSCTS != 0
}

func TestPortRTSCTS(t *testing.T) {
	dir := t.TempDir()
	pair := socattest.Start(t, dir, "a", "b")

	p := openTest(t, Config{Path: pair.A, Flow: "rtscts"})
	if !crtscts(t, pair.A) {
		t.Fatal("flow rtscts: CRTSCTS not set")
	}
	p.Close()

	p = openTest(t, Config{Path: pair.A, Flow: "none"})
	if crtscts(t, pair.A) {
		t.Fatal("flow none: CRTSCTS still set")
	}
	p.Close()

	// Flow control survives a reconnect. The new pair is started under
	// other names and moved into place once socat has set its ptys up:
	// socat makes its links before it sets the terminal modes, and a port
	// reopened in between had CRTSCTS cleared again by socat (the flake of
	// issue 11). Renaming a link is atomic, so the port can only find the
	// finished pty, as it finds a USB adapter once the driver is done.
	p = openTest(t, Config{Path: pair.A, Flow: "rtscts"})
	nextStatus(t, p)
	go p.Read(make([]byte, 1))
	pair.Stop()
	if s := nextStatus(t, p); s.State != device.Disconnected {
		t.Fatalf("after unplug: %+v", s)
	}
	next := socattest.Start(t, dir, "a.new", "b.new")
	if err := os.Rename(next.A, pair.A); err != nil {
		t.Fatal(err)
	}
	if s := nextStatus(t, p); s.State != device.Reconnected {
		t.Fatalf("after replug: %+v", s)
	}
	if !crtscts(t, pair.A) {
		t.Fatal("flow rtscts after reconnect: CRTSCTS not set")
	}
}
