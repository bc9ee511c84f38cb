package inventek

import (
	"reflect"
	"testing"
	"time"

	"atbench/protocol"
)

func TestParseAccept(t *testing.T) {
	tests := []struct {
		line string
		want Accept
		ok   bool
	}{
		{"[TCP SVR] Accepted 192.168.10.100:34489", Accept{"192.168.10.100", 34489}, true},
		{"[TCP SVR] Accepted 192.168.10.100:34504\r\n", Accept{"192.168.10.100", 34504}, true},
		{"[SOMA][TCP SVR] Accepted 192.168.1.5:4000[EOMA]", Accept{"192.168.1.5", 4000}, true},
		{"[SOMA][TCP SVR] Accepted 192.168.1.5:4000", Accept{"192.168.1.5", 4000}, true},
		{"[TCP SVR] Accepted 10.0.0.1:65535", Accept{"10.0.0.1", 65535}, true},
		{"[TCP SVR] Accepted 10.0.0.1:65536", Accept{}, false},
		{"[TCP SVR] Accepted 10.0.0.1:0", Accept{}, false},
		{"[TCP SVR] Accepted 10.0.0.1:", Accept{}, false},
		{"[TCP SVR] Accepted 10.0.0:80", Accept{}, false},
		{"[TCP SVR] Accepted 10.0.0.256:80", Accept{}, false},
		{"[TCP SVR] Accepted ::1:80", Accept{}, false},
		{"[TCP SVR] Accepted 10.0.0.1:80 x", Accept{}, false},
		{"[TCP SVR] Accepted10.0.0.1:80", Accept{}, false},
		{"[TCP SVR] Waiting on connection …", Accept{}, false},
		{"[SOMA][EOMA]", Accept{}, false},
		{"", Accept{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseAccept(tt.line)
		if ok != tt.ok || got != tt.want {
			t.Errorf("ParseAccept(%q) = %+v, %v; want %+v, %v", tt.line, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseJoin(t *testing.T) {
	tests := []struct {
		line string
		want Join
		ok   bool
	}{
		{"[JOIN   ] SSID,192.168.2.18,0,0", Join{"SSID", "192.168.2.18"}, true},
		{"[JOIN   ] drogue,192.168.1.174,0,0\r\n", Join{"drogue", "192.168.1.174"}, true},
		{"[JOIN   ] my,net,10.0.0.2,0,0", Join{"my,net", "10.0.0.2"}, true},
		{"[JOIN   ] Grove Island", Join{}, false},
		{"[JOIN   ] Failed", Join{}, false},
		{"[JOIN   ] SSID,192.168.2,0,0", Join{}, false},
		{"[JOIN   ] SSID,192.168.2.18,1,0", Join{}, false},
		{"[JOIN  ] SSID,192.168.2.18,0,0", Join{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseJoin(tt.line)
		if ok != tt.ok || got != tt.want {
			t.Errorf("ParseJoin(%q) = %+v, %v; want %+v, %v", tt.line, got, ok, tt.want, tt.ok)
		}
	}
	if j, ok := ParseJoin(JoinText("a b", "1.2.3.4")); !ok || j != (Join{"a b", "1.2.3.4"}) {
		t.Errorf("round trip: %+v %v", j, ok)
	}
}

func TestIsWaiting(t *testing.T) {
	for line, want := range map[string]bool{
		WaitingText: true, "[TCP SVR] Waiting on connection ...": true, "[TCP SVR] Waiting on connection …\r\n": true,
		"[TCP SVR] Waiting on connection": false, "[TCP SVR] Waiting on connection …x": false, "[TCP TSK] Killed": false,
	} {
		if got := IsWaiting(line); got != want {
			t.Errorf("IsWaiting(%q) = %v", line, got)
		}
	}
}

func TestParseTransport(t *testing.T) {
	tests := []struct {
		line string
		want Transport
		ok   bool
	}{
		// Quoted in a Rust driver's tests (a UDP socket after a read).
		{"1,192.168.1.94,0,192.168.1.94,13001,0,0,1,0,0,0,7200000", Transport{Proto: 1, LocalIP: "192.168.1.94",
			RemoteIP: "192.168.1.94", RemotePort: 13001, Backlog: 1, KeepMillis: 7200000, HasKeepalive: true}, true},
		{"0,192.168.2.18,5024,0.0.0.0,0,1,0,6,1,0\r\n", Transport{LocalIP: "192.168.2.18", LocalPort: 5024,
			RemoteIP: "0.0.0.0", TCPServer: 1, Backlog: 6, AcceptLoop: 1}, true},
		{"4,192.168.2.18,5024,0.0.0.0,0,1,0,6,1,0", Transport{}, false},
		{"0,192.168.2.18,65536,0.0.0.0,0,1,0,6,1,0", Transport{}, false},
		{"0,192.168.2,5024,0.0.0.0,0,1,0,6,1,0", Transport{}, false},
		{"0,192.168.2.18,5024,0.0.0.0,0,1,0,6,1", Transport{}, false},
		{"0,192.168.2.18,5024,0.0.0.0,0,1,0,6,1,0,1", Transport{}, false},
		{"0,192.168.2.18,5024,0.0.0.0,0,1,0,6,1,x", Transport{}, false},
		{"0,192.168.2.18,5024,0.0.0.0,-1,1,0,6,1,0", Transport{}, false},
		{"", Transport{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseTransport(tt.line)
		if ok != tt.ok || got != tt.want {
			t.Errorf("ParseTransport(%q) =\n %+v, %v; want\n %+v, %v", tt.line, got, ok, tt.want, tt.ok)
		}
	}
	tr := Transport{Proto: 3, LocalIP: "10.0.0.2", LocalPort: 443, RemoteIP: "10.0.0.3", RemotePort: 5000,
		TCPServer: 1, Backlog: 6, AcceptLoop: 1, Keepalive: 1, KeepMillis: 3000, HasKeepalive: true}
	if got, ok := ParseTransport(FormatTransport(tr)); !ok || got != tr {
		t.Errorf("round trip: %+v %v", got, ok)
	}
}

func TestParseCount(t *testing.T) {
	tests := []struct {
		data     string
		n        int
		lost, ok bool
	}{
		{"1", 1, false, true}, {"1460\r\n", 1460, false, true}, {"0", 0, false, true},
		{"-1", 0, true, true}, {"\r\n-1\r\n", 0, true, true},
		{"-2", 0, false, false}, {"", 0, false, false}, {"1 ", 0, false, false}, {"OK", 0, false, false},
	}
	for _, tt := range tests {
		n, lost, ok := ParseCount(tt.data)
		if n != tt.n || lost != tt.lost || ok != tt.ok {
			t.Errorf("ParseCount(%q) = %d %v %v", tt.data, n, lost, ok)
		}
	}
}

func TestSocketOf(t *testing.T) {
	for link, want := range map[int][3]int{0: {0, 0, 1}, 3: {3, 0, 1}, 4: {0, 1, 1}, 7: {3, 1, 1}, 8: {0, 0, 0}, -1: {0, 0, 0}} {
		s, seed, ok := SocketOf(link)
		if s != want[0] || seed != (want[1] == 1) || ok != (want[2] == 1) {
			t.Errorf("SocketOf(%d) = %d %v %v", link, s, seed, ok)
		}
	}
	for s := range MaxSockets {
		if got, seed, ok := SocketOf(SeedLink(s)); got != s || !seed || !ok {
			t.Errorf("SeedLink(%d) maps back to %d %v %v", s, got, seed, ok)
		}
	}
}

func TestTransportUpdates(t *testing.T) {
	srv := Transport{LocalIP: "192.168.2.18", LocalPort: 5024, RemoteIP: "0.0.0.0", TCPServer: 1, Backlog: 6, AcceptLoop: 1}
	want := []protocol.LinkUpdate{{ID: 1, Present: true, Role: protocol.RoleServer, Proto: protocol.ProtoTCP,
		Parent: protocol.NoLink, Local: "192.168.2.18:5024", State: protocol.StateListen}}
	if got := TransportUpdates(1, srv); !reflect.DeepEqual(got, want) {
		t.Errorf("listening server: %+v", got)
	}
	srv.RemoteIP, srv.RemotePort = "192.168.10.100", 34489
	want = append(want, protocol.LinkUpdate{ID: 5, Present: true, Role: protocol.RoleSeed, Proto: protocol.ProtoTCP,
		Parent: 1, Remote: "192.168.10.100:34489", State: protocol.StateEstablished})
	if got := TransportUpdates(1, srv); !reflect.DeepEqual(got, want) {
		t.Errorf("server with a client: %+v", got)
	}
	udp := Transport{Proto: 1, LocalIP: "192.168.2.18", LocalPort: 7000, RemoteIP: "0.0.0.0", UDPServer: 1}
	if got := TransportUpdates(0, udp); len(got) != 1 || got[0].State != protocol.StateBound || got[0].Proto != protocol.ProtoUDP {
		t.Errorf("UDP server: %+v", got)
	}
	tls := Transport{Proto: 3, LocalIP: "192.168.2.18", RemoteIP: "10.1.1.1", RemotePort: 443}
	want = []protocol.LinkUpdate{{ID: 2, Present: true, Role: protocol.RoleClient, Proto: protocol.ProtoTLS,
		Parent: protocol.NoLink, Remote: "10.1.1.1:443", State: protocol.StateEstablished}}
	if got := TransportUpdates(2, tls); !reflect.DeepEqual(got, want) {
		t.Errorf("TLS client: %+v", got)
	}
	if got := TransportUpdates(0, Transport{LocalIP: "0.0.0.0", RemoteIP: "0.0.0.0"}); got != nil {
		t.Errorf("idle socket: %+v", got)
	}
}

// TestKeepaliveFor checks the keepalive the seed's PK=1,3000 puts in force
// and the detection time it implies.
func TestKeepaliveFor(t *testing.T) {
	k := KeepaliveFor(true, 3000)
	want := protocol.Keepalive{Enabled: true, Idle: 3 * time.Second, Interval: 75 * time.Second, Count: 9}
	if k != want {
		t.Errorf("PK=1,3000: %+v", k)
	}
	if d := k.Idle + time.Duration(k.Count)*k.Interval; d != 678*time.Second {
		t.Errorf("detection after %v", d)
	}
	if k := KeepaliveFor(false, 3000); k != (protocol.Keepalive{}) {
		t.Errorf("PK=0: %+v", k)
	}
	got := KeepaliveSettings(3, true, 3000)
	if !reflect.DeepEqual(got, []protocol.Setting{{Name: "socket3.keepalive", Value: "1"}, {Name: "socket3.keepalive_ms", Value: "3000"}}) {
		t.Errorf("settings %+v", got)
	}
}
