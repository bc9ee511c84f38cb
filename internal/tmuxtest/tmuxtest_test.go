//go:build unix

package tmuxtest

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestTypeReadExit runs a shell that shows its environment and its
// parent's pid, reads a line and exits 3: the screen, the keys, the size,
// the pid and the status must all come back as the program saw them.
func TestTypeReadExit(t *testing.T) {
	s := Start(t, Options{Width: 50, Height: 7, Env: []string{"TMUXTEST_FOO=bar"}},
		"sh", "-c", `printf 'ready %s parent %s\n' "$TMUXTEST_FOO" "$PPID"; read line; echo "got:$line"; exit 3`)
	scr, err := s.WaitFor(5*time.Second, "ready bar parent ")
	if err != nil {
		t.Fatal(err)
	}
	if want := "ready bar parent " + strconv.Itoa(s.PanePID()) + "\n"; !strings.HasPrefix(scr, want) {
		t.Errorf("screen starts %q, want %q (env set, program a child of the pane's process)", scr, want)
	}
	if size, err := s.Display("#{pane_width}x#{pane_height}"); err != nil || size != "50x7" {
		t.Errorf("pane size %q, %v; want 50x7", size, err)
	}
	if done, status := s.Exited(); done {
		t.Fatalf("Exited before the program ended (status %s)", status)
	}
	// "Enter" as text is five letters; as a key it ends the line.
	if err := s.SendText("Enter"); err != nil {
		t.Fatal(err)
	}
	s.Keys("Enter")
	if _, err := s.WaitFor(5*time.Second, "got:Enter"); err != nil {
		t.Fatal(err)
	}
	if status, ok := s.WaitExited(5 * time.Second); !ok || status != "3" {
		t.Fatalf("WaitExited = %q, %v; want 3, true", status, ok)
	}
	// The pane stays: its last screen can still be read.
	if scr := s.Screen(); !strings.Contains(scr, "got:Enter") {
		t.Errorf("last screen lost after exit:\n%s", scr)
	}
}

func TestSignalStatus(t *testing.T) {
	s := Start(t, Options{}, "sh", "-c", "kill -TERM $$")
	if status, ok := s.WaitExited(5 * time.Second); !ok || status != "143" {
		t.Fatalf("WaitExited = %q, %v; want 143 (SIGTERM), true", status, ok)
	}
}

// TestCloseHangsUp checks that Close hangs up the program, removes the
// socket, and that a second Close is harmless.
func TestCloseHangsUp(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "hup")
	s := Start(t, Options{Width: 80, Height: 24},
		"sh", "-c", `trap 'echo hup >"$0"; exit 0' HUP; echo up; while :; do sleep 0.05; done`, marker)
	if _, err := s.WaitFor(5*time.Second, "up"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.socket); err != nil {
		t.Fatalf("no server socket: %v", err)
	}
	s.Close()
	if _, err := os.Stat(s.dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket directory left behind: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if b, err := os.ReadFile(marker); err == nil && string(b) == "hup\n" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the program got no SIGHUP from Close")
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.Close()
	if _, err := s.Capture(); err == nil {
		t.Error("Capture after Close found a server")
	}
}
