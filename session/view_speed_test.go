package session_test

import (
	"testing"

	"atbench/device/emulator"
	rtkfw "atbench/device/emulator/realtek"
	"atbench/protocol/realtek"
	"atbench/session"
)

// TestViewCarriesTheDemoClock: a view says how fast the emulator's
// modelled timers run, so the screen can say so.
func TestViewCarriesTheDemoClock(t *testing.T) {
	for _, speed := range []float64{0, 60} {
		m, err := emulator.New(emulator.Config{Firmware: rtkfw.New, Speed: speed})
		if err != nil {
			t.Fatal(err)
		}
		s, err := session.New(m, session.Options{Dialect: realtek.New()})
		if err != nil {
			t.Fatal(err)
		}
		got := s.View(0, 1).ClockSpeed
		s.Close()
		if want := m.ClockSpeed(); got != want || (speed == 60 && got != 60) {
			t.Errorf("speed %g: the view says %g, the emulator %g", speed, got, want)
		}
	}
}
