package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"atbench/device/serial"
	"atbench/session"
)

// running is a session on the device the flags name, read in the
// background, with its transcript log and its --init script.
type running struct {
	s     *session.Session
	init  *session.Script
	log   *os.File
	ended chan error
	stop  context.CancelFunc
	// awaited is set when the port was not there at the start: the
	// session starts disconnected and the port's first connection is a
	// reconnect.
	awaited bool
}

// startSession opens what the flags name and starts reading it.
func startSession(ctx context.Context, o options) (*running, error) {
	if o.control != "" {
		return nil, usagef("--control goes with atbench emulate")
	}
	initScript, err := loadInit(o.initScript)
	if err != nil {
		return nil, err
	}
	le, err := lineEnding(o.lineEnding)
	if err != nil {
		return nil, err
	}
	logf, err := openLog(o.log)
	if err != nil {
		return nil, err
	}
	dev, d, err := openDevice(ctx, o)
	if err != nil {
		closeLog(logf)
		return nil, err
	}
	opts := session.Options{Dialect: d, Timeout: o.timeout, LineEnding: le, Poll: o.poll, Header: logHeader(o, dev.Info())}
	if d == nil {
		opts.Detect = candidates()
	}
	if logf != nil {
		opts.Log = logf
	}
	s, err := session.New(dev, opts)
	if err != nil {
		dev.Close()
		closeLog(logf)
		return nil, err
	}
	runCtx, cancel := context.WithCancel(ctx)
	r := &running{s: s, init: initScript, log: logf, ended: make(chan error, 1), stop: cancel}
	if p, ok := dev.(*serial.Port); ok {
		r.awaited = p.StartedDown()
	}
	go func() { r.ended <- s.Run(runCtx) }()
	// The screen and scripts start once the command set is known.
	select {
	case <-s.Detected():
	case err := <-r.ended:
		r.ended <- err
		r.close()
		return nil, fmt.Errorf("detect the command set: %w", errOr(err, ctx.Err()))
	case <-ctx.Done():
		r.close()
		return nil, ctx.Err()
	}
	return r, nil
}

// close ends the session, closes the device and the log, and reports a
// device error or a failure to write the log.
func (r *running) close() error {
	r.s.Close()
	r.stop()
	err := <-r.ended
	if err != nil {
		err = fmt.Errorf("device: %w", err)
	}
	if lerr := r.s.LogErr(); lerr != nil {
		err = errors.Join(err, lerr)
	}
	if lerr := closeLog(r.log); lerr != nil {
		err = errors.Join(err, fmt.Errorf("transcript log: %w", lerr))
	}
	return err
}

// errOr is err, or alt when err is nil.
func errOr(err, alt error) error {
	if err != nil {
		return err
	}
	if alt != nil {
		return alt
	}
	return errors.New("the session ended")
}

func closeLog(f *os.File) error {
	if f == nil {
		return nil
	}
	return f.Close()
}

// logHeader is the top of the transcript log: the version, the port and
// its settings, and the options that change what the log shows.
func logHeader(o options, info session.Info) string {
	port := info.Kind + " " + info.Name
	if info.Kind == "serial" || info.Kind == "rfc2217" {
		parity := "N"
		if o.parity != "" {
			parity = strings.ToUpper(o.parity[:1])
		}
		port += fmt.Sprintf(" @ %d %d%s%s flow %s", info.Baud, o.dataBits, parity, o.stopBits, o.flow)
	}
	lines := []string{"atbench " + version, "port " + port}
	if o.poll > 0 {
		lines = append(lines, fmt.Sprintf("polling the link state every %v", o.poll))
	} else {
		lines = append(lines, "no polling (--poll): links are known from commands, answers and events")
	}
	return strings.Join(lines, "\n")
}
