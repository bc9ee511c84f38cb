//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"atbench/internal/tmuxtest"
)

// consoleScreen drives the workbench in tmux and reads its console pane.
type consoleScreen struct {
	*tmuxtest.Server
	t *testing.T
}

// consoleFlat is the console pane's text (the left half of a 120-column
// screen, borders cut) with every space and line break taken out: a hint
// wrapped over rows reads as one string, and "…" marks a cut.
func consoleFlat(scr string) string {
	var b strings.Builder
	for _, l := range strings.Split(scr, "\n") {
		r := []rune(l)
		if len(r) < 60 {
			continue
		}
		b.WriteString(strings.Trim(string(r[:60]), "│╭╮╰╯─"))
	}
	return strings.Join(strings.Fields(b.String()), "")
}

// wait captures the screen until the console shows every one of wants
// (spaces ignored) and none of bans, or fails the test after timeout.
func (s *consoleScreen) wait(what string, wants []string, bans ...string) string {
	s.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		if done, status := s.Exited(); done {
			s.t.Fatalf("%s: the workbench exited (status %s):\n%s", what, status, s.Screen())
		}
		scr := s.Screen()
		flat := consoleFlat(scr)
		missing := ""
		for _, w := range wants {
			if !strings.Contains(flat, strings.Join(strings.Fields(w), "")) {
				missing = w
				break
			}
		}
		for _, b := range bans {
			if missing == "" && strings.Contains(flat, strings.Join(strings.Fields(b), "")) {
				missing = "no " + b
			}
		}
		if missing == "" {
			return scr
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%s: the console does not show %q:\n%s", what, missing, scr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestConsoleHelpsOnARealModule drives the console on the real-module
// path (the emulator behind a pty, opened with --port) at 120×40, as a
// technician would: each hint says what it must, whole, wrapped rather
// than cut; an error is explained; the hex view and the log show line
// terminators.
func TestConsoleHelpsOnARealModule(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	tmuxtest.Require(t)
	emu, pty := startEmulate(t, "--pty")
	defer stopEmulate(t, emu)
	dir := t.TempDir()
	logPath := filepath.Join(dir, "s.log")
	s := &consoleScreen{t: t, Server: tmuxtest.Start(t, tmuxtest.Options{
		Width: 120, Height: 40,
		Env: []string{"HOME=" + dir, "XDG_STATE_HOME=" + filepath.Join(dir, "state"), "TERM=xterm-256color"},
	}, binPath, "--port", pty, "--log", logPath, "--theme", "mono")}
	defer s.Close()
	if _, err := s.WaitFor(10*time.Second, "● connected"); err != nil {
		t.Fatal(err)
	}

	// Tab on an empty input lists the commands; the focus stays.
	s.Keys("Tab")
	s.wait("tab lists", []string{"AT+TEST", "AT+WLCONN", "AT+SKTSERVER", "AT+SKTDEL", "tab again: next pane"})

	// A bare AT is warned about before it is sent, and is not sent.
	s.Keys("A", "T")
	s.wait("bare AT hint", []string{"⚠ this module has no bare AT command: try AT+TEST"})
	s.Keys("Enter")
	s.wait("bare AT held", []string{"enter again sends it as typed"})
	s.Keys("C-u")
	s.SendText("at+test")
	s.wait("lower case hint", []string{"upper case only: type AT+TEST"})
	s.Keys("C-u")

	// The AT+SKTSEND data hint, whole and with single backslashes.
	s.SendText("AT+SKTSEND=0,4,,,")
	s.wait("data hint", []string{
		"AT+SKTSEND=<link_id>,<data_size>,[<dst_ip>],[<dst_port>],<data>",
		`<data> text — the bytes to send; write ',' as \, and '\' as \\; no CR or LF (use AT+SKTSENDRAW)`,
	}, "…", `\\,`)
	// The sent line shows as it went out; its error is explained.
	s.SendText(`a\,b`)
	s.Keys("Enter")
	s.wait("sent and explained", []string{`→ AT+SKTSEND=0,4,,,a\,b`, "✗ ERROR: 1",
		"↳ AT+SKTSEND error 1: parameter error (also: data_size differs from the data)"})

	// TLS needs cert_index.
	s.SendText("AT+SKTSERVER=2,2,")
	s.wait("cert_index", []string{"✗ needed: <conn_type> is 2", "<cert_index> integer 1..10, required for conn_type 2 or 3, empty otherwise"})
	s.Keys("C-u")

	// The syntax and parameter help of a long command wrap, whole.
	s.SendText("AT+SKTCFG=2000,2000,,1,60,10,")
	s.wait("SKTCFG hint", []string{
		"AT+SKTCFG=[<so_sndtimeo>],[<so_rcvtimeo>],[<tcp_nodelay>],[<so_keepalive>],[<tcp_keepidle>],[<tcp_keepintvl>],[<tcp_keepcnt>]",
		"<tcp_keepcnt> integer 0..10, optional, default 0 — unanswered probes before the link is dead (TCP_KEEPCNT)",
	}, "…")
	s.Keys("C-u")

	// The hex view shows the terminators: AT+GMR's bare LF, the CR LF
	// around OK, the CR LF the command went out with.
	s.SendText("AT+GMR")
	s.Keys("Enter")
	s.wait("GMR", []string{"← AMEBA-RTOS SDK VERSION: 1.1.0", "← COMPILE ENV : go"})
	s.Keys("C-x")
	s.wait("hex", []string{
		"→ 0000 41 54 2b 47 4d 52 0d 0a AT+GMR..",
		"31 2e 31 2e 30 0a 1.1.0.",
		"← 0000 0d 0a 4f 4b 0d 0a ..OK..",
	})
	s.Keys("C-x")

	// The help overlay lists every : command.
	s.SendText(":help")
	s.Keys("Enter")
	if _, err := s.WaitFor(10*time.Second, ":dtr on|off", ":rts on|off", ":break [250ms]", ":clear", ":hex", ":time", ":q "); err != nil {
		t.Fatal(err)
	}
	s.Keys("Escape")
	// Typed at once, ":" would follow the escape as alt+":".
	for deadline := time.Now().Add(10 * time.Second); strings.Contains(s.Screen(), "esc closes"); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("escape did not close the help:\n%s", s.Screen())
		}
	}
	s.SendText(":q")
	s.Keys("Enter")
	if _, ok := s.WaitExited(10 * time.Second); !ok {
		t.Fatalf("the workbench did not quit:\n%s", s.Screen())
	}

	// The log shows the bare LF after AT+GMR's first line.
	log, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"< info   AMEBA-RTOS SDK VERSION: 1.1.0\\n\n",
		"< info   ATCMD VERSION: 1.1.0\n",
		`> sent   AT+SKTSEND=0,4,,,a\\,b` + "\n",
	} {
		if !strings.Contains(string(log), want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
}
