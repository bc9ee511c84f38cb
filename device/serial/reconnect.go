package serial

import (
	"time"

	"atbench/device"

	"go.bug.st/serial"
)

// reconnectLoop waits for the port to be lost, reports it, and reopens it
// with backoff until it is back or the port is closed.
func (p *Port) reconnectLoop() {
	defer p.loop.Done()
	for {
		var cause error
		select {
		case <-p.quit:
			return
		case cause = <-p.lost:
		}
		p.send(device.Status{State: device.Disconnected, Cause: cause})
		for attempt := 1; ; attempt++ {
			t := time.NewTimer(p.backoff(attempt))
			select {
			case <-p.quit:
				t.Stop()
				return
			case <-t.C:
			}
			if p.reopen() {
				p.send(device.Status{State: device.Reconnected})
				break
			}
		}
	}
}

// reopen tries once to open the port again with the same settings. It
// reports whether the port is back.
func (p *Port) reopen() bool {
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
			return false // not plugged in again yet
		}
	}
	sp, err := p.openFn(path, &mode, p.rtscts)
	if err != nil {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		sp.Close()
		return false
	}
	p.path = path
	p.cur = &conn{sp: sp}
	close(p.up)
	return true
}

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
