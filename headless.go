package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"

	"atbench/device"
	"atbench/device/emulator"
	"atbench/device/expose"
	"atbench/session"
)

// cmdEmulate runs the emulator headless on a pty or a TCP port until the
// context ends (SIGINT/SIGTERM), then closes every socket it opened.
//
// --control PATH opens a unix socket for fault injection from another
// shell: each line holds the words of a fault ("blackhole 3", "reset 3",
// "latency 3 300ms", "wifi", "reboot", "unplug 3s"; "help", "faults"),
// answered "ok" or "error: <why>" (see emulator.ServeControl); e.g.
// `echo reboot | socat - UNIX:PATH`.
func cmdEmulate(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	o, pos, err := parseArgs(args, stderr)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("emulate takes no arguments, got %q", pos)
	}
	if o.pty == (o.listen != "") {
		return usagef("emulate needs exactly one of --pty or --listen ADDR")
	}
	if o.rfc2217 && o.listen == "" {
		return usagef("--rfc2217 goes with --listen ADDR")
	}
	if o.link != "" && !o.pty {
		return usagef("--link goes with --pty")
	}
	logf, err := openLog(o.log)
	if err != nil {
		return err
	}
	var elog *emulatorLog
	var logUART func(string, ...any)
	if logf != nil {
		defer logf.Close()
		elog = newEmulatorLog(logf, func(err error) { fmt.Fprintln(stderr, err) })
		logUART = elog.Logf
		// After the module closes (deferred below, so run first): what it
		// logs while closing is written too.
		defer func() {
			if lerr := elog.close(); lerr != nil && err == nil {
				err = lerr
			}
		}()
	}
	m, d, err := startEmulator(o, logUART)
	if err != nil {
		return err
	}
	defer m.Close()
	if o.control != "" {
		stop, err := serveControl(ctx, m, o.control)
		if err != nil {
			return err
		}
		defer stop()
	}
	var dev device.Device = unpluggable{m}
	if elog != nil {
		elog.frameWith(d)
		dev = tappedDevice{Device: dev, log: elog}
	}
	var done <-chan error
	if o.pty {
		path, ch, err := expose.PTYOptions{Link: o.link}.Serve(ctx, dev)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, path)
		if o.link != "" {
			fmt.Fprintf(stderr, "%s -> %s\n", o.link, path)
		}
		done = ch
	} else {
		lo := expose.ListenOptions{RFC2217: o.rfc2217, Log: func(line string) { fmt.Fprintln(stderr, line) }}
		addr, ch, err := lo.Listen(ctx, o.listen, dev)
		if err != nil {
			return usageError{err}
		}
		fmt.Fprintln(stdout, addr.String())
		done = ch
	}
	if f, ok := stdout.(*os.File); ok {
		f.Sync()
	}
	select {
	case <-ctx.Done():
		m.Close()
		<-done
		return nil
	case err := <-done:
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
		return nil
	}
}

// unpluggable is the emulator as exposed to another program: while an
// unplug fault has the port away, that program's bytes are lost and it
// reads nothing (its pty or TCP connection stays, as a UART cable pulled
// behind ser2net), instead of the bridge ending at device.ErrLost.
type unpluggable struct{ *emulator.Module }

func (u unpluggable) Read(p []byte) (int, error) {
	for {
		n, err := u.Module.Read(p)
		if !errors.Is(err, device.ErrLost) {
			return n, err
		}
	}
}

func (u unpluggable) Write(p []byte) (int, error) {
	n, err := u.Module.Write(p)
	if errors.Is(err, emulator.ErrUnplugged) {
		return len(p), nil
	}
	return n, err
}

// takeControlFlag removes --control PATH (or --control=PATH, -control)
// serveControl listens on the unix socket path for fault commands until
// stop is called or ctx ends; stop also removes the socket file.
func serveControl(ctx context.Context, m *emulator.Module, path string) (stop func(), err error) {
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, usageError{fmt.Errorf("--control: %w", err)}
	}
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = m.ServeControl(cctx, ln) // it ends when cctx does
	}()
	return func() {
		cancel()
		<-done
		_ = os.Remove(path)
	}, nil
}

// cmdRun runs a script against a port or the emulator.
func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, pos, err := parseArgs(args, stderr)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("run needs one script file")
	}
	sc, err := loadScript(pos[0])
	if err != nil {
		return err
	}
	if o.wait {
		if err := waitForPort(ctx, o, stderr); err != nil {
			return failError{err}
		}
	}
	r, err := startSession(ctx, o)
	if err != nil {
		return err
	}
	s := r.s
	rn := &session.Runner{S: s}
	initDone := make(chan struct{})
	if r.init != nil {
		// The script starts once the init script has run, and sees every
		// record after the init script's last match.
		rn.Cursor = s.LastSeq() + 1
		seen := s.Stats().Reconnects
		if err := initOnce(ctx, rn, r.init, "the port is open"); err != nil {
			r.close()
			return failError{fmt.Errorf("--init: %w", err)}
		}
		initCtx, cancel := context.WithCancel(ctx)
		defer cancel()
		go func() { defer close(initDone); initOnReconnect(initCtx, s, r.init, seen) }()
		defer func() { cancel(); <-initDone }()
	}
	err = rn.Run(ctx, sc)
	if cerr := r.close(); err == nil {
		err = cerr
	}
	if err != nil {
		return failError{err}
	}
	fmt.Fprintf(stdout, "%s: %d steps, all expectations met\n", sc.Name, len(sc.Steps))
	return nil
}
