package serial

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"atbench/device"
	"atbench/internal/socattest"
	"atbench/internal/testkit"
)

// TestWaitForAPortNotThereYet opens a path where nothing is yet, as with
// a board not plugged in: the port says it waits, refuses writes, and
// comes up when the port appears, with no lost-connection boundary.
func TestWaitForAPortNotThereYet(t *testing.T) {
	check := testkit.NoLeak(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "a")
	if _, err := open(context.Background(), Config{Path: path}, noUSB, openPort); err == nil {
		t.Fatal("opening a missing port without Wait succeeded")
	}
	p, err := open(context.Background(), Config{Path: path, Wait: true, Backoff: fastBackoff}, noUSB, openPort)
	if err != nil {
		t.Fatal(err)
	}
	s := nextStatus(t, p)
	if s.State != device.Disconnected || !errors.Is(s.Cause, ErrNotThere) || !strings.Contains(s.Cause.Error(), "waiting for "+path+"…") {
		t.Fatalf("first status %+v (%v), want disconnected: waiting for %s…", s, s.Cause, path)
	}
	if _, err := p.Write([]byte("AT\r\n")); !errors.Is(err, ErrDisconnected) {
		t.Fatalf("write while waiting: %v, want ErrDisconnected", err)
	}
	got := collect(p)

	pair := socattest.Start(t, dir, "a", "b") // plugged in
	if s := nextStatus(t, p); s.State != device.Reconnected {
		t.Fatalf("once the port is there: %+v, want reconnected", s)
	}
	far := pair.OpenB()
	far.Write([]byte("ATCMD READY\r\n"))
	got.waitFor(t, "ATCMD READY\r\n") // no "|lost|": nothing was lost
	if _, err := p.Write([]byte("AT+TEST\r\n")); err != nil {
		t.Fatal(err)
	}
	testkit.ReadExact(t, far, []byte("AT+TEST\r\n"))
	p.Close()
	<-got.done
	far.Close()
	pair.Stop()
	check()
}
