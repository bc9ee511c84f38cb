package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	goserial "go.bug.st/serial"
)

// binPath is the atbench binary built once for the tests that run it as a
// user would.
var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "atbench-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	binPath = filepath.Join(dir, "atbench")
	if out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build atbench: %v\n%s", err, out)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// freePort returns a TCP port free on 127.0.0.1 at the time of the call,
// chosen at random below the kernel's ephemeral range (32768 up): a port
// from that range could be handed meanwhile to another test process's
// client or listener (packages run at once), whose peer would then dial
// this test's server.
func freePort(t *testing.T) int {
	t.Helper()
	for range 1000 {
		p := 20000 + rand.IntN(12000)
		l, err := net.Listen("tcp4", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			continue
		}
		l.Close()
		return p
	}
	t.Fatal("no free port in 20000..31999")
	return 0
}

// dialRetry connects once the module's server is listening.
func dialRetry(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := dialUntil(addr, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// dialUntil connects once the module's server is listening, for a peer
// goroutine: it returns the error instead of ending the goroutine (a
// t.Fatal there would leave the test waiting for the peer forever).
func dialUntil(addr string, limit time.Duration) (net.Conn, error) {
	deadline := time.Now().Add(limit)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			return c, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("dial %s: %w", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitPeer waits for a peer goroutine's verdict, for limit at most.
func waitPeer(t *testing.T, peerErr <-chan error, limit time.Duration) {
	t.Helper()
	select {
	case err := <-peerErr:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(limit):
		t.Fatalf("the TCP peer gave no verdict in %s", limit)
	}
}

func writeScript(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "demo.at")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRunScriptWithPeer runs the demo as a script against the
// emulator while a real TCP peer connects to the server the module opened.
func TestRunScriptWithPeer(t *testing.T) {
	port := freePort(t)
	script := writeScript(t, `timeout 10s
send AT+SKTSERVER=1,1,,${PORT},1
expect ^OK$
expect ^\[\$\]\[SKT\]\[EVENT\]: A client\[link_id:0,seed,tcp,dst_address:127\.0\.0\.1,dst_port:\d+\] connected to server\[link_id:1\]$
expect (?s)^\[\$\]\[SKT\]\[DATA\]\[0\]\[7\]:Hello!\n$
send AT+SKTSEND=0,6,,,Hello!
expect ^OK$
send AT+SKTSTATE
expect ^link_id:1,server,tcp,src_address:[0-9.]+,src_port:${PORT},dst_address:0\.0\.0\.0,dst_port:0,socket_fd:\d+$
expect ^link_id:0,seed,tcp,
expect ^OK$
send AT+SKTDEL=1
expect ^OK$
`)
	t.Setenv("PORT", fmt.Sprint(port))
	peerErr := make(chan error, 1)
	go func() {
		c, err := dialUntil(fmt.Sprintf("127.0.0.1:%d", port), 20*time.Second)
		if err != nil {
			peerErr <- err
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(20 * time.Second))
		if _, err := io.WriteString(c, "Hello!\n"); err != nil {
			peerErr <- err
			return
		}
		got := make([]byte, 6)
		if _, err := io.ReadFull(c, got); err != nil || string(got) != "Hello!" {
			peerErr <- fmt.Errorf("peer read %q, %v", got, err)
			return
		}
		// AT+SKTDEL=1 closes the server and its seed: the peer sees EOF.
		if n, err := c.Read(got); !errors.Is(err, io.EOF) {
			peerErr <- fmt.Errorf("after AT+SKTDEL: read %d bytes, %v; want EOF", n, err)
			return
		}
		peerErr <- nil
	}()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"run", script, "--emulate", "realtek"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout.String(), stderr.String())
	}
	waitPeer(t, peerErr, 30*time.Second)
}

func TestRunExampleScript(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"run", "examples/demo.at"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s%s", code, stdout.String(), stderr.String())
	}
}

func TestRunScriptFailureExitsOne(t *testing.T) {
	script := writeScript(t, "timeout 50ms\nsend AT+TEST\nexpect ^NEVER$\n")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"run", script}, &stdout, &stderr)
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr %s", code, stderr.String())
	}
	for _, want := range []string{`demo.at:3: expect "^NEVER$": timed out after 50ms`, "records seen meanwhile", "ok OK"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
}

func TestRunUsageExitsTwo(t *testing.T) {
	bad := writeScript(t, "send AT+TEST\nwobble\n")
	for _, args := range [][]string{
		{"run"},
		{"run", "/nonexistent/script.at"},
		{"run", bad},
		{"run", bad, "--emulate", "nokia"},
		{"--no-such-flag"},
		{"emulate"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, &stdout, &stderr); code != 2 {
			t.Errorf("%q: exit %d, want 2 (stderr %s)", args, code, stderr.String())
		}
	}
}

// TestBadFlagsExitTwoBeforeOpening checks that every bad flag is refused
// with a message naming it and exit 2 before any device is opened: the port
// named does not exist, so an attempt to open it would fail differently.
func TestBadFlagsExitTwoBeforeOpening(t *testing.T) {
	port := filepath.Join(t.TempDir(), "ttyUSB9")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--port", port, "--baud", "0"}, "--baud 0"},
		{[]string{"--port", port, "--baud", "-9600"}, "--baud -9600"},
		{[]string{"--port", port, "--theme", "bogus"}, "--theme"},
		{[]string{"--port", port, "--clock", "bogus"}, "--clock"},
		{[]string{"--port", port, "--poll", "-1s"}, "--poll -1s"},
		{[]string{"--port", port, "--parity", "sideways"}, "parity"},
		{[]string{"--port", port, "--line-ending", "nul"}, "--line-ending"},
		{[]string{"--port", port, "--dialect", "nokia"}, "--dialect"},
		{[]string{"run", "x.at", "--port", port, "--timeout", "-1s"}, "--timeout -1s"},
		{[]string{"run", "x.at", "--emulate", "nokia"}, "--emulate"},
		{[]string{"--port", port, "--emulate", "realtek"}, "exclude each other"},
		{[]string{"--dialect", "wizfi", "--emulate", "inventek"}, "disagree"},
		{[]string{"emulate", "--pty", "--theme", "bogus"}, "--theme"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), tc.args, &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), tc.want) || strings.Contains(stderr.String(), "ttyUSB9") {
			t.Errorf("%q: exit %d, stderr %q; want 2 and a message naming %q, not the port", tc.args, code, stderr.String(), tc.want)
		}
	}
}

// startEmulate runs `atbench emulate ARGS` and returns its first stdout line.
func startEmulate(t *testing.T, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(binPath, append([]string{"emulate"}, args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		t.Fatalf("first line: %v", err)
	}
	return cmd, strings.TrimSpace(line)
}

// stopEmulate sends SIGTERM and checks a clean exit.
func stopEmulate(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("emulate exit: %v", err)
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("emulate did not exit on SIGTERM")
	}
}

// atPort reads a serial client's view of the module.
type atPort struct {
	t  *testing.T
	p  goserial.Port
	br *bufio.Reader
}

func (a *atPort) send(line string) {
	a.t.Helper()
	if _, err := io.WriteString(a.p, line+"\r\n"); err != nil {
		a.t.Fatal(err)
	}
}

// expect reads exactly want from the port.
func (a *atPort) expect(want string) {
	a.t.Helper()
	got := make([]byte, len(want))
	if _, err := io.ReadFull(a.br, got); err != nil {
		a.t.Fatalf("reading %q: got %q, %v", want, got, err)
	}
	if string(got) != want {
		a.t.Fatalf("read\n got %q\nwant %q", got, want)
	}
}

// readLine reads up to and including the next LF.
func (a *atPort) readLine() string {
	a.t.Helper()
	l, err := a.br.ReadString('\n')
	if err != nil {
		a.t.Fatalf("read line: %q, %v", l, err)
	}
	return l
}

// TestEmulatePTYWithNc is the walkthrough: a serial client on the
// pty, nc as the TCP peer, exact bytes on both sides.
func TestEmulatePTYWithNc(t *testing.T) {
	cmd, path := startEmulate(t, "--dialect", "realtek", "--pty")
	defer stopEmulate(t, cmd)
	if !strings.HasPrefix(path, "/dev/") {
		t.Fatalf("first line %q is not a pty path", path)
	}
	sp, err := goserial.Open(path, &goserial.Mode{BaudRate: 115200})
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	sp.SetReadTimeout(10 * time.Second)
	a := &atPort{t: t, p: sp, br: bufio.NewReader(sp)}
	a.expect("ATCMD READY\r\n")

	// A port free a moment ago can be taken meanwhile by another test's
	// client (it is from the ephemeral range): the module then answers
	// ERROR: 2 (bind failed), and we try another.
	port := 0
	for try := 0; port == 0; try++ {
		p := freePort(t)
		a.send(fmt.Sprintf("AT+SKTSERVER=1,1,,%d,1", p))
		a.expect("\r\n")
		switch l := a.readLine(); {
		case l == "OK\r\n":
			port = p
		case l == "ERROR: 2\r\n" && try < 5:
		default:
			t.Fatalf("AT+SKTSERVER on port %d: %q", p, l)
		}
	}

	var peer io.ReadWriteCloser
	var peerOut *bufio.Reader
	// OpenBSD nc keeps its stdout open after the network side closes
	// until its stdin ends too; closing stdin alone does not close the
	// connection, so EOF on stdout afterwards still proves the close.
	doneWriting := func() {}
	if ncPath, err := exec.LookPath("nc"); err == nil {
		nc := exec.Command(ncPath, "127.0.0.1", fmt.Sprint(port))
		stdin, _ := nc.StdinPipe()
		stdout, _ := nc.StdoutPipe()
		if err := nc.Start(); err != nil {
			t.Fatal(err)
		}
		defer nc.Process.Kill()
		peer = struct {
			io.Reader
			io.WriteCloser
		}{stdout, stdin}
		peerOut = bufio.NewReader(stdout)
		doneWriting = func() { stdin.Close() }
	} else {
		c := dialRetry(t, fmt.Sprintf("127.0.0.1:%d", port))
		peer, peerOut = c, bufio.NewReader(c)
	}
	ev := a.readLine()
	wantPrefix := "[$][SKT][EVENT]: A client[link_id:0,seed,tcp,dst_address:127.0.0.1,dst_port:"
	if !strings.HasPrefix(ev, wantPrefix) || !strings.HasSuffix(ev, "] connected to server[link_id:1]\r\n") {
		t.Fatalf("accept event %q", ev)
	}
	io.WriteString(peer, "Hello!\n")
	a.expect("[$][SKT][DATA][0][7]:Hello!\n\r\n")
	a.send("AT+SKTSEND=0,6,,,Hello!")
	a.expect("\r\nOK\r\n")
	got := make([]byte, 6)
	if _, err := io.ReadFull(peerOut, got); err != nil || string(got) != "Hello!" {
		t.Fatalf("nc got %q, %v", got, err)
	}
	a.send("AT+SKTSTATE")
	server := a.readLine()
	seed := a.readLine()
	if !strings.HasPrefix(server, "link_id:1,server,tcp,") || !strings.HasPrefix(seed, "link_id:0,seed,tcp,") {
		t.Fatalf("SKTSTATE lines %q %q", server, seed)
	}
	a.expect("\r\nOK\r\n")
	a.send("AT+SKTDEL=1")
	a.expect("\r\nOK\r\n")
	doneWriting()
	eof := make(chan error, 1)
	go func() { _, err := peerOut.Read(got); eof <- err }()
	select {
	case err := <-eof:
		if !errors.Is(err, io.EOF) {
			t.Fatalf("nc after AT+SKTDEL: %v; want EOF", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("nc still connected 10s after AT+SKTDEL")
	}
}

// TestEmulateListen exposes the emulator on a TCP port, like ser2net.
func TestEmulateListen(t *testing.T) {
	cmd, addr := startEmulate(t, "--listen", "127.0.0.1:0")
	defer stopEmulate(t, cmd)
	if strings.HasSuffix(addr, ":0") {
		t.Fatalf("address %q does not name the real port", addr)
	}
	c := dialRetry(t, addr)
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, "AT+TEST\r\n")
	br := bufio.NewReader(c)
	var got strings.Builder
	for !strings.HasSuffix(got.String(), "\r\nOK\r\n") {
		b, err := br.ReadByte()
		if err != nil {
			t.Fatalf("after %q: %v", got.String(), err)
		}
		got.WriteByte(b)
	}
}

// TestEmulateClosesSocketsOnSignal checks that SIGTERM closes the servers
// the module opened.
func TestEmulateClosesSocketsOnSignal(t *testing.T) {
	cmd, addr := startEmulate(t, "--listen", "127.0.0.1:0")
	c := dialRetry(t, addr)
	c.SetDeadline(time.Now().Add(10 * time.Second))
	port := freePort(t)
	fmt.Fprintf(c, "AT+SKTSERVER=3,1,,%d,1\r\n", port)
	br := bufio.NewReader(c)
	for {
		l, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if l == "OK\r\n" {
			break
		}
	}
	peer := dialRetry(t, fmt.Sprintf("127.0.0.1:%d", port))
	defer peer.Close()
	stopEmulate(t, cmd)
	c.Close()
	peer.SetDeadline(time.Now().Add(5 * time.Second))
	// EOF, or a reset when the module had not accepted the peer yet and
	// its listener closed with the connection still in the backlog.
	if _, err := peer.Read(make([]byte, 1)); !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("peer after SIGTERM: %v, want EOF or a reset", err)
	}
	if l, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
		l.Close()
		t.Errorf("port %d still accepts after SIGTERM", port)
	}
}

func TestParseArgsAnywhereAndAfterDashDash(t *testing.T) {
	o, pos, err := parseArgs([]string{"a.at", "--emulate", "realtek", "--", "--not-a-flag.at"}, io.Discard)
	if err != nil || o.emulate != "realtek" || len(pos) != 2 || pos[0] != "a.at" || pos[1] != "--not-a-flag.at" {
		t.Fatalf("options %+v, positional %q, %v", o, pos, err)
	}
}

// TestRunDetectsTheCommandSet runs a script with --dialect auto on the
// emulator, as on a module whose command set is unknown: the probes and
// the choice are in the log, and the script runs on the chosen set.
func TestRunDetectsTheCommandSet(t *testing.T) {
	sc := writeScript(t, "send AT+SKTSTATE\nexpect ^OK$\n")
	logPath := filepath.Join(t.TempDir(), "auto.log")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"run", sc, "--dialect", "auto", "--log", logPath}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	log, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"detecting the command set", "> sent   AT+TEST", "command set: realtek (it answered AT+TEST as only realtek does)", "> sent   AT+SKTSTATE"} {
		if !strings.Contains(string(log), want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
}

// TestDetectionPicksEachEmulatedSet probes each emulator as an unknown
// module: --dialect auto must choose the set it emulates.
func TestDetectionPicksEachEmulatedSet(t *testing.T) {
	for _, name := range []string{"realtek", "inventek", "wizfi"} {
		t.Run(name, func(t *testing.T) {
			sc := writeScript(t, "# nothing: the choice is in the log\n")
			logPath := filepath.Join(t.TempDir(), "auto.log")
			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), []string{"run", sc, "--dialect", "auto", "--emulate", name, "--log", logPath}, &stdout, &stderr); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			log, err := os.ReadFile(logPath)
			if err != nil {
				t.Fatal(err)
			}
			if want := "command set: " + name + " ("; !strings.Contains(string(log), want) {
				t.Errorf("log lacks %q:\n%s", want, log)
			}
		})
	}
}
