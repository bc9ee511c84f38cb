//go:build unix

package main

import (
	"io"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"atbench/internal/tmuxtest"
)

// TestWorkbenchLinkDoctorOnWizFi drives the real binary on the WizFi
// emulator with a demo clock, as a technician would: the status bar says
// the clock is sped up; :keepalive 600s puts the set's commands into the
// input one Enter at a time and the module accepts each; the links pane
// sends through the set's ESC-framed plan and the peer gets the bytes.
func TestWorkbenchLinkDoctorOnWizFi(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	tmuxtest.Require(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(30 * time.Second))
		buf := make([]byte, 2)
		if _, err := io.ReadFull(c, buf); err == nil {
			got <- string(buf)
		}
	}()
	dir := t.TempDir()
	s := &consoleScreen{t: t, Server: tmuxtest.Start(t, tmuxtest.Options{
		Width: 120, Height: 40,
		Env: []string{"HOME=" + dir, "XDG_STATE_HOME=" + filepath.Join(dir, "state"), "TERM=xterm-256color"},
	}, binPath, "--emulate", "wizfi", "--speed", "60", "--theme", "mono")}
	defer s.Close()
	if _, err := s.WaitFor(10*time.Second, "● connected", "clock 60×"); err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	s.SendText("AT+NCTCP=127.0.0.1," + port)
	s.Keys("Enter")
	s.wait("connect", []string{"CONNECT 0"})

	// The plan for the only TCP link: the count first, then the time.
	s.SendText(":keepalive 600s")
	s.Keys("Enter")
	scr := s.wait("plan", []string{"for link 0 (the only TCP link)", "600 s"})
	first := consoleInput(scr)
	if !strings.HasPrefix(first, "AT+") {
		t.Fatalf("the plan's first command is not in the input (%q):\n%s", first, scr)
	}
	for i := 0; i < 5 && strings.HasPrefix(consoleInput(s.Screen()), "AT+"); i++ {
		line := consoleInput(s.Screen())
		s.Keys("Enter")
		s.wait("sent "+line, []string{"→ " + line})
	}
	if n := strings.Count(consoleFlat(s.Screen()), "[ERROR"); n > 0 {
		t.Fatalf("the module refused a planned command:\n%s", s.Screen())
	}

	// Send from the links pane: WizFi's ESC-framed plan, no command line.
	s.Keys("Tab", "Tab")
	if _, err := s.WaitFor(10*time.Second, "s send · r read · c close"); err != nil {
		t.Fatal(err)
	}
	s.Keys("s")
	if _, err := s.WaitFor(10*time.Second, "send on 0"); err != nil {
		t.Fatal(err)
	}
	s.SendText("hi")
	s.Keys("Enter")
	select {
	case b := <-got:
		if b != "hi" {
			t.Fatalf("the peer got %q", b)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("the peer got nothing:\n%s", s.Screen())
	}
	if _, err := s.WaitFor(10*time.Second, "send 2 B on 0: queued"); err != nil {
		t.Fatal(err)
	}
}

// consoleInput is the text of the console's input line ("› …").
func consoleInput(scr string) string {
	for _, l := range strings.Split(scr, "\n") {
		r := []rune(l)
		if len(r) < 60 {
			continue
		}
		left := strings.Trim(string(r[:60]), "│ ")
		if rest, ok := strings.CutPrefix(left, "›"); ok {
			return strings.TrimSpace(rest)
		}
	}
	return ""
}
