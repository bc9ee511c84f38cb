//go:build darwin && !cgo

package serial

import (
	"fmt"

	"go.bug.st/serial"
)

// List returns the serial ports of this machine. This build has no cgo, which
// the macOS USB enumerator needs, so it gives paths only: no port is marked
// USB and "auto" cannot choose.
func List() ([]PortInfo, error) {
	names, err := serial.GetPortsList()
	if err != nil {
		return nil, fmt.Errorf("list serial ports: %w", err)
	}
	ports := make([]PortInfo, len(names))
	for i, n := range names {
		ports[i] = PortInfo{Path: n}
	}
	return ports, nil
}
