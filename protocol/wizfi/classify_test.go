package wizfi

import (
	"testing"

	"atbench/protocol"
)

func TestClassify(t *testing.T) {
	no := protocol.NoLink
	tests := []struct {
		line string
		kind protocol.Kind
		link int
	}{
		// Status words, WizFi210's bracketed form and GainSpan's bare one.
		{"[OK]", protocol.KindOK, no},
		{"[OK]\r\n", protocol.KindOK, no},
		{"OK", protocol.KindOK, no},
		{"[ERROR]", protocol.KindError, no},
		{"[ERROR: INVALID INPUT]", protocol.KindError, no},
		{"[ERROR: SOCKET FAILURE]", protocol.KindError, no},
		{"[ERROR: NO CID]", protocol.KindError, no},
		{"[ERROR: INVALID CID]", protocol.KindError, no},
		{"[ERROR: NOT SUPPORTED]", protocol.KindError, no},
		{"ERROR: INVALID INPUT", protocol.KindError, no},
		{"ERROR: IP CONFIG FAIL", protocol.KindError, no},
		{"ERROR", protocol.KindError, no},
		{"DISASSOCIATED", protocol.KindError, no},
		{"[DISASSOCIATED]", protocol.KindError, no},
		// Events with their CID.
		{"CONNECT 0", protocol.KindEvent, 0},
		{"CONNECT f", protocol.KindEvent, 15},
		{"CONNECT A", protocol.KindEvent, 10},
		{"[CONNECT 3]", protocol.KindEvent, 3},
		{"CONNECT 0 1 192.168.100.200 65535", protocol.KindEvent, 1},
		{"CONNECT 0 b 10.0.0.1 1", protocol.KindEvent, 11},
		{"DISCONNECT 1", protocol.KindEvent, 1},
		{"[DISCONNECT e]", protocol.KindEvent, 14},
		{"CONNECT x", protocol.KindEvent, no},
		{"DISCONNECT 10", protocol.KindEvent, no},
		{"Disassociation Event", protocol.KindEvent, no},
		{"Serial2WiFi APP", protocol.KindEvent, no},
		{"NWCONN-SUCCESS", protocol.KindEvent, no},
		{"IP CONFIG-NEW IP", protocol.KindEvent, no},
		{"APP Reset-APP SW Reset", protocol.KindEvent, no},
		// Information: the CID table, its header and its empty form.
		{CIDHeader, protocol.KindInfo, no},
		{"0\tTCP\tSERVER\t5000\t\t   0\t\t  0.  0.  0.  0", protocol.KindInfo, 0},
		{"a\tUDP\tCLIENT\t5002\t\t5001\t\t192.168.  3.  2", protocol.KindInfo, 10},
		{"3\tTCP-SSL CLIENT\t1024\t\t 443\t\t 10. 0. 0. 1", protocol.KindInfo, 3},
		{"4\tHTTP\tCLIENT\t1025\t\t  80\t\t 10. 0. 0. 1", protocol.KindInfo, 4},
		{"4\tFOO\tCLIENT", protocol.KindInfo, no},
		{NoCIDs, protocol.KindInfo, no},
		{"MAC=00:08:dc:00:00:01", protocol.KindInfo, no},
		{"IP addr=192.168.3.100   SubNet=255.255.255.0   Gateway=192.168.3.1", protocol.KindInfo, no},
		{"AT+NCTCP=192.168.3.2,5000", protocol.KindInfo, no},
		{"OKAY", protocol.KindInfo, no},
		{"[OK", protocol.KindInfo, no},
		{"", protocol.KindInfo, no},
	}
	for _, tt := range tests {
		k, link := Classify([]byte(tt.line))
		if k != tt.kind || link != tt.link {
			t.Errorf("Classify(%q) = %v, %d; want %v, %d", tt.line, k, link, tt.kind, tt.link)
		}
	}
}

// TestClassifyAllocs checks that ordinary lines cost no allocation.
func TestClassifyAllocs(t *testing.T) {
	lines := [][]byte{
		[]byte("[OK]\r\n"), []byte("[ERROR: INVALID INPUT]"), []byte("CONNECT 0 1 192.168.100.200 65535"),
		[]byte("DISCONNECT 1"), []byte("0\tTCP\tSERVER\t5000\t\t   0\t\t  0.  0.  0.  0"), []byte("Disassociation Event"),
		[]byte("IP addr=192.168.3.100   SubNet=255.255.255.0"),
	}
	for _, l := range lines {
		if n := testing.AllocsPerRun(100, func() { Classify(l) }); n != 0 {
			t.Errorf("Classify(%q): %v allocations", l, n)
		}
	}
}

func BenchmarkClassify(b *testing.B) {
	lines := [][]byte{
		[]byte("[OK]\r\n"), []byte("CONNECT 0 1 192.168.100.200 65535\r\n"), []byte("DISCONNECT 1\r\n"),
		[]byte("0\tTCP\tSERVER\t5000\t\t   0\t\t  0.  0.  0.  0\r\n"), []byte("RSSI=-48\r\n"),
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		Classify(lines[i%len(lines)])
	}
}
