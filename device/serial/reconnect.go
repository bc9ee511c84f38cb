package serial

import (
	"context"
	"errors"

	"go.bug.st/serial"
)

// reopen opens the port again with the same settings and modem lines, at
// the path where its USB serial number is now. It is the reconnect loop's
// dial.
func (p *Port) reopen(context.Context) (serial.Port, error) {
	p.mu.Lock()
	path, serialNo := p.path, p.serialNo
	mode := *p.mode
	if p.dtr != nil || p.rts != nil {
		bits := serial.ModemOutputBits{DTR: true, RTS: true}
		if p.dtr != nil {
			bits.DTR = *p.dtr
		}
		if p.rts != nil {
			bits.RTS = *p.rts
		}
		mode.InitialStatusBits = &bits
	}
	p.mu.Unlock()

	if serialNo != "" {
		var ok bool
		if path, ok = p.findSerial(path, serialNo); !ok {
			return nil, errNotBack
		}
	}
	sp, err := p.openFn(path, &mode, p.rtscts)
	if err != nil {
		return nil, err
	}
	if serialNo == "" {
		// A port that was awaited is known only now.
		serialNo = usbSerial(path, p.list)
	}
	p.mu.Lock()
	p.path = path
	p.serialNo = serialNo
	p.mu.Unlock()
	return sp, nil
}

// errNotBack is a reopen that found no port with the serial number yet.
var errNotBack = errors.New("not plugged in again yet")

// findSerial finds where the USB port with this serial number is now. When
// listing fails it falls back to the old path.
func (p *Port) findSerial(old, serialNo string) (string, bool) {
	ports, err := p.list()
	if err != nil {
		return old, true
	}
	for _, q := range ports {
		if q.IsUSB && q.SerialNumber == serialNo {
			return q.Path, true
		}
	}
	return "", false
}
