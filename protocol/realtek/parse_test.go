package realtek

import (
	"testing"

	"atbench/protocol"
)

// Lines quoted from the vendor's socket AT document (the seed) and from
// dialects.md section A.
const (
	seedAcceptTLS = "[$][SKT][EVENT]: A client[link_id:1,seed,tls,dst_address:192.168.0.103,dst_port:49946] connected to server[link_id:0]"
	seedState0    = "link_id:0,server,tcp,src_address:192.168.0.109,src_port:6666,dst_address:0.0.0.0,dst_port:0,socket_fd:0"
	seedState3    = "link_id:3,seed,tcp,src_address:0.0.0.0,src_port:0,dst_address:192.168.0.103,dst_port:49941,socket_fd:3"
	seedState1    = "link_id:1,server,udp,src_address:192.168.0.109,src_port:12345,dst_address:0.0.0.0,dst_port:0,socket_fd:1"
	seedState2    = "link_id:2,client,ssl,src_address:0.0.0.0,src_port:0,dst_address:192.168.0.103,dst_port:4433,socket_fd:2"
)

func TestParseAccept(t *testing.T) {
	tests := []struct {
		line string
		want Accept
		ok   bool
	}{
		{seedAcceptTLS, Accept{Seed: 1, Proto: protocol.ProtoTLS, IP: "192.168.0.103", Port: 49946, Server: 0}, true},
		{seedAcceptTLS + "\r\n", Accept{Seed: 1, Proto: protocol.ProtoTLS, IP: "192.168.0.103", Port: 49946, Server: 0}, true},
		{"[$][SKT][EVENT]: A client[link_id:0,seed,tcp,dst_address:127.0.0.1,dst_port:54321] connected to server[link_id:1]",
			Accept{Seed: 0, Proto: protocol.ProtoTCP, IP: "127.0.0.1", Port: 54321, Server: 1}, true},
		{"[$][SKT][EVENT]: A client[link_id:19,seed,ssl,dst_address:10.0.0.2,dst_port:1] connected to server[link_id:18]",
			Accept{Seed: 19, Proto: protocol.ProtoTLS, IP: "10.0.0.2", Port: 1, Server: 18}, true},
		// a UDP server has no seeds
		{"[$][SKT][EVENT]: A client[link_id:1,seed,udp,dst_address:10.0.0.2,dst_port:1] connected to server[link_id:0]", Accept{}, false},
		{"[$][SKT][EVENT]: A client[link_id:1,client,tcp,dst_address:10.0.0.2,dst_port:1] connected to server[link_id:0]", Accept{}, false},
		{"[$][SKT][EVENT]: A client[link_id:x,seed,tcp,dst_address:10.0.0.2,dst_port:1] connected to server[link_id:0]", Accept{}, false},
		{"[$][SKT][EVENT]: A client[link_id:1,seed,tcp,dst_address:10.0.0,dst_port:1] connected to server[link_id:0]", Accept{}, false},
		{"[$][SKT][EVENT]: A client[link_id:1,seed,tcp,dst_address:10.0.0.2,dst_port:65536] connected to server[link_id:0]", Accept{}, false},
		{"[$][SKT][EVENT]: A client[link_id:1,seed,tcp,dst_address:10.0.0.2,dst_port:1] connected to server[link_id:0", Accept{}, false},
		{"[$][SKT][EVENT]: A client[link_id:1,seed,tcp,dst_address:10.0.0.2,dst_port:1] connected to server[link_id:]", Accept{}, false},
		{"[$][SKT][EVENT]: A client[link_id:1,seed,tcp,dst_address:10.0.0.2] connected to server[link_id:0]", Accept{}, false},
		{"[$]wifi connected", Accept{}, false},
		{"", Accept{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseAccept(tt.line)
		if ok != tt.ok || got != tt.want {
			t.Errorf("ParseAccept(%q) = %+v, %v; want %+v, %v", tt.line, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseStateLine(t *testing.T) {
	tests := []struct {
		line string
		want StateLine
		ok   bool
	}{
		{seedState0, StateLine{LinkID: 0, Role: protocol.RoleServer, Proto: protocol.ProtoTCP,
			SrcAddr: "192.168.0.109", SrcPort: 6666, DstAddr: "0.0.0.0", DstPort: 0, FD: 0}, true},
		{seedState3, StateLine{LinkID: 3, Role: protocol.RoleSeed, Proto: protocol.ProtoTCP,
			SrcAddr: "0.0.0.0", SrcPort: 0, DstAddr: "192.168.0.103", DstPort: 49941, FD: 3}, true},
		{seedState1, StateLine{LinkID: 1, Role: protocol.RoleServer, Proto: protocol.ProtoUDP,
			SrcAddr: "192.168.0.109", SrcPort: 12345, DstAddr: "0.0.0.0", DstPort: 0, FD: 1}, true},
		{seedState2, StateLine{LinkID: 2, Role: protocol.RoleClient, Proto: protocol.ProtoTLS,
			SrcAddr: "0.0.0.0", SrcPort: 0, DstAddr: "192.168.0.103", DstPort: 4433, FD: 2}, true},
		{seedState2 + "\r\n", StateLine{LinkID: 2, Role: protocol.RoleClient, Proto: protocol.ProtoTLS,
			SrcAddr: "0.0.0.0", SrcPort: 0, DstAddr: "192.168.0.103", DstPort: 4433, FD: 2}, true},
		{"link_id:4,client,tcp,src_address:0.0.0.0,src_port:0,dst_address:10.1.2.3,dst_port:80,socket_fd:-1",
			StateLine{LinkID: 4, Role: protocol.RoleClient, Proto: protocol.ProtoTCP,
				SrcAddr: "0.0.0.0", DstAddr: "10.1.2.3", DstPort: 80, FD: -1}, true},
		{"link_id:0,master,tcp,src_address:1.2.3.4,src_port:1,dst_address:0.0.0.0,dst_port:0,socket_fd:0", StateLine{}, false},
		{"link_id:0,server,sctp,src_address:1.2.3.4,src_port:1,dst_address:0.0.0.0,dst_port:0,socket_fd:0", StateLine{}, false},
		{"link_id:0,server,tcp,src_address:1.2.3,src_port:1,dst_address:0.0.0.0,dst_port:0,socket_fd:0", StateLine{}, false},
		{"link_id:0,server,tcp,src_address:1.2.3.4,src_port:70000,dst_address:0.0.0.0,dst_port:0,socket_fd:0", StateLine{}, false},
		{"link_id:0,server,tcp,src_address:1.2.3.4,src_port:1,dst_address:0.0.0.0,dst_port:0", StateLine{}, false},
		{"link_id:0,server,tcp,src_address:1.2.3.4,src_port:1,dst_address:0.0.0.0,dst_port:0,socket_fd:x", StateLine{}, false},
		{"link_id:,server,tcp,src_address:1.2.3.4,src_port:1,dst_address:0.0.0.0,dst_port:0,socket_fd:0", StateLine{}, false},
		{"Global SOCKET configuration:", StateLine{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseStateLine(tt.line)
		if ok != tt.ok || got != tt.want {
			t.Errorf("ParseStateLine(%q) = %+v, %v; want %+v, %v", tt.line, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseQueryLine(t *testing.T) {
	tests := []struct {
		line string
		want protocol.Setting
		ok   bool
	}{
		{"so_sndtimeo: 0", protocol.Setting{Name: "so_sndtimeo", Value: "0"}, true},
		{"so_rcvtimeo: 0", protocol.Setting{Name: "so_rcvtimeo", Value: "0"}, true},
		{"tcp_nodelay: 0", protocol.Setting{Name: "tcp_nodelay", Value: "0"}, true},
		{"so_keepalive: 0", protocol.Setting{Name: "so_keepalive", Value: "0"}, true},
		{"tcp_keepidle: 0", protocol.Setting{Name: "tcp_keepidle", Value: "0"}, true},
		{"tcp_keepintvl: 0", protocol.Setting{Name: "tcp_keepintvl", Value: "0"}, true},
		{"tcp_keepcnt: 0", protocol.Setting{Name: "tcp_keepcnt", Value: "0"}, true},
		{"so_keepalive: 1", protocol.Setting{Name: "so_keepalive", Value: "1"}, true},
		{"so_sndtimeo: 2000\r\n", protocol.Setting{Name: "so_sndtimeo", Value: "2000"}, true},
		{"tcp_keepidle:60", protocol.Setting{Name: "tcp_keepidle", Value: "60"}, true},
		{"Global SOCKET configuration:", protocol.Setting{}, false},
		{"so_linger: 1", protocol.Setting{}, false},
		{"so_keepalive: on", protocol.Setting{}, false},
		{"so_keepalive: ", protocol.Setting{}, false},
		{"so_keepalive 1", protocol.Setting{}, false},
		{"OK", protocol.Setting{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseQueryLine(tt.line)
		if ok != tt.ok || got != tt.want {
			t.Errorf("ParseQueryLine(%q) = %+v, %v; want %+v, %v", tt.line, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseDataHeader(t *testing.T) {
	tests := []struct {
		line string
		want PayloadHeader
		ok   bool
	}{
		{"[$][SKT][DATA][0][7]:hello\r\n", PayloadHeader{LinkID: 0, Length: 7, Size: 21}, true},
		{"[$][SKT][DATA][0][17]:", PayloadHeader{LinkID: 0, Length: 17, Size: 22}, true},
		{"[$][SKT][DATA][19][65535]:", PayloadHeader{LinkID: 19, Length: 65535, Size: 26}, true},
		{"[$][SKT][DATA][1][10][192.168.1.101][61409]:Lwip_Test!",
			PayloadHeader{LinkID: 1, Length: 10, UDP: true, IP: "192.168.1.101", Port: 61409, Size: 44}, true},
		{"[$][SKT][DATA][0][7]", PayloadHeader{LinkID: protocol.NoLink}, false},
		{"[$][SKT][DATA][0][65536]:", PayloadHeader{LinkID: protocol.NoLink}, false},
		{"[$][SKT][DATA][a][7]:", PayloadHeader{LinkID: protocol.NoLink}, false},
		{"[$][SKT][EVENT]: x", PayloadHeader{LinkID: protocol.NoLink}, false},
	}
	for _, tt := range tests {
		got, ok := ParseDataHeader(tt.line)
		if ok != tt.ok || got != tt.want {
			t.Errorf("ParseDataHeader(%q) = %+v, %v; want %+v, %v", tt.line, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseReadHeader(t *testing.T) {
	tests := []struct {
		line string
		want PayloadHeader
		ok   bool
	}{
		// the seed's three examples
		{"+SKTREAD:1,6,Hello!", PayloadHeader{LinkID: 1, Length: 6, Size: 13}, true},
		{"+SKTREAD:3,5,192.168.1.101,61409,12345",
			PayloadHeader{LinkID: 3, Length: 5, UDP: true, IP: "192.168.1.101", Port: 61409, Size: 33}, true},
		{"+SKTREAD:2,3,ABC", PayloadHeader{LinkID: 2, Length: 3, Size: 13}, true},
		// headers alone, as a KindData record's Text
		{"+SKTREAD:1,6,", PayloadHeader{LinkID: 1, Length: 6, Size: 13}, true},
		{"+SKTREAD:3,0,0.0.0.0,0,", PayloadHeader{LinkID: 3, UDP: true, IP: "0.0.0.0", Size: 23}, true},
		// an empty TCP read followed by the OK result
		{"+SKTREAD:1,0,\r\nOK", PayloadHeader{LinkID: 1, Size: 13}, true},
		// digits that cannot be an address start a TCP payload
		{"+SKTREAD:1,5,12345", PayloadHeader{LinkID: 1, Length: 5, Size: 13}, true},
		{"+SKTREAD:1,5,1.2.3", PayloadHeader{LinkID: 1, Length: 5, Size: 13}, true},
		{"+SKTREAD:1", PayloadHeader{LinkID: protocol.NoLink}, false},
		{"+SKTREAD:1,", PayloadHeader{LinkID: protocol.NoLink}, false},
		{"+SKTREAD:1,6", PayloadHeader{LinkID: protocol.NoLink}, false},
		{"+SKTREAD:1,99999,", PayloadHeader{LinkID: protocol.NoLink}, false},
		{"+SKTREAD:1:6,", PayloadHeader{LinkID: protocol.NoLink}, false},
		{"+SKTREAD", PayloadHeader{LinkID: protocol.NoLink}, false},
	}
	for _, tt := range tests {
		got, ok := ParseReadHeader(tt.line)
		if ok != tt.ok || got != tt.want {
			t.Errorf("ParseReadHeader(%q) = %+v, %v; want %+v, %v", tt.line, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseError(t *testing.T) {
	tests := []struct {
		line string
		code int
		ok   bool
	}{
		{"ERROR: 1", 1, true},
		{"ERROR: 4\r\n", 4, true},
		{"ERROR: 22", 22, true},
		{"ERROR:4", 4, true},
		{"ERROR", 0, false},
		{"ERROR: ", 0, false},
		{"ERROR: x", 0, false},
		{"ERROR: -1", 0, false},
		{"OK", 0, false},
		{"+WLCONN:ERROR:4", 4, true}, // the generation that names its command (A.4)
		{"+WLCONN:ERROR: 17\r\n", 17, true},
		{"+WLCONN:OK", 0, false},
		{"+SKTREAD:0,5,ERROR: 1", 0, false},
	}
	for _, tt := range tests {
		code, ok := ParseError(tt.line)
		if ok != tt.ok || code != tt.code {
			t.Errorf("ParseError(%q) = %d, %v; want %d, %v", tt.line, code, ok, tt.code, tt.ok)
		}
	}
}

// TestNamedFinalResults: the 2024 generation ends Wi-Fi answers with the
// command's name (A.4); its help block after an error is information.
func TestNamedFinalResults(t *testing.T) {
	d := New()
	tests := []struct {
		line string
		kind protocol.Kind
	}{
		{"+WLCONN:OK\r\n", protocol.KindOK},
		{"+WLCONN:ERROR: 17\r\n", protocol.KindError},
		{"+WLCONN:ERROR:3", protocol.KindError},
		{"+WLSTATE:OK", protocol.KindOK},
		{"AT+WLCONN=<ssid>,<pwd>[,<key_id>,<bssid>]", protocol.KindInfo},
		{"\t<ssid>:\tthe network's name", protocol.KindInfo},
		{"+WLCONN:ERROR: x", protocol.KindInfo},
		{"+wlconn:OK", protocol.KindInfo},
		{"+SKTREAD:0,0,", protocol.KindInfo},
	}
	for _, tt := range tests {
		if k, _ := d.Classify([]byte(tt.line)); k != tt.kind {
			t.Errorf("Classify(%q) = %v, want %v", tt.line, k, tt.kind)
		}
	}
	// The answer to AT+WLCONN ends at either form.
	for _, final := range []string{"+WLCONN:OK", "+WLCONN:ERROR: 17", "OK"} {
		a := d.Answer("AT+WLCONN=ssid,x,pw,y")
		a.Begin()
		k, _ := d.Classify([]byte(final))
		if turn := a.Take(protocol.Record{Kind: k, Text: final}); turn.Phase != protocol.Ended {
			t.Errorf("AT+WLCONN's answer does not end at %q", final)
		}
	}
	if code, ok := ParseError("+WLCONN:ERROR: 17"); !ok || code != 17 {
		t.Errorf("ParseError(+WLCONN:ERROR: 17) = %d, %v", code, ok)
	}
}

func TestModuleEvents(t *testing.T) {
	d := New()
	for line, want := range map[string]protocol.ModuleEvent{
		"ATCMD READY":                    protocol.ModuleRestart,
		"[$]wifi disconnected":           protocol.ModuleWifiLost,
		"[$]wifi reconnect done":         protocol.ModuleWifiBack,
		"[$]wifi got ip:\"192.168.1.5\"": protocol.ModuleWifiBack,
		"[$]wifi connected":              protocol.ModuleWifiBack,
		"[$]wifi reconnecting":           protocol.ModuleNone,
		"OK":                             protocol.ModuleNone,
	} {
		k, _ := d.Classify([]byte(line))
		if got := d.ModuleEvent(protocol.Record{Kind: k, Text: line}); got != want {
			t.Errorf("ModuleEvent(%q) = %v, want %v", line, got, want)
		}
	}
}
