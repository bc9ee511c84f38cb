package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"atbench/internal/socattest"
)

// TestRunInjectsAFault is the demo as a script: a client of the emulated
// module's server is cut by `fault reset 0`; the peer sees the reset, the
// module's table says why, and the log says it happened.
func TestRunInjectsAFault(t *testing.T) {
	port := freePort(t)
	script := writeScript(t, `timeout 10s
send AT+SKTSERVER=1,1,,${PORT},1
expect ^OK$
expect connected to server\[link_id:1\]$
expect ^\[\$\]\[SKT\]\[DATA\]\[0\]\[\d+\]:${TOKEN}
fault reset 0
expect-note ^fault injected: reset 0
send AT+SKTSTATE
expect ^link_id:0,seed,tcp,.*socket_fd:-1$
expect ^OK$
`)
	t.Setenv("PORT", fmt.Sprint(port))
	// The peer says who it is, so the script resets this test's peer and
	// no other process's client that happened to dial the same port.
	token := fmt.Sprintf("peer-%d-%d", os.Getpid(), port)
	t.Setenv("TOKEN", token)
	peerErr := make(chan error, 1)
	go func() {
		c, err := dialUntil(fmt.Sprintf("127.0.0.1:%d", port), 20*time.Second)
		if err != nil {
			peerErr <- err
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(20 * time.Second))
		if _, err := io.WriteString(c, token+"\n"); err != nil {
			peerErr <- err
			return
		}
		_, err = c.Read(make([]byte, 1))
		if !errors.Is(err, syscall.ECONNRESET) {
			var op *net.OpError
			if !errors.As(err, &op) || !strings.Contains(err.Error(), "reset") {
				peerErr <- fmt.Errorf("peer read: %v; want a reset", err)
				return
			}
		}
		peerErr <- nil
	}()
	logPath := filepath.Join(t.TempDir(), "fault.log")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"run", script, "--emulate", "realtek", "--log", logPath}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout.String(), stderr.String())
	}
	if b, err := os.ReadFile(logPath); err != nil {
		t.Logf("read the log: %v", err)
	} else {
		defer func() {
			if t.Failed() {
				t.Logf("stdout %q stderr %q log:\n%s", stdout.String(), stderr.String(), b)
			}
		}()
	}
	waitPeer(t, peerErr, 30*time.Second)
	log, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(log), "- note   fault injected: reset 0") {
		t.Errorf("log lacks the fault:\n%s", log)
	}
}

// TestFaultOnARealPortIsRefused: a script's fault verb needs the emulator.
func TestFaultOnARealPortIsRefused(t *testing.T) {
	script := writeScript(t, "fault reboot\n")
	pair := socattest.Start(t, t.TempDir(), "a", "b")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"run", script, "--port", pair.A}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "faults are injected into the emulator only") {
		t.Fatalf("exit %d, stderr %q; want 1 and the refusal", code, stderr.String())
	}
}
