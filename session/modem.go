package session

import (
	"fmt"
	"time"

	"atbench/device"
)

// ModemControl is offered by devices with modem control lines (serial
// ports). Many boards reset the module through DTR or RTS.
type ModemControl interface {
	SetDTR(on bool) error
	SetRTS(on bool) error
	Break(d time.Duration) error
}

// SetDTR drives the DTR line and notes it in the transcript.
func (s *Session) SetDTR(on bool) error {
	return s.modem(fmt.Sprintf("DTR %s", onOff(on)), func(m ModemControl) error { return m.SetDTR(on) })
}

// SetRTS drives the RTS line and notes it in the transcript.
func (s *Session) SetRTS(on bool) error {
	return s.modem(fmt.Sprintf("RTS %s", onOff(on)), func(m ModemControl) error { return m.SetRTS(on) })
}

// Break sends a break of duration d and notes it in the transcript.
func (s *Session) Break(d time.Duration) error {
	return s.modem(fmt.Sprintf("break %s", d), func(m ModemControl) error { return m.Break(d) })
}

func (s *Session) modem(what string, op func(ModemControl) error) error {
	m, ok := s.dev.(ModemControl)
	if !ok {
		return fmt.Errorf("%s: the %s has no modem control lines", what, s.dev.Info().Kind)
	}
	if err := op(m); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	s.mu.Lock()
	s.noteLocked("%s", what)
	// A remote server may leave the change unconfirmed (ser2net in front
	// of a pty never answers DTR/RTS): say so once per new word of it.
	if lr, ok := s.dev.(device.LineReporter); ok {
		if n := lr.Lines().Note; n != "" && n != s.lineNote {
			s.lineNote = n
			s.noteLocked("%s", n)
		}
	}
	s.notifyLocked()
	s.mu.Unlock()
	return nil
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}
