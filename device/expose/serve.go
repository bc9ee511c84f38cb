package expose

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"

	"atbench/device"
)

// ServePTY opens a pty and copies bytes both ways between its master and dev
// until ctx is done or dev ends. It returns the slave path for clients and a
// channel that receives once the pty is closed: nil when ctx ended it or dev
// reached io.EOF, otherwise the error that ended it; then the channel closes.
//
// dev stays open: the caller owns it. A dev.Read pending when ServePTY ends
// cannot be interrupted from here; its goroutine ends when that Read returns
// (closing dev makes it return) and the bytes it got are dropped.
func ServePTY(ctx context.Context, dev device.Device) (path string, done <-chan error, err error) {
	if err := ctx.Err(); err != nil {
		return "", nil, fmt.Errorf("serve pty: %w", err)
	}
	p, err := OpenPTY()
	if err != nil {
		return "", nil, fmt.Errorf("serve pty: %w", err)
	}
	out := make(chan error, 1)
	go func() {
		out <- bridge(ctx, p, dev, "pty")
		close(out)
	}()
	return p.Path(), out, nil
}

// bridge copies between peer and dev until ctx is done or either side ends,
// then closes peer. It waits for the peer→dev copy (closing peer ends it) but
// not for the dev→peer copy, which may sit in dev.Read; that one exits by
// itself once dev.Read returns, because peer is closed by then.
func bridge(ctx context.Context, peer io.ReadWriteCloser, dev device.Device, name string) error {
	fromDev := make(chan error, 1)
	toDev := make(chan error, 1)
	go func() { fromDev <- copyDev(peer, dev, "device to "+name) }()
	go func() { toDev <- copyDev(dev, peer, name+" to device") }()

	var err error
	toDevEnded := false
	select {
	case <-ctx.Done():
	case err = <-fromDev:
	case err = <-toDev:
		toDevEnded = true
	}
	if cerr := peer.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("close %s: %w", name, cerr)
	}
	if !toDevEnded {
		<-toDev // closing peer ended it; what it says now is only that
	}
	return err
}

// copyDev copies src to dst until either fails. It returns nil for a clean
// end: io.EOF from src or a closed peer, which is how bridge stops it.
func copyDev(dst io.Writer, src io.Reader, what string) error {
	_, err := io.Copy(dst, src)
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, os.ErrClosed) || errors.Is(err, net.ErrClosed) {
		return nil
	}
	return fmt.Errorf("copy %s: %w", what, err)
}
