//go:build linux

package main

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// pyClient is pyserial's rfc2217:// client, run by Debian's Python (the
// python3 first in PATH may be another one, without pyserial).
const pyClient = `
import sys, serial
s = serial.serial_for_url("rfc2217://" + sys.argv[1], baudrate=9600, timeout=10)
s.baudrate = 57600
s.dtr = False
s.rts = False
s.dtr = True
print("cts", s.cts, "dsr", s.dsr, "cd", s.cd, flush=True)
s.write(b"AT+TEST\r\n")
got = b""
while b"OK\r\n" not in got:
    b = s.read(1)
    if not b:
        sys.exit("no OK, got %r" % got)
    got += b
print("answer", repr(got), flush=True)
s.close()
`

// TestPyserialAgainstEmulate connects pyserial's RFC 2217 client to
// `atbench emulate --listen --rfc2217`: its negotiation succeeds with the
// default (acked) control requests, a baud change and DTR/RTS toggles are
// logged by the emulator, and AT+TEST answers OK.
func TestPyserialAgainstEmulate(t *testing.T) {
	const py = "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import serial").Run(); err != nil {
		t.Skip("Debian's python3-serial is not installed")
	}
	cmd := exec.Command(binPath, "emulate", "--listen", "127.0.0.1:0", "--rfc2217")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var log syncBuf
	cmd.Stderr = &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	addr, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("emulate: %v", err)
	}
	addr = strings.TrimSpace(addr)

	client := exec.Command(py, "-c", pyClient, addr)
	client.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1")
	done := make(chan []byte, 1)
	var cerr error
	go func() {
		var out []byte
		out, cerr = client.CombinedOutput()
		done <- out
	}()
	var out []byte
	select {
	case out = <-done:
	case <-time.After(30 * time.Second):
		client.Process.Kill()
		t.Fatal("pyserial did not finish")
	}
	if cerr != nil {
		t.Fatalf("pyserial: %v\n%s\nemulator log:\n%s", cerr, out, log.String())
	}
	if !strings.Contains(string(out), "cts True dsr True cd True") || !strings.Contains(string(out), `answer b'\r\nOK\r\n'`) {
		t.Fatalf("pyserial said:\n%s", out)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	want := []string{"rfc2217: baud 9600", "rfc2217: baud 57600", "rfc2217: DTR off", "rfc2217: RTS off", "rfc2217: DTR on"}
	rest := log.String()
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Fatalf("emulator log lacks %q after the lines before it:\n%s", w, log.String())
		}
		rest = rest[i+len(w):]
	}
}
