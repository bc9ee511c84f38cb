package protocol

import (
	"bytes"
	"errors"
	"strconv"
	"time"
)

// Verdict is what a probe of command-set detection makes of the answer
// so far.
type Verdict uint8

// Probe verdicts.
const (
	Unsure Verdict = iota // not enough answer yet
	Yes                   // only this command set answers so
	No                    // the answer rules this command set out
)

// Probe is one harmless command that tells a command set from the others:
// only that set gives the answer Match says Yes to.
type Probe struct {
	// Line is the command line, without its line ending.
	Line string
	// Ending is the line ending it is sent with (the set's own).
	Ending string
	// Match judges the bytes the module has sent since the probe went out.
	Match func(answer []byte) Verdict
}

// HasLine reports whether answer holds line as a whole line: after the
// start or a line break, and followed by CR or LF.
func HasLine(answer []byte, line string) bool {
	for i := 0; ; {
		j := bytes.Index(answer[i:], []byte(line))
		if j < 0 {
			return false
		}
		j += i
		end := j + len(line)
		startOK := j == 0 || answer[j-1] == '\n' || answer[j-1] == '\r'
		endOK := end < len(answer) && (answer[end] == '\r' || answer[end] == '\n')
		if startOK && endOK {
			return true
		}
		i = j + 1
	}
}

// Generic is the raw console's command set: used when no known set
// answered. It frames lines, takes a line "OK" or starting "ERROR" as a
// final result and everything else as information, and knows no commands,
// links or settings.
func Generic() Dialect { return generic{} }

type generic struct{}

var errGeneric = errors.New("the raw console knows no command set: name one with --dialect")

func (generic) Name() string         { return "raw" }
func (generic) LineEnding() string   { return "\r\n" }
func (generic) FrameSpec() FrameSpec { return FrameSpec{} }
func (generic) Classify(line []byte) (Kind, int) {
	t := bytes.TrimSpace(line)
	switch {
	case bytes.Equal(t, []byte("OK")), bytes.Equal(t, []byte("[OK]")):
		return KindOK, NoLink
	case bytes.HasPrefix(t, []byte("ERROR")), bytes.HasPrefix(t, []byte("[ERROR")):
		return KindError, NoLink
	}
	return KindInfo, NoLink
}
func (generic) Catalog() []CommandSpec                  { return nil }
func (generic) Links(Record) []LinkUpdate               { return nil }
func (generic) Settings(Record) []Setting               { return nil }
func (generic) StateCommand() string                    { return "" }
func (generic) SendCommand(int, []byte) (string, error) { return "", errGeneric }
func (generic) SendPlan(int, []byte) (Plan, error)      { return nil, errGeneric }
func (generic) ReadCommand(int, int) (string, error)    { return "", errGeneric }
func (generic) CloseCommand(int) (string, error)        { return "", errGeneric }
func (generic) KeepaliveCommands(int, Keepalive) ([]string, error) {
	return nil, errGeneric
}
func (generic) Timeout(string) time.Duration                 { return 5 * time.Second }
func (generic) Answer(string) Answer                         { return FinalAnswer{} }
func (generic) SplitLine(line string) Split                  { return SplitFields(line, 0, nil) }
func (generic) FormatLink(id int) string                     { return strconv.Itoa(id) }
func (generic) KeepaliveInForce([]Setting) (Keepalive, bool) { return Keepalive{}, false }
