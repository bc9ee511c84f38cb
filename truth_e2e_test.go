//go:build unix

package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"atbench/internal/socattest"
	"atbench/internal/tmuxtest"
)

// scriptedModule answers on the far end of a socat pair as a Realtek
// module in Host Control Mode does (dialects.md A.6): each command line
// gets the answer its script gives, and the test can make the module say
// unasked lines (an event, a restart).
type scriptedModule struct {
	t   *testing.T
	f   *os.File
	mu  sync.Mutex // one write at a time
	got chan string
}

// playScripted starts a module on pair's far end; answer gives the reply
// to each command line (without its CR LF).
func playScripted(t *testing.T, pair *socattest.Pair, answer func(cmd string) string) *scriptedModule {
	m := &scriptedModule{t: t, f: pair.OpenB(), got: make(chan string, 64)}
	go func() {
		br := bufio.NewReader(m.f)
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			cmd := strings.TrimRight(line, "\r\n")
			select {
			case m.got <- cmd:
			default:
			}
			m.write(answer(cmd))
		}
	}()
	return m
}

func (m *scriptedModule) write(s string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.f.WriteString(s)
}

// say makes the module print an unasked line.
func (m *scriptedModule) say(line string) { m.write(line + "\r\n") }

// rmPane returns the flattened text of the box titled title.
func rmPane(v rmView, title string) string {
	var lines [][]rune
	for _, l := range strings.Split(v.raw, "\n") {
		lines = append(lines, []rune(l))
	}
	inner, _ := rmBox(lines, title)
	return rmFlat(strings.Join(inner, " "))
}

// rmPaneHas checks that the box titled title shows want, white space aside.
func rmPaneHas(title, want string) func(rmView) error {
	return func(v rmView) error {
		if !strings.Contains(rmPane(v, title), rmFlat(want)) {
			return fmt.Errorf("%s pane lacks %q", title, want)
		}
		return nil
	}
}

// TestTruthOnARealModuleInTmux drives the workbench as a technician would
// on a module that is not the emulator: a socat pty pair with a scripted
// Realtek module that already holds four links, one of them dead. The
// links pane says they are unknown until AT+SKTSTATE runs and offers l;
// the listing's dead link is "dead when first seen"; a client opened
// after AT+SKTCFG gets a predicted keepalive; Wi-Fi loss and an unasked
// restart show in the links pane; and the log alone says why each link
// died.
func TestTruthOnARealModuleInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	tmuxtest.Require(t)
	dir := t.TempDir()
	pair := socattest.Start(t, dir, "a", "b")
	const listing = "link_id:0,server,tcp,src_address:192.168.1.50,src_port:8080,dst_address:0.0.0.0,dst_port:0,socket_fd:0\r\n" +
		"link_id:1,seed,tcp,src_address:192.168.1.50,src_port:8080,dst_address:192.168.1.77,dst_port:51000,socket_fd:1\r\n" +
		"link_id:2,client,tcp,src_address:192.168.1.50,src_port:50123,dst_address:10.0.0.9,dst_port:443,socket_fd:2\r\n" +
		"link_id:3,client,tcp,src_address:192.168.1.50,src_port:50124,dst_address:10.0.0.9,dst_port:8883,socket_fd:-1\r\n"
	const accept = "[$][SKT][EVENT]: A client[link_id:4,seed,tcp,dst_address:192.168.1.78,dst_port:52000] connected to server[link_id:0]\r\n"
	const link5 = "link_id:5,client,tcp,src_address:192.168.1.50,src_port:50125,dst_address:10.0.0.9,dst_port:80,socket_fd:5\r\n"
	listings, opened5 := 0, false // the module's state: one goroutine answers
	mod := playScripted(t, pair, func(cmd string) string {
		switch {
		case cmd == "AT+SKTSTATE":
			listings++
			l := listing
			if opened5 {
				l += link5
			}
			if listings == 2 {
				// A peer connects while the module lists its links: the
				// accept comes between the listing's lines and its OK.
				return l + accept + "\r\nOK\r\n"
			}
			return l + "\r\nOK\r\n"
		case strings.HasPrefix(cmd, "AT+SKTCLIENT=5,"):
			opened5 = true
			return "\r\nOK\r\n"
		case strings.HasPrefix(cmd, "AT+SKTCFG="), cmd == "AT+TEST":
			return "\r\nOK\r\n"
		}
		return "\r\nERROR: 1\r\n"
	})

	logPath := filepath.Join(dir, "s.log")
	s := &rmScreen{t: t, Server: tmuxtest.Start(t, tmuxtest.Options{
		Width: 120, Height: 40,
		Env: []string{"HOME=" + dir, "XDG_STATE_HOME=" + filepath.Join(dir, "state"), "TERM=xterm-256color"},
	}, binPath, "--port", pair.A, "--dialect", "realtek", "--log", logPath, "--theme", "mono")}
	defer s.Close()

	// Without --poll nothing has listed the module's links yet.
	s.waitUntil("start", 10*time.Second,
		rmPaneHas("Links", "the module's links are unknown until AT+SKTSTATE runs: l puts it in the console"))
	s.Keys("Tab") // on an empty input the first Tab lists the commands
	s.Keys("Tab") // the second moves to the links pane
	s.Keys("l")
	s.waitUntil("l fills the console", 10*time.Second, func(v rmView) error {
		if !strings.Contains(v.raw, "› AT+SKTSTATE") {
			return errors.New("the console input does not hold AT+SKTSTATE")
		}
		return nil
	})
	s.Keys("Enter")
	s.waitUntil("listing", 10*time.Second, rmShows("→ AT+SKTSTATE"), func(v rmView) error {
		for id, want := range map[int]string{0: "server", 1: "seed", 2: "client", 3: "client"} {
			if l, ok := v.link(id); !ok || l.role != want {
				return fmt.Errorf("link %d shown as %+v, want a %s", id, l, want)
			}
		}
		if l, _ := v.link(3); !l.dead || !strings.HasPrefix(l.died, "✗ dead when first seen ") ||
			!strings.Contains(l.died, "(never seen alive): socket closed (socket_fd:-1)") {
			return fmt.Errorf("link 3 shown as %+v, want dead when first seen, never seen alive", l)
		}
		if l, _ := v.link(2); l.dead || l.remote != "10.0.0.9:443" {
			return fmt.Errorf("link 2 shown as %+v", l)
		}
		return nil
	}, rmPaneHas("Keepalive", "2 client keepalive unknown (no setting seen before it opened)"))

	// The case: keepalive set globally, then a client opened.
	cfg, client := "AT+SKTCFG=0,0,,1,60,10,3", "AT+SKTCLIENT=5,1,,10.0.0.9,80,,1"
	s.Keys(cfg, "Enter")
	s.waitUntil("keepalive set", 10*time.Second, rmAnswers(cfg))
	s.Keys(client, "Enter")
	s.waitUntil("client opened", 10*time.Second, rmAnswers(client),
		rmPaneHas("Keepalive", "5 client on · idle 1m00s · intvl 10s · cnt 3 · predicted"),
		rmPaneHas("Keepalive", "if silent, dead at"),
		rmPaneHas("Keepalive", "predicted from the commands the module accepted before each link opened, not read from the module"),
		func(v rmView) error {
			if strings.Contains(rmPane(v, "Keepalive"), rmFlat("5 client keepalive off")) {
				return errors.New("link 5 shown with keepalive off")
			}
			return nil
		})

	// A seed announced during a listing stays alive.
	s.Keys("AT+SKTSTATE", "Enter")
	s.waitUntil("second listing", 10*time.Second, func(v rmView) error {
		if l, ok := v.link(4); !ok || l.dead || l.role != "seed" || l.remote != "192.168.1.78:52000" {
			return fmt.Errorf("link 4 shown as %+v, want a live seed", l)
		}
		if l, ok := v.link(5); !ok || l.dead {
			return fmt.Errorf("link 5 shown as %+v, want alive (listed)", l)
		}
		if !strings.HasPrefix(v.linksNote, "5 live · 1 closed") {
			return fmt.Errorf("links note %q, want 5 live · 1 closed", v.linksNote)
		}
		return nil
	})
	mod.say("[$]wifi disconnected")
	s.waitUntil("Wi-Fi lost", 10*time.Second, rmPaneHas("Links", "Wi-Fi lost"), rmPaneHas("Links", "the links may be dead"))

	mod.say("ATCMD READY")
	s.waitUntil("module restart", 10*time.Second, rmPaneHas("Links", "every link was reset"), func(v rmView) error {
		for _, id := range []int{0, 1, 2, 5} {
			if l, ok := v.link(id); ok && !l.dead {
				return fmt.Errorf("link %d still shown alive after the restart: %+v", id, l)
			}
		}
		if !strings.HasPrefix(v.linksNote, "0 live") {
			return fmt.Errorf("links note %q, want 0 live", v.linksNote)
		}
		return nil
	})

	// The port goes away: the rows are stale, as of when.
	pair.Stop()
	s.waitUntil("port lost", 20*time.Second, rmPaneHas("Links", "stale: as of"), rmPaneHas("Links", "when the port was lost"))

	s.Keys(":q", "Enter")
	if status, ok := s.WaitExited(10 * time.Second); !ok || status != "0" {
		t.Fatalf(":q: exited %v, status %s:\n%s", ok, status, s.Screen())
	}

	// The log alone answers "why did link 5 die", and the rest.
	log, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`- note   atbench \S+$`,
		`- note   port serial ` + regexp.QuoteMeta(pair.A) + ` @ 115200 8N1 flow none$`,
		`- note   no polling \(--poll\)`,
		`- note   command set realtek$`,
		`- note   started \d{4}-\d\d-\d\dT`,
		`- note   link 3 opened: client tcp on 192\.168\.1\.50:50124 to 10\.0\.0\.9:8883, first seen in a listing; keepalive unknown$`,
		`- note   link 3 dead: socket closed \(socket_fd:-1\); dead when first seen \S+ \(never seen alive\)$`,
		`- note   link 5 opened: client tcp to 10\.0\.0\.9:80; keepalive on \(predicted\): idle 1m0s, interval 10s, count 3$`,
		`- note   Wi-Fi lost \(\[\$\]wifi disconnected\): the module's links may not survive$`,
		`- note   module restart \(ATCMD READY\): every link was reset$`,
		`- note   link 5 closed: module restart$`,
		`- note   link 2 closed: module restart$`,
		`- note   link 4 opened: seed tcp to 192\.168\.1\.78:52000 \(accepted by server 0\); keepalive unknown$`,
		`- note   link 4 closed: module restart$`,
	} {
		if !regexp.MustCompile(`(?m)^\S+ ` + want).Match(log) {
			t.Errorf("log lacks a line matching %s", want)
		}
	}
	if t.Failed() {
		t.Logf("log:\n%s", log)
	}
}

// TestLogThatCannotBeWrittenInTmux: --log /dev/full is said at once in the
// status bar and the console, with the lines missed.
func TestLogThatCannotBeWrittenInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	tmuxtest.Require(t)
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	dir := t.TempDir()
	pair := socattest.Start(t, dir, "a", "b")
	playScripted(t, pair, func(string) string { return "\r\nOK\r\n" })
	s := &rmScreen{t: t, Server: tmuxtest.Start(t, tmuxtest.Options{
		Width: 160, Height: 40,
		Env: []string{"HOME=" + dir, "XDG_STATE_HOME=" + filepath.Join(dir, "state"), "TERM=xterm-256color"},
	}, binPath, "--port", pair.A, "--log", "/dev/full", "--theme", "mono")}
	defer s.Close()
	s.waitUntil("start", 10*time.Second, func(v rmView) error {
		if !strings.Contains(v.raw, "● connected") {
			return errors.New("not connected yet")
		}
		return nil
	})
	s.Keys("AT+TEST", "Enter")
	missed := regexp.MustCompile(`log failing: (\d+) lines missed`)
	s.waitUntil("log failing", 10*time.Second, rmAnswers("AT+TEST"), func(v rmView) error {
		if !missed.MatchString(v.raw) {
			return errors.New("the status bar does not say the log fails")
		}
		return nil
	}, func(v rmView) error {
		for _, r := range v.console {
			if strings.Contains(rmFlat(r), rmFlat("log: transcript log: write /dev/full: no space left on device:")) &&
				strings.Contains(rmFlat(r), rmFlat("lines missed so far")) {
				return nil
			}
		}
		return errors.New("the console does not say the log fails")
	})
}
