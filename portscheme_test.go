package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestPortSchemes checks which row of the port-scheme table takes each
// --port value, and that the table cannot be changed from outside.
func TestPortSchemes(t *testing.T) {
	for port, want := range map[string]string{
		"tcp://10.0.0.5:3000":     "tcp://HOST:PORT",
		"rfc2217://10.0.0.5:3001": "rfc2217://HOST:PORT",
		"auto":                    "auto",
		"/dev/ttyUSB0":            "PATH",
		"COM3":                    "PATH",
		"telnet://10.0.0.5:23":    "",
	} {
		got := ""
		for _, sc := range portSchemes() {
			if sc.match(port) {
				got = sc.form
				break
			}
		}
		if got != want {
			t.Errorf("--port %q: row %q, want %q", port, got, want)
		}
	}
	rows := portSchemes()
	rows[0].form = "changed"
	if portSchemes()[0].form != "tcp://HOST:PORT" {
		t.Fatal("the port-scheme table changed from outside")
	}
}

func TestPortSchemeUsageErrors(t *testing.T) {
	script := writeScript(t, "send AT\n")
	for _, port := range []string{"telnet://127.0.0.1:23", "rfc2217://nohost", "tcp://127.0.0.1:1 --flow bogus"} {
		args := append([]string{"run", script, "--port"}, strings.Fields(port)...)
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, &stdout, &stderr); code != 2 {
			t.Errorf("--port %s: exit %d, want 2 (stderr %s)", port, code, stderr.String())
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"emulate", "--pty", "--rfc2217"}, &stdout, &stderr); code != 2 {
		t.Errorf("emulate --pty --rfc2217: exit %d, want 2", code)
	}
}
