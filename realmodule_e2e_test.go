//go:build unix

package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"atbench/internal/tmuxtest"
)

// rmScreen drives the workbench in a private tmux server and reads its
// screen back.
type rmScreen struct {
	*tmuxtest.Server
	t *testing.T
	// guard, when set, must accept every screen captured.
	guard func(rmView) error
}

// waitUntil captures the screen until every check has accepted it, or
// fails the test after timeout with the first complaint left and the
// screen. A check once met stays met: the console scrolls (the poll adds
// lines every second), and a record shown once was shown. The program
// runs in another process: polling its screen is the only way to see it.
func (s *rmScreen) waitUntil(what string, timeout time.Duration, checks ...func(rmView) error) rmView {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	met := make([]bool, len(checks))
	for {
		if done, status := s.Exited(); done {
			s.t.Fatalf("%s: the workbench exited (status %s):\n%s", what, status, s.Screen())
		}
		scr := rmParse(s.Screen())
		if s.guard != nil {
			if err := s.guard(scr); err != nil {
				s.t.Fatalf("%s: %v\n%s", what, err, scr.raw)
			}
		}
		var first error
		for i, check := range checks {
			if met[i] {
				continue
			}
			if err := check(scr); err != nil {
				first = cmp.Or(first, err)
			} else {
				met[i] = true
			}
		}
		if first == nil {
			return scr
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%s: not shown within %v: %v\n%s", what, timeout, first, scr.raw)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// rmView is one capture of the screen, cut into its panes.
type rmView struct {
	raw       string
	linksNote string   // the Links pane's title note ("1 live · 0 closed")
	console   []string // console records, wrapped lines joined, timestamps cut
	links     []rmLink
}

// rmLink is one link as the Links pane draws it (narrow layout: a row,
// a detail line, and for a closed link the reason it died).
type rmLink struct {
	dead          bool // marked ✗
	id            int
	role, proto   string
	local, remote string
	detail        string // "LISTEN · in 0 B · out 0 B · idle 1s"
	died          string // "✗ died 12:00:00 (1s ago): deleted (AT+SKTDEL)", wrapped lines joined
}

func (v rmView) link(id int) (rmLink, bool) {
	for _, l := range v.links {
		if l.id == id {
			return l, true
		}
	}
	return rmLink{}, false
}

// rmBox returns the inner lines of the box titled title and its title
// line's note. Every glyph on this screen is one cell wide, so runes are
// columns.
func rmBox(lines [][]rune, title string) (inner []string, note string) {
	head := []rune("╭─ " + title + " ")
	for y, l := range lines {
		x := rmRuneIndex(l, head)
		if x < 0 {
			continue
		}
		right := -1
		for i := x + 1; i < len(l); i++ {
			if l[i] == '╮' {
				right = i
				break
			}
		}
		if right < 0 {
			return nil, ""
		}
		note = strings.Trim(string(l[x+len(head):right]), "─ ")
		for _, b := range lines[y+1:] {
			if len(b) <= right || b[x] == '╰' {
				break
			}
			inner = append(inner, string(b[x+1:right]))
		}
		return inner, note
	}
	return nil, ""
}

func rmRuneIndex(s, sub []rune) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if string(s[i:i+len(sub)]) == string(sub) {
			return i
		}
	}
	return -1
}

var (
	rmStamp   = regexp.MustCompile(`^\+\d+:\d\d\.\d{3} `)
	rmLinkRow = regexp.MustCompile(`^(✗)?\s*(\d+) (\S+)\s+(\S+)\s+(\S+)\s+(\S+)$`)
)

// rmParse cuts a capture into console records and links.
func rmParse(raw string) rmView {
	v := rmView{raw: raw}
	var lines [][]rune
	for _, l := range strings.Split(raw, "\n") {
		lines = append(lines, []rune(l))
	}
	con, _ := rmBox(lines, "Console")
	for _, l := range con {
		text := strings.TrimSpace(l)
		switch {
		case rmStamp.MatchString(text):
			v.console = append(v.console, rmStamp.ReplaceAllString(text, ""))
		case text != "" && strings.HasPrefix(l, "          ") && len(v.console) > 0:
			// A wrapped record goes on, indented under its text.
			v.console[len(v.console)-1] += "\n" + text
		}
	}
	links, note := rmBox(lines, "Links")
	v.linksNote = note
	for _, l := range links {
		text := strings.TrimSpace(l)
		if m := rmLinkRow.FindStringSubmatch(text); m != nil && m[3] != "ROLE" {
			id, _ := strconv.Atoi(m[2])
			v.links = append(v.links, rmLink{dead: m[1] != "", id: id, role: m[3], proto: m[4], local: m[5], remote: m[6]})
			continue
		}
		if len(v.links) == 0 || text == "" {
			continue
		}
		cur := &v.links[len(v.links)-1]
		switch {
		case strings.HasPrefix(text, "✗ died"), strings.HasPrefix(text, "✗ dead"):
			cur.died = text
		case cur.died != "":
			// The reason wraps onto more lines: nothing is cut.
			cur.died += " " + text
		case cur.detail == "":
			cur.detail = text
		default:
			cur.detail += " " + text
		}
	}
	return v
}

// rmFlat removes the white space a wrap may have moved or added.
func rmFlat(s string) string {
	return strings.Join(strings.Fields(s), "")
}

// record returns the index of the console record equal to want (white
// space aside), the last one if several are, or -1.
func (v rmView) record(want string) int {
	w := rmFlat(want)
	for i := len(v.console) - 1; i >= 0; i-- {
		if rmFlat(v.console[i]) == w {
			return i
		}
	}
	return -1
}

// rmShows checks that the console shows the record want.
func rmShows(want string) func(rmView) error {
	return func(v rmView) error {
		if v.record(want) < 0 {
			return fmt.Errorf("console lacks %q", want)
		}
		return nil
	}
}

// rmAnswers checks that the console shows cmd sent and answered OK.
func rmAnswers(cmd string) func(rmView) error {
	return func(v rmView) error {
		i := v.record("→ " + cmd)
		switch {
		case i < 0:
			return fmt.Errorf("console lacks %q", "→ "+cmd)
		case i+1 >= len(v.console):
			return fmt.Errorf("no answer to %q yet", cmd)
		case rmFlat(v.console[i+1]) != rmFlat("← OK"):
			return fmt.Errorf("%q answered %q, want ← OK", cmd, v.console[i+1])
		}
		return nil
	}
}

// TestRealModulePathInTmux drives the workbench on a serial port as a
// technician would with a real Realtek module: the links pane is inferred
// from the module's answers, events and the AT+SKTSTATE poll, not read
// from an emulator. The module is the emulator behind a pty, so its
// sockets are real and a TCP client of the test can talk through it.
func TestRealModulePathInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	tmuxtest.Require(t)
	emu, pty := startEmulate(t, "--pty")
	defer stopEmulate(t, emu)
	if !strings.HasPrefix(pty, "/dev/") {
		t.Fatalf("emulate --pty printed %q, not a pty path", pty)
	}

	dir := t.TempDir()
	logPath := filepath.Join(dir, "s.log")
	stateDir := filepath.Join(dir, "state")
	// The pane stays when the program ends, with what it last showed.
	s := &rmScreen{t: t, Server: tmuxtest.Start(t, tmuxtest.Options{
		Width: 120, Height: 40,
		Env: []string{"HOME=" + dir, "XDG_STATE_HOME=" + stateDir, "TERM=xterm-256color"},
	}, binPath, "--port", pty, "--poll", "1s", "--log", logPath, "--theme", "mono")}
	// Stop the workbench before the module goes away (defers run last in,
	// first out).
	defer s.Close()
	s.waitUntil("start", 5*time.Second, func(v rmView) error {
		if !strings.Contains(v.raw, pty+" @ 115200") || !strings.Contains(v.raw, "● connected") {
			return errors.New("status line does not show the port connected")
		}
		if strings.Contains(v.raw, "emulator") {
			return errors.New("the status names the emulator: this must be the real-module path")
		}
		if v.console == nil {
			return errors.New("no console")
		}
		return nil
	})

	// A TCP server on link 1: the pane learns it from the confirmed command.
	port := freePort(t)
	portText := strconv.Itoa(port)
	serverCmd := "AT+SKTSERVER=1,1,," + portText + ",1"
	s.Keys(serverCmd, "Enter")
	s.waitUntil("server opened", 5*time.Second, rmAnswers(serverCmd), func(v rmView) error {
		l, ok := v.link(1)
		switch {
		case !ok:
			return errors.New("links pane lacks link 1")
		case l.dead || l.role != "server" || l.proto != "tcp" || !strings.HasSuffix(l.local, ":"+portText):
			return fmt.Errorf("link 1 shown as %+v, want a live tcp server on :%d", l, port)
		case !strings.HasPrefix(l.detail, "LISTEN ·"):
			return fmt.Errorf("link 1 detail %q, want LISTEN", l.detail)
		}
		return nil
	})

	// A client connects: the module's accept event names the seed.
	c := dialRetry(t, "127.0.0.1:"+portText)
	defer c.Close()
	clientPort := c.LocalAddr().(*net.TCPAddr).Port
	accept := fmt.Sprintf("[$][SKT][EVENT]: A client[link_id:0,seed,tcp,dst_address:127.0.0.1,dst_port:%d] connected to server[link_id:1]", clientPort)
	s.waitUntil("accept", 5*time.Second, rmShows("⚑ "+accept), func(v rmView) error {
		l, ok := v.link(0)
		switch {
		case !ok:
			return errors.New("links pane lacks link 0")
		case l.dead || l.role != "seed" || l.proto != "tcp" || l.remote != fmt.Sprintf("127.0.0.1:%d", clientPort):
			return fmt.Errorf("link 0 shown as %+v, want a live tcp seed from 127.0.0.1:%d", l, clientPort)
		case !strings.HasPrefix(l.detail, "ESTABLISHED ·"):
			return fmt.Errorf("link 0 detail %q, want ESTABLISHED", l.detail)
		}
		return nil
	})

	// Bytes from the client arrive as a data record, escaped.
	c.SetDeadline(time.Now().Add(15 * time.Second))
	if _, err := io.WriteString(c, "ping\n"); err != nil {
		t.Fatal(err)
	}
	s.waitUntil("data in", 5*time.Second, rmShows(`◂ [$][SKT][DATA][0][5]:ping\n`), func(v rmView) error {
		if l, _ := v.link(0); !strings.Contains(l.detail, "· in 5 B ·") {
			return fmt.Errorf("link 0 detail %q does not count in 5 B", l.detail)
		}
		return nil
	})

	// The technician answers on the seed.
	sendCmd := "AT+SKTSEND=0,4,,,pong"
	s.Keys(sendCmd, "Enter")
	got := make([]byte, 4)
	if _, err := io.ReadFull(c, got); err != nil || string(got) != "pong" {
		t.Fatalf("client read %q, %v; want pong", got, err)
	}
	s.waitUntil("data out", 5*time.Second, rmAnswers(sendCmd), func(v rmView) error {
		if l, _ := v.link(0); !strings.Contains(l.detail, "· out 4 B") {
			return fmt.Errorf("link 0 detail %q does not count out 4 B", l.detail)
		}
		return nil
	})

	// The client hangs up. The firmware prints nothing; the next polls'
	// AT+SKTSTATE list link 0 with socket_fd:-1 (it keeps its id until
	// AT+SKTDEL).
	c.Close()
	// The polls are background traffic: kept out of the console (the links
	// pane shows their effect) and written to the log.
	deadSeed := regexp.MustCompile(fmt.Sprintf(`(?m)< info   \(poll\) link_id:0,seed,tcp,\S*dst_address:127\.0\.0\.1,dst_port:%d,socket_fd:-1$`, clientPort))
	polled := func(v rmView) error {
		for _, r := range v.console {
			if strings.Contains(rmFlat(r), "AT+SKTSTATE") {
				return fmt.Errorf("poll traffic in the console: %q", rmFlat(r))
			}
		}
		if b, _ := os.ReadFile(logPath); !deadSeed.Match(b) {
			return errors.New("no polled AT+SKTSTATE line in the log shows link 0 with socket_fd:-1")
		}
		return nil
	}
	s.waitUntil("peer closed", 5*time.Second, polled, func(v rmView) error {
		if l, ok := v.link(0); !ok || !l.dead || !strings.HasPrefix(l.detail, "CLOSED ·") ||
			!strings.Contains(l.died, ": socket closed (socket_fd:") {
			return fmt.Errorf("link 0 shown as %+v, want ✗ CLOSED and why it died", l)
		}
		if l, _ := v.link(1); l.dead || !strings.HasPrefix(l.detail, "LISTEN ·") {
			return fmt.Errorf("link 1 shown as %+v, want still listening", l)
		}
		return nil
	})

	// Deleting the server closes it, and its seed with it: no screen may
	// show the server deleted and its seed still open. (Seed 0 was listed
	// by the polls: the session must still know it belongs to server 1,
	// from the accept event, and not wait for the next poll to drop it.)
	delCmd := "AT+SKTDEL=1"
	s.guard = func(v rmView) error {
		srv, _ := v.link(1)
		if seed, ok := v.link(0); srv.dead && (!ok || !seed.dead) {
			return fmt.Errorf("server 1 shown deleted but its seed 0 still open: %+v", seed)
		}
		return nil
	}
	s.Keys(delCmd, "Enter")
	s.waitUntil("server deleted", 5*time.Second, rmAnswers(delCmd), func(v rmView) error {
		l, ok := v.link(1)
		switch {
		case !ok || !l.dead || !strings.HasPrefix(l.detail, "CLOSED"):
			return fmt.Errorf("link 1 shown as %+v, want ✗ CLOSED", l)
		case !strings.HasSuffix(l.died, ": deleted (AT+SKTDEL)"):
			return fmt.Errorf("link 1 died line %q, want the deletion's reason", l.died)
		}
		if l, ok := v.link(0); !ok || !l.dead || l.died == "" {
			return fmt.Errorf("link 0 shown as %+v, want ✗ with a reason", l)
		}
		if v.linksNote != "0 live · 2 closed" {
			return fmt.Errorf("links note %q, want 0 live · 2 closed", v.linksNote)
		}
		return nil
	})

	s.guard = nil

	// :q ends the program cleanly.
	s.Keys(":q", "Enter")
	status, ok := s.WaitExited(5 * time.Second)
	if !ok {
		t.Fatalf(":q did not end the program:\n%s", s.Screen())
	}
	if status != "0" {
		t.Fatalf(":q: exit status %s:\n%s", status, s.Screen())
	}

	log, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^\S+ > sent +` + regexp.QuoteMeta(serverCmd) + `$`),
		regexp.MustCompile(`(?m)^\S+ < event +` + regexp.QuoteMeta(accept) + `$`),
		regexp.MustCompile(`(?m)^\S+ < data +` + regexp.QuoteMeta(`[$][SKT][DATA][0][5]:ping\n`) + `$`),
		regexp.MustCompile(`(?m)^\S+ > sent +` + regexp.QuoteMeta(sendCmd) + `$`),
		regexp.MustCompile(`(?m)^\S+ > sent +` + regexp.QuoteMeta(delCmd) + `$`),
		regexp.MustCompile(`(?m)^\S+ > sent +\(poll\) AT\+SKTSTATE$`),
		// atbench's own notes say what happened to each link, and why.
		regexp.MustCompile(`(?m)^\S+ - note +link 1 opened: server tcp on 0\.0\.0\.0:` + portText + `; keepalive unknown$`),
		regexp.MustCompile(`(?m)^\S+ - note +link 0 opened: seed tcp to 127\.0\.0\.1:\d+ \(accepted by server 1\); keepalive unknown$`),
		regexp.MustCompile(`(?m)^\S+ - note +link 0 dead: socket closed \(socket_fd:-1\); dead when first seen \S+ \(alive at \S+\)$`),
		regexp.MustCompile(`(?m)^\S+ - note +link 1 closed: deleted \(AT\+SKTDEL\)$`),
	} {
		if !want.Match(log) {
			t.Errorf("log lacks a line matching %s", want)
		}
	}
	if t.Failed() {
		t.Logf("log:\n%s", log)
	}
	hist, err := os.ReadFile(filepath.Join(stateDir, "atbench", "history"))
	if err != nil {
		t.Fatalf("history: %v", err)
	}
	for _, want := range []string{serverCmd, sendCmd, delCmd} {
		if !strings.Contains(string(hist), want+"\n") {
			t.Errorf("history lacks %q:\n%s", want, hist)
		}
	}
	if strings.Contains(string(hist), "AT+SKTSTATE") {
		t.Errorf("the poll's AT+SKTSTATE went into the typed history:\n%s", hist)
	}
}
