package realtek

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
		err  error
	}{
		{"AT+TEST", Command{Name: "AT+TEST"}, nil},
		{"AT+TEST\r\n", Command{Name: "AT+TEST"}, nil},
		{"AT+TEST\r", Command{Name: "AT+TEST"}, nil},
		{"AT+TEST\n", Command{Name: "AT+TEST"}, nil},
		{"AT+TEST=0,hello", Command{Name: "AT+TEST", Args: []string{"0", "hello"}, HasArgs: true}, nil},
		{"AT+SKTQUERY=", Command{Name: "AT+SKTQUERY", Args: []string{""}, HasArgs: true}, nil},
		{"AT+SKTCFG=2000,2000,,1,60,10,3", Command{Name: "AT+SKTCFG", Args: []string{"2000", "2000", "", "1", "60", "10", "3"}, HasArgs: true}, nil},
		{"AT+SKTSERVER=1,1,,1234,1", Command{Name: "AT+SKTSERVER", Args: []string{"1", "1", "", "1234", "1"}, HasArgs: true}, nil},
		{"AT+SKTSERVER=0,3,1,4433,1", Command{Name: "AT+SKTSERVER", Args: []string{"0", "3", "1", "4433", "1"}, HasArgs: true}, nil},
		{"AT+SKTCLIENT=1,1,,192.168.0.100,6666,,1", Command{Name: "AT+SKTCLIENT", Args: []string{"1", "1", "", "192.168.0.100", "6666", "", "1"}, HasArgs: true}, nil},
		{"AT+SKTCLIENT=0,0,,192.168.1.10,6666,12345,1", Command{Name: "AT+SKTCLIENT", Args: []string{"0", "0", "", "192.168.1.10", "6666", "12345", "1"}, HasArgs: true}, nil},
		{"AT+SKTSEND=0,6,,,Hello!", Command{Name: "AT+SKTSEND", Args: []string{"0", "6", "", "", "Hello!"}, HasArgs: true}, nil},
		{"AT+SKTSEND=3,10,192.168.1.101,61409,Lwip_Test!", Command{Name: "AT+SKTSEND", Args: []string{"3", "10", "192.168.1.101", "61409", "Lwip_Test!"}, HasArgs: true}, nil},
		// SKTSEND data goes through the escaping parser, as in the firmware.
		{"AT+SKTSEND=0,5,,,b\\,c\\\\", Command{Name: "AT+SKTSEND", Args: []string{"0", "5", "", "", "b,c\\"}, HasArgs: true}, nil},
		{"AT+SKTSEND=0,3,,,a,b", Command{Name: "AT+SKTSEND", Args: []string{"0", "3", "", "", "a", "b"}, HasArgs: true}, nil},
		{"AT+SKTSEND=0,2,,,\\q", Command{}, ErrBadEscape},
		{"AT+SKTSEND=0,6", Command{Name: "AT+SKTSEND", Args: []string{"0", "6"}, HasArgs: true}, nil},
		// SKTSENDRAW goes through the advance parser.
		{"AT+SKTSENDRAW=3,10,192.168.0.103,61468", Command{Name: "AT+SKTSENDRAW", Args: []string{"3", "10", "192.168.0.103", "61468"}, HasArgs: true}, nil},
		{"AT+SKTSENDRAW=0,a\\,b\\\\c", Command{Name: "AT+SKTSENDRAW", Args: []string{"0", "a,b\\c"}, HasArgs: true}, nil},
		{"AT+SKTSENDRAW=0,a\\b", Command{}, ErrBadEscape},
		{"AT+SKTSENDRAW=0,a\\", Command{}, ErrBadEscape},
		// Other commands keep backslashes as they are.
		{"AT+TEST=0,a\\,b", Command{Name: "AT+TEST", Args: []string{"0", "a\\", "b"}, HasArgs: true}, nil},
		{"at+test", Command{}, ErrNotAT},
		{"At+TEST", Command{}, ErrNotAT},
		{"", Command{}, ErrNotAT},
		{"+TEST", Command{}, ErrNotAT},
		{"AT", Command{Name: "AT"}, nil},
		{"AT+sktstate", Command{Name: "AT+sktstate"}, nil},
		{"AT+X=" + strings.Repeat(",", 21), Command{Name: "AT+X", Args: make([]string, 22), HasArgs: true}, nil},
		{"AT+X=" + strings.Repeat(",", 22), Command{}, ErrTooManyArgs},
	}
	for _, tt := range tests {
		got, err := ParseCommand([]byte(tt.line))
		if !errors.Is(err, tt.err) {
			t.Errorf("ParseCommand(%q) error = %v, want %v", tt.line, err, tt.err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseCommand(%q) = %#v, want %#v", tt.line, got, tt.want)
		}
	}
}

func TestSplitAdvance(t *testing.T) {
	got, err := SplitAdvance(`param1,head\,tail,param3`)
	if err != nil || !reflect.DeepEqual(got, []string{"param1", "head,tail", "param3"}) {
		t.Fatalf("got %q, %v", got, err)
	}
	got, err = SplitAdvance(`param1,head\\tail,param3`)
	if err != nil || !reflect.DeepEqual(got, []string{"param1", `head\tail`, "param3"}) {
		t.Fatalf("got %q, %v", got, err)
	}
	if _, err := SplitAdvance(`x\n`); !errors.Is(err, ErrBadEscape) {
		t.Fatalf("bad escape: %v", err)
	}
}

// escapeAdvance is the inverse of SplitAdvance for one field.
func escapeAdvance(s string) string {
	return strings.NewReplacer(`\`, `\\`, `,`, `\,`).Replace(s)
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{
		"AT+SKTCFG=2000,2000,,1,60,10,3",
		"AT+SKTQUERY",
		"AT+SKTSERVER=1,1,,1234,1",
		"AT+SKTSERVER=2,0,,4321,0",
		"AT+SKTSERVER=0,3,1,4433,1",
		"AT+SKTCLIENT=1,1,,192.168.0.100,6666,,1",
		"AT+SKTCLIENT=0,0,,192.168.1.10,6666,12345,1",
		"AT+SKTCLIENT=5,2,,192.168.1.10,4433,,1",
		"AT+SKTSEND=0,6,,,Hello!",
		"AT+SKTSEND=3,10,192.168.1.101,61409,Lwip_Test!",
		"AT+SKTSEND=2,5,,,12345",
		"AT+SKTREAD=1,10",
		"AT+SKTSENDRAW=0,6",
		"AT+SKTSENDRAW=3,10,192.168.0.103,61468",
		"AT+SKTSTATE",
		"AT+SKTDEL=0",
		"AT+TEST=0,hi\r\n",
		"AT+WLCONN=ssid,atbench-ap,pw,secret",
		"AT+WLSCAN=ssid,x,ch,1:6:11",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		cmd, err := ParseCommand(line)
		if err != nil {
			return
		}
		if !strings.HasPrefix(cmd.Name, "AT") || strings.Contains(cmd.Name, "=") {
			t.Fatalf("bad name %q", cmd.Name)
		}
		if len(cmd.Args) > MaxArgc-1 {
			t.Fatalf("%d args", len(cmd.Args))
		}
		if !cmd.HasArgs {
			if cmd.Args != nil {
				t.Fatalf("args without '='")
			}
			return
		}
		params := string(trimEnding(line))[len(cmd.Name)+1:]
		fields := cmd.Args
		if UsesAdvanceParser(cmd.Name) {
			fields = make([]string, len(cmd.Args))
			for i, a := range cmd.Args {
				fields[i] = escapeAdvance(a)
			}
		}
		if j := strings.Join(fields, ","); j != params {
			t.Fatalf("round trip: %q != %q", j, params)
		}
	})
}
