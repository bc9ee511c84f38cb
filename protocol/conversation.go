package protocol

// This file is the vocabulary of a conversation: how an answer ends, when
// the module awaits raw bytes, and what a send is. A command set says; the
// session follows.

// Phase is where the answer to the command outstanding stands.
type Phase uint8

// Answer phases.
const (
	// Answering: the answer goes on (or has not begun).
	Answering Phase = iota
	// AwaitingRaw: the module waits for raw bytes from the host (after
	// Realtek's ">>>", ESP-AT's ">", at once after Inventek's "S3=<n>\r").
	AwaitingRaw
	// Ended: the answer is over; Turn.Final carries its result.
	Ended
)

// RawOpen is the Turn.Raw of a module that waits for raw bytes without a
// count (a transparent transmission that the host ends).
const RawOpen = -1

// Turn is what one step of the conversation means to the command
// outstanding.
type Turn struct {
	Phase Phase
	// Raw is, for AwaitingRaw, how many raw bytes the module waits for, or
	// RawOpen.
	Raw int
	// Link is, for AwaitingRaw, the link the bytes go to, or NoLink.
	Link int
	// Final is, for Ended, the record that carries the result: a KindOK
	// record for success, any other kind for a failure. It may be an
	// earlier record than the one that ended the answer (Inventek's "OK"
	// before its "> " prompt).
	Final Record
}

// Answer follows the module's answer to one command line by its command
// set's rules. It is made by Dialect.Answer for each command and used by
// one goroutine; it does no I/O and never reads the clock.
type Answer interface {
	// Begin is called when the command becomes outstanding, before its
	// line is written: a module that takes raw bytes right after the line
	// (Inventek's S3) awaits them from the start, and a line that gets no
	// answer ends at once (with a KindOK Final for success).
	Begin() Turn
	// Take is called with each record the module sends while the command
	// is outstanding, in order.
	Take(r Record) Turn
}

// FinalAnswer is the simplest answer rule: the first KindOK or KindError
// record ends the answer, and no raw bytes are awaited.
type FinalAnswer struct{}

// Begin says the answer has not begun.
func (FinalAnswer) Begin() Turn { return Turn{Phase: Answering, Link: NoLink} }

// Take ends the answer at a final result.
func (FinalAnswer) Take(r Record) Turn {
	if r.Kind.Final() {
		return Turn{Phase: Ended, Link: NoLink, Final: r}
	}
	return Turn{Phase: Answering, Link: NoLink}
}

// Step is one step of a send plan: a command line, or raw bytes that are
// written once the module awaits them (after the line before them), or at
// once when the plan starts with them (WizFi's "ESC S <cid> … ESC E").
type Step struct {
	Line string // a command line without its line ending; "" for a raw step
	Raw  []byte // the bytes of a raw step
}

// IsRaw reports whether the step writes raw bytes.
func (s Step) IsRaw() bool { return s.Line == "" }

// LineStep is a step that sends a command line.
func LineStep(line string) Step { return Step{Line: line} }

// RawStep is a step that writes raw bytes.
func RawStep(b []byte) Step { return Step{Raw: b} }

// Plan is what a send is: its steps run in order with one command
// outstanding at a time; a step whose command fails ends the plan.
type Plan []Step
