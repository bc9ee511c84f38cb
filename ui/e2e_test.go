//go:build unix

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

	"atbench/internal/tmuxtest"
)

// tmuxScreen drives the real binary in a private tmux server.
type tmuxScreen struct {
	*tmuxtest.Server
	t *testing.T
}

// waitFor polls the screen until every string shows, or fails after 10 s.
func (s *tmuxScreen) waitFor(what string, wants ...string) string {
	s.t.Helper()
	scr, err := s.WaitFor(10*time.Second, wants...)
	if err != nil {
		s.t.Fatalf("%s: %v", what, err)
	}
	return scr
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
	tmuxtest.Require(t)
	bin := atbenchBinary(t)
	dir := t.TempDir()

	// A free port for the emulated server.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()

	logPath := filepath.Join(dir, "session.log")
	env := []string{"HOME=" + dir, "XDG_STATE_HOME=" + filepath.Join(dir, "state"), "TERM=xterm-256color"}
	s := &tmuxScreen{t: t, Server: tmuxtest.Start(t, tmuxtest.Options{Width: 120, Height: 40, Env: env},
		bin, "--log", logPath, "--theme", "dark")}
	s.waitFor("start", "Console", "Links", "Keepalive", "emulator", "● connected", "log /")

	cmd := "AT+SKTSERVER=1,1,," + strconv.Itoa(port) + ",1"
	s.Keys(cmd, "Enter")
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
	if title, _ := s.Display("#{pane_title}"); strings.Contains(title, "pwned") {
		t.Fatalf("the device retitled the terminal: %q", title)
	}
	if !strings.Contains(scr, "╭─ Console") {
		t.Fatalf("the screen was cleared by device bytes:\n%s", scr)
	}

	// The peer closes: the link's state changes.
	c.Close()
	s.waitFor("close", "✗ 0 seed", "CLOSED", "died")

	// :q quits cleanly: the program ends.
	s.Keys(":q", "Enter")
	if _, ok := s.WaitExited(10 * time.Second); !ok {
		t.Fatalf(":q did not end the program:\n%s", s.Screen())
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
