package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"atbench/session"
	"atbench/ui"
)

// cmdWorkbench opens the workbench screen.
func cmdWorkbench(ctx context.Context, args []string, _, stderr io.Writer) error {
	o, pos, err := parseArgs(args, stderr)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unknown command %q", pos[0])
	}
	le, err := lineEnding(o.lineEnding)
	if err != nil {
		return err
	}
	initScript, err := loadInit(o.initScript)
	if err != nil {
		return err
	}
	logf, err := openLog(o.log)
	if err != nil {
		return err
	}
	if logf != nil {
		defer logf.Close()
	}
	dev, d, err := openDevice(ctx, o)
	if err != nil {
		return err
	}
	opts := session.Options{Dialect: d, Timeout: o.timeout, LineEnding: le}
	if logf != nil {
		opts.Log = logf
	}
	s, err := session.New(dev, opts)
	if err != nil {
		dev.Close()
		return err
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	ended := make(chan error, 1)
	go func() { ended <- s.Run(runCtx) }()
	initDone := make(chan struct{})
	go func() { defer close(initDone); runInit(runCtx, s, initScript) }()
	uiErr := ui.Run(ctx, s, ui.Options{
		Theme:       o.theme,
		HistoryPath: historyPath(),
		LogPath:     o.log,
		Poll:        o.poll,
		Clock:       o.clock,
	})
	s.Close()
	cancel()
	<-ended
	<-initDone
	if uiErr != nil {
		return fmt.Errorf("workbench: %w", uiErr)
	}
	if err := s.LogErr(); err != nil {
		fmt.Fprintln(os.Stderr, "atbench:", err)
	}
	return nil
}
