// Package protocol turns the byte stream of an AT module into records and
// defines the vocabulary shared by every command set: record kinds, the
// Dialect interface, the rules of a conversation (answers, raw bytes, send
// plans), command catalogues and their semantics, and link snapshots. It
// does no I/O and never reads the clock.
package protocol

import "time"

// Kind classifies a record.
type Kind uint8

// Record kinds. The zero value is KindNoise so that an unclassified record is
// always shown escaped and never mistaken for a result.
const (
	KindNoise  Kind = iota // bytes that fit no rule, or an over-long line
	KindSent               // a command line written by the host
	KindEcho               // the module echoing the host's command
	KindOK                 // a final success result
	KindError              // a final error result
	KindInfo               // an information line answering a command
	KindEvent              // an unsolicited message
	KindData               // a length-delimited payload
	KindPrompt             // a prompt that asks the host for more input ("> ", ">>>")
	KindNote               // a message from atbench itself (connection changes, timeouts), not from the module
	KindRaw                // raw bytes written by the host (after a prompt), not a command line; in Payload
)

var kindNames = [...]string{
	KindNoise:  "noise",
	KindSent:   "sent",
	KindEcho:   "echo",
	KindOK:     "ok",
	KindError:  "error",
	KindInfo:   "info",
	KindEvent:  "event",
	KindData:   "data",
	KindPrompt: "prompt",
	KindNote:   "note",
	KindRaw:    "raw",
}

// String returns the lower-case name of the kind.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Final reports whether a record of this kind ends a command.
func (k Kind) Final() bool { return k == KindOK || k == KindError }

// FromHost reports whether a record of this kind was written by the host
// (a command line or raw bytes) rather than said by the module or atbench.
func (k Kind) FromHost() bool { return k == KindSent || k == KindRaw }

// NoLink is the LinkID of a record that belongs to no link.
const NoLink = -1

// LineEnd is the line terminator that ended a line of module output, as the
// module sent it. The zero value is EndNone.
type LineEnd uint8

// Line terminators.
const (
	EndNone LineEnd = iota // none: a prompt, a payload, a line cut by Flush, a host record
	EndCRLF                // "\r\n"
	EndLF                  // a bare "\n"
	EndCR                  // a bare "\r", or a CR whose LF came in the next read (see Record.Lead)
)

// Bytes is the terminator as it came on the wire ("" for EndNone).
func (e LineEnd) Bytes() string {
	switch e {
	case EndCRLF:
		return "\r\n"
	case EndLF:
		return "\n"
	case EndCR:
		return "\r"
	}
	return ""
}

// LineEndOf is the LineEnd that the bytes s are: "\r\n", "\n" or "\r";
// EndNone for anything else.
func LineEndOf(s string) LineEnd {
	switch s {
	case "\r\n":
		return EndCRLF
	case "\n":
		return EndLF
	case "\r":
		return EndCR
	}
	return EndNone
}

// Record is one unit of module output (or host input, for KindSent and
// KindRaw).
type Record struct {
	Kind Kind
	// End is the terminator that ended the record's line (EndNone for
	// records that no terminator ends); for KindSent, the line ending the
	// command went out with.
	End LineEnd
	// Lead is the terminator of the empty lines that came just before the
	// record, LeadN of them (at most 255 counted): the "\r\n" before "OK"
	// in "\r\nOK\r\n", or the CR LF after a payload. An LF that completes a
	// CR ending the previous read counts as one EndLF.
	Lead  LineEnd
	LeadN uint8
	// Text is the line without its line ending. For KindData it is the
	// header that announced the payload (e.g. "[$][SKT][DATA][0][7]:").
	Text string
	// Payload holds the raw bytes of a length-delimited record.
	Payload []byte
	// LinkID is the link the record belongs to, or NoLink.
	LinkID int
	// Dropped counts bytes discarded from an over-long line (KindNoise).
	Dropped int
	// Quiet marks a background poll's command and its answer (set by the
	// session): a screen may leave it out; the log keeps it.
	Quiet bool
	// Seq numbers records in the order the session saw them (set by session).
	Seq uint64
	// At is when the session saw the record (set by session, not protocol).
	At time.Time
}
