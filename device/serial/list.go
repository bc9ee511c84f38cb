package serial

import (
	"fmt"
	"strings"
)

// PortInfo describes one serial port on this machine.
type PortInfo struct {
	Path         string
	IsUSB        bool
	VID, PID     string // hexadecimal, as the system reports them
	SerialNumber string
	Product      string
}

// String is the port as "path (VID:PID serial product)" for listings.
func (p PortInfo) String() string {
	if !p.IsUSB {
		return p.Path
	}
	parts := []string{p.VID + ":" + p.PID}
	if p.SerialNumber != "" {
		parts = append(parts, p.SerialNumber)
	}
	if p.Product != "" {
		parts = append(parts, p.Product)
	}
	return p.Path + " (" + strings.Join(parts, " ") + ")"
}

// Auto picks the port "auto" means: the only USB port. With none or several
// it returns an error naming the candidates.
func Auto(ports []PortInfo) (string, error) {
	var usb, other []string
	for _, p := range ports {
		if p.IsUSB {
			usb = append(usb, p.String())
		} else {
			other = append(other, p.Path)
		}
	}
	switch len(usb) {
	case 1:
		for _, p := range ports {
			if p.IsUSB {
				return p.Path, nil
			}
		}
	case 0:
		if len(other) == 0 {
			return "", fmt.Errorf("auto: no serial ports found")
		}
		return "", fmt.Errorf("auto: no USB serial port found; other ports: %s", strings.Join(other, ", "))
	}
	return "", fmt.Errorf("auto: %d USB serial ports, choose one: %s", len(usb), strings.Join(usb, ", "))
}
