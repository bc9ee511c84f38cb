package wizfi

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseCommand(t *testing.T) {
	tests := []struct {
		line string
		want Command
	}{
		{"AT\r", Command{Name: "AT"}},
		{"at\r", Command{Name: "AT"}}, // C.1: "at\r" answers [OK]
		{"ATE0\r\n", Command{Name: "ATE0"}},
		{"AT+CID=?\r", Command{Name: "AT+CID", Query: true}},
		{"AT+NSTAT= ?", Command{Name: "AT+NSTAT", Query: true}},
		{"AT+NCTCP=192.168.3.2,5000\n", Command{Name: "AT+NCTCP", Args: []string{"192.168.3.2", "5000"}, HasArgs: true}},
		{"AT+SETSOCKOPT =0,6,4005,1,4", Command{Name: "AT+SETSOCKOPT", Args: []string{"0", "6", "4005", "1", "4"}, HasArgs: true}},
		{"AT+SETSOCKOPT= 0,65535,8,1,4", Command{Name: "AT+SETSOCKOPT", Args: []string{" 0", "65535", "8", "1", "4"}, HasArgs: true}},
		{"AT+NSTCP=5000,", Command{Name: "AT+NSTCP", Args: []string{"5000", ""}, HasArgs: true}},
		{"AT+WA=my net", Command{Name: "AT+WA", Args: []string{"my net"}, HasArgs: true}},
		{"AT+NCLOSEALL=", Command{Name: "AT+NCLOSEALL", Args: []string{""}, HasArgs: true}},
	}
	for _, tt := range tests {
		got, err := ParseCommand([]byte(tt.line))
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseCommand(%q) = %+v, %v; want %+v", tt.line, got, err, tt.want)
		}
	}
	for _, line := range []string{"", "A", "BT+X", "+++", "\x1bS0hi\x1bE", "AT+N CTCP=1", strings.Repeat("A", MaxLine+1)} {
		if _, err := ParseCommand([]byte(line)); StatusOf(err) != StatusInvalidInput {
			t.Errorf("ParseCommand(%q): %v, want INVALID INPUT", line, err)
		}
	}
}

func TestValidate(t *testing.T) {
	good := []string{
		"AT", "ATE0", "ATE1", "at+ver=?", "AT+BDATA=0", "AT+WWPA=secret12", "AT+WA=MyAP", "AT+WA=MyAP,,6",
		"AT+WA=MyAP,00:11:22:33:44:55,0", "AT+WD", "AT+NDHCP=1", "AT+NSET=10.0.0.2,255.0.0.0,10.0.0.1",
		"AT+NSTAT=?", "AT+NCTCP=192.168.3.2,5000", "AT+NCTCP= 192.168.3.2 , 5000", "AT+NSTCP=80", "AT+NSTCP=80,15",
		"AT+NCUDP=10.0.0.1,53", "AT+NCUDP=10.0.0.1,53,5353", "AT+NSUDP=5003", "AT+NCLOSE=f", "AT+NCLOSE=A",
		"AT+NCLOSEALL", "AT+CID=?", "AT+SETSOCKOPT= 0,6,4001,600,4",
	}
	for _, l := range good {
		c, err := ParseCommand([]byte(l))
		if err == nil {
			_, err = Validate(c)
		}
		if err != nil {
			t.Errorf("%q: %v", l, err)
		}
	}
	bad := []string{
		"AT+FOO", "ATE2", "AT+CID", "AT+CID=1", "AT+VER", "AT+NCLOSEALL=1", "AT+WD=1", "AT+NCTCP=?",
		"AT+BDATA=2", "AT+NDHCP=", "AT+WA=", "AT+WA=a,b,15", "AT+NSET=10.0.0.2,255.0.0.0",
		"AT+NCTCP=192.168.3.2", "AT+NCTCP=192.168.3,5000", "AT+NCTCP=host.example,5000", "AT+NCTCP=1.2.3.4,0",
		"AT+NCTCP=1.2.3.4,65536", "AT+NCTCP=1.2.3.4,80,1", "AT+NSTCP=80,16", "AT+NSTCP=80,0", "AT+NSTCP=x",
		"AT+NCUDP=1.2.3.4", "AT+NSUDP=", "AT+NCLOSE=10", "AT+NCLOSE=g", "AT+NCLOSE=", "AT+NCLOSE=00", "AT+NCLOSE=0x1",
		"AT+SETSOCKOPT=0,6,4001,600", "AT+SETSOCKOPT=0,7,4001,600,4", "AT+SETSOCKOPT=0,6,8,1,4",
		"AT+SETSOCKOPT=0,6,4001,600,3", "AT+SETSOCKOPT=x,6,4001,600,4",
	}
	for _, l := range bad {
		c, err := ParseCommand([]byte(l))
		if err == nil {
			_, err = Validate(c)
		}
		var re *ResultError
		if !errors.As(err, &re) || re.Status != StatusInvalidInput || re.Reason == "" {
			t.Errorf("%q: %v, want INVALID INPUT with a reason", l, err)
		}
	}
}

func TestStatusOf(t *testing.T) {
	if StatusOf(nil) != StatusOK {
		t.Error("nil is not OK")
	}
	if StatusOf(errors.New("x")) != StatusInvalidInput {
		t.Error("a plain error is not INVALID INPUT")
	}
	wrapped := errors.Join(errors.New("ctx"), &ResultError{Status: StatusNoCID})
	if StatusOf(wrapped) != StatusNoCID {
		t.Error("a wrapped NO CID is lost")
	}
	if got := (&ResultError{Status: StatusSocketFailure, Reason: "bind"}).Error(); got != "wizfi: ERROR: SOCKET FAILURE: bind" {
		t.Errorf("Error() = %q", got)
	}
}

func TestHostBuilders(t *testing.T) {
	if got, err := CloseCommand(11); err != nil || got != "AT+NCLOSE=b" {
		t.Errorf("CloseCommand(11) = %q, %v", got, err)
	}
	if _, err := CloseCommand(16); err == nil {
		t.Error("CloseCommand(16) accepted")
	}
	if _, err := ReadCommand(0, 10); !errors.Is(err, ErrNoRead) {
		t.Errorf("ReadCommand: %v", err)
	}
	if StateCommand != "AT+CID=?" || LineEnding != "\r" {
		t.Error("state command or line ending changed")
	}
	tests := []struct {
		name string
		got  func() ([]byte, error)
		want string
	}{
		{"send", func() ([]byte, error) { return SendFrame(0, []byte("hello")) }, "\x1bS0hello\x1bE"},
		{"send escapes", func() ([]byte, error) { return SendFrame(15, []byte("a\x1bE\r\n\x1b")) }, "\x1bSfa\x1b\x1bE\r\n\x1b\x1b\x1bE"},
		{"bulk", func() ([]byte, error) { return BulkFrame(1, []byte("a\x1bb")) }, "\x1bZ10003a\x1bb"},
		{"udp server send", func() ([]byte, error) { return UDPSendFrame(2, "192.168.3.2", 5001, []byte("x")) }, "\x1bU2192.168.3.2:5001:x\x1bE"},
	}
	for _, tt := range tests {
		got, err := tt.got()
		if err != nil || string(got) != tt.want {
			t.Errorf("%s: %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
	for name, f := range map[string]func() ([]byte, error){
		"send cid 16":   func() ([]byte, error) { return SendFrame(16, []byte("x")) },
		"send empty":    func() ([]byte, error) { return SendFrame(0, nil) },
		"bulk too long": func() ([]byte, error) { return BulkFrame(0, make([]byte, MaxBulk+1)) },
		"bulk empty":    func() ([]byte, error) { return BulkFrame(0, nil) },
		"bulk cid":      func() ([]byte, error) { return BulkFrame(-1, []byte("x")) },
		"udp bad ip":    func() ([]byte, error) { return UDPSendFrame(0, "host", 1, []byte("x")) },
		"udp bad port":  func() ([]byte, error) { return UDPSendFrame(0, "1.2.3.4", 0, []byte("x")) },
		"udp empty":     func() ([]byte, error) { return UDPSendFrame(0, "1.2.3.4", 1, nil) },
		"udp cid":       func() ([]byte, error) { return UDPSendFrame(16, "1.2.3.4", 1, []byte("x")) },
	} {
		if got, err := f(); err == nil {
			t.Errorf("%s: %q accepted", name, got)
		}
	}
	if got, err := BulkFrame(0, make([]byte, MaxBulk)); err != nil || string(got[:7]) != "\x1bZ09999" {
		t.Errorf("largest bulk frame: %q, %v", got[:7], err)
	}
}
