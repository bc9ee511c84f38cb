package serial

import (
	"atbench/internal/socattest"
	"errors"
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

	// Flow control survives a reconnect.
	p = openTest(t, Config{Path: pair.A, Flow: "rtscts"})
	nextStatus(t, p)
	go p.Read(make([]byte, 1))
	pair.Stop()
	nextStatus(t, p) // disconnected
	pair = socattest.Start(t, dir, "a", "b")
	nextStatus(t, p) // reconnected
	if !crtscts(t, pair.A) {
		t.Fatal("flow rtscts after reconnect: CRTSCTS not set")
	}
}
