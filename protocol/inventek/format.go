package inventek

import (
	"fmt"
	"strconv"
	"strings"
)

// The module's answers and messages as bytes (B.1 and the seed transcript).
// The emulator firmware writes them; tests check the parsers against them.

// Ellipsis ends "[TCP SVR] Waiting on connection": the seed transcript
// shows U+2026 (UNCONFIRMED: the web page may have turned "..." into it).
// The parsers accept both.
const Ellipsis = "…"

// Prompt is what ends every answer and what the module prints at power-up:
// "> " with no line ending. The host waits for it before the next command.
const Prompt = "> "

// okTail ends every successful answer.
const okTail = "\r\nOK\r\n" + Prompt

// Event texts, without line endings.
const (
	MultiAcceptSetup = "[TCP TSK] Multi-Accept Setup"
	WaitingText      = "[TCP SVR] Waiting on connection " + Ellipsis
	KilledText       = "[TCP TSK] Killed"
	acceptedPrefix   = "[TCP SVR] Accepted "
	joinPrefix       = "[JOIN   ] "
	connectingPrefix = "[TCP  RC] Connecting to "
	somaPrefix       = "[SOMA]"
	eomaSuffix       = "[EOMA]"
)

// FormatPrompt is the prompt alone, as printed at power-up.
func FormatPrompt() []byte { return []byte(Prompt) }

// FormatOK is a successful answer: "\r\n<data>\r\nOK\r\n> ". data is raw
// (an R0 answer may hold any bytes); an answer with no data is
// "\r\n\r\nOK\r\n> ".
func FormatOK(data []byte) []byte {
	b := make([]byte, 0, 2+len(data)+len(okTail))
	b = append(b, "\r\n"...)
	b = append(b, data...)
	return append(b, okTail...)
}

// FormatLines is a successful answer whose data is lines joined by CR LF.
func FormatLines(lines ...string) []byte {
	return FormatOK([]byte(strings.Join(lines, "\r\n")))
}

// FormatError is a failed answer: "\r\n[<data>\r\n]<errLine>\r\n<usage>\r\n> ".
// data holds lines printed before the error (a failed join's [JOIN   ]
// lines), joined by CR LF, or is empty; usage is a whole "Usage: ..." line
// (see Usage).
func FormatError(data []byte, errLine, usage string) []byte {
	b := make([]byte, 0, 2+len(data)+len(errLine)+len(usage)+8)
	b = append(b, "\r\n"...)
	if len(data) > 0 {
		b = append(b, data...)
		b = append(b, "\r\n"...)
	}
	b = append(b, errLine...)
	b = append(b, "\r\n"...)
	b = append(b, usage...)
	b = append(b, "\r\n"...)
	return append(b, Prompt...)
}

// Usage is the usage line printed after an error of the named command:
// "Usage: " and the command's syntax, then a space, as in the captured
// "Usage: C0 ". An unknown name gets the general form.
func Usage(name string) string {
	if c, ok := specFor(strings.ToUpper(name)); ok {
		return "Usage: " + c.Syntax + " "
	}
	return "Usage: <command>[=<value>] "
}

// FormatEvent is an unsolicited message printed between answers, such as
// "[TCP SVR] Accepted 192.168.10.100:34489": CR LF, the text, CR LF and the
// prompt again, so that the host may type (UNCONFIRMED: the seed shows the
// prompt after the accept line, not where it comes from).
func FormatEvent(text string) []byte {
	return []byte("\r\n" + text + "\r\n" + Prompt)
}

// AcceptedText is the accept message of a TCP server.
func AcceptedText(ip string, port int) string {
	return acceptedPrefix + ip + ":" + strconv.Itoa(port)
}

// JoinText is C0's success line: "[JOIN   ] <ssid>,<ip>,0,0".
func JoinText(ssid, ip string) string { return joinPrefix + ssid + "," + ip + ",0,0" }

// JoinStartText is the first line of a join: "[JOIN   ] <ssid>".
func JoinStartText(ssid string) string { return joinPrefix + ssid }

// JoinFailedText is the line of a failed join.
const JoinFailedText = joinPrefix + "Failed"

// ConnectingText is P6=1's line: "[TCP  RC] Connecting to <ip>".
func ConnectingText(ip string) string { return connectingPrefix + ip }

// FormatCount is S0's or S3's answer: the bytes sent.
func FormatCount(n int) []byte { return FormatOK(strconv.AppendInt(nil, int64(n), 10)) }

// FormatLost is the "-1" answer of R0, S0 or S3 once the connection is gone.
func FormatLost() []byte { return FormatOK([]byte(Lost)) }

// Transport is a socket's settings as P? shows them, in its field order.
// The first ten fields follow ST's AT_ParseTransportSettings; the last two
// (keepalive on and its time in ms, 7200000 when PK was never given) come
// from a P? answer quoted in a Rust driver's tests (UNCONFIRMED).
type Transport struct {
	Proto      int // P1: 0 TCP, 1 UDP, 2 UDP-Lite, 3 TCP-SSL
	LocalIP    string
	LocalPort  int
	RemoteIP   string
	RemotePort int
	TCPServer  int // 1 while the TCP server runs
	UDPServer  int // 1 while the UDP server runs
	Backlog    int // P8
	AcceptLoop int // 1 in multi-accept mode (P5=11)
	ReadMode   int
	Keepalive  int // PK's enable
	KeepMillis int // PK's time
	// HasKeepalive reports that the last two fields were present (set by
	// ParseTransport; FormatTransport always prints them).
	HasKeepalive bool
}

// FormatTransport is P?'s data line (FormatLines makes the answer).
func FormatTransport(t Transport) string {
	return fmt.Sprintf("%d,%s,%d,%s,%d,%d,%d,%d,%d,%d,%d,%d", t.Proto, t.LocalIP, t.LocalPort, t.RemoteIP, t.RemotePort,
		t.TCPServer, t.UDPServer, t.Backlog, t.AcceptLoop, t.ReadMode, t.Keepalive, t.KeepMillis)
}

// Info is what I? reports.
type Info struct {
	Product  string // "ISM43362-M3G-L44-UART"
	Firmware string // "C3.5.2.5.STM"
	API      string
	Stack    string
	RTOS     string
	CPUClock int    // Hz
	Name     string // "Inventek eS-WiFi"
}

// FormatInfo is I?'s data line.
func FormatInfo(i Info) string {
	return fmt.Sprintf("%s,%s,%s,%s,%s,%d,%s", i.Product, i.Firmware, i.API, i.Stack, i.RTOS, i.CPUClock, i.Name)
}

// ScanResult is one network found by F0.
type ScanResult struct {
	SSID     string
	MAC      string // "C4:7F:51:8E:2A:10"
	RSSI     int    // dBm
	Rate     string // "72.2"
	Mode     string // "Infrastructure"
	Security string // "Open", "WEP", "WPA", "WPA2", "WPA WPA2", "WPA2 TKIP"
	Band     string // "2.4GHz"
	Channel  int
}

// FormatScanLine is one F0 line; idx counts from 1.
func FormatScanLine(idx int, r ScanResult) string {
	return fmt.Sprintf("#%03d,\"%s\",%s,%d,%s,%s,%s,%s,%d", idx, r.SSID, r.MAC, r.RSSI, r.Rate, r.Mode, r.Security, r.Band, r.Channel)
}

// FormatReadSettings is R?'s data line: "<R1 size>,<R2 timeout>"
// (UNCONFIRMED layout).
func FormatReadSettings(size, timeoutMs int) string {
	return strconv.Itoa(size) + "," + strconv.Itoa(timeoutMs)
}
