package inventek

import (
	"bytes"

	"atbench/protocol"
)

// tagLen is the length of a message tag such as "[TCP SVR]" or
// "[JOIN   ]": a '[', seven characters padded with spaces, a ']'.
const tagLen = 9

// Classify gives the kind of one line of module output, with or without
// its line ending:
//   - "OK" is the final success result;
//   - a line starting "ERROR" is the final error result ("ERROR: Unknown
//     Error"); the "Usage: ..." line that follows it is information;
//   - "> " (or a bare ">") is the prompt;
//   - a tagged message ("[TCP SVR] Accepted ...", "[TCP TSK] Killed",
//     "[JOIN   ] ...", "[TCP  RC] Connecting to ...") is an event, and so
//     is an MR-wrapped "[SOMA]...[EOMA]" message unless it is empty;
//   - everything else ("-1", a count, a P? line, data) is information.
//
// No Inventek line names a socket: the commands act on the socket selected
// with P0, so the link is always NoLink here and the dialect, which knows
// the selection, attributes the line. Classify does not allocate.
func Classify(line []byte) (protocol.Kind, int) {
	for len(line) > 0 && (line[len(line)-1] == '\r' || line[len(line)-1] == '\n') {
		line = line[:len(line)-1]
	}
	switch {
	case string(line) == "OK":
		return protocol.KindOK, protocol.NoLink
	case bytes.HasPrefix(line, []byte("ERROR")):
		return protocol.KindError, protocol.NoLink
	case string(line) == Prompt, string(line) == ">":
		return protocol.KindPrompt, protocol.NoLink
	case bytes.HasPrefix(line, []byte(somaPrefix)):
		if string(line) == somaPrefix+eomaSuffix {
			return protocol.KindInfo, protocol.NoLink
		}
		return protocol.KindEvent, protocol.NoLink
	case isTagged(line):
		return protocol.KindEvent, protocol.NoLink
	}
	return protocol.KindInfo, protocol.NoLink
}

// isTagged reports whether line starts with a message tag: '[', seven
// printable characters without brackets, ']'.
func isTagged(line []byte) bool {
	if len(line) < tagLen || line[0] != '[' || line[tagLen-1] != ']' {
		return false
	}
	for _, c := range line[1 : tagLen-1] {
		if c < 0x20 || c > 0x7e || c == '[' || c == ']' {
			return false
		}
	}
	return true
}
