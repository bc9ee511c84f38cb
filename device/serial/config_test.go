package serial

import (
	"strings"
	"testing"
	"time"

	"go.bug.st/serial"
)

func TestModeParity(t *testing.T) {
	cases := map[string]serial.Parity{
		"":       serial.NoParity,
		"none":   serial.NoParity,
		"NONE":   serial.NoParity,
		"odd":    serial.OddParity,
		"Odd":    serial.OddParity,
		"even":   serial.EvenParity,
		"EVEN":   serial.EvenParity,
		" even ": serial.EvenParity,
		"mark":   serial.MarkParity,
		"Mark":   serial.MarkParity,
		"space":  serial.SpaceParity,
		"SPACE":  serial.SpaceParity,
	}
	for in, want := range cases {
		m, err := Config{Parity: in}.Mode()
		if err != nil {
			t.Errorf("parity %q: %v", in, err)
			continue
		}
		if m.Parity != want {
			t.Errorf("parity %q → %v, want %v", in, m.Parity, want)
		}
	}
	// The five names must reach five different parities.
	seen := map[serial.Parity]string{}
	for _, in := range []string{"none", "odd", "even", "mark", "space"} {
		m, _ := Config{Parity: in}.Mode()
		if prev, ok := seen[m.Parity]; ok {
			t.Errorf("parity %q and %q both map to %v", prev, in, m.Parity)
		}
		seen[m.Parity] = in
	}
}

func TestModeStopBitsDataBitsBaud(t *testing.T) {
	stop := map[string]serial.StopBits{
		"": serial.OneStopBit, "1": serial.OneStopBit, "1.5": serial.OnePointFiveStopBits, "2": serial.TwoStopBits,
	}
	for in, want := range stop {
		m, err := Config{StopBits: in}.Mode()
		if err != nil || m.StopBits != want {
			t.Errorf("stop bits %q → %v, %v; want %v", in, m, err, want)
		}
	}
	for in, want := range map[int]int{0: 8, 5: 5, 6: 6, 7: 7, 8: 8} {
		m, err := Config{DataBits: in}.Mode()
		if err != nil || m.DataBits != want {
			t.Errorf("data bits %d → %v, %v; want %d", in, m, err, want)
		}
	}
	for in, want := range map[int]int{0: 115200, 9600: 9600, 921600: 921600, 250000: 250000} {
		m, err := Config{Baud: in}.Mode()
		if err != nil || m.BaudRate != want {
			t.Errorf("baud %d → %v, %v; want %d", in, m, err, want)
		}
	}
	m, err := Config{}.Mode()
	if err != nil {
		t.Fatal(err)
	}
	want := serial.Mode{BaudRate: 115200, DataBits: 8, Parity: serial.NoParity, StopBits: serial.OneStopBit}
	if *m != want {
		t.Errorf("zero Config → %+v, want %+v", *m, want)
	}
}

func TestModeFlow(t *testing.T) {
	for in, want := range map[string]bool{"": false, "none": false, "rtscts": true, "RTSCTS": true} {
		got, err := Config{Flow: in}.rtscts()
		if err != nil || got != want {
			t.Errorf("flow %q → %v, %v; want %v", in, got, err, want)
		}
		if _, err := (Config{Flow: in}).Mode(); err != nil {
			t.Errorf("flow %q: Mode: %v", in, err)
		}
	}
}

func TestModeErrors(t *testing.T) {
	cases := []struct {
		cfg  Config
		want string
	}{
		{Config{Baud: -1}, "baud rate -1"},
		{Config{DataBits: 4}, "data bits 4"},
		{Config{DataBits: 9}, "data bits 9"},
		{Config{Parity: "e"}, `parity "e"`},
		{Config{Parity: "evn"}, `parity "evn"`},
		{Config{StopBits: "3"}, `stop bits "3"`},
		{Config{StopBits: "one"}, `stop bits "one"`},
		{Config{Flow: "xonxoff"}, `flow control "xonxoff"`},
	}
	for _, c := range cases {
		m, err := c.cfg.Mode()
		if err == nil {
			t.Errorf("%+v: got mode %+v, want an error", c.cfg, m)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %q does not name %q", c.cfg, err, c.want)
		}
	}
}

func TestDefaultBackoff(t *testing.T) {
	want := []time.Duration{100, 200, 400, 800, 1600, 3200, 5000, 5000}
	for i, w := range want {
		if got := defaultBackoff(i + 1); got != w*time.Millisecond {
			t.Errorf("attempt %d: %v, want %v", i+1, got, w*time.Millisecond)
		}
	}
	if got := defaultBackoff(1 << 30); got != 5*time.Second {
		t.Errorf("attempt 2^30: %v, want 5s", got)
	}
}

func TestAuto(t *testing.T) {
	usb := func(path, sn string) PortInfo {
		return PortInfo{Path: path, IsUSB: true, VID: "0403", PID: "6001", SerialNumber: sn, Product: "FT232R"}
	}
	got, err := Auto([]PortInfo{{Path: "/dev/ttyS0"}, usb("/dev/ttyUSB0", "A1")})
	if err != nil || got != "/dev/ttyUSB0" {
		t.Errorf("one USB port: %q, %v", got, err)
	}

	_, err = Auto([]PortInfo{usb("/dev/ttyUSB0", "A1"), usb("/dev/ttyUSB1", "B2")})
	if err == nil {
		t.Fatal("two USB ports: no error")
	}
	for _, s := range []string{"2 USB serial ports", "/dev/ttyUSB0 (0403:6001 A1 FT232R)", "/dev/ttyUSB1 (0403:6001 B2 FT232R)"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("two USB ports: error %q lacks %q", err, s)
		}
	}

	_, err = Auto([]PortInfo{{Path: "/dev/ttyS0"}, {Path: "/dev/ttyAMA0"}})
	if err == nil || !strings.Contains(err.Error(), "no USB serial port") || !strings.Contains(err.Error(), "/dev/ttyS0, /dev/ttyAMA0") {
		t.Errorf("no USB port: %v", err)
	}
	if _, err := Auto(nil); err == nil || !strings.Contains(err.Error(), "no serial ports") {
		t.Errorf("no ports: %v", err)
	}
}

func TestListDoesNotFail(t *testing.T) {
	ports, err := List()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ports {
		if p.Path == "" {
			t.Errorf("port without a path: %+v", p)
		}
	}
}

func TestMaybeUSB(t *testing.T) {
	for path, want := range map[string]bool{
		"/dev/ttyUSB0": true, "/dev/ttyACM1": true, "/dev/cu.usbserial-1410": true,
		"/dev/ttyS0": false, "/dev/pts/3": false, "/dev/ttyAMA0": false,
	} {
		if got := maybeUSB(path); got != want {
			t.Errorf("maybeUSB(%q) = %v, want %v", path, got, want)
		}
	}
}
