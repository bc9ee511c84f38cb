package inventek

import (
	"strings"
	"testing"
)

func TestFormatBytes(t *testing.T) {
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		// B.1: the prompt alone at power-up; the OK terminator.
		{"power-up prompt", FormatPrompt(), "> "},
		{"ok with data", FormatOK([]byte("1")), "\r\n1\r\nOK\r\n> "},
		{"ok without data", FormatOK(nil), "\r\n\r\nOK\r\n> "},
		{"raw data", FormatOK([]byte("a\r\nOK\r\n> b")), "\r\na\r\nOK\r\n> b\r\nOK\r\n> "},
		// B.1: the real capture of a failed join.
		{"failed join (capture)", FormatError([]byte(JoinStartText("Grove Island")+"\r\n"+JoinFailedText), ErrUnknownError, Usage("C0")),
			"\r\n[JOIN   ] Grove Island\r\n[JOIN   ] Failed\r\nERROR: Unknown Error\r\nUsage: C0 \r\n> "},
		{"error without data", FormatError(nil, ErrInvalidParam, Usage("S3")), "\r\nERROR: Invalid Parameter\r\nUsage: S3=<length> \r\n> "},
		// B.2: C0's success line.
		{"join", FormatLines(JoinText("SSID", "192.168.2.18")), "\r\n[JOIN   ] SSID,192.168.2.18,0,0\r\nOK\r\n> "},
		// B.3: the real P6=1 reply.
		{"connecting (capture)", FormatLines(ConnectingText("192.168.1.2")), "\r\n[TCP  RC] Connecting to 192.168.1.2\r\nOK\r\n> "},
		{"count", FormatCount(1460), "\r\n1460\r\nOK\r\n> "},
		{"lost", FormatLost(), "\r\n-1\r\nOK\r\n> "},
		{"accepted", FormatEvent(AcceptedText("192.168.10.100", 34489)), "\r\n[TCP SVR] Accepted 192.168.10.100:34489\r\n> "},
		{"killed", FormatLines(KilledText), "\r\n[TCP TSK] Killed\r\nOK\r\n> "},
		{"transport", FormatLines(FormatTransport(Transport{Proto: 1, LocalIP: "192.168.1.94", RemoteIP: "192.168.1.94",
			RemotePort: 13001, Backlog: 1, KeepMillis: KeepDefault})),
			"\r\n1,192.168.1.94,0,192.168.1.94,13001,0,0,1,0,0,0,7200000\r\nOK\r\n> "},
		{"info", FormatLines(FormatInfo(Info{"ISM43362-M3G-L44-SPI", "C3.5.2.3.BETA9", "v3.5.2", "v1.4.0.rc1", "v8.2.1", 120000000, "Inventek eS-WiFi"})),
			"\r\nISM43362-M3G-L44-SPI,C3.5.2.3.BETA9,v3.5.2,v1.4.0.rc1,v8.2.1,120000000,Inventek eS-WiFi\r\nOK\r\n> "},
		{"scan", FormatLines(FormatScanLine(1, ScanResult{"MyAP", "C4:7F:51:8E:2A:10", -45, "72.2", "Infrastructure", "WPA2", "2.4GHz", 6}),
			FormatScanLine(12, ScanResult{"x,y", "00:11:22:33:44:55", -90, "1.0", "Infrastructure", "Open", "2.4GHz", 11})),
			"\r\n#001,\"MyAP\",C4:7F:51:8E:2A:10,-45,72.2,Infrastructure,WPA2,2.4GHz,6\r\n" +
				"#012,\"x,y\",00:11:22:33:44:55,-90,1.0,Infrastructure,Open,2.4GHz,11\r\nOK\r\n> "},
		{"read settings", FormatLines(FormatReadSettings(1460, 1)), "\r\n1460,1\r\nOK\r\n> "},
	}
	for _, tt := range tests {
		if string(tt.got) != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, tt.got, tt.want)
		}
	}
}

// seedReplies are the seed transcript's commands and the lines the module
// printed for each (inventek-multi-accept.txt, comments dropped; the
// transcript omits PK's OK, which its table gives as "Ok").
var seedReplies = []struct {
	cmd     string
	payload string
	module  []byte
	lines   []string
}{
	{"PK=1,3000", "", FormatOK(nil), []string{"OK"}},
	{"P1=0", "", FormatOK(nil), []string{"OK"}},
	{"P2=5024", "", FormatOK(nil), []string{"OK"}},
	{"P8=6", "", FormatOK(nil), []string{"OK"}},
	{"P5=11", "", FormatLines(MultiAcceptSetup, WaitingText),
		[]string{"[TCP TSK] Multi-Accept Setup", "[TCP SVR] Waiting on connection …", "OK"}},
	{"", "", FormatEvent(AcceptedText("192.168.10.100", 34489)), []string{"[TCP SVR] Accepted 192.168.10.100:34489"}},
	{"R0", "", FormatOK([]byte("Data from 192.168.10.100")), []string{"Data from 192.168.10.100", "OK"}},
	{"S3=1", "1", FormatCount(1), []string{"1", "OK"}},
	{"P5=10", "", FormatLines(WaitingText), []string{"[TCP SVR] Waiting on connection …", "OK"}},
	{"", "", FormatEvent(AcceptedText("192.168.10.100", 34504)), []string{"[TCP SVR] Accepted 192.168.10.100:34504"}},
	{"R0", "", FormatOK([]byte("Data from 192.168.10.100")), []string{"Data from 192.168.10.100", "OK"}},
	{"S3=1", "2", FormatCount(1), []string{"1", "OK"}},
	{"P5=0", "", FormatLines(KilledText), []string{"[TCP TSK] Killed", "OK"}},
}

// TestSeedReplies checks every reply of the seed transcript: the module's
// bytes, cut into lines at CR LF without the empty lines and the prompt,
// are the transcript's lines, and each answer ends with the prompt.
func TestSeedReplies(t *testing.T) {
	for i, r := range seedReplies {
		s := string(r.module)
		if !strings.HasSuffix(s, "\r\n"+Prompt) || !strings.HasPrefix(s, "\r\n") {
			t.Errorf("%d %s: %q does not run from CR LF to the prompt", i, r.cmd, s)
		}
		var got []string
		for _, l := range strings.Split(strings.TrimSuffix(s, Prompt), "\r\n") {
			if l != "" {
				got = append(got, l)
			}
		}
		if strings.Join(got, "|") != strings.Join(r.lines, "|") {
			t.Errorf("%d %s: lines %q, want %q", i, r.cmd, got, r.lines)
		}
	}
	// The whole transcript, each line of it found in the seed file in order.
	seed := readSeed(t)
	at := 0
	for _, r := range seedReplies {
		for _, l := range r.lines {
			if l == "OK" && r.cmd == "PK=1,3000" {
				continue // the transcript leaves it out
			}
			j := strings.Index(seed[at:], l)
			if j < 0 {
				t.Fatalf("line %q not found in the seed after offset %d", l, at)
			}
			at += j + len(l)
		}
	}
}
