package realtek

import (
	"testing"

	"atbench/protocol"
)

func TestProbe(t *testing.T) {
	for _, tc := range []struct {
		answer string
		want   protocol.Verdict
	}{
		{"\r\nOK\r\n", protocol.Yes},
		{"AT+TEST\r\n\r\nOK\r\n", protocol.Yes},
		{"\r\nO", protocol.Unsure},
		{"AT+TEST\r\n", protocol.Unsure},                             // an echo only
		{"\r\nERROR: Unknown Command\r\nUsage: \r\n> ", protocol.No}, // Inventek
		{"\r\n[ERROR: INVALID INPUT]\r\n", protocol.No},              // WizFi
		{"\r\nERROR\r\n", protocol.No},                               // ESP-AT
		{"\r\n[OK]\r\n", protocol.Unsure},                            // not a bare OK line
		{"NOK\r\n", protocol.Unsure},
	} {
		if got := Probe().Match([]byte(tc.answer)); got != tc.want {
			t.Errorf("Match(%q) = %v, want %v", tc.answer, got, tc.want)
		}
	}
}
