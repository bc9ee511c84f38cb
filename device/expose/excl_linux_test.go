package expose

import (
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openAsOther opens path as a second program would, as a user who is not
// root (root passes TIOCEXCL): the nobody user when the test runs as root.
// It returns what the open said, "" when it succeeded.
func openAsOther(t *testing.T, path string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		fd, err := unix.Open(path, unix.O_RDWR|unix.O_NOCTTY, 0)
		if err != nil {
			return err.Error()
		}
		unix.Close(fd)
		return ""
	}
	cmd := exec.Command("/bin/sh", "-c", `exec 3<>"$1"`, "sh", path)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return strings.TrimSpace(string(out)) + " " + err.Error()
	}
	return ""
}

// TestPTYBusyForASecondProgram: a client that does not lock the terminal
// (picocom, minicom, socat) still has it to itself; a second program gets
// "busy", and once the client goes the next one gets in.
func TestPTYBusyForASecondProgram(t *testing.T) {
	p, err := OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if os.Geteuid() == 0 {
		if err := os.Chmod(p.Path(), 0o666); err != nil { // let nobody try
			t.Fatal(err)
		}
	}
	slave := int(p.slave.(slaveFD))
	waitExclusive := func(want bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			v, err := unix.IoctlGetInt(slave, unix.TIOCGEXCL)
			if err != nil {
				t.Fatal(err)
			}
			if (v != 0) == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("terminal exclusive %v, want %v", v != 0, want)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	if msg := openAsOther(t, p.Path()); msg != "" {
		t.Fatalf("with no client the first program cannot open: %s", msg)
	}
	waitExclusive(false)

	client, err := unix.Open(p.Path(), unix.O_RDWR|unix.O_NOCTTY, 0) // no TIOCEXCL of its own
	if err != nil {
		t.Fatal(err)
	}
	waitExclusive(true)
	if msg := openAsOther(t, p.Path()); !strings.Contains(strings.ToLower(msg), "busy") {
		t.Fatalf("a second program opening the pty got %q, want busy", msg)
	}
	unix.Close(client)
	waitExclusive(false)
	if msg := openAsOther(t, p.Path()); msg != "" {
		t.Fatalf("after the client left the next program cannot open: %s", msg)
	}
}
