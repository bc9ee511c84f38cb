package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"atbench/protocol"
)

// coapPeer answers every CoAP empty CON with a RST of the same Message ID,
// as a CoAP endpoint answers a ping; it returns its port.
func coapPeer(t *testing.T) int {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if n == 4 && buf[0] == 0x40 && buf[1] == 0 { // ver 1, CON, empty
				pc.WriteTo([]byte{0x70, 0, buf[2], buf[3]}, from)
			}
		}
	}()
	return pc.LocalAddr().(*net.UDPAddr).Port
}

func freeUDPPort(t *testing.T) int {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	return pc.LocalAddr().(*net.UDPAddr).Port
}

// TestScriptKeepaliveAndCoAP runs `atbench run` on the Realtek emulator with
// the keepalive and coap verbs: the plan's AT+SKTCFG goes out and is
// confirmed, a CoAP ping over a UDP link is answered, and a plan the set
// cannot meet fails the script with exit 1 and the set's reason.
func TestScriptKeepaliveAndCoAP(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	logPath := filepath.Join(dir, "log.txt")
	ok := write("ok.at", fmt.Sprintf(`timeout 10s
keepalive 90s
send AT+SKTQUERY
expect ^tcp_keepidle: 60$
expect ^tcp_keepintvl: 10$
expect ^tcp_keepcnt: 3$
expect ^OK$
send AT+SKTCLIENT=0,0,,127.0.0.1,%d,%d,1
expect ^OK$
coap ping 0
`, coapPeer(t), freeUDPPort(t)))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	if code := run(ctx, []string{"run", ok, "--emulate", "realtek", "--log", logPath}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, stdout.String(), stderr.String())
	}
	log, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"AT+SKTCFG=", "keepalive plan sent: idle 60 + 3 × 10 = 90 s", "RST 0.00 mid="} {
		if !strings.Contains(string(log), want) {
			t.Errorf("the log lacks %q:\n%s", want, log)
		}
	}

	bad := write("bad.at", "keepalive 1s\n")
	stdout.Reset()
	stderr.Reset()
	if code := run(ctx, []string{"run", bad, "--emulate", "realtek"}, &stdout, &stderr); code != 1 ||
		!strings.Contains(stderr.String(), "too short") {
		t.Fatalf("an impossible plan: exit %d, stderr %q", code, stderr.String())
	}
	silent := write("silent.at", "coap ping 3\n")
	stderr.Reset()
	if code := run(ctx, []string{"run", silent, "--emulate", "realtek"}, &stdout, &stderr); code != 1 {
		t.Fatalf("a ping on no link: exit %d, stderr %q", code, stderr.String())
	}
}

// TestCommandSetsOfferThePlans: the links pane reads and closes through
// Inventek's plans (P0 first), and every set plans keepalives.
func TestCommandSetsOfferThePlans(t *testing.T) {
	for _, name := range []string{"realtek", "inventek", "wizfi"} {
		d, err := newDialect(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := d.(protocol.KeepalivePlanner); !ok {
			t.Errorf("%s has no keepalive planner", name)
		}
		if _, ok := d.(protocol.LinkPlanner); !ok && name == "inventek" {
			t.Errorf("inventek reads and closes without its P0 plans")
		}
	}
}
