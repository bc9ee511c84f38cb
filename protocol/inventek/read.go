package inventek

import "bytes"

// SplitRead splits the bytes of one complete R0 answer, from its first byte
// to its final prompt, into the raw data read and the framing. R0's data
// has no length: it is every byte between the leading CR LF and the final
// "\r\nOK\r\n> ", and may itself hold CR LF, "OK" or even that whole
// terminator, so only the last one ends it. Forms read:
//
//	"\r\n<data>\r\nOK\r\n> "   data (possibly empty)
//	"\r\nOK\r\n> "             nothing read
//	"OK\r\n> "                 nothing read (a bare form seen by a driver)
//	"\r\n-1\r\nOK\r\n> "       lost: the connection is gone
//
// Data that is exactly "-1" cannot be told from a lost connection; the
// module makes the same bytes of both. ok is false when answer is not one
// of these forms (an error answer, or one cut short). data is a sub-slice of
// answer.
func SplitRead(answer []byte) (data []byte, lost bool, ok bool) {
	switch {
	case string(answer) == okTail, string(answer) == okTail[2:]:
		return answer[:0], false, true
	case len(answer) < 2+len(okTail), !bytes.HasPrefix(answer, []byte("\r\n")), !bytes.HasSuffix(answer, []byte(okTail)):
		return nil, false, false
	}
	data = answer[2 : len(answer)-len(okTail)]
	if string(data) == Lost {
		return data, true, true
	}
	return data, false, true
}

// ReadEnd finds where the answer of an outstanding R0 ends in buf, the
// module's output since the R0 line was sent, when R0 returns at most max
// bytes (R1's size; MaxPayload when unknown). end is the length of the
// answer, -1 while no end is in sight.
//
// The answer ends with the last "\r\nOK\r\n> " that fits in the longest
// answer possible (2 + max + 8 bytes): data may hold that terminator, and
// nothing the module prints after the answer (an accept message, a prompt)
// does. sure reports that no later terminator can still come within that
// bound; while it is false, further bytes may move the end, and a session
// settles it when the module falls silent or the bound is reached.
func ReadEnd(buf []byte, max int) (end int, sure bool) {
	if max < 0 {
		max = 0
	}
	if bytes.HasPrefix(buf, []byte(okTail[2:])) {
		return len(okTail) - 2, true // the bare "OK\r\n> " of an empty read
	}
	bound := 2 + max + len(okTail)
	w := buf[:min(len(buf), bound)]
	last := bytes.LastIndex(w, []byte(okTail))
	if last < 0 {
		return -1, len(buf) >= bound
	}
	end = last + len(okTail)
	return end, len(buf) >= bound || end+len(okTail) > bound
}
