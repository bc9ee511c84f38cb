package realtek

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"atbench/protocol"
)

func TestIdentity(t *testing.T) {
	d := New()
	if d.Name() != "realtek" {
		t.Errorf("Name() = %q", d.Name())
	}
	if d.LineEnding() != "\r\n" {
		t.Errorf("LineEnding() = %q", d.LineEnding())
	}
	if d.StateCommand() != "AT+SKTSTATE" {
		t.Errorf("StateCommand() = %q", d.StateCommand())
	}
	fs := d.FrameSpec()
	if fs.MaxLine != 2000 || len(fs.Prompts) != 0 || fs.Payload == nil {
		t.Errorf("FrameSpec() = MaxLine %d, Prompts %q, Payload nil %v", fs.MaxLine, fs.Prompts, fs.Payload == nil)
	}
	if want := []string{"[$][SKT][DATA][", "+SKTREAD:"}; !reflect.DeepEqual(fs.PayloadPrefixes, want) {
		t.Errorf("PayloadPrefixes = %q, want %q", fs.PayloadPrefixes, want)
	}
	if !reflect.DeepEqual(d.Catalog(), Catalog()) {
		t.Error("Dialect.Catalog() differs from Catalog()")
	}
}

func TestClassify(t *testing.T) {
	n := protocol.NoLink
	tests := []struct {
		line string
		kind protocol.Kind
		link int
	}{
		// results
		{"OK", protocol.KindOK, n},
		{"OK\r\n", protocol.KindOK, n},
		{"OK\r", protocol.KindOK, n},
		{"ERROR: 1", protocol.KindError, n},
		{"ERROR: 4", protocol.KindError, n},
		{"ERROR: 22", protocol.KindError, n},
		{"ERROR:4", protocol.KindError, n},
		{"ERROR", protocol.KindError, n},
		{"ERROR: ", protocol.KindError, n},
		{"unknown command 'AT+FOO'", protocol.KindError, n},
		{"unknown command 'AT'", protocol.KindError, n},
		// prompts and events
		{">>>", protocol.KindPrompt, n},
		{"ATCMD READY", protocol.KindEvent, n},
		{"[$]wifi connected", protocol.KindEvent, n},
		{"[$]wifi got ip:\"192.168.1.100\"", protocol.KindEvent, n},
		{"[$]wifi connect failed", protocol.KindEvent, n},
		{"[$]wifi got ip timeout", protocol.KindEvent, n},
		{"[$]wifi disconnected", protocol.KindEvent, n},
		{"[$]wifi reconnecting", protocol.KindEvent, n},
		{"[$]wifi reconnect done", protocol.KindEvent, n},
		{"[$]client connected:\"1a:2b:3c:4d:5e:6f\"", protocol.KindEvent, n},
		{"[$]client disconnected:\"1a:2b:3c:4d:5e:6f\"", protocol.KindEvent, n},
		{"[$]assign client ip:\"192.168.43.2\",hwaddr:\"1a:2b:3c:4d:5e:6f\"", protocol.KindEvent, n},
		{"[$][TT]:High Watermark", protocol.KindEvent, n},
		{"[$][TT]: Low Watermark", protocol.KindEvent, n},
		{seedAcceptTLS, protocol.KindEvent, 1},
		{seedAcceptTLS + "\r\n", protocol.KindEvent, 1},
		{"[$][SKT][EVENT]: A client[link_id:0,seed,tcp,dst_address:127.0.0.1,dst_port:54321] connected to server[link_id:1]", protocol.KindEvent, 0},
		// a data header that reached Classify as a line
		{"[$][SKT][DATA][4][5]:hello", protocol.KindEvent, 4},
		// information
		{seedState0, protocol.KindInfo, 0},
		{seedState3, protocol.KindInfo, 3},
		{seedState1, protocol.KindInfo, 1},
		{seedState2, protocol.KindInfo, 2},
		{"link_id:x,server", protocol.KindInfo, n},
		{"+SKTREAD:1,6,Hello!", protocol.KindInfo, 1},
		{"+SKTREAD:3,5,192.168.1.101,61409,12345", protocol.KindInfo, 3},
		{"+SKTREAD:2,0,", protocol.KindInfo, 2},
		{"Global SOCKET configuration:", protocol.KindInfo, n},
		{"so_keepalive: 1", protocol.KindInfo, n},
		{"tcp_keepcnt: 0", protocol.KindInfo, n},
		{"AMEBA-RTOS SDK VERSION: 1.1", protocol.KindInfo, n},
		{"COMPILE ENV : gcc", protocol.KindInfo, n},
		{"Common AT Command:", protocol.KindInfo, n},
		{" arg len = 5", protocol.KindInfo, n},
		{"RSSI = -45", protocol.KindInfo, n},
		{"Downstream Test Start", protocol.KindInfo, n},
		{"Hello!", protocol.KindInfo, n},
		{"", protocol.KindInfo, n},
		{"OKAY", protocol.KindInfo, n},
		{"ERRORS", protocol.KindInfo, n},
		{">>>>", protocol.KindInfo, n},
	}
	d := New()
	for _, tt := range tests {
		kind, link := d.Classify([]byte(tt.line))
		if kind != tt.kind || link != tt.link {
			t.Errorf("Classify(%q) = %v, %d; want %v, %d", tt.line, kind, link, tt.kind, tt.link)
		}
	}
}

func TestPayloadComplete(t *testing.T) {
	tests := []struct {
		name   string
		line   string
		header int
		length int
		link   int
	}{
		{"tcp push", "[$][SKT][DATA][0][7]:", 21, 7, 0},
		{"tcp push with data", "[$][SKT][DATA][0][17]:hello\x1b]0;hi\x07", 22, 17, 0},
		{"udp push", "[$][SKT][DATA][3][10][192.168.1.101][61409]:", 44, 10, 3},
		{"big push", "[$][SKT][DATA][19][65535]:", 26, 65535, 19},
		{"tcp read", "+SKTREAD:1,6,Hello!", 13, 6, 1},
		{"tls read", "+SKTREAD:2,3,ABC", 13, 3, 2},
		{"udp read", "+SKTREAD:3,5,192.168.1.101,61409,12345", 33, 5, 3},
		{"udp read of nothing", "+SKTREAD:3,0,0.0.0.0,0,", 23, 0, 3},
		{"empty tcp read", "+SKTREAD:1,0,\r", 13, 0, 1},
		{"tcp read of digits", "+SKTREAD:1,5,12345", 13, 5, 1},
		{"tcp read of two dots", "+SKTREAD:1,5,1..2.", 13, 5, 1},
		{"tcp read ending in CR", "+SKTREAD:1,3,1.2\r", 13, 3, 1},
		{"tcp read of an octet over 255", "+SKTREAD:1,5,256.1", 13, 5, 1},
		{"tcp read of an address without port", "+SKTREAD:1,9,1.2.3.4:5", 13, 9, 1},
		{"tcp read of address and port without comma", "+SKTREAD:1,9,1.2.3.4,5x", 13, 9, 1},
	}
	for _, tt := range tests {
		got := Payload([]byte(tt.line))
		want := protocol.PayloadMatch{Status: protocol.Match, Header: tt.header, Length: tt.length, LinkID: tt.link}
		if got != want {
			t.Errorf("%s: Payload(%q) = %+v, want %+v", tt.name, tt.line, got, want)
		}
	}
}

// TestPayloadPrefixes checks that every proper prefix of a header asks for
// more bytes and that the whole header matches.
func TestPayloadPrefixes(t *testing.T) {
	headers := []struct {
		header string
		next   string // what follows the header in the stream
		length int
		link   int
	}{
		{"[$][SKT][DATA][0][7]:", "hel\r\nlo", 7, 0},
		{"[$][SKT][DATA][12][1460]:", "x", 1460, 12},
		{"[$][SKT][DATA][3][10][192.168.1.101][61409]:", "Lwip_Test!", 10, 3},
		{"+SKTREAD:3,5,192.168.1.101,61409,", "12345", 5, 3},
		{"+SKTREAD:3,0,0.0.0.0,0,", "\r\nOK\r\n", 0, 3},
	}
	for _, h := range headers {
		for i := 0; i < len(h.header); i++ {
			if got := Payload([]byte(h.header[:i])); got.Status != protocol.NeedMore {
				t.Errorf("Payload(%q) = %+v, want NeedMore", h.header[:i], got)
			}
		}
		line := h.header + h.next
		got := Payload([]byte(line))
		want := protocol.PayloadMatch{Status: protocol.Match, Header: len(h.header), Length: h.length, LinkID: h.link}
		if got != want {
			t.Errorf("Payload(%q) = %+v, want %+v", line, got, want)
		}
	}
	// A TCP read header is complete only once the next byte rules out the
	// UDP form; up to and including "<len>," it asks for more.
	tcp := "+SKTREAD:1,6,"
	for i := 0; i <= len(tcp); i++ {
		if got := Payload([]byte(tcp[:i])); got.Status != protocol.NeedMore {
			t.Errorf("Payload(%q) = %+v, want NeedMore", tcp[:i], got)
		}
	}
	// Text that could still become "<ipv4>,<port>," keeps asking.
	for _, s := range []string{"+SKTREAD:1,6,1", "+SKTREAD:1,6,10.0", "+SKTREAD:1,6,10.0.0.1", "+SKTREAD:1,6,10.0.0.1,", "+SKTREAD:1,6,10.0.0.1,80"} {
		if got := Payload([]byte(s)); got.Status != protocol.NeedMore {
			t.Errorf("Payload(%q) = %+v, want NeedMore", s, got)
		}
	}
}

func TestPayloadNoMatch(t *testing.T) {
	bad := []string{
		"[$][SKT][EVENT]: A client[link_id:1,seed,tls,dst_address:192.168.0.103,dst_port:49946] connected to server[link_id:0]",
		"[$]wifi connected",
		"[$][TT]:High Watermark",
		"[$][SKT][DATA][]",
		"[$][SKT][DATA][a",
		"[$][SKT][DATA][-1][5]:",
		"[$][SKT][DATA][1234][5]:",
		"[$][SKT][DATA][1)[5]:",
		"[$][SKT][DATA][1][]:",
		"[$][SKT][DATA][1][65536]:",
		"[$][SKT][DATA][1][999999",
		"[$][SKT][DATA][1][5]x",
		"[$][SKT][DATA][1][5];",
		"[$][SKT][DATA][1][5][1.2.3]",
		"[$][SKT][DATA][1][5][1.2.3.256]",
		"[$][SKT][DATA][1][5][1.2.3.4][x",
		"[$][SKT][DATA][1][5][1.2.3.4][70000]",
		"[$][SKT][DATA][1][5][1.2.3.4][80]x",
		"[$][SKT][DATA][1][5][1.2.3.4]:",
		"+SKTREAD:1\r",
		"+SKTREAD:x",
		"+SKTREAD:1,99999,",
		"+SKTREAD:1,-1,",
		"+SKTREAD:1,5:",
		"+SKTREAD:1:5,hello",
		"+SKTQUERY",
		"+WLCONN:OK",
		"OK",
		"link_id:0,server",
	}
	for _, s := range bad {
		if got := Payload([]byte(s)); got.Status != protocol.NoMatch || got.LinkID != protocol.NoLink {
			t.Errorf("Payload(%q) = %+v, want NoMatch", s, got)
		}
	}
}

// TestPayloadFraming frames a stream by hand with the rule: the payload may
// hold CR LF and is exactly Length bytes.
func TestPayloadFraming(t *testing.T) {
	stream := "[$][SKT][DATA][0][7]:hel\r\nlo\r\n"
	m := Payload([]byte(stream))
	if m.Status != protocol.Match {
		t.Fatalf("Payload = %+v", m)
	}
	if got := stream[m.Header : m.Header+m.Length]; got != "hel\r\nlo" {
		t.Errorf("payload = %q", got)
	}
	if rest := stream[m.Header+m.Length:]; rest != "\r\n" {
		t.Errorf("after payload: %q", rest)
	}
}

func TestResultLinks(t *testing.T) {
	d := New()
	errRec := func(text string) protocol.Record { return protocol.Record{Kind: protocol.KindError, Text: text} }
	got := d.ResultLinks("AT+SKTREAD=1,10", errRec("ERROR: 4"))
	// The socket is closed but the link keeps its id until AT+SKTDEL.
	want := []protocol.LinkUpdate{{ID: 1, Parent: protocol.NoLink, State: protocol.StateClosed, Reason: "peer closed (AT+SKTREAD: ERROR: 4)", Cause: protocol.CausePeer}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("SKTREAD ERROR: 4 = %+v", got)
	}
	for _, c := range []struct{ cmd, final string }{
		{"AT+SKTREAD=1,10", "ERROR: 1"},
		{"AT+SKTSEND=1,1,,,x", "ERROR: 4"},
		{"AT+SKTREAD=x,10", "ERROR: 4"},
	} {
		if got := d.ResultLinks(c.cmd, errRec(c.final)); got != nil {
			t.Errorf("%s -> %s: %+v, want nil", c.cmd, c.final, got)
		}
	}
	if got := d.ResultLinks("AT+SKTREAD=1,10", protocol.Record{Kind: protocol.KindOK, Text: "OK"}); got != nil {
		t.Errorf("OK: %+v", got)
	}
}

func TestLinks(t *testing.T) {
	n := protocol.NoLink
	tests := []struct {
		name string
		rec  protocol.Record
		want []protocol.LinkUpdate
	}{
		{"accept tls", protocol.Record{Kind: protocol.KindEvent, Text: seedAcceptTLS, LinkID: 1},
			[]protocol.LinkUpdate{{ID: 1, Present: true, Role: protocol.RoleSeed, Proto: protocol.ProtoTLS, Parent: 0,
				Remote: "192.168.0.103:49946", State: protocol.StateEstablished}}},
		{"accept tcp", protocol.Record{Kind: protocol.KindEvent,
			Text: "[$][SKT][EVENT]: A client[link_id:0,seed,tcp,dst_address:127.0.0.1,dst_port:54321] connected to server[link_id:1]"},
			[]protocol.LinkUpdate{{ID: 0, Present: true, Role: protocol.RoleSeed, Proto: protocol.ProtoTCP, Parent: 1,
				Remote: "127.0.0.1:54321", State: protocol.StateEstablished}}},
		{"state tcp server", protocol.Record{Kind: protocol.KindInfo, Text: seedState0},
			[]protocol.LinkUpdate{{ID: 0, Present: true, Role: protocol.RoleServer, Proto: protocol.ProtoTCP, Parent: n,
				Local: "192.168.0.109:6666", State: protocol.StateListen, Snapshot: true}}},
		{"state seed", protocol.Record{Kind: protocol.KindInfo, Text: seedState3},
			[]protocol.LinkUpdate{{ID: 3, Present: true, Role: protocol.RoleSeed, Proto: protocol.ProtoTCP, Parent: n,
				Remote: "192.168.0.103:49941", State: protocol.StateEstablished, Snapshot: true}}},
		{"state udp server", protocol.Record{Kind: protocol.KindInfo, Text: seedState1},
			[]protocol.LinkUpdate{{ID: 1, Present: true, Role: protocol.RoleServer, Proto: protocol.ProtoUDP, Parent: n,
				Local: "192.168.0.109:12345", State: protocol.StateBound, Snapshot: true}}},
		{"state ssl client", protocol.Record{Kind: protocol.KindInfo, Text: seedState2},
			[]protocol.LinkUpdate{{ID: 2, Present: true, Role: protocol.RoleClient, Proto: protocol.ProtoTLS, Parent: n,
				Remote: "192.168.0.103:4433", State: protocol.StateEstablished, Snapshot: true}}},
		{"state closed socket", protocol.Record{Kind: protocol.KindInfo,
			Text: "link_id:4,client,tcp,src_address:0.0.0.0,src_port:0,dst_address:10.1.2.3,dst_port:80,socket_fd:-1"},
			[]protocol.LinkUpdate{{ID: 4, Present: true, Role: protocol.RoleClient, Proto: protocol.ProtoTCP, Parent: n,
				Remote: "10.1.2.3:80", State: protocol.StateClosed, Reason: "socket closed (socket_fd:-1)", Snapshot: true}}},
		{"data push", protocol.Record{Kind: protocol.KindData, Text: "[$][SKT][DATA][0][7]:", Payload: []byte("hel\r\nlo"), LinkID: 0},
			[]protocol.LinkUpdate{{ID: 0, Parent: n, RxBytes: 7}}},
		{"data read, link from the header", protocol.Record{Kind: protocol.KindData, Text: "+SKTREAD:3,5,192.168.1.101,61409,",
			Payload: []byte("12345"), LinkID: n},
			[]protocol.LinkUpdate{{ID: 3, Parent: n, RxBytes: 5}}},
		{"data push, link from the header", protocol.Record{Kind: protocol.KindData, Text: "[$][SKT][DATA][4][2][10.0.0.9][5683]:",
			Payload: []byte{0x40, 0x00}, LinkID: n},
			[]protocol.LinkUpdate{{ID: 4, Parent: n, RxBytes: 2}}},
		{"data with no header", protocol.Record{Kind: protocol.KindData, Text: "garbage", Payload: []byte("x"), LinkID: n}, nil},
		{"empty read", protocol.Record{Kind: protocol.KindData, Text: "+SKTREAD:1,0,", LinkID: 1}, nil},
		{"tcp server", protocol.Record{Kind: protocol.KindSent, Text: "AT+SKTSERVER=1,1,,1234,1"},
			[]protocol.LinkUpdate{{ID: 1, Present: true, Role: protocol.RoleServer, Proto: protocol.ProtoTCP, Parent: n,
				Local: "0.0.0.0:1234", State: protocol.StateListen}}},
		{"udp server", protocol.Record{Kind: protocol.KindSent, Text: "AT+SKTSERVER=2,0,,4321,0\r\n"},
			[]protocol.LinkUpdate{{ID: 2, Present: true, Role: protocol.RoleServer, Proto: protocol.ProtoUDP, Parent: n,
				Local: "0.0.0.0:4321", State: protocol.StateBound}}},
		{"tls server", protocol.Record{Kind: protocol.KindSent, Text: "AT+SKTSERVER=0,3,1,4433,1"},
			[]protocol.LinkUpdate{{ID: 0, Present: true, Role: protocol.RoleServer, Proto: protocol.ProtoTLS, Parent: n,
				Local: "0.0.0.0:4433", State: protocol.StateListen}}},
		{"tcp client", protocol.Record{Kind: protocol.KindSent, Text: "AT+SKTCLIENT=1,1,,192.168.0.100,6666,,1"},
			[]protocol.LinkUpdate{{ID: 1, Present: true, Role: protocol.RoleClient, Proto: protocol.ProtoTCP, Parent: n,
				Remote: "192.168.0.100:6666", State: protocol.StateEstablished}}},
		{"udp client", protocol.Record{Kind: protocol.KindSent, Text: "AT+SKTCLIENT=0,0,,192.168.1.10,6666,12345,1"},
			[]protocol.LinkUpdate{{ID: 0, Present: true, Role: protocol.RoleClient, Proto: protocol.ProtoUDP, Parent: n,
				Local: "0.0.0.0:12345", Remote: "192.168.1.10:6666", State: protocol.StateBound}}},
		{"tls client by name", protocol.Record{Kind: protocol.KindSent, Text: "AT+SKTCLIENT=5,2,,www.example.com,4433,,1"},
			[]protocol.LinkUpdate{{ID: 5, Present: true, Role: protocol.RoleClient, Proto: protocol.ProtoTLS, Parent: n,
				Remote: "www.example.com:4433", State: protocol.StateEstablished}}},
		{"delete", protocol.Record{Kind: protocol.KindSent, Text: "AT+SKTDEL=0"},
			[]protocol.LinkUpdate{{ID: 0, Gone: true, Parent: n, Reason: "deleted (AT+SKTDEL)", Cause: protocol.CauseHost}}},
		{"peer closed during read", protocol.Record{Kind: protocol.KindError, Text: "ERROR: 4"}, nil},
		{"server with four fields", protocol.Record{Kind: protocol.KindSent, Text: "AT+SKTSERVER=1,1,1234,1"}, nil},
		{"server of bad type", protocol.Record{Kind: protocol.KindSent, Text: "AT+SKTSERVER=1,4,,1234,1"}, nil},
		{"client without host", protocol.Record{Kind: protocol.KindSent, Text: "AT+SKTCLIENT=1,1,,,6666,,1"}, nil},
		{"delete without id", protocol.Record{Kind: protocol.KindSent, Text: "AT+SKTDEL="}, nil},
		{"confirmed send counts bytes out", protocol.Record{Kind: protocol.KindSent, Text: "AT+SKTSEND=0,6,,,Hello!"},
			[]protocol.LinkUpdate{{ID: 0, Parent: n, TxBytes: 6}}},
		{"confirmed raw send counts bytes out", protocol.Record{Kind: protocol.KindSent, Text: "AT+SKTSENDRAW=3,10,192.168.0.103,61468"},
			[]protocol.LinkUpdate{{ID: 3, Parent: n, TxBytes: 10}}},
		{"send of bad size", protocol.Record{Kind: protocol.KindSent, Text: "AT+SKTSEND=0,x,,,Hello!"}, nil},
		{"echoed server line is not confirmed", protocol.Record{Kind: protocol.KindEcho, Text: "AT+SKTSERVER=1,1,,1234,1"}, nil},
		{"ok", protocol.Record{Kind: protocol.KindOK, Text: "OK"}, nil},
	}
	d := New()
	for _, tt := range tests {
		if got := d.Links(tt.rec); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: Links = %+v\nwant %+v", tt.name, got, tt.want)
		}
	}
}

func TestSettings(t *testing.T) {
	all := func(v ...string) []protocol.Setting {
		names := []string{"so_sndtimeo", "so_rcvtimeo", "tcp_nodelay", "so_keepalive", "tcp_keepidle", "tcp_keepintvl", "tcp_keepcnt"}
		out := make([]protocol.Setting, len(names))
		for i, n := range names {
			out[i] = protocol.Setting{Name: n, Value: v[i]}
		}
		return out
	}
	tests := []struct {
		name string
		rec  protocol.Record
		want []protocol.Setting
	}{
		{"query line", protocol.Record{Kind: protocol.KindInfo, Text: "so_keepalive: 1"},
			[]protocol.Setting{{Name: "so_keepalive", Value: "1"}}},
		{"query header", protocol.Record{Kind: protocol.KindInfo, Text: "Global SOCKET configuration:"}, nil},
		{"seed example", protocol.Record{Kind: protocol.KindSent, Text: "AT+SKTCFG=2000,2000,,1,60,10,3"},
			all("2000", "2000", "0", "1", "60", "10", "3")},
		{"keepalive only", protocol.Record{Kind: protocol.KindSent, Text: "AT+SKTCFG=,,,1,60,10,3\r\n"},
			all("0", "0", "0", "1", "60", "10", "3")},
		{"short line", protocol.Record{Kind: protocol.KindSent, Text: "AT+SKTCFG=100"},
			all("100", "0", "0", "0", "0", "0", "0")},
		{"too many fields", protocol.Record{Kind: protocol.KindSent, Text: "AT+SKTCFG=1,2,3,4,5,6,7,8"}, nil},
		{"not a number", protocol.Record{Kind: protocol.KindSent, Text: "AT+SKTCFG=,,,on,60,10,3"}, nil},
		{"no parameters", protocol.Record{Kind: protocol.KindSent, Text: "AT+SKTCFG"}, nil},
		{"other command", protocol.Record{Kind: protocol.KindSent, Text: "AT+SKTQUERY"}, nil},
		{"an echo is not confirmed", protocol.Record{Kind: protocol.KindEcho, Text: "AT+SKTCFG=,,,1,60,10,3"}, nil},
	}
	d := New()
	for _, tt := range tests {
		if got := d.Settings(tt.rec); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: Settings = %+v\nwant %+v", tt.name, got, tt.want)
		}
	}
}

func TestSendCommand(t *testing.T) {
	d := New()
	tests := []struct {
		link    int
		payload string
		want    string
	}{
		{0, "Hello!", "AT+SKTSEND=0,6,,,Hello!"},
		{2, "12345", "AT+SKTSEND=2,5,,,12345"},
		{19, "x", "AT+SKTSEND=19,1,,,x"},
		{0, `a,b\c`, `AT+SKTSEND=0,5,,,a\,b\\c`},
		{1, "\x1b]0;hi\x07", "AT+SKTSEND=1,7,,,\x1b]0;hi\x07"},
	}
	for _, tt := range tests {
		got, err := d.SendCommand(tt.link, []byte(tt.payload))
		if err != nil || got != tt.want {
			t.Errorf("SendCommand(%d, %q) = %q, %v; want %q", tt.link, tt.payload, got, err, tt.want)
		}
	}

	// The longest payload fills the 2000-byte line with its CR LF exactly.
	prefix := len("AT+SKTSEND=0,1980,,,")
	longest := strings.Repeat("a", MaxLine-2-prefix)
	cmd, err := d.SendCommand(0, []byte(longest))
	if err != nil || len(cmd)+2 != MaxLine {
		t.Errorf("longest payload (%d bytes): line of %d bytes, %v", len(longest), len(cmd)+2, err)
	}
	if _, err := d.SendCommand(0, []byte(longest+"a")); err == nil {
		t.Error("a payload one byte over the line limit was accepted")
	}
	// Escapes count toward the limit.
	if _, err := d.SendCommand(0, []byte(strings.Repeat(",", 1000))); err == nil {
		t.Error("1000 commas (2000 bytes escaped) were accepted")
	}

	errs := []struct {
		link    int
		payload string
		hint    string
	}{
		{0, "", "empty"},
		{0, "a\r\nb", "AT+SKTSENDRAW=0,4"},
		{0, "line\n", "AT+SKTSENDRAW"},
		{3, "cr\r", "AT+SKTSENDRAW"},
		{0, "nul\x00", "AT+SKTSENDRAW"},
		{-1, "x", "link_id"},
		{20, "x", "link_id"},
	}
	for _, tt := range errs {
		_, err := d.SendCommand(tt.link, []byte(tt.payload))
		if err == nil || !strings.Contains(err.Error(), tt.hint) {
			t.Errorf("SendCommand(%d, %q) error = %v, want one mentioning %q", tt.link, tt.payload, err, tt.hint)
		}
	}
}

func TestReadAndCloseCommands(t *testing.T) {
	d := New()
	if got, err := d.ReadCommand(1, 10); err != nil || got != "AT+SKTREAD=1,10" {
		t.Errorf("ReadCommand(1, 10) = %q, %v", got, err)
	}
	if got, err := d.ReadCommand(19, 65535); err != nil || got != "AT+SKTREAD=19,65535" {
		t.Errorf("ReadCommand(19, 65535) = %q, %v", got, err)
	}
	for _, c := range []struct{ link, n int }{{1, 0}, {1, -5}, {1, 65536}, {-1, 10}, {20, 10}} {
		if got, err := d.ReadCommand(c.link, c.n); err == nil {
			t.Errorf("ReadCommand(%d, %d) = %q, want an error", c.link, c.n, got)
		}
	}
	if got, err := d.CloseCommand(0); err != nil || got != "AT+SKTDEL=0" {
		t.Errorf("CloseCommand(0) = %q, %v", got, err)
	}
	if got, err := d.CloseCommand(20); err == nil {
		t.Errorf("CloseCommand(20) = %q, want an error", got)
	}
}

func TestKeepaliveCommands(t *testing.T) {
	d := New()
	tests := []struct {
		link int
		ka   protocol.Keepalive
		want string
	}{
		{0, protocol.Keepalive{Enabled: true, Idle: 60 * time.Second, Interval: 10 * time.Second, Count: 3}, "AT+SKTCFG=,,,1,60,10,3"},
		{protocol.NoLink, protocol.Keepalive{Enabled: true, Idle: 7200 * time.Second, Interval: 75 * time.Second, Count: 10}, "AT+SKTCFG=,,,1,7200,75,10"},
		{5, protocol.Keepalive{Enabled: true, Idle: 1500 * time.Millisecond, Interval: time.Nanosecond, Count: 1}, "AT+SKTCFG=,,,1,2,1,1"},
		{5, protocol.Keepalive{Enabled: true}, "AT+SKTCFG=,,,1,0,0,0"},
		{0, protocol.Keepalive{Enabled: false, Idle: time.Minute, Count: 3}, "AT+SKTCFG=,,,0,0,0,0"},
	}
	for _, tt := range tests {
		got, err := d.KeepaliveCommands(tt.link, tt.ka)
		if err != nil || len(got) != 1 || got[0] != tt.want {
			t.Errorf("KeepaliveCommands(%d, %+v) = %q, %v; want [%q]", tt.link, tt.ka, got, err, tt.want)
		}
	}

	// The command, once confirmed, reads back as the settings it set.
	cmds, err := d.KeepaliveCommands(0, protocol.Keepalive{Enabled: true, Idle: time.Minute, Interval: 10 * time.Second, Count: 3})
	if err != nil {
		t.Fatal(err)
	}
	got := d.Settings(protocol.Record{Kind: protocol.KindSent, Text: cmds[0]})
	want := map[string]string{"so_keepalive": "1", "tcp_keepidle": "60", "tcp_keepintvl": "10", "tcp_keepcnt": "3", "so_sndtimeo": "0"}
	for _, s := range got {
		if v, ok := want[s.Name]; ok && v != s.Value {
			t.Errorf("setting %s = %s, want %s", s.Name, s.Value, v)
		}
		delete(want, s.Name)
	}
	if len(want) != 0 {
		t.Errorf("settings missing: %v", want)
	}

	bad := []struct {
		link int
		ka   protocol.Keepalive
		hint string
	}{
		{0, protocol.Keepalive{Enabled: true, Idle: 7201 * time.Second}, "tcp_keepidle"},
		{0, protocol.Keepalive{Enabled: true, Idle: 7200*time.Second + time.Millisecond}, "tcp_keepidle"},
		{0, protocol.Keepalive{Enabled: true, Interval: 76 * time.Second}, "tcp_keepintvl"},
		{0, protocol.Keepalive{Enabled: true, Count: 11}, "tcp_keepcnt"},
		{0, protocol.Keepalive{Enabled: true, Count: -1}, "tcp_keepcnt"},
		{0, protocol.Keepalive{Enabled: true, Idle: -time.Second}, "negative"},
		{20, protocol.Keepalive{Enabled: true}, "link_id"},
	}
	for _, tt := range bad {
		got, err := d.KeepaliveCommands(tt.link, tt.ka)
		if err == nil || !strings.Contains(err.Error(), tt.hint) {
			t.Errorf("KeepaliveCommands(%d, %+v) = %q, %v; want an error mentioning %q", tt.link, tt.ka, got, err, tt.hint)
		}
	}
}

func TestTimeout(t *testing.T) {
	d := New()
	tests := []struct {
		cmd  string
		want time.Duration
	}{
		{"AT+SKTCLIENT=1,1,,192.168.0.100,6666,,1", 30 * time.Second},
		{"at+sktclient=1,1,,192.168.0.100,6666,,1", 30 * time.Second},
		{"AT+WLCONN=ssid,MyAP,pw,12345678", 30 * time.Second},
		{"AT+WLSTARTAP=ssid,x", 25 * time.Second},
		{"AT+WLDISCONN", 25 * time.Second},
		{"AT+WLSCAN", 10 * time.Second},
		{"AT+WLSCAN=ch,1:6:11", 10 * time.Second},
		{"AT+RST", 5 * time.Second},
		{"AT+SKTSEND=0,6,,,Hello!", 5 * time.Second},
		{"AT+SKTSTATE\r\n", 5 * time.Second},
		{"AT+TEST", 5 * time.Second},
		{"bogus", 5 * time.Second},
	}
	for _, tt := range tests {
		if got := d.Timeout(tt.cmd); got != tt.want {
			t.Errorf("Timeout(%q) = %v, want %v", tt.cmd, got, tt.want)
		}
	}
}

func FuzzClassifyAndPayload(f *testing.F) {
	seeds := []string{
		"OK", "ERROR: 4", ">>>", "ATCMD READY", seedAcceptTLS, seedState0, seedState2,
		"[$][SKT][DATA][0][7]:hel\r\nlo\r\n", "[$][SKT][DATA][3][10][192.168.1.101][61409]:Lwip_Test!",
		"+SKTREAD:1,6,Hello!", "+SKTREAD:3,5,192.168.1.101,61409,12345", "+SKTREAD:3,0,0.0.0.0,0,",
		"+SKTREAD:1,0,\r\n", "[$][SKT][DATA][", "+SKTREAD:", "so_keepalive: 1", "unknown command 'X'",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	d := New()
	f.Fuzz(func(t *testing.T, line []byte) {
		kind, link := d.Classify(line)
		if kind.String() == "unknown" || link < protocol.NoLink {
			t.Fatalf("Classify(%q) = %v, %d", line, kind, link)
		}
		m := Payload(line)
		switch m.Status {
		case protocol.Match:
			if m.Header <= 0 || m.Header > len(line) || m.Length < 0 || m.Length > 65535 || m.LinkID < 0 {
				t.Fatalf("Payload(%q) = %+v", line, m)
			}
			c := line[m.Header-1]
			if c != ':' && c != ',' {
				t.Fatalf("Payload(%q) header ends with %q", line, c)
			}
		case protocol.NeedMore, protocol.NoMatch:
			if m.Header != 0 || m.Length != 0 {
				t.Fatalf("Payload(%q) = %+v", line, m)
			}
		default:
			t.Fatalf("Payload(%q) status %d", line, m.Status)
		}
		// The parsers and the record readers must not panic either.
		s := string(line)
		ParseAccept(s)
		ParseStateLine(s)
		ParseQueryLine(s)
		ParseDataHeader(s)
		ParseReadHeader(s)
		ParseError(s)
		for _, k := range []protocol.Kind{protocol.KindSent, protocol.KindInfo, protocol.KindEvent, protocol.KindData} {
			r := protocol.Record{Kind: k, Text: s, Payload: line, LinkID: protocol.NoLink}
			d.Links(r)
			d.Settings(r)
		}
		// The conversation parsers take any typed or received line.
		a := d.Answer(s)
		a.Begin()
		for _, k := range []protocol.Kind{protocol.KindPrompt, protocol.KindInfo, protocol.KindOK} {
			if tr := a.Take(protocol.Record{Kind: k, Text: s}); tr.Phase == protocol.AwaitingRaw && tr.Raw == 0 {
				t.Fatalf("Answer(%q) awaits 0 raw bytes", s)
			}
		}
		sp := d.SplitLine(s)
		if sp.Name.Start > sp.Name.End || sp.Name.End > len(s) {
			t.Fatalf("SplitLine(%q) name %+v", s, sp.Name)
		}
		prev := sp.Name.End
		for _, fl := range sp.Fields {
			if fl.Start <= prev || fl.Start > fl.End || fl.End > len(s) {
				t.Fatalf("SplitLine(%q) fields %+v", s, sp.Fields)
			}
			prev = fl.End
		}
	})
}
