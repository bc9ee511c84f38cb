//go:build unix

package emutest

import (
	"testing"

	"golang.org/x/sys/unix"
)

func TestSockopt(t *testing.T) {
	ln, port := Listen(t)
	c := Dial(t, port)
	Accept(t, ln)
	for _, on := range []bool{true, false} {
		if err := c.SetKeepAlive(on); err != nil {
			t.Fatal(err)
		}
		if got := Sockopt(t, c, unix.SOL_SOCKET, unix.SO_KEEPALIVE); (got != 0) != on {
			t.Fatalf("SO_KEEPALIVE = %d after SetKeepAlive(%v)", got, on)
		}
	}
	if _, err := ReadSockopt(c, -1, -1); err == nil {
		t.Fatal("a bad option read without an error")
	}
}
