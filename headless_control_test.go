package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer safe for a writer and a reader.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestEmulateControlSocket: `atbench emulate --listen … --control PATH`
// takes fault lines from a real unix-socket client and answers each; the
// socket file is gone when emulate ends.
func TestEmulateControlSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ctl")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr lockedBuffer
	ended := make(chan error, 1)
	go func() {
		ended <- cmdEmulate(ctx, []string{"--listen", "127.0.0.1:0", "--control", path}, &stdout, &stderr)
	}()
	var c net.Conn
	for deadline := time.Now().Add(15 * time.Second); ; {
		var err error
		if strings.Contains(stdout.String(), "\n") { // the address line: everything is up
			if c, err = net.Dial("unix", path); err == nil {
				break
			}
		}
		select {
		case err := <-ended:
			t.Fatalf("emulate ended: %v; stderr %q", err, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the control socket never answered: %v", err)
		}
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(15 * time.Second))
	r := bufio.NewReader(c)
	for _, q := range []struct{ line, want string }{
		{"reboot", "ok"},
		{"wifi", "ok"},
		{"unplug 1s", "ok"},
		{"blackhole 3", "error: fault blackhole 3: "},
		{"unplug", "error: fault unplug takes a duration"},
	} {
		if _, err := c.Write([]byte(q.line + "\n")); err != nil {
			t.Fatal(err)
		}
		got, err := r.ReadString('\n')
		if err != nil || !strings.HasPrefix(got, q.want) {
			t.Fatalf("%q answered %q, %v; want %q…", q.line, got, err, q.want)
		}
	}
	cancel()
	select {
	case err := <-ended:
		if err != nil {
			t.Fatalf("emulate: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("emulate did not end")
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the control socket is left behind: %v", err)
	}
	for _, bad := range [][]string{{"--listen", "127.0.0.1:0", "--control"}, {"--listen", "127.0.0.1:0", "--control="}} {
		if err := cmdEmulate(context.Background(), bad, &stdout, &stderr); err == nil {
			t.Errorf("%q: no usage error", bad)
		}
	}
}
