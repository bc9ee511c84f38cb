package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/debug"

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
		if r.awaited && r.init != nil {
			// The port is not there yet: --init runs when it appears.
			initOnReconnect(initCtx, r.s, r.init, 0)
			return
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
