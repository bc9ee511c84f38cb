package wizfi

import (
	"reflect"
	"strings"
	"testing"

	"atbench/protocol"
)

func TestParseConnect(t *testing.T) {
	no := protocol.NoLink
	tests := []struct {
		line string
		want Connect
		ok   bool
	}{
		{"CONNECT 0", Connect{CID: 0, Server: no}, true},
		{"CONNECT f\r\n", Connect{CID: 15, Server: no}, true},
		{"[CONNECT 2]", Connect{CID: 2, Server: no}, true},
		// dialects.md C.4's example.
		{"CONNECT 0 1 192.168.100.200 65535", Connect{CID: 1, Server: 0, IP: "192.168.100.200", Port: 65535}, true},
		{"[CONNECT 0 c 10.1.2.3 80]", Connect{CID: 12, Server: 0, IP: "10.1.2.3", Port: 80}, true},
		{"CONNECT 0 1 192.168.100.200 65536", Connect{}, false},
		{"CONNECT 0 1 192.168.100 80", Connect{}, false},
		{"CONNECT 0 1 192.168.100.200", Connect{}, false},
		{"CONNECT 0 10 1.2.3.4 80", Connect{}, false},
		{"CONNECT 10", Connect{}, false},
		{"CONNECT ", Connect{}, false},
		{"DISCONNECT 1", Connect{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseConnect(tt.line)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("ParseConnect(%q) = %+v, %v; want %+v, %v", tt.line, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseDisconnect(t *testing.T) {
	for line, want := range map[string]int{"DISCONNECT 1": 1, "DISCONNECT f\r\n": 15, "[DISCONNECT 0]": 0} {
		if got, ok := ParseDisconnect(line); !ok || got != want {
			t.Errorf("ParseDisconnect(%q) = %d, %v", line, got, ok)
		}
	}
	for _, line := range []string{"DISCONNECT", "DISCONNECT 10", "DISCONNECT g", "CONNECT 1"} {
		if got, ok := ParseDisconnect(line); ok {
			t.Errorf("ParseDisconnect(%q) = %d, true", line, got)
		}
	}
}

func TestParseCIDTable(t *testing.T) {
	entries := []CIDEntry{
		{CID: 0, Type: "TCP", Mode: "SERVER", LocalPort: 80, RemoteIP: "0.0.0.0"},
		{CID: 1, Type: "TCP", Mode: "SERVER", LocalPort: 80, RemotePort: 65535, RemoteIP: "192.168.100.200"},
		{CID: 2, Type: "UDP", Mode: "CLIENT", LocalPort: 5002, RemotePort: 5001, RemoteIP: "192.168.3.2"},
		{CID: 10, Type: "TCP-SSL", Mode: "CLIENT", LocalPort: 1024, RemotePort: 443, RemoteIP: "10.0.0.1"},
		{CID: 15, Type: "HTTP", Mode: "CLIENT", LocalPort: 1025, RemotePort: 80, RemoteIP: "10.0.0.1"},
	}
	text := string(append(FormatCIDTable(entries), FormatOK()...))
	got, ok := ParseCIDTable(strings.Split(text, "\r\n"))
	if !ok || !reflect.DeepEqual(got, entries) {
		t.Fatalf("ParseCIDTable = %+v, %v\nwant %+v", got, ok, entries)
	}
	none, ok := ParseCIDTable(strings.Split(string(append(FormatCIDTable(nil), FormatOK()...)), "\r\n"))
	if !ok || none == nil || len(none) != 0 {
		t.Errorf("empty table = %+v, %v", none, ok)
	}
	for _, bad := range [][]string{
		{"0\tTCP\tSERVER\t80\t\t0\t\t0.0.0.0"}, // no header
		{CIDHeader, "0\tTCP\tSERVER\t80"},
		{CIDHeader, "x\tTCP\tSERVER\t80\t\t0\t\t0.0.0.0"},
		{CIDHeader, "0\tSCTP\tSERVER\t80\t\t0\t\t0.0.0.0"},
		{CIDHeader, "0\tTCP\tPEER\t80\t\t0\t\t0.0.0.0"},
		{CIDHeader, "0\tTCP\tSERVER\t80\t\t0\t\t256.0.0.0"},
		{CIDHeader, "0\tTCP\tSERVER\t80\t\t65536\t\t1.0.0.0"},
		{"[OK]"},
	} {
		if got, ok := ParseCIDTable(bad); ok {
			t.Errorf("ParseCIDTable(%q) = %+v, true", bad, got)
		}
	}
}

func TestCIDEntryUpdate(t *testing.T) {
	no := protocol.NoLink
	tests := []struct {
		row  string
		want protocol.LinkUpdate
	}{
		{"0\tTCP\tSERVER\t  80\t\t   0\t\t  0.  0.  0.  0", protocol.LinkUpdate{ID: 0, Present: true, Snapshot: true, Parent: no,
			Role: protocol.RoleServer, Proto: protocol.ProtoTCP, State: protocol.StateListen, Local: "0.0.0.0:80"}},
		{"1\tTCP\tSERVER\t  80\t\t65535\t\t192.168.100.200", protocol.LinkUpdate{ID: 1, Present: true, Snapshot: true, Parent: no,
			Role: protocol.RoleSeed, Proto: protocol.ProtoTCP, State: protocol.StateEstablished, Local: "0.0.0.0:80", Remote: "192.168.100.200:65535"}},
		{"2\tUDP\tCLIENT\t5002\t\t5001\t\t192.168.  3.  2", protocol.LinkUpdate{ID: 2, Present: true, Snapshot: true, Parent: no,
			Role: protocol.RoleClient, Proto: protocol.ProtoUDP, State: protocol.StateBound, Local: "0.0.0.0:5002", Remote: "192.168.3.2:5001"}},
		{"a\tTCP-SSL CLIENT\t1024\t\t 443\t\t 10.  0.  0.  1", protocol.LinkUpdate{ID: 10, Present: true, Snapshot: true, Parent: no,
			Role: protocol.RoleClient, Proto: protocol.ProtoTLS, State: protocol.StateEstablished, Local: "0.0.0.0:1024", Remote: "10.0.0.1:443"}},
		{"3\tUDP\tSERVER\t5003\t\t   0\t\t  0.  0.  0.  0", protocol.LinkUpdate{ID: 3, Present: true, Snapshot: true, Parent: no,
			Role: protocol.RoleServer, Proto: protocol.ProtoUDP, State: protocol.StateBound, Local: "0.0.0.0:5003"}},
	}
	for _, tt := range tests {
		e, ok := ParseCIDRow(tt.row)
		if !ok {
			t.Errorf("ParseCIDRow(%q) failed", tt.row)
			continue
		}
		if got := e.Update(); got != tt.want {
			t.Errorf("%q: update %+v\nwant %+v", tt.row, got, tt.want)
		}
	}
}

func TestEventUpdates(t *testing.T) {
	no := protocol.NoLink
	c, _ := ParseConnect("CONNECT 0 1 192.168.100.200 65535")
	want := protocol.LinkUpdate{ID: 1, Present: true, Role: protocol.RoleSeed, Proto: protocol.ProtoTCP, Parent: 0,
		Remote: "192.168.100.200:65535", State: protocol.StateEstablished}
	if got := ConnectUpdate(c); got != want {
		t.Errorf("accept update %+v", got)
	}
	c, _ = ParseConnect("CONNECT 3")
	if got := ConnectUpdate(c); got != (protocol.LinkUpdate{ID: 3, Present: true, Parent: no}) {
		t.Errorf("connect update %+v", got)
	}
	if got := DisconnectUpdate(11); got != (protocol.LinkUpdate{ID: 11, Gone: true, Parent: no, State: protocol.StateClosed, Reason: "DISCONNECT b"}) {
		t.Errorf("disconnect update %+v", got)
	}
}

func TestOpenedLink(t *testing.T) {
	no := protocol.NoLink
	tests := []struct {
		cmd  string
		cid  int
		want protocol.LinkUpdate
		ok   bool
	}{
		{"AT+NCTCP=192.168.3.2,5000", 0, protocol.LinkUpdate{ID: 0, Present: true, Parent: no, Role: protocol.RoleClient,
			Proto: protocol.ProtoTCP, State: protocol.StateEstablished, Remote: "192.168.3.2:5000"}, true},
		{"at+nstcp=5000,4\r", 1, protocol.LinkUpdate{ID: 1, Present: true, Parent: no, Role: protocol.RoleServer,
			Proto: protocol.ProtoTCP, State: protocol.StateListen, Local: "0.0.0.0:5000"}, true},
		{"AT+NCUDP=192.168.3.2,5001,5002", 2, protocol.LinkUpdate{ID: 2, Present: true, Parent: no, Role: protocol.RoleClient,
			Proto: protocol.ProtoUDP, State: protocol.StateBound, Remote: "192.168.3.2:5001", Local: "0.0.0.0:5002"}, true},
		{"AT+NSUDP=5003", 15, protocol.LinkUpdate{ID: 15, Present: true, Parent: no, Role: protocol.RoleServer,
			Proto: protocol.ProtoUDP, State: protocol.StateBound, Local: "0.0.0.0:5003"}, true},
		{"AT+NCTCP=host,5000", 0, protocol.LinkUpdate{}, false},
		{"AT+NSTCP=0x10", 0, protocol.LinkUpdate{}, false},
		{"AT+NCLOSE=1", 1, protocol.LinkUpdate{}, false},
		{"AT+NCTCP=192.168.3.2,5000", 16, protocol.LinkUpdate{}, false},
	}
	for _, tt := range tests {
		got, ok := OpenedLink(tt.cmd, tt.cid)
		if ok != tt.ok || got != tt.want {
			t.Errorf("OpenedLink(%q, %d) = %+v, %v", tt.cmd, tt.cid, got, ok)
		}
	}
}

func TestClosedLinks(t *testing.T) {
	got := ClosedLinks("AT+NCLOSE=a")
	if len(got) != 1 || got[0].ID != 10 || !got[0].Gone || got[0].Reason != "closed (AT+NCLOSE)" || got[0].Cause != protocol.CauseHost {
		t.Errorf("AT+NCLOSE=a: %+v", got)
	}
	all := ClosedLinks("AT+NCLOSEALL")
	if len(all) != MaxCIDs {
		t.Fatalf("AT+NCLOSEALL: %d updates", len(all))
	}
	for i, u := range all {
		if u.ID != i || !u.Gone {
			t.Errorf("AT+NCLOSEALL update %d: %+v", i, u)
		}
	}
	for _, cmd := range []string{"AT+NCLOSE=10", "AT+NCLOSE", "AT+NCLOSEALL=1", "AT+NCTCP=1.2.3.4,5", "close"} {
		if got := ClosedLinks(cmd); got != nil {
			t.Errorf("ClosedLinks(%q) = %+v", cmd, got)
		}
	}
}

func TestParseNStat(t *testing.T) {
	text := FormatNStat(NetStatus{MAC: "00:08:dc:00:00:01", Connected: true, BSSID: "00:24:01:ad:77:a2",
		SSID: "My AP", Channel: 6, Security: "WPA2-PERSONAL", RSSI: -48, IP: "192.168.3.100", Mask: "255.255.255.0",
		Gateway: "192.168.3.1", DNS1: "192.168.3.1", DNS2: "0.0.0.0", RxCount: 13, TxCount: 12})
	var got []protocol.Setting
	for _, l := range strings.Split(string(text), "\r\n") {
		got = append(got, ParseNStatLine(l)...)
	}
	want := []protocol.Setting{
		{Name: "mac", Value: "00:08:dc:00:00:01"}, {Name: "wstate", Value: "CONNECTED"}, {Name: "mode", Value: "INFRA"},
		{Name: "bssid", Value: "00:24:01:ad:77:a2"}, {Name: "ssid", Value: "My AP"}, {Name: "channel", Value: "6"},
		{Name: "security", Value: "WPA2-PERSONAL"}, {Name: "rssi", Value: "-48"},
		{Name: "ip_addr", Value: "192.168.3.100"}, {Name: "subnet", Value: "255.255.255.0"}, {Name: "gateway", Value: "192.168.3.1"},
		{Name: "dns1", Value: "192.168.3.1"}, {Name: "dns2", Value: "0.0.0.0"},
		{Name: "rx_count", Value: "13"}, {Name: "tx_count", Value: "12"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("NSTAT settings\n%+v\nwant\n%+v", got, want)
	}
	// A single space belongs to the value; two or more separate pairs.
	if got := ParseNStatLine("WSTATE=NOT CONNECTED     MODE=INFRA"); !reflect.DeepEqual(got,
		[]protocol.Setting{{Name: "wstate", Value: "NOT CONNECTED"}, {Name: "mode", Value: "INFRA"}}) {
		t.Errorf("NOT CONNECTED: %+v", got)
	}
	if got := ParseNStatLine("SSID=\"a  b\"   Channel=1"); !reflect.DeepEqual(got,
		[]protocol.Setting{{Name: "ssid", Value: "a  b"}, {Name: "channel", Value: "1"}}) {
		t.Errorf("quoted SSID: %+v", got)
	}
	for _, l := range []string{"", "[OK]", "=x", "SSID=\"open", "A\"B=1", "MAC=1  junk", "MAC=b=c", CIDHeader, "AT+NCTCP=1.2.3.4,5", "S2W APP VERSION=1.0", "MAC=1   FOO=2"} {
		if got := ParseNStatLine(l); got != nil {
			t.Errorf("ParseNStatLine(%q) = %+v", l, got)
		}
	}
}
