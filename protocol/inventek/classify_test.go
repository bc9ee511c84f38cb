package inventek

import (
	"testing"

	"atbench/protocol"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		line string
		want protocol.Kind
	}{
		{"OK", protocol.KindOK},
		{"OK\r\n", protocol.KindOK},
		{"OK\r", protocol.KindOK},
		{"ERROR: Unknown Error", protocol.KindError},
		{"ERROR: Invalid Parameter\r\n", protocol.KindError},
		{"ERROR", protocol.KindError},
		{"Usage: C0 ", protocol.KindInfo},
		{"> ", protocol.KindPrompt},
		{">", protocol.KindPrompt},
		{"> R0", protocol.KindInfo},
		{">>", protocol.KindInfo},
		{"[TCP SVR] Accepted 192.168.10.100:34489", protocol.KindEvent},
		{"[TCP SVR] Waiting on connection …", protocol.KindEvent},
		{"[TCP SVR] Waiting on connection ...", protocol.KindEvent},
		{"[TCP TSK] Multi-Accept Setup", protocol.KindEvent},
		{"[TCP TSK] Killed", protocol.KindEvent},
		{"[JOIN   ] MyAP,192.168.2.18,0,0", protocol.KindEvent},
		{"[JOIN   ] Failed", protocol.KindEvent},
		{"[TCP  RC] Connecting to 192.168.1.2", protocol.KindEvent},
		{"[AP     ] started", protocol.KindEvent},
		{"[SOMA][TCP SVR] Accepted 192.168.1.5:4000[EOMA]", protocol.KindEvent},
		{"[SOMA][EOMA]", protocol.KindInfo},
		{"[TCP] x", protocol.KindInfo},
		{"[TCP SVR", protocol.KindInfo},
		{"[TC]P SVR] x", protocol.KindInfo},
		{"[TCP\x1bSVR] x", protocol.KindInfo},
		{"-1", protocol.KindInfo},
		{"1", protocol.KindInfo},
		{"0,192.168.2.18,5024,0.0.0.0,0,1,0,6,1,0,1,3000", protocol.KindInfo},
		{"#001,\"MyAP\",C4:7F:51:8E:2A:10,-45,72.2,Infrastructure,WPA2,2.4GHz,6", protocol.KindInfo},
		{"OKAY", protocol.KindInfo},
		{"ok", protocol.KindInfo},
		{"", protocol.KindInfo},
	}
	for _, tt := range tests {
		k, link := Classify([]byte(tt.line))
		if k != tt.want || link != protocol.NoLink {
			t.Errorf("Classify(%q) = %v, %d; want %v, NoLink", tt.line, k, link, tt.want)
		}
	}
}

// classifyLines are ordinary lines of a session, for the allocation check
// and the benchmark.
var classifyLines = [][]byte{
	[]byte("OK"), []byte("ERROR: Unknown Error"), []byte("Usage: C0 "), []byte("> "),
	[]byte("[TCP SVR] Accepted 192.168.10.100:34489"), []byte("[JOIN   ] MyAP,192.168.2.18,0,0"),
	[]byte("[SOMA][EOMA]"), []byte("1460"), []byte("0,192.168.2.18,5024,0.0.0.0,0,1,0,6,1,0,1,3000\r\n"),
}

func TestClassifyAllocs(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		for _, l := range classifyLines {
			Classify(l)
		}
	})
	if allocs != 0 {
		t.Errorf("Classify allocates %.1f times per run of ordinary lines", allocs)
	}
}

func BenchmarkClassify(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		for _, l := range classifyLines {
			Classify(l)
		}
	}
}
