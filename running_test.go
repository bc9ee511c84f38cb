package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunPolls: `run --poll` polls the module's link state (the answers of
// the polls are what the script waits for; nothing else is sent).
func TestRunPolls(t *testing.T) {
	script := writeScript(t, "timeout 20s\nexpect ^OK$\nexpect ^OK$\n")
	logPath := filepath.Join(t.TempDir(), "t.log")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"run", script, "--emulate", "realtek", "--poll", "100ms", "--log", logPath}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, stdout.String(), stderr.String())
	}
	log, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(log), "> sent   (poll) AT+SKTSTATE\n"); n < 2 {
		t.Fatalf("%d polls in the log:\n%s", n, log)
	}
}

func TestRunRejectsANegativePoll(t *testing.T) {
	script := writeScript(t, "send AT+TEST\n")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"run", script, "--poll", "-1s"}, &stdout, &stderr); code != 2 {
		t.Fatalf("exit %d, want 2; stderr %s", code, stderr.String())
	}
}
