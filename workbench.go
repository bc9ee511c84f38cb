package main

import (
	"context"
	"fmt"
	"io"

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
	r, err := startSession(ctx, o)
	if err != nil {
		return err
	}
	initCtx, cancel := context.WithCancel(ctx)
	initDone := make(chan struct{})
	go func() { defer close(initDone); runInit(initCtx, r.s, r.init) }()
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
