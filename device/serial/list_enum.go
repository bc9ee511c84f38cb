//go:build !darwin || cgo

package serial

import (
	"fmt"

	"go.bug.st/serial/enumerator"
)

// List returns the serial ports of this machine with their USB identity.
func List() ([]PortInfo, error) {
	details, err := enumerator.GetDetailedPortsList()
	if err != nil {
		return nil, fmt.Errorf("list serial ports: %w", err)
	}
	ports := make([]PortInfo, 0, len(details))
	for _, d := range details {
		if d == nil || d.Name == "" {
			continue // the Linux enumerator leaves the name out of some ports
		}
		ports = append(ports, PortInfo{
			Path:         d.Name,
			IsUSB:        d.IsUSB,
			VID:          d.VID,
			PID:          d.PID,
			SerialNumber: d.SerialNumber,
			Product:      d.Product,
		})
	}
	return ports, nil
}
