package inventek

import (
	"bytes"

	"atbench/protocol"
)

// Probe is the detection probe of the Inventek set: I? (the module's
// identity), which only this firmware answers with OK followed by its
// "> " prompt. Realtek answers "unknown command", WizFi "[ERROR…]" and
// ESP-AT "ERROR".
func Probe() protocol.Probe {
	return protocol.Probe{Line: "I?", Ending: LineEnding, Match: matchProbe}
}

func matchProbe(answer []byte) protocol.Verdict {
	switch {
	case bytes.Contains(answer, []byte("\r\nOK\r\n"+Prompt)):
		return protocol.Yes
	case bytes.Contains(answer, []byte("[ERROR")), bytes.Contains(answer, []byte("unknown command")),
		protocol.HasLine(answer, "ERROR"):
		return protocol.No
	}
	return protocol.Unsure
}
