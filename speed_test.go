package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestSpeedOnlyWithTheEmulator checks that --speed is refused, with exit 2
// and before any device is opened, where there is no emulator clock to
// speed up, and when the factor makes no sense.
func TestSpeedOnlyWithTheEmulator(t *testing.T) {
	port := filepath.Join(t.TempDir(), "ttyUSB9")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--port", port, "--speed", "60"}, "--speed runs the emulator's clock only"},
		{[]string{"run", "x.at", "--port", port, "--speed", "10"}, "--speed runs the emulator's clock only"},
		{[]string{"ports", "--speed", "10"}, "--speed"},
		{[]string{"--speed", "-3"}, "--speed -3"},
		{[]string{"emulate", "--pty", "--speed", "0.5"}, "--speed 0.5"},
		{[]string{"emulate", "--pty", "--speed", "1e9"}, "--speed 1e+09"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), tc.args, &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), tc.want) || strings.Contains(stderr.String(), "ttyUSB9") {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", tc.args, code, stderr.String(), tc.want)
		}
	}
	o, _, err := parseArgs([]string{"--emulate", "wizfi", "--speed", "60"}, &bytes.Buffer{})
	if err != nil || o.speed != 60 {
		t.Fatalf("--speed 60 on the emulator: %v, speed %g", err, o.speed)
	}
	m, _, err := startEmulator(o, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if got := m.ClockSpeed(); got != 60 {
		t.Fatalf("the emulator runs at %g×, want 60×", got)
	}
}
