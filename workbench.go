package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/debug"

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
	o.waitPort = true // a port not there yet is awaited, with a note in the console
	r, err := startSession(ctx, o)
	if err != nil {
		return err
	}
	// The session bounds the transcript it keeps and the screen keeps only
	// a window over it; the collector's headroom above that is the
	// process's. Half the default keeps a flood's resident memory near the
	// session's bound (issue 11). GOGC, when set, still decides.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}
	initCtx, cancel := context.WithCancel(ctx)
	initDone := make(chan struct{})
	go func() {
		defer close(initDone)
		if r.awaited {
			// The port is not there yet: the first poll and --init go
			// out when it appears.
			if !attached(initCtx, r.s) {
				return
			}
			if line := r.s.Dialect().StateCommand(); o.poll > 0 && line != "" {
				r.s.Poll(line) // a refusal is in the transcript; the next tick polls again
			}
		}
		runInit(initCtx, r.s, r.init)
	}()
	uiErr := ui.Run(ctx, r.s, ui.Options{
		Theme:       o.theme,
		HistoryPath: historyPath(),
		LogPath:     o.log,
		Clock:       o.clock,
	})
	cancel()
	<-initDone
	err = r.close()
	if uiErr != nil {
		return fmt.Errorf("workbench: %w", uiErr)
	}
	return err
}

// attached waits until the session's device has come up after starting
// down (its first reconnect); false when ctx ends first.
func attached(ctx context.Context, s *session.Session) bool {
	for {
		ch := s.Changed()
		if s.Stats().Reconnects > 0 {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-ch:
		}
	}
}
