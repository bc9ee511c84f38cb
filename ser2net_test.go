//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"atbench/device/remote"
	"atbench/internal/socattest"
)

// TestSer2netRunScript runs a script with `atbench run` against the
// emulator behind real ser2net, over rfc2217:// and over tcp://.
func TestSer2netRunScript(t *testing.T) {
	dir := t.TempDir()
	// One emulator per accepter: ser2net closes a device after its
	// client has gone, and the next client must not find it busy.
	emu1, pty1 := startEmulate(t, "--pty")
	defer stopEmulate(t, emu1)
	emu2, pty2 := startEmulate(t, "--pty")
	defer stopEmulate(t, emu2)
	rfc, raw := freePort(t), freePort(t)
	startSer2net(t, dir,
		ser2netConn{rfc2217: true, port: rfc, path: pty1, line: "9600n81"},
		ser2netConn{port: raw, path: pty2, line: "115200n81"})
	script := writeScript(t, "timeout 10s\nsend AT+TEST\nexpect ^OK$\nsend AT+SKTQUERY\nexpect ^so_keepalive: 0$\nexpect ^OK$\n")
	for _, url := range []string{fmt.Sprintf("rfc2217://127.0.0.1:%d", rfc), fmt.Sprintf("tcp://127.0.0.1:%d", raw)} {
		out, err := exec.Command(binPath, "run", script, "--port", url, "--baud", "57600").CombinedOutput()
		if err != nil {
			t.Fatalf("run --port %s: %v\n%s", url, err, out)
		}
		if !strings.Contains(string(out), "all expectations met") {
			t.Fatalf("run --port %s:\n%s", url, out)
		}
	}
}

// TestSer2netBaudReachesPTY sets baud rates through rfc2217:// and reads
// them back from the pty behind ser2net with stty.
func TestSer2netBaudReachesPTY(t *testing.T) {
	dir := t.TempDir()
	pair := socattest.Start(t, dir, "a", "b")
	port := freePort(t)
	startSer2net(t, dir, ser2netConn{rfc2217: true, port: port, path: pair.A, line: "9600n81"})
	for _, baud := range []int{19200, 57600, 115200} {
		p := openRetry(t, remote.Config{URL: fmt.Sprintf("rfc2217://127.0.0.1:%d", port), Baud: baud, StopBits: "2"})
		line := stty(t, pair.A)
		if !strings.Contains(line, fmt.Sprintf("speed %d baud", baud)) {
			p.Close()
			t.Fatalf("baud %d: stty says %q", baud, line)
		}
		if got := p.Info().Baud; got != baud {
			t.Errorf("Info().Baud = %d, want the acknowledged %d", got, baud)
		}
		// DTR and RTS are not acknowledged by ser2net on a pty: no hang,
		// a note instead.
		start := time.Now()
		if err := p.SetDTR(false); err != nil {
			t.Fatal(err)
		}
		if err := p.SetRTS(true); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("DTR and RTS took %v", d)
		}
		if l := p.Lines(); !strings.Contains(l.Note, "does not acknowledge DTR") || !l.ModemKnown {
			t.Errorf("Lines = %+v, want a known modem state and a note on DTR", l)
		}
		p.Close()
	}
}

// TestSer2netFFBothWays passes 0xFF bytes both ways through ser2net's
// rfc2217 accepter (doubled on the wire) and its raw accepter (as is).
func TestSer2netFFBothWays(t *testing.T) {
	dir := t.TempDir()
	rp := socattest.Start(t, dir, "a", "b")
	tp := socattest.Start(t, dir, "c", "d")
	rfc, raw := freePort(t), freePort(t)
	startSer2net(t, dir,
		ser2netConn{rfc2217: true, port: rfc, path: rp.A, line: "115200n81"},
		ser2netConn{port: raw, path: tp.A, line: "115200n81"})
	for _, c := range []struct {
		url  string
		pair *socattest.Pair
	}{
		{fmt.Sprintf("rfc2217://127.0.0.1:%d", rfc), rp},
		{fmt.Sprintf("tcp://127.0.0.1:%d", raw), tp},
	} {
		p := openRetry(t, remote.Config{URL: c.url})
		far := c.pair.OpenB()
		out := []byte{0x41, 0xFF, 0x42, 0xFF, 0xFF, 0x00, 0x0D, 0x0A}
		if _, err := p.Write(out); err != nil {
			t.Fatal(err)
		}
		if got := readFull(t, far, len(out)); !bytes.Equal(got, out) {
			t.Fatalf("%s: the pty got % X, want % X", c.url, got, out)
		}
		in := []byte{0x78, 0xFF, 0x79, 0xFF, 0xFF, 0xFF, 0x0D}
		if _, err := far.Write(in); err != nil {
			t.Fatal(err)
		}
		if got := readFull(t, p, len(in)); !bytes.Equal(got, in) {
			t.Fatalf("%s: atbench got % X, want % X", c.url, got, in)
		}
		p.Close()
		far.Close()
	}
}

// openRetry opens a remote port, trying again while ser2net is still
// closing the device of the connection before (it then drops the new one).
func openRetry(t *testing.T, cfg remote.Config) *remote.Port {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		p, err := remote.Open(context.Background(), cfg)
		if err == nil {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		t.Logf("open %s: %v; trying again", cfg.URL, err)
		time.Sleep(50 * time.Millisecond)
	}
}

// readFull reads n bytes from r within a generous bound.
func readFull(t *testing.T, r io.Reader, n int) []byte {
	t.Helper()
	got := make(chan []byte, 1)
	go func() {
		b := make([]byte, n)
		k, _ := io.ReadFull(r, b)
		got <- b[:k]
	}()
	select {
	case b := <-got:
		return b
	case <-time.After(20 * time.Second):
		t.Fatalf("reading %d bytes timed out", n)
	}
	return nil
}

// TestSer2netRestart kills ser2net under `atbench run --port rfc2217://`
// and starts it again on the same port: atbench reports disconnected, then
// reconnected, and the transcript log has every line from before and
// after, once, in order.
func TestSer2netRestart(t *testing.T) {
	dir := t.TempDir()
	emu, pty := startEmulate(t, "--pty")
	defer stopEmulate(t, emu)
	port := freePort(t)
	conn := ser2netConn{rfc2217: true, port: port, path: pty, line: "115200n81"}
	s := startSer2net(t, dir, conn)

	script := filepath.Join(dir, "watch.at")
	os.WriteFile(script, []byte("timeout 30s\nsend AT+TEST\nexpect ^OK$\nexpect-note ^disconnected: \nexpect-note ^reconnected to \nsend AT+SKTQUERY\nexpect ^so_keepalive: 0$\nexpect ^OK$\n"), 0o644)
	logPath := filepath.Join(dir, "session.log")
	url := fmt.Sprintf("rfc2217://127.0.0.1:%d", port)
	cmd := exec.Command(binPath, "run", script, "--port", url, "--log", logPath)
	var out syncBuf
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer cmd.Process.Kill()

	waitLog(t, logPath, "< ok     OK")
	s.stop()
	waitLog(t, logPath, "disconnected: ")
	s.start([]ser2netConn{conn})

	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("atbench run: %v\n%s", err, out.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("atbench run did not finish\n%s", out.String())
	}
	log, _ := os.ReadFile(logPath)
	t.Logf("transcript log:\n%s", log)
	order := []string{
		"> sent   AT+TEST", "< ok     OK",
		"- note   disconnected: ", "- note   reconnected to " + url,
		"> sent   AT+SKTQUERY", "< info   so_keepalive: 0", "< ok     OK",
	}
	rest := string(log)
	for _, want := range order {
		i := strings.Index(rest, want)
		if i < 0 {
			t.Fatalf("transcript log lacks %q after the lines before it:\n%s", want, log)
		}
		rest = rest[i+len(want):]
	}
	for text, n := range map[string]int{"> sent": 2, "< ok     OK": 2, "disconnected: ": 1, "reconnected to ": 1} {
		if got := strings.Count(string(log), text); got != n {
			t.Errorf("transcript log has %q %d times, want %d:\n%s", text, got, n, log)
		}
	}
}

// TestRemoteRefusedExitsTwo: a remote port that refuses, or that never
// speaks RFC 2217, ends `atbench run` with exit 2 and an error naming the
// address.
func TestRemoteRefusedExitsTwo(t *testing.T) {
	script := writeScript(t, "send AT\n")
	port := freePort(t)
	for _, url := range []string{fmt.Sprintf("rfc2217://127.0.0.1:%d", port), fmt.Sprintf("tcp://127.0.0.1:%d", port)} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), []string{"run", script, "--port", url}, &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), url) || !strings.Contains(stderr.String(), "refused") {
			t.Errorf("%s: exit %d, stderr %q; want 2 and the address", url, code, stderr.String())
		}
	}
	// A raw accepter (the emulator's plain --listen) never negotiates.
	emu, addr := startEmulate(t, "--listen", "127.0.0.1:0")
	defer stopEmulate(t, emu)
	url := "rfc2217://" + addr
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"run", script, "--port", url}, &stdout, &stderr)
	if code != 2 || !strings.Contains(stderr.String(), url) || !strings.Contains(stderr.String(), "COM-PORT") {
		t.Errorf("%s: exit %d, stderr %q; want 2, the address and the missing option", url, code, stderr.String())
	}
}
