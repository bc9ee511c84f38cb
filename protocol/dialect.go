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
	// SendCommand builds the command line that sends payload on a link,
	// for a user to edit; it fails for a payload no command line carries.
	SendCommand(link int, payload []byte) (string, error)
	// SendPlan builds what sending payload on a link is: command lines and
	// raw bytes (Realtek: AT+SKTSEND, or AT+SKTSENDRAW and the bytes).
	SendPlan(link int, payload []byte) (Plan, error)
	// ReadCommand builds the command that reads up to n bytes from a link.
	ReadCommand(link, n int) (string, error)
	// CloseCommand builds the command that closes a link.
	CloseCommand(link int) (string, error)
	// KeepaliveCommands builds the commands that apply a keepalive policy.
	KeepaliveCommands(link int, p Keepalive) ([]string, error)
	// Timeout is how long a command may take before the session gives up
	// on its final result. It does not run while the module awaits raw
	// bytes for the command.
	Timeout(command string) time.Duration
	// Answer returns the rules that the answer to command follows: how it
	// ends and when the module awaits raw bytes and how many.
	Answer(command string) Answer
	// SplitLine cuts a typed command line into its name and parameter
	// fields by the set's own rules (escapes, free text at the end).
	SplitLine(line string) Split
	// FormatLink writes a link id as the set's commands take it.
	FormatLink(id int) string
	// KeepaliveInForce is the keepalive that sockets created now get, as
	// far as the settings seen say; ok is false when they say nothing.
	KeepaliveInForce(settings []Setting) (ka Keepalive, ok bool)
}

// ResultLinker is implemented by dialects whose final results say
// something about a link beyond what the command itself did: Realtek's
// "ERROR: 4" to AT+SKTREAD means the peer has closed.
type ResultLinker interface {
	ResultLinks(command string, final Record) []LinkUpdate
}

// KeepalivePlanner is implemented by dialects that can propose a keepalive
// policy for a detection target: the commands that make a silent peer be
// declared dead within target, in the order the firmware needs them.
// PlanKeepalive fails with a reason a technician can read when the command
// set cannot reach the target (WizFi cannot go under 75 s).
type KeepalivePlanner interface {
	PlanKeepalive(link int, target time.Duration) (KeepalivePlan, error)
}

// KeepalivePlan is a proposed keepalive policy and how it meets a target.
type KeepalivePlan struct {
	Target    time.Duration // what was asked for
	Keepalive Keepalive     // the policy: Idle + Count × Interval
	Detection time.Duration // when a silent peer is declared dead: at most Target
	// Arithmetic shows the sum, e.g. "idle 60 + 3 × 10 = 90 s".
	Arithmetic string
	// Commands are the lines to send, in order.
	Commands []string
	// Note says what else the user must know (AT+SKTCFG applies only to
	// sockets created after it), or "".
	Note string
}

// LinkPlanner is implemented by dialects whose read or close of a link
// takes more than one line (Inventek selects the socket with P0 first):
// ReadPlan and ClosePlan build the whole exchange for Session.Send.
type LinkPlanner interface {
	ReadPlan(link, n int) (Plan, error)
	ClosePlan(link int) (Plan, error)
}
