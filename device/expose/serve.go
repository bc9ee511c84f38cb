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
	return PTYOptions{}.Serve(ctx, dev)
}

// PTYOptions are the choices of a served pty beyond its device.
type PTYOptions struct {
	// Link, when set, is a symbolic link made to point at the slave, so
	// that a client's configuration (a ser2net or minicom profile) names
	// the same path on every run. A symbolic link already there is
	// replaced; any other file there is an error. The link is removed when
	// the pty closes, if it still points at it.
	Link string
}

// Serve is ServePTY with these options.
func (o PTYOptions) Serve(ctx context.Context, dev device.Device) (path string, done <-chan error, err error) {
	if err := ctx.Err(); err != nil {
		return "", nil, fmt.Errorf("serve pty: %w", err)
	}
	p, err := OpenPTY()
	if err != nil {
		return "", nil, fmt.Errorf("serve pty: %w", err)
	}
	if o.Link != "" {
		if err := replaceLink(o.Link, p.Path()); err != nil {
			p.Close()
			return "", nil, fmt.Errorf("serve pty: %w", err)
		}
	}
	out := make(chan error, 1)
	go func() {
		err := bridge(ctx, p, dev, "pty")
		if o.Link != "" {
			if target, lerr := os.Readlink(o.Link); lerr == nil && target == p.Path() {
				os.Remove(o.Link)
			}
		}
		out <- err
		close(out)
	}()
	return p.Path(), out, nil
}

// replaceLink makes link a symbolic link to target, atomically replacing a
// symbolic link already there (a rename over it), never another file.
func replaceLink(link, target string) error {
	if fi, err := os.Lstat(link); err == nil && fi.Mode()&os.ModeSymlink == 0 {
		return fmt.Errorf("link %s: a file that is not a symbolic link is there; not replacing it", link)
	}
	tmp := fmt.Sprintf("%s.%d.tmp", link, os.Getpid())
	os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		return fmt.Errorf("link %s: %w", link, err)
	}
	if err := os.Rename(tmp, link); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("link %s: %w", link, err)
	}
	return nil
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
