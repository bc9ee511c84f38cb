package wizfi

import (
	"bytes"

	"atbench/protocol"
)

// Probe is the detection probe of the WizFi210 set: a bare AT, which this
// firmware answers with the bracketed "[OK]" that no other set uses
// (Realtek answers "unknown command 'AT'", Inventek "ERROR…" and its "> "
// prompt, ESP-AT a bare "OK").
func Probe() protocol.Probe {
	return protocol.Probe{Line: "AT", Ending: LineEnding, Match: matchProbe}
}

func matchProbe(answer []byte) protocol.Verdict {
	switch {
	case protocol.HasLine(answer, "[OK]"):
		return protocol.Yes
	case bytes.Contains(answer, []byte("unknown command")), bytes.Contains(answer, []byte("\r\n> ")),
		protocol.HasLine(answer, "OK"), protocol.HasLine(answer, "ERROR"):
		return protocol.No
	}
	return protocol.Unsure
}
