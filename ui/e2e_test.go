package ui

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// tmuxScreen drives the real binary in a private tmux server.
type tmuxScreen struct {
	t    *testing.T
	sock string
}

func (s *tmuxScreen) tmux(args ...string) (string, error) {
	out, err := exec.Command("tmux", append([]string{"-S", s.sock}, args...)...).CombinedOutput()
	return string(out), err
}

func (s *tmuxScreen) capture() string {
	out, err := s.tmux("capture-pane", "-p", "-t", "e2e")
	if err != nil {
		s.t.Fatalf("capture-pane: %v: %s", err, out)
	}
	return out
}

// waitFor polls the screen until every string shows, or fails after 10 s.
// The program under test runs in another process: polling is the only way
// to see it.
func (s *tmuxScreen) waitFor(what string, wants ...string) string {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		scr := s.capture()
		ok := true
		for _, w := range wants {
			if !strings.Contains(scr, w) {
				ok = false
			}
		}
		if ok {
			return scr
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%s: screen never showed %q:\n%s", what, wants, scr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *tmuxScreen) keys(keys ...string) {
	s.t.Helper()
	if out, err := s.tmux(append([]string{"send-keys", "-t", "e2e"}, keys...)...); err != nil {
		s.t.Fatalf("send-keys: %v: %s", err, out)
	}
}

// atbenchBinary builds the binary once per test run, or uses $ATBENCH_BIN.
func atbenchBinary(t *testing.T) string {
	if bin := os.Getenv("ATBENCH_BIN"); bin != "" {
		return bin
	}
	bin := filepath.Join(t.TempDir(), "atbench")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("cannot build atbench (main may be unfinished): %v\n%s", err, out)
	}
	return bin
}

func TestEndToEndInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux not installed")
	}
	bin := atbenchBinary(t)
	dir := t.TempDir()
	s := &tmuxScreen{t: t, sock: filepath.Join(dir, "tmux.sock")}
	t.Cleanup(func() { s.tmux("kill-server") })

	// A free port for the emulated server.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()

	logPath := filepath.Join(dir, "session.log")
	env := []string{"env", "HOME=" + dir, "XDG_STATE_HOME=" + filepath.Join(dir, "state"), "TERM=xterm-256color"}
	args := append(env, bin, "--log", logPath, "--theme", "dark")
	if out, err := s.tmux(append([]string{"new-session", "-d", "-s", "e2e", "-x", "120", "-y", "40"}, args...)...); err != nil {
		t.Fatalf("tmux new-session: %v: %s", err, out)
	}
	s.waitFor("start", "Console", "Links", "Keepalive", "emulator", "● connected", "log /")

	cmd := "AT+SKTSERVER=1,1,," + strconv.Itoa(port) + ",1"
	s.keys(cmd, "Enter")
	s.waitFor("server", "→ "+cmd, "← OK", "server", "LISTEN", ":"+strconv.Itoa(port))

	c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s.waitFor("accept", "[$][SKT][EVENT]: A client[link_id:0,seed", "seed", "ESTABLISHED")

	// Bytes from the client, with an escape sequence that would retitle
	// the terminal and clear it if it were written raw.
	payload := "hello\x1b]0;pwned\x07\x1b[2J"
	if _, err := c.Write([]byte(payload)); err != nil {
		t.Fatal(err)
	}
	// (The console wraps the record: look for its parts.)
	scr := s.waitFor("data", `hello\x1b]0;pwned`, `\x07\x1b[2J`, "in "+strconv.Itoa(len(payload))+" B")
	if !strings.Contains(scr, "[$][SKT][DATA][0]["+strconv.Itoa(len(payload))+"]:") {
		t.Errorf("data header not shown:\n%s", scr)
	}
	if title, _ := s.tmux("display-message", "-p", "-t", "e2e", "#{pane_title}"); strings.Contains(title, "pwned") {
		t.Fatalf("the device retitled the terminal: %q", title)
	}
	if !strings.Contains(scr, "╭─ Console") {
		t.Fatalf("the screen was cleared by device bytes:\n%s", scr)
	}

	// The peer closes: the link's state changes.
	c.Close()
	s.waitFor("close", "✗ 0 seed", "CLOSED", "died")

	// :q quits cleanly: the tmux session ends with the program.
	s.keys(":q", "Enter")
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := s.tmux("has-session", "-t", "e2e"); err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf(":q did not end the program:\n%s", s.capture())
		}
		time.Sleep(50 * time.Millisecond)
	}
	log, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(log), cmd) || !strings.Contains(string(log), `\x1b]0;pwned\x07`) {
		t.Errorf("log lacks the session:\n%s", log)
	}
	hist, err := os.ReadFile(filepath.Join(dir, "state", "atbench", "history"))
	if err != nil || !strings.Contains(string(hist), cmd) {
		t.Errorf("history not saved: %v %q", err, hist)
	}
}
