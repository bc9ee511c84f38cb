package wizfi

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
		// dialects.md C.1: at\r → \r\n[OK]\r\n, and the status table.
		{"ok", FormatOK(), "\r\n[OK]\r\n"},
		{"error", FormatStatus(StatusError), "\r\n[ERROR]\r\n"},
		{"invalid input", FormatStatus(StatusInvalidInput), "\r\n[ERROR: INVALID INPUT]\r\n"},
		{"socket failure", FormatStatus(StatusSocketFailure), "\r\n[ERROR: SOCKET FAILURE]\r\n"},
		{"no cid", FormatStatus(StatusNoCID), "\r\n[ERROR: NO CID]\r\n"},
		{"invalid cid", FormatStatus(StatusInvalidCID), "\r\n[ERROR: INVALID CID]\r\n"},
		{"not supported", FormatStatus(StatusNotSupported), "\r\n[ERROR: NOT SUPPORTED]\r\n"},
		{"disassociated", FormatStatus(StatusDisassociated), "\r\nDISASSOCIATED\r\n"},
		{"error of a plain error", FormatError(errTest{}), "\r\n[ERROR: INVALID INPUT]\r\n"},
		{"error of a status", FormatError(&ResultError{Status: StatusNoCID}), "\r\n[ERROR: NO CID]\r\n"},
		// C.4.
		{"connect", FormatConnect(0), "\r\nCONNECT 0\r\n"},
		{"connect hex", FormatConnect(12), "\r\nCONNECT c\r\n"},
		{"accept (C.4 example)", FormatAccept(0, 1, "192.168.100.200", 65535), "\r\nCONNECT 0 1 192.168.100.200 65535\r\n"},
		{"disconnect", FormatDisconnect(1), "\r\nDISCONNECT 1\r\n"},
		{"disassociation event", FormatDisassociationEvent(), "\r\nDisassociation Event\r\n"},
		// C.2: the CID table and its empty form.
		{"no cids", append(FormatCIDTable(nil), FormatOK()...), "\r\n No valid Cids\r\n\r\n[OK]\r\n"},
		{"cid table", FormatCIDTable([]CIDEntry{
			{CID: 0, Type: "TCP", Mode: "SERVER", LocalPort: 80, RemoteIP: "0.0.0.0"},
			{CID: 1, Type: "TCP", Mode: "SERVER", LocalPort: 80, RemotePort: 65535, RemoteIP: "192.168.100.200"},
			{CID: 10, Type: "TCP-SSL", Mode: "CLIENT", LocalPort: 1024, RemotePort: 443, RemoteIP: "10.0.0.1"},
			{CID: 11, Type: "UDP", Mode: "CLIENT", LocalPort: 5002, RemotePort: 53, RemoteIP: "8.8.8.8"},
			{CID: 15, Type: "HTTP", Mode: "CLIENT", LocalPort: 1025, RemotePort: 8080, RemoteIP: "127.0.0.1"},
		}), "\r\nCID\tTYPE\tMODE\tLOCAL PORT\tREMOTE PORT\tREMOTE IP\r\n" +
			"0\tTCP\tSERVER\t  80\t\t   0\t\t  0.  0.  0.  0\r\n" +
			"1\tTCP\tSERVER\t  80\t\t65535\t\t192.168.100.200\r\n" +
			"a\tTCP-SSL CLIENT\t1024\t\t 443\t\t 10.  0.  0.  1\r\n" +
			"b\tUDP\tCLIENT\t5002\t\t  53\t\t  8.  8.  8.  8\r\n" +
			"f\tHTTP\tCLIENT\t1025\t\t8080\t\t127.  0.  0.  1\r\n"},
		{"version", FormatVersion("2.5.1", "2.5.1", "2.5.1"), "\r\nS2W APP VERSION=2.5.1\r\nS2W GEPS VERSION=2.5.1\r\nS2W WLAN VERSION=2.5.1\r\n"},
		{"address", FormatAddress("192.168.3.100", "255.255.255.0", "192.168.3.1"),
			"\r\n    IP              SubNet         Gateway   \r\n 192.168.3.100: 255.255.255.0: 192.168.3.1\r\n"},
		{"nstat", FormatNStat(NetStatus{MAC: "m", BSSID: "b", SSID: "s", Channel: 1, Security: "NONE", RSSI: -1,
			IP: "0.0.0.0", Mask: "0.0.0.0", Gateway: "0.0.0.0", DNS1: "0.0.0.0", DNS2: "0.0.0.0"}),
			"\r\nMAC=m\r\nWSTATE=NOT CONNECTED     MODE=INFRA\r\nBSSID=b    SSID=\"s\"   CHANNEL=1    SECURITY=NONE\r\nRSSI=-1\r\n" +
				"IP addr=0.0.0.0   SubNet=0.0.0.0   Gateway=0.0.0.0\r\nDNS1=0.0.0.0       DNS2=0.0.0.0\r\nRx Count=0     Tx Count=0\r\n"},
		// C.5 frames.
		{"data", EncodeData(1, []byte("a\x1bb\r\n")), "\x1bS1a\x1b\x1bb\r\n\x1bE"},
		{"bulk", EncodeBulk(2, []byte("hello")), "\x1bZ20005hello"},
		{"udp rx", EncodeUDPServerRx(3, "192.168.3.2", 5001, []byte("x\x1b")), "\x1bu3192.168.3.2 5001\tx\x1b\x1b\x1bE"},
		{"udp bulk rx", EncodeUDPServerBulkRx(3, "192.168.3.2", 5001, []byte("xy")), "\x1by3192.168.3.2 5001\t0002xy"},
		{"udp tx", EncodeUDPServerTx(3, "192.168.3.2", 5001, []byte("x")), "\x1bU3192.168.3.2:5001:x\x1bE"},
		{"ack ok", EncodeAck(true), "\x1bO"},
		{"ack fail", EncodeAck(false), "\x1bF"},
	}
	for _, tt := range tests {
		if string(tt.got) != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, tt.got, tt.want)
		}
	}
}

type errTest struct{}

func (errTest) Error() string { return "test" }

// TestFormatClassifyRoundTrip reads every formatted status and event back.
func TestFormatClassifyRoundTrip(t *testing.T) {
	for s := StatusOK; s <= StatusDisassociationEvent; s++ {
		if s == StatusConnect || s == StatusDisconnect {
			continue
		}
		line := trimEOL(FormatStatus(s)[2:])
		got, ok := ParseStatus(line)
		if !ok || got != s {
			t.Errorf("ParseStatus(%q) = %v, %v", line, got, ok)
		}
		k, _ := Classify(line)
		if k.Final() != s.Final() {
			t.Errorf("%v: classified %v, final %v", s, k, s.Final())
		}
	}
	for cid := range MaxCIDs {
		if k, l := Classify(FormatConnect(cid)[2:]); k != protocol.KindEvent || l != cid {
			t.Errorf("CONNECT %d: %v %d", cid, k, l)
		}
		if k, l := Classify(FormatDisconnect(cid)[2:]); k != protocol.KindEvent || l != cid {
			t.Errorf("DISCONNECT %d: %v %d", cid, k, l)
		}
		if k, l := Classify(FormatAccept(15-cid, cid, "10.0.0.1", 1)[2:]); k != protocol.KindEvent || l != cid {
			t.Errorf("accept into %d: %v %d", cid, k, l)
		}
	}
	if s := Status(200).String(); s != "status 200" {
		t.Errorf("unknown status %q", s)
	}
}
