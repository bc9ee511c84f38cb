//go:build !linux

package wizfi

import (
	"errors"
	"time"
)

func kernelTimers(*harness, int) (time.Duration, time.Duration, int, error) {
	return 0, 0, 0, errors.New("not on this system")
}

func kernelKeepaliveOn(*harness, int) (bool, error) { return false, errors.New("not on this system") }
