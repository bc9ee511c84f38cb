package realtek

import (
	"testing"

	"atbench/protocol"
)

func TestFormatBytes(t *testing.T) {
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"ready", FormatReady(), "ATCMD READY\r\n"},
		{"ok", FormatOK(), "\r\nOK\r\n"},
		{"error", FormatError(17), "\r\nERROR: 17\r\n"},
		{"unknown", FormatUnknown("AT+FOO"), "\r\nunknown command 'AT+FOO'\r\n"},
		{"test echo", FormatTestEcho("hello"), "\r\n arg len = 5 \r\n\r\n arg = hello \r\n"},
		{"tt prompt", FormatTTPrompt(), ">>>\r\n"},
		{"accept tls (seed example)", FormatAccept(1, true, "192.168.0.103", 49946, 0),
			"[$][SKT][EVENT]: A client[link_id:1,seed,tls,dst_address:192.168.0.103,dst_port:49946] connected to server[link_id:0]\r\n"},
		{"accept tcp", FormatAccept(3, false, "127.0.0.1", 5, 19),
			"[$][SKT][EVENT]: A client[link_id:3,seed,tcp,dst_address:127.0.0.1,dst_port:5] connected to server[link_id:19]\r\n"},
		{"data raw", FormatData(0, []byte("a\r\n\x00b")), "[$][SKT][DATA][0][5]:a\r\n\x00b\r\n"},
		{"udp data", FormatUDPData(3, "192.168.1.101", 61409, []byte("12345")), "[$][SKT][DATA][3][5][192.168.1.101][61409]:12345\r\n"},
		// The seed's SKTREAD examples: the data is followed directly by OK.
		{"read tcp", append(FormatRead(1, []byte("Hello!")), FormatOK()...), "+SKTREAD:1,6,Hello!\r\nOK\r\n"},
		{"read udp", append(FormatUDPRead(3, "192.168.1.101", 61409, []byte("12345")), FormatOK()...),
			"+SKTREAD:3,5,192.168.1.101,61409,12345\r\nOK\r\n"},
		{"read tls", append(FormatRead(2, []byte("ABC")), FormatOK()...), "+SKTREAD:2,3,ABC\r\nOK\r\n"},
		{"read empty", FormatRead(2, nil), "+SKTREAD:2,0,"},
		{"gmr", FormatGMR(Version{"1.1.0", "1.0.0", "1.0", "RTL8721Dx", "emulated", "2025/01/01-00:00:00", "u@h", "gcc"}),
			"AMEBA-RTOS SDK VERSION: 1.1.0\nATCMD VERSION: 1.0.0\r\nIMAGE VERSION: 1.0\r\nRTL8721Dx: emulated\r\nCOMPILE TIME: 2025/01/01-00:00:00\r\nCOMPILE USER: u@h\r\nCOMPILE ENV : gcc\r\n"},
		{"list", FormatList([]ListGroup{{"Common AT Command:", []string{"AT+TEST", "AT+LIST"}}, {"Socket AT Commands:", []string{"AT+SKTCFG"}}}),
			"Common AT Command:\r\nAT+TEST\r\nAT+LIST\r\nSocket AT Commands:\r\nAT+SKTCFG\r\n"},
		{"scan line", FormatScanLine(1, ScanResult{"e2:b8:37:8c:65:9c", -45, 6, "N", "WPA2 AES", "ax3"}),
			" 1, e2:b8:37:8c:65:9c, -45, 6, N, \"WPA2 AES\", \"ax3\" \r\n"},
		{"scan line 10", FormatScanLine(10, ScanResult{"00:11:22:33:44:55", -80, 36, "AC", "Open", "x"}),
			"10, 00:11:22:33:44:55, -80, 36, AC, \"Open\", \"x\" \r\n"},
		{"rssi", FormatRSSI(-45, -46, -44), "rssi = -45\r\ndata rssi = -46\r\nbeacon rssi = -44\r\n"},
		{"wifi", append(FormatWifiConnected(), FormatWifiGotIP("192.168.4.62")...), "[$]wifi connected\r\n[$]wifi got ip:\"192.168.4.62\"\r\n"},
		{"wifi failed", FormatWifiConnectFailed(), "[$]wifi connect failed\r\n"},
		{"wifi lost", FormatWifiDisconnected(), "[$]wifi disconnected\r\n"},
		{"downstream", append(FormatDownstreamStart(), FormatDownstreamEnd()...), "Downstream Test Start\r\nDownstream Test End\r\n"},
		{"upstream", FormatUpstreamResult(1, 2, 3), "upstream test(tt mode): Send 1 KBytes in 2 ms, 3 Kbits/sec\n\r"},
	}
	for _, tt := range tests {
		if string(tt.got) != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestFormatQuerySeedExample(t *testing.T) {
	got := string(append(FormatQuery(SocketOptions{}), FormatOK()...))
	want := "\r\nGlobal SOCKET configuration:\r\nso_sndtimeo: 0\r\nso_rcvtimeo: 0\r\ntcp_nodelay: 0\r\nso_keepalive: 0\r\ntcp_keepidle: 0\r\ntcp_keepintvl: 0\r\ntcp_keepcnt: 0\r\n\r\nOK\r\n"
	if got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	o := SocketOptions{2000, 2000, 0, 1, 60, 10, 3}
	wantSettings := []protocol.Setting{{Name: "so_sndtimeo", Value: "2000"}, {Name: "so_rcvtimeo", Value: "2000"}, {Name: "tcp_nodelay", Value: "0"}, {Name: "so_keepalive", Value: "1"}, {Name: "tcp_keepidle", Value: "60"}, {Name: "tcp_keepintvl", Value: "10"}, {Name: "tcp_keepcnt", Value: "3"}}
	s := o.Settings()
	if len(s) != len(wantSettings) {
		t.Fatalf("settings %v", s)
	}
	for i := range s {
		if s[i] != wantSettings[i] {
			t.Errorf("setting %d = %v, want %v", i, s[i], wantSettings[i])
		}
	}
}

func TestFormatStateSeedExample(t *testing.T) {
	lines := []StateEntry{
		{0, "server", "tcp", "192.168.0.109", 6666, "0.0.0.0", 0, 0},
		{3, "seed", "tcp", "0.0.0.0", 0, "192.168.0.103", 49941, 3},
		{1, "server", "udp", "192.168.0.109", 12345, "0.0.0.0", 0, 1},
		{2, "client", "ssl", "0.0.0.0", 0, "192.168.0.103", 4433, 2},
	}
	var got []byte
	for _, l := range lines {
		got = append(got, FormatStateLine(l)...)
	}
	got = append(got, FormatOK()...)
	want := "link_id:0,server,tcp,src_address:192.168.0.109,src_port:6666,dst_address:0.0.0.0,dst_port:0,socket_fd:0\r\n" +
		"link_id:3,seed,tcp,src_address:0.0.0.0,src_port:0,dst_address:192.168.0.103,dst_port:49941,socket_fd:3\r\n" +
		"link_id:1,server,udp,src_address:192.168.0.109,src_port:12345,dst_address:0.0.0.0,dst_port:0,socket_fd:1\r\n" +
		"link_id:2,client,ssl,src_address:0.0.0.0,src_port:0,dst_address:192.168.0.103,dst_port:4433,socket_fd:2\r\n" +
		"\r\nOK\r\n"
	if string(got) != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}

func TestFormatWLStateCapture(t *testing.T) {
	got := string(FormatWLState(WLANInfo{Connected: true, SSID: "ax3", BSSID: "e2:b8:37:8c:65:9c", Channel: 6, Security: "WPA2 AES",
		Password: "12345678", MAC: "c4:e5:b1:13:81:e0", IP: "192.168.4.62", Gateway: "192.168.4.1", Mask: "255.255.255.0"}))
	// Layout of a real capture (AT+WLSTATE on an Ameba board).
	want := "[+WLSTATE]: _AT_WLAN_INFO_\r\nWLAN0 Status: Running\r\n==============================\r\nWLAN0 Setting:\r\n==============================\r\n" +
		"      MODE => STATION\r\n      SSID => ax3\r\n     BSSID => e2:b8:37:8c:65:9c\r\n   CHANNEL => 6\r\n  SECURITY => WPA2 AES\r\n  PASSWORD => 12345678\r\n" +
		"\r\nInterface (0)\r\n==============================\r\nMAC => c4:e5:b1:13:81:e0\r\nIP  => 192.168.4.62\r\nGW  => 192.168.4.1\r\nMSK  => 255.255.255.0\r\n\r\n"
	if got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}
