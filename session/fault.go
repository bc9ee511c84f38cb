package session

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Faulter is offered by devices that can inject faults (the emulator):
// the words are those of the console's :fault and a script's fault verb
// ("blackhole 3", "reset 3", "latency 3 300ms", "wifi", "reboot",
// "unplug 3s"); it returns what it did.
type Faulter interface {
	InjectFault(ctx context.Context, words []string) (string, error)
}

// ErrNoFaults refuses a fault on a device that cannot inject one.
var ErrNoFaults = errors.New("faults are injected into the emulator only (run with --emulate)")

// Fault injects a fault into the device and notes it in the transcript
// (and the log), so the console and the log show it as it happens.
func (s *Session) Fault(ctx context.Context, words []string) (string, error) {
	f, ok := s.dev.(Faulter)
	if !ok {
		return "", fmt.Errorf("fault %s: %w", strings.Join(words, " "), ErrNoFaults)
	}
	effect, err := f.InjectFault(ctx, words)
	if err != nil {
		return "", err
	}
	s.Note("fault injected: " + effect)
	return effect, nil
}
