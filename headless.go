package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"atbench/device"
	"atbench/device/expose"
	"atbench/session"
)

// cmdEmulate runs the emulator headless on a pty or a TCP port until the
// context ends (SIGINT/SIGTERM), then closes every socket it opened.
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
	var dev device.Device = m
	if elog != nil {
		elog.frameWith(d)
		dev = tappedDevice{Device: m, log: elog}
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
