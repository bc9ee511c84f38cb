package main

import (
	"context"
	"fmt"
	"os"

	"atbench/session"
)

// loadScript reads and parses a script file; ${NAME} comes from the
// environment.
func loadScript(path string) (*session.Script, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usageError{fmt.Errorf("open script: %w", err)}
	}
	defer f.Close()
	sc, err := session.ParseScript(path, f, os.LookupEnv)
	if err != nil {
		return nil, usageError{err}
	}
	return sc, nil
}

// loadInit parses the --init script, if any.
func loadInit(path string) (*session.Script, error) {
	if path == "" {
		return nil, nil
	}
	sc, err := loadScript(path)
	if err != nil {
		return nil, usagef("--init: %w", err)
	}
	return sc, nil
}

// runInit runs the --init script once the device is open and again after
// every reconnect, until ctx ends. Its outcome goes to the transcript.
func runInit(ctx context.Context, s *session.Session, sc *session.Script) {
	if sc == nil {
		return
	}
	seen := s.Stats().Reconnects // a replug during the first run counts too
	initOnce(ctx, &session.Runner{S: s}, sc, "the port is open")
	initOnReconnect(ctx, s, sc, seen)
}

// initOnce runs the init script with rn and notes its outcome in the
// transcript.
func initOnce(ctx context.Context, rn *session.Runner, sc *session.Script, why string) error {
	s := rn.S
	s.Note(fmt.Sprintf("running %s (%s)", sc.Name, why))
	if err := rn.Run(ctx, sc); err != nil {
		s.Note(fmt.Sprintf("init script failed: %v", err))
		return err
	}
	s.Note(fmt.Sprintf("%s done", sc.Name))
	return nil
}

// initOnReconnect runs the init script after every reconnect past the
// seen-th, until ctx ends.
func initOnReconnect(ctx context.Context, s *session.Session, sc *session.Script, seen int) {
	for {
		ch := s.Changed()
		if n := s.Stats().Reconnects; n != seen {
			seen = n
			initOnce(ctx, &session.Runner{S: s}, sc, "reconnected")
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-ch:
		}
	}
}
