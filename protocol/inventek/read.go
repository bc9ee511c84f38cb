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
