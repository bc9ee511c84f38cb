//go:build unix

// Package tmuxtest runs a program in a private tmux server for end-to-end
// tests: the program draws on a real terminal of a fixed size, the test
// types into it and reads the screen back as plain text.
package tmuxtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// pollEvery is the gap between two looks at the screen or the pane while
// waiting. The program runs in another process: polling is the only way
// to see it.
const pollEvery = 20 * time.Millisecond

// Options describe the session Start makes.
type Options struct {
	// Width and Height are the terminal's size in cells; zero leaves
	// tmux's default.
	Width, Height int
	// Env holds NAME=value pairs set for the program (through env(1)) on
	// top of the environment tmux passes on.
	Env []string
}

// Server is one private tmux server whose one pane runs the program.
type Server struct {
	tb       testing.TB
	tmux     string   // the tmux binary
	dir      string   // holds the socket and the exit file; removed by Close
	socket   string   // the server's socket path (tmux -S)
	exitFile string   // the pane's shell writes the program's exit status here
	env      []string // tmux's own environment: ours without TMUX, TMUX_PANE
	pane     string   // the pane's id, "%0"
	pid      int      // the pane's process: the shell that runs the program
	once     sync.Once
}

// exitScript runs the program ("$@") and then writes its exit status to
// the file named by $0, whole or not at all. tmux may mark a pane dead as
// soon as its terminal closes, before it reaps the process and learns the
// status (and it has been seen never to learn it): the shell, the
// program's parent, always does.
const exitScript = `st=0; "$@" || st=$?; echo $st >"$0.tmp" && mv "$0.tmp" "$0"`

// Require skips the test when tmux is not installed.
func Require(tb testing.TB) {
	tb.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		tb.Skip("tmux not installed")
	}
}

// Start starts a private tmux server (its own socket in a temporary
// directory, no configuration file) with one detached session running
// argv under a shell that records its exit status, with opt's size and
// environment, and kills the server when the test ends. The pane stays
// when the program ends, so its last screen can still be read. Start skips
// the test when tmux is missing and fails it when the session does not
// start.
func Start(tb testing.TB, opt Options, argv ...string) *Server {
	tb.Helper()
	if len(argv) == 0 {
		tb.Fatal("tmuxtest.Start: no program to run")
	}
	bin, err := exec.LookPath("tmux")
	if err != nil {
		tb.Skip("tmux not installed")
	}
	// A short path of our own: a socket path is limited to about 100
	// bytes, and test temporary directories carry the test's name.
	dir, err := os.MkdirTemp("", "tmuxtest-")
	if err != nil {
		tb.Fatalf("tmuxtest: %v", err)
	}
	s := &Server{
		tb: tb, tmux: bin, dir: dir,
		socket:   filepath.Join(dir, "tmux.sock"),
		exitFile: filepath.Join(dir, "exit"),
	}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TMUX=") && !strings.HasPrefix(kv, "TMUX_PANE=") {
			s.env = append(s.env, kv)
		}
	}
	tb.Cleanup(s.Close)
	// remain-on-exit is set before the session exists, so that even a
	// program that ends at once leaves its pane.
	args := []string{
		"set-option", "-g", "remain-on-exit", "on", ";",
		"new-session", "-d", "-P", "-F", "#{pane_id} #{pane_pid}",
	}
	if opt.Width > 0 {
		args = append(args, "-x", strconv.Itoa(opt.Width))
	}
	if opt.Height > 0 {
		args = append(args, "-y", strconv.Itoa(opt.Height))
	}
	// With more than one word tmux runs the command without a shell of its
	// own; env execs the program.
	args = append(args, "sh", "-c", exitScript, s.exitFile, "env")
	args = append(append(args, opt.Env...), argv...)
	out, err := s.command(args...)
	if err != nil {
		tb.Fatalf("tmux new-session: %v: %s", err, out)
	}
	id, pid, _ := strings.Cut(strings.TrimSpace(out), " ")
	if s.pid, err = strconv.Atoi(pid); err != nil || !strings.HasPrefix(id, "%") {
		tb.Fatalf("tmux new-session printed %q, not a pane id and pid", out)
	}
	s.pane = id
	return s
}

// command runs one tmux command line against this server.
func (s *Server) command(args ...string) (string, error) {
	cmd := exec.Command(s.tmux, append([]string{"-S", s.socket, "-f", "/dev/null"}, args...)...)
	cmd.Env = s.env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// SendKeys sends keys to the pane as tmux send-keys does: a tmux key name
// ("Enter", "C-u", "Escape") is that key, any other argument is typed as
// text.
func (s *Server) SendKeys(keys ...string) error {
	if out, err := s.command(append([]string{"send-keys", "-t", s.pane}, keys...)...); err != nil {
		return fmt.Errorf("tmux send-keys: %w: %s", err, out)
	}
	return nil
}

// SendText types text into the pane literally, even if it spells a key
// name.
func (s *Server) SendText(text string) error {
	if out, err := s.command("send-keys", "-t", s.pane, "-l", text); err != nil {
		return fmt.Errorf("tmux send-keys -l: %w: %s", err, out)
	}
	return nil
}

// Capture returns the pane's visible screen as plain text, one line per
// row, without colours or attributes.
func (s *Server) Capture() (string, error) {
	out, err := s.command("capture-pane", "-p", "-t", s.pane)
	if err != nil {
		return "", fmt.Errorf("tmux capture-pane: %w: %s", err, out)
	}
	return out, nil
}

// Keys is SendKeys that fails the test on error; call it from the test's
// goroutine only.
func (s *Server) Keys(keys ...string) {
	s.tb.Helper()
	if err := s.SendKeys(keys...); err != nil {
		s.tb.Fatal(err)
	}
}

// Screen is Capture that fails the test on error; call it from the test's
// goroutine only.
func (s *Server) Screen() string {
	s.tb.Helper()
	scr, err := s.Capture()
	if err != nil {
		s.tb.Fatal(err)
	}
	return scr
}

// WaitFor captures the screen until it shows every one of wants, and
// returns the last capture; the error says what was missing after timeout.
func (s *Server) WaitFor(timeout time.Duration, wants ...string) (string, error) {
	deadline := time.Now().Add(timeout)
	for {
		scr, err := s.Capture()
		if err != nil {
			return scr, err
		}
		ok := true
		for _, w := range wants {
			ok = ok && strings.Contains(scr, w)
		}
		if ok {
			return scr, nil
		}
		if time.Now().After(deadline) {
			return scr, fmt.Errorf("screen did not show %q within %v:\n%s", wants, timeout, scr)
		}
		time.Sleep(pollEvery)
	}
}

// Display expands a tmux format (such as "#{pane_title}") for the pane.
func (s *Server) Display(format string) (string, error) {
	out, err := s.command("display-message", "-p", "-t", s.pane, format)
	if err != nil {
		return "", fmt.Errorf("tmux display-message: %w: %s", err, out)
	}
	return strings.TrimSuffix(out, "\n"), nil
}

// PanePID is the process id of the pane's process: the shell that runs
// the program as its child and records its exit status.
func (s *Server) PanePID() int { return s.pid }

// Exited reports whether the pane's program has ended, and then its exit
// status as the shell gives it: "0", or 128+N after signal N.
func (s *Server) Exited() (done bool, status string) {
	b, err := os.ReadFile(s.exitFile)
	if err != nil {
		return false, ""
	}
	return true, strings.TrimSpace(string(b))
}

// WaitExited waits up to timeout for the pane's program to end, and
// returns its status as Exited does; ok is false if it did not end.
func (s *Server) WaitExited(timeout time.Duration) (status string, ok bool) {
	deadline := time.Now().Add(timeout)
	for {
		if done, status := s.Exited(); done {
			return status, true
		}
		if time.Now().After(deadline) {
			return "", false
		}
		time.Sleep(pollEvery)
	}
}

// Close kills the tmux server, which hangs up the pane's terminal: the
// shell and the program get SIGHUP. It removes the socket and does not
// wait for the program to end. Closing twice is harmless; Start makes the
// test's cleanup call it.
func (s *Server) Close() {
	s.once.Do(func() {
		s.command("kill-server")
		os.RemoveAll(s.dir)
	})
}
