//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	goserial "go.bug.st/serial"

	"golang.org/x/sys/unix"

	"atbench/internal/socattest"
	"atbench/internal/tmuxtest"
)

// shortDir is a temporary directory with a short path, so that a port
// path in it fits on one console line.
func shortDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "atb")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// consoleText is the console pane's text (the left pane), its wrapped
// lines joined without their indentation, so a long path cut by the wrap
// reads whole.
func consoleText(scr string) string {
	var b strings.Builder
	for _, line := range strings.Split(scr, "\n") {
		if parts := strings.Split(line, "│"); len(parts) >= 3 {
			b.WriteString(strings.TrimSpace(parts[1]))
		}
	}
	return b.String()
}

// waitConsole waits until the console shows want.
func waitConsole(t *testing.T, s *tmuxtest.Server, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		scr := s.Screen()
		if strings.Contains(consoleText(scr), want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the console does not show %q:\n%s", want, scr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestWorkbenchWaitsForThePort starts the workbench on a port that is not
// plugged in yet: the console says it waits, and once the port appears
// the workbench attaches, polls at once, runs --init and shows the
// module's words.
func TestWorkbenchWaitsForThePort(t *testing.T) {
	tmuxtest.Require(t)
	dir := shortDir(t)
	port := filepath.Join(dir, "a")
	initPath := filepath.Join(dir, "init.at")
	os.WriteFile(initPath, []byte("send AT+INIT\nexpect ^OK$\n"), 0o644)
	s := tmuxtest.Start(t, tmuxtest.Options{
		Width: 120, Height: 40,
		Env: []string{"HOME=" + dir, "XDG_STATE_HOME=" + dir, "TERM=xterm-256color"},
	}, binPath, "--port", port, "--init", initPath, "--poll", "1h", "--theme", "mono")
	waitConsole(t, s, "waiting for "+port+"…")
	pair := socattest.Start(t, dir, "a", "b") // plugged in
	defer pair.Stop()
	if scr, err := s.WaitFor(20*time.Second, "reconnected to "+port, "● reconnected"); err != nil {
		t.Fatalf("not attached once the port appeared: %v\n%s", err, scr)
	}
	far := pair.OpenB()
	defer far.Close()
	br := bufio.NewReader(far)
	// The first poll goes out at attach, then the init script.
	if l, err := br.ReadString('\n'); err != nil || l != "AT+SKTSTATE\r\n" {
		t.Fatalf("the module got %q, %v; want the first poll AT+SKTSTATE", l, err)
	}
	far.WriteString("\r\nOK\r\n")
	if l, err := br.ReadString('\n'); err != nil || l != "AT+INIT\r\n" {
		t.Fatalf("the module got %q, %v; want the init script's AT+INIT", l, err)
	}
	far.WriteString("\r\nOK\r\nATCMD READY\r\n")
	scr, err := s.WaitFor(20*time.Second, "init.at done", "ATCMD READY")
	if err != nil {
		t.Fatalf("the init script's end and the module's words are not shown: %v\n%s", err, scr)
	}
	if strings.Contains(scr, "init script failed") {
		t.Fatalf("the init script ran before the port was there:\n%s", scr)
	}
	s.Close()
}

// TestRunWaitsOnlyWhenAsked: run on a port that is not there exits 2 and
// says how to wait; with --wait it says "waiting for …" on stderr, and
// runs the script once the port appears.
func TestRunWaitsOnlyWhenAsked(t *testing.T) {
	dir := shortDir(t)
	port := filepath.Join(dir, "a")
	script := filepath.Join(dir, "s.at")
	os.WriteFile(script, []byte("timeout 20s\nsend AT+TEST\nexpect ^OK$\n"), 0o644)

	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"run", script, "--port", port}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "--wait") {
		t.Fatalf("without --wait: exit %d, stderr %q; want 2 and a hint of --wait", code, stderr.String())
	}

	cmd := exec.Command(binPath, "run", script, "--port", port, "--wait")
	errPipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	first := make(chan string, 1)
	rest := make(chan string, 1)
	go func() {
		br := bufio.NewReader(errPipe)
		l, _ := br.ReadString('\n')
		first <- l
		b, _ := io.ReadAll(br)
		rest <- string(b)
	}()
	select {
	case l := <-first:
		if l != "waiting for "+port+"…\n" {
			t.Fatalf("stderr's first line %q, want waiting for %s…", l, port)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("run --wait said nothing")
	}
	pair := socattest.Start(t, dir, "a", "b")
	defer pair.Stop()
	far := pair.OpenB()
	defer far.Close()
	line, err := bufio.NewReader(far).ReadString('\n')
	if err != nil || line != "AT+TEST\r\n" {
		t.Fatalf("module got %q, %v", line, err)
	}
	far.WriteString("\r\nOK\r\n")
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run --wait: %v\n%s%s", err, out.String(), <-rest)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("run --wait did not finish")
	}
}

// openAsNobody opens path as a second program run by a user that is not
// root would (root passes the terminal's exclusive flag); "" when it could.
func openAsNobody(t *testing.T, path string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			return err.Error()
		}
		f.Close()
		return ""
	}
	cmd := exec.Command("/bin/sh", "-c", `exec 3<>"$1"`, "sh", path)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	if out, err := cmd.CombinedOutput(); err != nil {
		return strings.TrimSpace(string(out)) + " " + err.Error()
	}
	return ""
}

// TestEmulateLinkBusyAndLog: emulate --pty --link keeps the same path
// across runs, a second program opening the pty gets "busy", and --log
// holds the bytes both ways.
func TestEmulateLinkBusyAndLog(t *testing.T) {
	dir := shortDir(t)
	link := filepath.Join(dir, "module")
	logPath := filepath.Join(dir, "emu.log")
	for run := 1; run <= 2; run++ {
		cmd, pty := startEmulate(t, "--pty", "--link", link, "--log", logPath)
		if target, err := os.Readlink(link); err != nil || target != pty {
			stopEmulate(t, cmd)
			t.Fatalf("run %d: link %s -> %q (%v), want %s", run, link, target, err, pty)
		}
		if os.Geteuid() == 0 {
			os.Chmod(pty, 0o666) // let nobody try
		}
		sp, err := goserial.Open(link, &goserial.Mode{BaudRate: 115200})
		if err != nil {
			stopEmulate(t, cmd)
			t.Fatal(err)
		}
		sp.SetReadTimeout(10 * time.Second)
		a := &atPort{t: t, p: sp, br: bufio.NewReader(sp)}
		a.expect("ATCMD READY\r\n")
		a.send(fmt.Sprintf("AT+TEST=0,run%d", run))
		for l := ""; l != "OK\r\n"; l = a.readLine() {
		}
		if msg := openAsNobody(t, pty); !strings.Contains(strings.ToLower(msg), "busy") {
			t.Errorf("run %d: a second program opening the pty got %q, want busy", run, msg)
		}
		sp.Close()
		stopEmulate(t, cmd)
		if _, err := os.Lstat(link); !os.IsNotExist(err) {
			t.Errorf("run %d: the link outlives the emulator: %v", run, err)
		}
	}
	log, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		" > raw    16 bytes: AT+TEST=0,run1\\r\\n\n",
		" < info    arg = run1 \n",
		" < ok     OK\n",
		" > raw    16 bytes: AT+TEST=0,run2\\r\\n\n",
	} {
		if !strings.Contains(string(log), want) {
			t.Errorf("emulate --log lacks %q:\n%s", want, log)
		}
	}
}

// TestRunScriptsAsAUserWould: on the emulator, a Wi-Fi event that comes
// before the OK an expect waits for is still there for the next expect,
// and an expect after a command that fails fails at once, naming it.
func TestRunScriptsAsAUserWould(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.at")
	os.WriteFile(good, []byte("timeout 20s\nsend AT+WLCONN=ssid,atbench-ap,pw,atbench123\nexpect ^OK$\nexpect wifi got ip\n"), 0o644)
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"run", good}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s%s", code, stdout.String(), stderr.String())
	}
	bad := filepath.Join(dir, "bad.at")
	os.WriteFile(bad, []byte("timeout 1h\nsend AT+SKTDEL=7\nexpect ^OK$\n"), 0o644)
	stdout.Reset()
	stderr.Reset()
	start := time.Now()
	code := run(context.Background(), []string{"run", bad}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), `expect "^OK$": the command sent last (AT+SKTDEL=7) ended in ERROR: 1`) {
		t.Fatalf("exit %d: %s%s", code, stdout.String(), stderr.String())
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Fatalf("took %s: the expect waited out its timeout", d)
	}
}

// TestBadFlagsOpenNothing: each bad flag of the issue exits 2 with a clear
// error before the port is opened (an open toggles DTR, which resets many
// boards): the port sees no open at all.
func TestBadFlagsOpenNothing(t *testing.T) {
	dir := shortDir(t)
	pair := socattest.Start(t, dir, "a", "b")
	defer pair.Stop()
	target, err := filepath.EvalSymlinks(pair.A)
	if err != nil {
		t.Fatal(err)
	}
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if _, err := unix.InotifyAddWatch(fd, target, unix.IN_OPEN); err != nil {
		t.Fatal(err)
	}
	opened := func() bool {
		buf := make([]byte, 4096)
		n, _ := unix.Read(fd, buf)
		return n > 0
	}
	opened() // socat's own opens, if any
	for _, args := range [][]string{
		{"--port", pair.A, "--baud", "0"},
		{"--port", pair.A, "--theme", "bogus"},
		{"--port", pair.A, "--clock", "bogus"},
		{"--port", pair.A, "--poll", "-1s"},
		{"run", "x.at", "--port", pair.A, "--timeout", "-1s"},
		{"--port", pair.A, "--dialect", "inventek", "--emulate", "realtek"},
		{"run", "x.at", "--dialect", "wizfi", "--emulate", "realtek"},
		{"emulate", "--listen", "127.0.0.1:0", "--link", filepath.Join(dir, "l")},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), args, &stdout, &stderr)
		if code != 2 || stderr.Len() == 0 {
			t.Errorf("%q: exit %d, stderr %q; want 2 and an error", args, code, stderr.String())
		}
		if opened() {
			t.Errorf("%q: the port was opened before the error", args)
		}
	}
	// The watch does see an open: the check above can fail.
	f, err := os.OpenFile(pair.A, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	deadline := time.Now().Add(10 * time.Second)
	for !opened() {
		if time.Now().After(deadline) {
			t.Fatal("inotify saw no open of the port; the test cannot see one")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestFirstPollAtAttach: with --poll, the state command goes out as soon
// as the port is open, not one interval later.
func TestFirstPollAtAttach(t *testing.T) {
	dir := shortDir(t)
	pair := socattest.Start(t, dir, "a", "b")
	defer pair.Stop()
	script := filepath.Join(dir, "s.at")
	os.WriteFile(script, []byte("timeout 20s\nexpect ^OK$\n"), 0o644)
	far := pair.OpenB()
	defer far.Close()
	got := make(chan string, 1)
	go func() {
		l, err := bufio.NewReader(far).ReadString('\n')
		if err != nil {
			l = fmt.Sprintf("%q, then %v", l, err)
		}
		got <- l
		far.WriteString("link_id:0,server,tcp,src_address:10.0.0.2,src_port:80,dst_address:0.0.0.0,dst_port:0,socket_fd:0\r\n\r\nOK\r\n")
	}()
	var stdout, stderr bytes.Buffer
	start := time.Now()
	exited := make(chan int, 1)
	go func() {
		exited <- run(context.Background(), []string{"run", script, "--port", pair.A, "--poll", "1h"}, &stdout, &stderr)
	}()
	// Each side is waited for on its own, so a failure says which one
	// stalled: the poll on its way to the module, or the answer back.
	select {
	case l := <-got:
		if l != "AT+SKTSTATE\r\n" {
			t.Fatalf("the module got %s first, want the poll AT+SKTSTATE", l)
		}
	case code := <-exited:
		t.Fatalf("exit %d before the module got the poll: %s%s", code, stdout.String(), stderr.String())
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Fatalf("the first poll came after %s", d)
	}
	var code int
	select {
	case code = <-exited:
	case <-time.After(10 * time.Second):
		// Still waiting for the answer: name whoever holds the port, so a
		// stall here (seen twice in the stress loop) says more next time.
		logHolders(t, pair.A)
		code = <-exited
	}
	if code != 0 {
		t.Fatalf("the module got the poll and answered, but: exit %d: %s%s", code, stdout.String(), stderr.String())
	}
}

// logHolders logs every process that has path's device open, with the
// descriptor's flags and position.
func logHolders(t *testing.T, path string) {
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		t.Logf("holders of %s: %v", path, err)
		return
	}
	t.Logf("holders of %s (this test is pid %d):", target, os.Getpid())
	dirs, _ := filepath.Glob("/proc/[0-9]*/fd")
	for _, dir := range dirs {
		fds, _ := os.ReadDir(dir)
		for _, fd := range fds {
			if l, err := os.Readlink(filepath.Join(dir, fd.Name())); err != nil || l != target {
				continue
			}
			proc := filepath.Dir(dir)
			cmdline, _ := os.ReadFile(filepath.Join(proc, "cmdline"))
			info, _ := os.ReadFile(filepath.Join(proc, "fdinfo", fd.Name()))
			t.Logf("  %s fd %s: %q %q", proc, fd.Name(), bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '}), info)
		}
	}
}

// TestEmulateEarlyStopOfRawSend: a serial client on `emulate --pty` starts
// an AT+SKTSENDRAW of 100 bytes, sends 5, then "<<<" and falls quiet: the
// module ends the transfer (A.8), the peer gets the 5 bytes, and the next
// command is a command again, not data for the peer.
func TestEmulateEarlyStopOfRawSend(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cmd, pty := startEmulate(t, "--pty")
	defer stopEmulate(t, cmd)
	sp, err := goserial.Open(pty, &goserial.Mode{BaudRate: 115200})
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	sp.SetReadTimeout(10 * time.Second)
	a := &atPort{t: t, p: sp, br: bufio.NewReader(sp)}
	a.expect("ATCMD READY\r\n")
	a.send(fmt.Sprintf("AT+SKTCLIENT=0,1,,127.0.0.1,%d,,0", ln.Addr().(*net.TCPAddr).Port))
	a.expect("\r\nOK\r\n")
	peer, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	a.send("AT+SKTSENDRAW=0,100")
	a.expect(">>>\r\n")
	for _, b := range []string{"hello", "<", "<", "<"} {
		if _, err := io.WriteString(sp, b); err != nil {
			t.Fatal(err)
		}
	}
	a.expect("\r\nOK\r\n") // after 30 ms of quiet
	a.send("AT+TEST")
	a.expect("\r\nOK\r\n")
	peer.SetReadDeadline(time.Now().Add(20 * time.Second))
	got := make([]byte, 5)
	if _, err := io.ReadFull(peer, got); err != nil || string(got) != "hello" {
		t.Fatalf("peer got %q, %v", got, err)
	}
	a.send("AT+SKTDEL=0")
	a.expect("\r\nOK\r\n")
	if rest, err := io.ReadAll(peer); err != nil || len(rest) != 0 {
		t.Fatalf("after the early stop the peer also got %q (%v): commands sent as data", rest, err)
	}
}
