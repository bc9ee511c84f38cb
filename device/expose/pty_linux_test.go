package expose

import (
	"atbench/internal/testkit"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"sync"
	"testing"
	"time"

	"go.bug.st/serial"
	"golang.org/x/sys/unix"
)

// masterModes are the two ways to drive the master; Linux uses the poller,
// Darwin select(2), and both run here.
var masterModes = []struct {
	name string
	how  masterIO
}{{"poller", pollerIO}, {"select", selectIO}}

func openClient(t *testing.T, path string) serial.Port {
	t.Helper()
	c, err := serial.Open(path, &serial.Mode{BaudRate: 115200})
	if err != nil {
		t.Fatalf("open %s as a serial client: %v", path, err)
	}
	return c
}

func TestPTYRawBytesBothWays(t *testing.T) {
	for _, m := range masterModes {
		t.Run(m.name, func(t *testing.T) {
			check := testkit.NoLeak(t)
			p, err := openPTY(m.how)
			if err != nil {
				t.Fatal(err)
			}
			c := openClient(t, p.Path())

			// Every byte value, then the ones a cooked tty would mangle.
			msg := append(testkit.Pattern(256), []byte("AT\r\n\r\x00\xff\x1b[0m\n\x03\x04\x11\x13\x7f")...)
			if _, err := p.Write(msg); err != nil {
				t.Fatal(err)
			}
			testkit.ReadExact(t, c, msg)

			if _, err := c.Write(msg); err != nil {
				t.Fatal(err)
			}
			testkit.ReadExact(t, p, msg)

			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
			if err := p.Close(); err != nil {
				t.Fatalf("second Close: %v", err)
			}
			check()
		})
	}
}

func TestPTYLargeTransfer(t *testing.T) {
	const size = 4 << 20
	for _, m := range masterModes {
		t.Run(m.name, func(t *testing.T) {
			p, err := openPTY(m.how)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			c := openClient(t, p.Path())
			defer c.Close()

			down := testkit.Pattern(size)
			up := bytes.Clone(down[1:])
			var wg sync.WaitGroup
			errs := make(chan error, 2)
			wg.Add(2)
			go func() {
				defer wg.Done()
				if _, err := p.Write(down); err != nil {
					errs <- err
				}
			}()
			go func() {
				defer wg.Done()
				if _, err := c.Write(up); err != nil {
					errs <- err
				}
			}()
			// Both directions at once, so neither side can rely on the other
			// being idle.
			readDone := make(chan struct{})
			go func() {
				defer close(readDone)
				testkit.ReadExact(t, p, up)
			}()
			testkit.ReadExact(t, c, down)
			<-readDone
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
		})
	}
}

func TestPTYClientReopens(t *testing.T) {
	p, err := OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for i := range 3 {
		c := openClient(t, p.Path())
		msg := []byte{'A', 'T', '0' + byte(i), '\r', '\n', 0}
		if _, err := c.Write(msg); err != nil {
			t.Fatal(err)
		}
		testkit.ReadExact(t, p, msg)
		if _, err := p.Write(msg); err != nil {
			t.Fatal(err)
		}
		testkit.ReadExact(t, c, msg)
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
	// Bytes sent while no client is there wait for the next one.
	if _, err := p.Write([]byte("queued\r\n")); err != nil {
		t.Fatal(err)
	}
	c := openClient(t, p.Path())
	defer c.Close()
	testkit.ReadExact(t, c, []byte("queued\r\n"))
}

func TestPTYCloseUnblocksRead(t *testing.T) {
	for _, m := range masterModes {
		t.Run(m.name, func(t *testing.T) {
			check := testkit.NoLeak(t)
			p, err := openPTY(m.how)
			if err != nil {
				t.Fatal(err)
			}
			errc := make(chan error, 1)
			go func() {
				_, err := p.Read(make([]byte, 10))
				errc <- err
			}()
			// Let the reader block before closing; the result is the same
			// if it has not, since Read after Close fails too.
			time.Sleep(10 * time.Millisecond)
			p.Close()
			select {
			case err := <-errc:
				if !errors.Is(err, os.ErrClosed) {
					t.Fatalf("Read after Close: %v, want os.ErrClosed", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Close did not unblock Read")
			}
			check()
		})
	}
}

func TestServePTYEchoAndCancel(t *testing.T) {
	check := testkit.NoLeak(t)
	dev := newEchoDev()
	ctx, cancel := context.WithCancel(context.Background())
	path, done, err := ServePTY(ctx, dev)
	if err != nil {
		t.Fatal(err)
	}
	c := openClient(t, path)
	msg := append([]byte("AT+SKTSEND=0,5\r\n\x00\xff\x1b"), testkit.Pattern(64<<10)...)
	go c.Write(msg)
	testkit.ReadExact(t, c, msg)
	c.Close()

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("done: %v, want nil after cancel", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ServePTY did not end on cancel")
	}
	if _, ok := <-done; ok {
		t.Fatal("done not closed")
	}
	if _, err := os.Stat(path); err == nil {
		t.Fatalf("%s still exists after ServePTY ended", path)
	}
	// The device is still ours and still open. (Its echo of this byte
	// goes to the copy goroutine that was waiting in dev.Read, which drops
	// it and ends.)
	if _, err := dev.Write([]byte("x")); err != nil {
		t.Fatalf("dev closed by ServePTY: %v", err)
	}
	dev.Close()
	check()
}

func TestServePTYEndsWithDevice(t *testing.T) {
	check := testkit.NoLeak(t)
	dev := newFakeDev()
	path, done, err := ServePTY(context.Background(), dev)
	if err != nil {
		t.Fatal(err)
	}
	c := openClient(t, path)
	if _, err := dev.reply.Write([]byte("+SKTEVENT\r\n")); err != nil {
		t.Fatal(err)
	}
	testkit.ReadExact(t, c, []byte("+SKTEVENT\r\n"))
	dev.reply.Close() // the device ends: Read gets io.EOF
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("done: %v, want nil on device EOF", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ServePTY did not end with the device")
	}
	c.Close()
	dev.Close()
	check()
}

func TestServePTYReportsDeviceWriteError(t *testing.T) {
	dev := newFakeDev()
	boom := errors.New("boom")
	dev.sent.CloseWithError(boom) // writes to the device now fail
	path, done, err := ServePTY(context.Background(), dev)
	if err != nil {
		t.Fatal(err)
	}
	c := openClient(t, path)
	defer c.Close()
	c.Write([]byte("AT\r\n"))
	select {
	case err := <-done:
		if !errors.Is(err, boom) {
			t.Fatalf("done: %v, want it to wrap %v", err, boom)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ServePTY did not end on a device write error")
	}
	dev.Close()
}

func TestServePTYCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := ServePTY(ctx, newFakeDev()); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

var _ io.ReadWriteCloser = (*PTY)(nil)

// TestPTYRawWithoutClientSetup checks the slave is raw before any client
// configures it: a plain open(2), as cat or a shell redirect does, sees bytes
// unchanged and nothing is echoed back to the master.
func TestPTYRawWithoutClientSetup(t *testing.T) {
	p, err := OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()

	tio, err := unix.IoctlGetTermios(int(p.slave.(slaveFD)), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if tio.Lflag&(unix.ECHO|unix.ICANON|unix.ISIG|unix.IEXTEN) != 0 {
		t.Errorf("lflag %#o: echo, icanon, isig or iexten still set", tio.Lflag)
	}
	if tio.Iflag&(unix.ICRNL|unix.IXON|unix.ISTRIP|unix.INLCR|unix.IGNCR) != 0 {
		t.Errorf("iflag %#o: input translation still set", tio.Iflag)
	}
	if tio.Oflag&unix.OPOST != 0 {
		t.Errorf("oflag %#o: opost still set", tio.Oflag)
	}
	if tio.Cflag&(unix.CSIZE|unix.PARENB|unix.CSTOPB) != unix.CS8 {
		t.Errorf("cflag %#o: want 8N1", tio.Cflag)
	}

	f, err := os.OpenFile(p.Path(), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	msg := []byte("AT\r\n\r\x00\xff\x1b\x03\x7f")
	if _, err := f.Write(msg); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Write(msg); err != nil {
		t.Fatal(err)
	}
	testkit.ReadExact(t, f, msg)
	// No echo: the master gets the client's bytes once, then the marker.
	if _, err := f.Write([]byte("!")); err != nil {
		t.Fatal(err)
	}
	testkit.ReadExact(t, p, append(bytes.Clone(msg), '!'))
}

// TestPTYDeadClientLockReleased: a client that takes the terminal
// exclusively and dies without releasing it must not lock out later clients.
func TestPTYDeadClientLockReleased(t *testing.T) {
	p, err := OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	slave := int(p.slave.(slaveFD))
	exclusive := func() bool {
		v, err := unix.IoctlGetInt(slave, unix.TIOCGEXCL)
		if err != nil {
			t.Fatal(err)
		}
		return v != 0
	}

	// A well-behaved client locks while open and unlocks on Close.
	c := openClient(t, p.Path())
	if !exclusive() {
		t.Fatal("go.bug.st/serial client did not lock the terminal; the test premise is wrong")
	}
	// Another opener coming and going leaves the lock alone.
	guard := p.guard.(*exclGuard)
	seen := guard.handled.Load()
	other, err := unix.Open(p.Path(), unix.O_RDWR|unix.O_NOCTTY, 0) // root passes the lock
	if err != nil {
		t.Skipf("second open (needs root while locked): %v", err)
	}
	unix.Close(other)
	deadline := time.Now().Add(5 * time.Second)
	for guard.handled.Load() == seen {
		if time.Now().After(deadline) {
			t.Fatal("the guard never saw the close")
		}
		time.Sleep(time.Millisecond)
	}
	if !exclusive() {
		t.Fatal("lock cleared while its client is still open")
	}
	c.Close()

	// A client that dies: the kernel closes its descriptor, nothing unlocks.
	fd, err := unix.Open(p.Path(), unix.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.IoctlSetInt(fd, unix.TIOCEXCL, 0); err != nil {
		t.Fatal(err)
	}
	unix.Close(fd)
	deadline = time.Now().Add(5 * time.Second)
	for exclusive() {
		if time.Now().After(deadline) {
			t.Fatal("terminal still exclusive after its client died")
		}
		time.Sleep(2 * time.Millisecond)
	}
}
