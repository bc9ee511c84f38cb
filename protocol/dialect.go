package protocol

import "time"

// Dialect is one module's AT command set, both directions.
type Dialect interface {
	// Name is the short name used on the command line ("realtek").
	Name() string
	// LineEnding is what ends a command line sent to the module.
	LineEnding() string
	// FrameSpec tells the framer how this module frames its output.
	FrameSpec() FrameSpec
	// Classify gives the kind of one complete line of module output and
	// the link it belongs to (NoLink when none).
	Classify(line []byte) (Kind, int)
	// Catalog lists the documented commands.
	Catalog() []CommandSpec
	// Links extracts link facts from one record. It may return nil.
	Links(r Record) []LinkUpdate
	// Settings extracts module-wide settings from one record: an answer
	// line of a query, or a KindSent record of a command the module has
	// accepted with a final OK. It may return nil.
	Settings(r Record) []Setting
	// StateCommand is the command that lists every link, or "" if none.
	StateCommand() string
	// SendCommand builds the command that sends payload on a link.
	SendCommand(link int, payload []byte) (string, error)
	// ReadCommand builds the command that reads up to n bytes from a link.
	ReadCommand(link, n int) (string, error)
	// CloseCommand builds the command that closes a link.
	CloseCommand(link int) (string, error)
	// KeepaliveCommands builds the commands that apply a keepalive policy.
	KeepaliveCommands(link int, p Keepalive) ([]string, error)
	// Timeout is how long a command may take before the session gives up
	// on its final result.
	Timeout(command string) time.Duration
}

// ResultLinker is implemented by dialects whose final results say
// something about a link beyond what the command itself did: Realtek's
// "ERROR: 4" to AT+SKTREAD means the peer has closed.
type ResultLinker interface {
	ResultLinks(command string, final Record) []LinkUpdate
}

// RawLengther is implemented by dialects with a command that announces a
// count of raw bytes to follow its prompt (Realtek's AT+SKTSENDRAW).
type RawLengther interface {
	// RawLength returns the byte count command announces, if it is such a
	// command.
	RawLength(command string) (int, bool)
}
