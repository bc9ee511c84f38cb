package wizfi

import (
	"bytes"
	"errors"
	"fmt"
)

// Status is a GainSpan S2W status code; its value is the number the module
// prints in non-verbose mode (dialects.md C.1).
type Status uint8

// Status codes, in the firmware's order.
const (
	StatusOK                  Status = iota // OK
	StatusError                             // ERROR
	StatusInvalidInput                      // ERROR: INVALID INPUT
	StatusSocketFailure                     // ERROR: SOCKET FAILURE
	StatusNoCID                             // ERROR: NO CID
	StatusInvalidCID                        // ERROR: INVALID CID
	StatusNotSupported                      // ERROR: NOT SUPPORTED
	StatusConnect                           // CONNECT <cid> (an event, see C.4)
	StatusDisconnect                        // DISCONNECT <cid> (an event)
	StatusDisassociated                     // DISASSOCIATED
	StatusDisassociationEvent               // Disassociation Event
)

var statusText = [...]string{
	StatusOK:                  "OK",
	StatusError:               "ERROR",
	StatusInvalidInput:        "ERROR: INVALID INPUT",
	StatusSocketFailure:       "ERROR: SOCKET FAILURE",
	StatusNoCID:               "ERROR: NO CID",
	StatusInvalidCID:          "ERROR: INVALID CID",
	StatusNotSupported:        "ERROR: NOT SUPPORTED",
	StatusConnect:             "CONNECT",
	StatusDisconnect:          "DISCONNECT",
	StatusDisassociated:       "DISASSOCIATED",
	StatusDisassociationEvent: "Disassociation Event",
}

// String returns the status word as stock GainSpan firmware prints it,
// without brackets.
func (s Status) String() string {
	if int(s) < len(statusText) {
		return statusText[s]
	}
	return fmt.Sprintf("status %d", uint8(s))
}

// Final reports whether the status ends a command (OK, an error, or
// DISASSOCIATED, which a connect command answers when Wi-Fi is down).
func (s Status) Final() bool {
	return s <= StatusNotSupported || s == StatusDisassociated
}

// ResultError is an error that the module answers with a status word.
type ResultError struct {
	Status Status
	Reason string // why, for the workbench; the module prints only the status
}

// Error returns the status word and the reason.
func (e *ResultError) Error() string {
	if e.Reason == "" {
		return "wizfi: " + e.Status.String()
	}
	return "wizfi: " + e.Status.String() + ": " + e.Reason
}

// invalid returns an ERROR: INVALID INPUT error with a reason.
func invalid(format string, a ...any) error {
	return &ResultError{Status: StatusInvalidInput, Reason: fmt.Sprintf(format, a...)}
}

// StatusOf returns the status the module answers for err: the status of a
// *ResultError in its chain, or ERROR: INVALID INPUT for any other error,
// and OK for nil.
func StatusOf(err error) Status {
	if err == nil {
		return StatusOK
	}
	var se *ResultError
	if errors.As(err, &se) {
		return se.Status
	}
	return StatusInvalidInput
}

// ParseStatus reads a status line in either spelling: WizFi210's bracketed
// "[ERROR: NO CID]" or stock GainSpan's "ERROR: NO CID". It knows the
// final results (codes 0 to 6 and DISASSOCIATED) and "Disassociation
// Event"; CONNECT and DISCONNECT lines carry CIDs and have their own
// parsers. A line ending is ignored.
func ParseStatus(line []byte) (Status, bool) {
	inner, _ := unbracket(trimEOL(line))
	for s := StatusOK; s <= StatusDisassociationEvent; s++ {
		if s == StatusConnect || s == StatusDisconnect {
			continue
		}
		if string(inner) == statusText[s] {
			return s, true
		}
	}
	return 0, false
}

// ParseError returns the code of an error result as the catalogue lists it:
// "ERROR" for a bare "[ERROR]", otherwise the words after "ERROR: "
// ("INVALID INPUT"), and "DISASSOCIATED". Either spelling is accepted.
func ParseError(line string) (string, bool) {
	inner, _ := unbracket(trimEOL([]byte(line)))
	switch {
	case string(inner) == "ERROR", string(inner) == "DISASSOCIATED":
		return string(inner), true
	case bytes.HasPrefix(inner, []byte("ERROR:")):
		return string(bytes.TrimSpace(inner[len("ERROR:"):])), true
	}
	return "", false
}

// unbracket strips one pair of square brackets around a whole line.
func unbracket(line []byte) ([]byte, bool) {
	if len(line) >= 2 && line[0] == '[' && line[len(line)-1] == ']' {
		return line[1 : len(line)-1], true
	}
	return line, false
}

// trimEOL drops trailing CR and LF bytes.
func trimEOL(line []byte) []byte {
	for len(line) > 0 && (line[len(line)-1] == '\r' || line[len(line)-1] == '\n') {
		line = line[:len(line)-1]
	}
	return line
}
