//go:build linux

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// ser2net runs Debian's ser2net 4.3 in the foreground on a config of its
// own, and can be stopped and started again on the same ports.
type ser2net struct {
	t    testing.TB
	conf string
	pid  string
	cmd  *exec.Cmd
	out  *syncBuf
}

// syncBuf is a bytes.Buffer safe for a process writer and a test reader.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// ser2netConn is one connection of the config: an accepter on port in
// front of the serial device path.
type ser2netConn struct {
	rfc2217 bool
	port    int
	path    string
	line    string // e.g. 9600n81
	noDelay bool   // chardelay: false (send serial data to the network at once)
}

// startSer2net writes the config for conns and starts ser2net on it,
// returning once every port listens. It skips when ser2net is missing.
func startSer2net(t testing.TB, dir string, conns ...ser2netConn) *ser2net {
	t.Helper()
	if _, err := exec.LookPath("ser2net"); err != nil {
		t.Skip("ser2net not installed (apt-get install ser2net)")
	}
	var y strings.Builder
	y.WriteString("%YAML 1.1\n---\n")
	for i, c := range conns {
		acc := fmt.Sprintf("tcp,127.0.0.1,%d", c.port)
		if c.rfc2217 {
			acc = "telnet(rfc2217)," + acc
		}
		fmt.Fprintf(&y, "connection: &c%d\n    accepter: %s\n    connector: serialdev,%s,%s,local\n    options:\n      kickolduser: true\n", i, acc, c.path, c.line)
		if c.noDelay {
			y.WriteString("      chardelay: false\n")
		}
		y.WriteString("\n")
	}
	s := &ser2net{t: t, conf: filepath.Join(dir, "ser2net.yaml"), pid: filepath.Join(dir, "ser2net.pid"), out: &syncBuf{}}
	if err := os.WriteFile(s.conf, []byte(y.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.stop)
	s.start(conns)
	return s
}

// start runs ser2net and waits until each port listens. It looks in
// /proc/net/tcp rather than connecting: a probe connection would open the
// device and, with kickolduser, could push out a client that just came.
func (s *ser2net) start(conns []ser2netConn) {
	s.t.Helper()
	s.cmd = exec.Command("ser2net", "-d", "-n", "-u", "-c", s.conf, "-P", s.pid)
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("start ser2net: %v", err)
	}
	for _, c := range conns {
		deadline := time.Now().Add(20 * time.Second)
		for !listening(c.port) {
			if time.Now().After(deadline) {
				s.t.Fatalf("ser2net never listened on %d:\n%s", c.port, s.out.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// listening reports whether a socket listens on 127.0.0.1:port.
func listening(port int) bool {
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return false
	}
	want := fmt.Sprintf("0100007F:%04X", port)
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 3 && f[1] == want && f[3] == "0A" { // 0A: TCP_LISTEN
			return true
		}
	}
	return false
}

// stop ends ser2net with SIGTERM and waits for it; stopping twice is
// harmless.
func (s *ser2net) stop() {
	if s.cmd == nil || s.cmd.ProcessState != nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
}

// stty returns the first line of `stty -F path`: the speed and a few flags.
func stty(t testing.TB, path string) string {
	t.Helper()
	out, err := exec.Command("stty", "-F", path).CombinedOutput()
	if err != nil {
		t.Fatalf("stty -F %s: %v %s", path, err, out)
	}
	first, _, _ := strings.Cut(string(out), "\n")
	return first
}
