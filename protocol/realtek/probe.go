package realtek

import (
	"bytes"

	"atbench/protocol"
)

// Probe is the detection probe of the Realtek set: AT+TEST, which the
// firmware answers with a line "OK" and the other sets refuse (Inventek
// with "ERROR…" and its "> " prompt, WizFi with "[ERROR…]", ESP-AT with
// "ERROR"). An echo of the probe is no answer.
func Probe() protocol.Probe {
	return protocol.Probe{Line: "AT+TEST", Ending: "\r\n", Match: matchProbe}
}

func matchProbe(answer []byte) protocol.Verdict {
	switch {
	case protocol.HasLine(answer, "OK"):
		return protocol.Yes
	case bytes.Contains(answer, []byte("ERROR")), bytes.Contains(answer, []byte("unknown command")),
		bytes.Contains(answer, []byte("\r\n> ")):
		return protocol.No
	}
	return protocol.Unsure
}
