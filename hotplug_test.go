//go:build unix

package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"atbench/internal/socattest"
)

// playModule answers the init script's AT+INIT on the far end of a socat
// pair, then says line: a stand-in for a module that reboots on replug.
func playModule(t *testing.T, pair *socattest.Pair, line string) {
	t.Helper()
	far := pair.OpenB()
	br := bufio.NewReader(far)
	got := make(chan string, 1)
	go func() {
		l, _ := br.ReadString('\n')
		got <- l
	}()
	select {
	case l := <-got:
		if l != "AT+INIT\r\n" {
			t.Fatalf("module got %q, want the init script's AT+INIT", l)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("atbench sent no AT+INIT")
	}
	if _, err := far.WriteString("\r\nOK\r\n" + line + "\r\n"); err != nil {
		t.Fatal(err)
	}
}

// TestHotPlugReconnect kills the socat pair under `atbench run --port`
// mid-session and starts it again under the same names: atbench reports
// the loss, reopens the port, runs --init again, and the transcript log
// holds every line from before and after.
func TestHotPlugReconnect(t *testing.T) {
	dir := t.TempDir()
	pair := socattest.Start(t, dir, "a", "b")
	initPath := filepath.Join(dir, "init.at")
	os.WriteFile(initPath, []byte("send AT+INIT\nexpect ^OK$\n"), 0o644)
	script := filepath.Join(dir, "watch.at")
	os.WriteFile(script, []byte("timeout 30s\nexpect ^BEFORE$\nexpect-note ^disconnected: \nexpect-note ^reconnected to \nexpect ^AFTER$\n"), 0o644)
	logPath := filepath.Join(dir, "session.log")

	cmd := exec.Command(binPath, "run", script, "--port", pair.A, "--init", initPath, "--log", logPath)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer cmd.Process.Kill()

	playModule(t, pair, "BEFORE")
	waitLog(t, logPath, "BEFORE")
	pair.Stop() // the cable is pulled: the pty links vanish
	waitLog(t, logPath, "disconnected: ")
	pair = socattest.Start(t, dir, "a", "b") // plugged back, same names
	playModule(t, pair, "AFTER")

	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("atbench run: %v\n%s", err, out.String())
		}
	case <-time.After(40 * time.Second):
		t.Fatalf("atbench run did not finish\n%s", out.String())
	}
	log, _ := os.ReadFile(logPath)
	order := []string{
		"> sent   AT+INIT", "< ok     OK", "< info   BEFORE",
		"- note   disconnected: ", "- note   reconnected to " + pair.A,
		"- note   running " + initPath + " (reconnected)", "> sent   AT+INIT", "< ok     OK", "< info   AFTER",
	}
	rest := string(log)
	for _, want := range order {
		i := strings.Index(rest, want)
		if i < 0 {
			t.Fatalf("transcript log lacks %q after the lines before it:\n%s", want, log)
		}
		rest = rest[i+len(want):]
	}
}

// waitLog waits until the transcript log holds text.
func waitLog(t *testing.T, path, text string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		b, _ := os.ReadFile(path)
		if bytes.Contains(b, []byte(text)) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("log never showed %q:\n%s", text, b)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
