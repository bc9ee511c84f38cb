//go:build !linux && !darwin

package expose

import (
	"fmt"
	"runtime"
)

// masterIO is unused where there are no ptys.
type masterIO int

const defaultMasterIO masterIO = 0

func openPTY(masterIO) (*PTY, error) {
	return nil, fmt.Errorf("pty not supported on %s; use --listen", runtime.GOOS)
}
