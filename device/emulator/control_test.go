package emulator_test

import (
	"bufio"
	"context"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"atbench/device/emulator/realtek"
)

// TestControlSocket drives faults through a real unix-socket client.
func TestControlSocket(t *testing.T) {
	m, o := start(t, realtek.New, nil)
	ln, port := peer(t)
	realtekClient(t, m, o, port)
	peerConn := accept(t, ln)
	path := filepath.Join(t.TempDir(), "control.sock")
	cl, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- m.ServeControl(ctx, cl) }()
	defer func() {
		cancel()
		select {
		case err := <-served:
			if err != nil {
				t.Errorf("ServeControl: %v", err)
			}
		case <-time.After(limit):
			t.Error("ServeControl did not return")
		}
	}()
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(limit))
	r := bufio.NewReader(c)
	ask := func(line string) string {
		t.Helper()
		if _, err := c.Write([]byte(line + "\n")); err != nil {
			t.Fatal(err)
		}
		var ans []string
		for {
			l, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("answer to %q: %v (so far %q)", line, err, ans)
			}
			l = strings.TrimSuffix(l, "\n")
			ans = append(ans, l)
			if l == "ok" || strings.HasPrefix(l, "error: ") {
				return strings.Join(ans, "\n")
			}
		}
	}
	if a := ask("latency 0 300ms"); a != "ok" {
		t.Fatalf("latency: %q", a)
	}
	if a := ask("fault reset 0"); a != "ok" {
		t.Fatalf("reset: %q", a)
	}
	_ = peerConn.SetReadDeadline(time.Now().Add(limit))
	if _, err := peerConn.Read(make([]byte, 1)); err == nil || !strings.Contains(err.Error(), "reset") {
		t.Fatalf("the peer read %v, want a reset", err)
	}
	if a := ask("reset 0"); !strings.HasPrefix(a, "error: fault reset 0:") {
		t.Fatalf("a reset of a closed link: %q", a)
	}
	if a := ask("explode 3"); !strings.HasPrefix(a, "error: fault \"explode\" is unknown") {
		t.Fatalf("unknown fault: %q", a)
	}
	if a := ask("faults"); !strings.Contains(a, "latency 0 300ms: both directions delayed") || !strings.Contains(a, "reset 0: peer sent a RST") {
		t.Fatalf("faults: %q", a)
	}
	if a := ask("help"); !strings.Contains(a, "unplug <duration>") {
		t.Fatalf("help: %q", a)
	}
}
