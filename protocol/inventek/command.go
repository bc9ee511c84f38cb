package inventek

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"atbench/protocol"
)

// LineEnding ends every command line: CR alone.
const LineEnding = "\r"

// ErrEmpty is returned by ParseCommand for an empty line, which the module
// answers with a new prompt (UNCONFIRMED).
var ErrEmpty = errors.New("inventek: empty command line")

// Command is one command line as the module's parser sees it.
type Command struct {
	// Name is the two-character command in upper case: "P5", "P?", "S3".
	Name string
	// Args are the comma-separated values after '='.
	Args []string
	// HasArgs reports whether the line had '=' after the name.
	HasArgs bool
}

// CommandError is a line the module refuses, with what it prints:
// FormatError(nil, Line, Usage).
type CommandError struct {
	Name   string // the command as typed, upper case; "" when unreadable
	Line   string // the error line, ErrUnknownCommand or ErrInvalidParam
	Usage  string // the usage line
	Reason string // why, for people (not printed by the module)
	// Discard is how many raw bytes follow the refused line and must be
	// dropped rather than read as commands: an S3 refused for its length
	// still has its payload coming (UNCONFIRMED: what the module does with
	// it is not documented).
	Discard int
}

// Error describes the refusal.
func (e *CommandError) Error() string {
	return fmt.Sprintf("inventek: %s: %s (%s)", e.Name, e.Reason, e.Line)
}

// Answer is the module's error answer to the line.
func (e *CommandError) Answer() []byte { return FormatError(nil, e.Line, e.Usage) }

// maxDiscard bounds CommandError.Discard: a length beyond it is not taken
// as a payload announcement.
const maxDiscard = 65535

// ParseCommand parses one command line the way the module does and checks
// it against the catalogue. The line may end with CR (or CR LF); a LF at
// its start, left by a host that ends lines with CR LF, is dropped. The
// name is two characters, compared without case; '=' and comma-separated
// values may follow (C1's SSID and C2's passphrase are one value each,
// commas included). A line the module refuses gives a *CommandError
// holding the answer to print; an empty line gives ErrEmpty.
//
// S3's payload (and S0's) is not part of the line: PayloadLength tells how
// many raw bytes follow the CR.
func ParseCommand(line []byte) (Command, error) {
	line = bytes.TrimPrefix(line, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	if len(line) == 0 {
		return Command{}, ErrEmpty
	}
	if len(line) < 2 || (len(line) > 2 && line[2] != '=') {
		return Command{}, unknown(line)
	}
	cmd := Command{Name: strings.ToUpper(string(line[:2]))}
	spec, ok := specFor(cmd.Name)
	if !ok {
		return Command{}, unknown(line)
	}
	bad := func(reason string) error {
		return &CommandError{Name: cmd.Name, Line: ErrInvalidParam, Usage: Usage(cmd.Name), Reason: reason}
	}
	if len(line) > MaxLine {
		return Command{}, bad(fmt.Sprintf("line of %d bytes, over %d", len(line), MaxLine))
	}
	if len(line) > 2 {
		cmd.HasArgs = true
		if len(spec.Params) == 1 && spec.Params[0].Type == protocol.ParamString {
			cmd.Args = []string{string(line[3:])} // an SSID or passphrase may hold commas
		} else {
			cmd.Args = strings.Split(string(line[3:]), ",")
		}
	}
	if err := checkArgs(spec, cmd); err != nil {
		ce := bad(err.Error()).(*CommandError)
		if cmd.Name == "S3" && len(cmd.Args) == 1 {
			if n, ok := atoiMax(cmd.Args[0], maxDiscard); ok {
				ce.Discard = n
			}
		}
		return Command{}, ce
	}
	return cmd, nil
}

// unknown is the refusal of a line whose name is not a command.
func unknown(line []byte) error {
	name := ""
	if len(line) >= 2 {
		name = strings.ToUpper(string(line[:2]))
	}
	return &CommandError{Name: name, Line: ErrUnknownCommand, Usage: Usage(""), Reason: "not a command"}
}

// PayloadLength is how many raw bytes follow cmd's CR: S3's length, or
// for S0 the size set with S1 (s1); 0 for every other command.
func (c Command) PayloadLength(s1 int) int {
	switch c.Name {
	case "S3":
		n, _ := atoiMax(c.Args[0], MaxPayload)
		return n
	case "S0":
		return s1
	}
	return 0
}

// Int returns argument i as a number (callers use it after ParseCommand
// checked the range).
func (c Command) Int(i int) int {
	if i >= len(c.Args) {
		return 0
	}
	n, _ := atoiMax(c.Args[i], 1<<31-1)
	return n
}

// stringLimits bounds the free-text parameters, in bytes.
func stringLimit(name string) (min, max int) {
	switch name {
	case "C1":
		return 1, 32
	case "C2":
		return 0, 63
	}
	return 0, MaxLine
}

// checkArgs checks cmd's values against its catalogue entry.
func checkArgs(spec protocol.CommandSpec, cmd Command) error {
	if len(spec.Params) == 0 {
		if cmd.HasArgs {
			return errors.New("takes no value")
		}
		return nil
	}
	if !cmd.HasArgs {
		return errors.New("value missing")
	}
	if len(cmd.Args) > len(spec.Params) {
		return fmt.Errorf("%d values, at most %d", len(cmd.Args), len(spec.Params))
	}
	for i, p := range spec.Params {
		if i >= len(cmd.Args) {
			if !p.Optional {
				return fmt.Errorf("%s missing", p.Name)
			}
			continue
		}
		if err := checkValue(spec.Name, p, cmd.Args[i]); err != nil {
			return fmt.Errorf("%s: %w", p.Name, err)
		}
	}
	return nil
}

// checkValue checks one value against its parameter.
func checkValue(cmd string, p protocol.ParamSpec, v string) error {
	switch p.Type {
	case protocol.ParamInt:
		n, ok := atoiMax(v, 1<<31-1)
		if !ok {
			return fmt.Errorf("%q is not a number", v)
		}
		if n < p.Min || (p.Max != 0 && n > p.Max) {
			return fmt.Errorf("%d out of range %d..%d", n, p.Min, p.Max)
		}
		if allowed, listed := listedValues(p); listed && !allowed[n] {
			return fmt.Errorf("%d is not one of the documented values", n)
		}
	case protocol.ParamIP:
		if !isIPv4(v) {
			return fmt.Errorf("%q is not an IPv4 address", v)
		}
	case protocol.ParamString:
		lo, hi := stringLimit(cmd)
		if len(v) < lo || len(v) > hi {
			return fmt.Errorf("%d characters, want %d..%d", len(v), lo, hi)
		}
	}
	return nil
}

// listedValues returns the numbers a parameter's Values name ("10: ...")
// when they do not cover its whole range, as for P5.
func listedValues(p protocol.ParamSpec) (map[int]bool, bool) {
	if len(p.Values) == 0 || p.Max-p.Min+1 == len(p.Values) {
		return nil, false
	}
	allowed := make(map[int]bool, len(p.Values))
	for _, s := range p.Values {
		num, _, ok := strings.Cut(s, ":")
		if n, ok2 := atoiMax(num, 1<<31-1); ok && ok2 {
			allowed[n] = true
		}
	}
	return allowed, true
}

// Step is one step of a host-side plan: a command line (sent with
// LineEnding) or raw bytes. Raw bytes follow the line before them at once,
// with no answer or prompt in between (S3=<n>\r<bytes>).
type Step struct {
	Line string
	Raw  []byte
}

// SendSteps builds a send of payload on link: "P0=<socket>", then for each
// piece of at most MaxPayload bytes "S3=<n>" and the piece as raw bytes.
// Each S3 is answered with the count sent, or -1 once the connection is
// gone.
func SendSteps(link int, payload []byte) ([]Step, error) {
	socket, _, ok := SocketOf(link)
	if !ok {
		return nil, fmt.Errorf("S3: link %d is not a socket (0..%d) or an accepted client (%d..%d)",
			link, MaxSockets-1, seedBase, seedBase+MaxSockets-1)
	}
	if len(payload) == 0 {
		return nil, errors.New("S3: empty payload (length must be 1.." + strconv.Itoa(MaxPayload) + ")")
	}
	steps := []Step{{Line: "P0=" + strconv.Itoa(socket)}}
	for rest := payload; len(rest) > 0; {
		n := min(len(rest), MaxPayload)
		steps = append(steps, Step{Line: "S3=" + strconv.Itoa(n)}, Step{Raw: rest[:n:n]})
		rest = rest[n:]
	}
	return steps, nil
}

// ReadCommands builds a read of up to n bytes from link: "P0=<socket>",
// "R1=<n>", "R0". R0's answer is the raw data up to the final
// "\r\nOK\r\n> " (see SplitRead).
func ReadCommands(link, n int) ([]string, error) {
	socket, _, ok := SocketOf(link)
	if !ok {
		return nil, fmt.Errorf("R0: link %d is not a socket or an accepted client", link)
	}
	if n < 1 || n > MaxPayload {
		return nil, fmt.Errorf("R1: size %d out of range 1..%d", n, MaxPayload)
	}
	return []string{"P0=" + strconv.Itoa(socket), "R1=" + strconv.Itoa(n), "R0"}, nil
}

// CloseCommands builds the close of link: an accepted client is dropped
// with P5=10 (the server waits for the next), a server stopped with P5=0,
// a client with P6=0.
func CloseCommands(link int, role protocol.Role) ([]string, error) {
	socket, seed, ok := SocketOf(link)
	if !ok {
		return nil, fmt.Errorf("close: link %d is not a socket or an accepted client", link)
	}
	sel := "P0=" + strconv.Itoa(socket)
	switch {
	case seed:
		return []string{sel, "P5=10"}, nil
	case role == protocol.RoleServer:
		return []string{sel, "P5=0"}, nil
	}
	return []string{sel, "P6=0"}, nil
}

// KeepaliveCommands builds "P0=<socket>" and "PK=<enable>,<ms>" for a
// policy on link's socket; it applies to the socket's TCP connections. PK
// sets only the idle time, rounded up to whole ms (1..7200000); the module's
// probes are KeepInterval apart and KeepCount of them end the link, so a
// policy asking for another interval or count is refused rather than
// silently changed. Zero Interval and Count mean "not set" and pass.
func KeepaliveCommands(link int, p protocol.Keepalive) ([]string, error) {
	socket, _, ok := SocketOf(link)
	if !ok {
		return nil, fmt.Errorf("PK: link %d is not a socket or an accepted client", link)
	}
	sel := "P0=" + strconv.Itoa(socket)
	if !p.Enabled {
		return []string{sel, "PK=0," + strconv.Itoa(KeepDefault)}, nil
	}
	if p.Interval != 0 && p.Interval != KeepInterval {
		return nil, fmt.Errorf("PK: the probe interval is fixed at %v; %v cannot be set", KeepInterval, p.Interval)
	}
	if p.Count != 0 && p.Count != KeepCount {
		return nil, fmt.Errorf("PK: the probe count is fixed at %d; %d cannot be set", KeepCount, p.Count)
	}
	if p.Idle <= 0 || p.Idle > KeepDefault*time.Millisecond {
		return nil, fmt.Errorf("PK: idle time %v out of range 1ms..%dms", p.Idle, KeepDefault)
	}
	ms := (p.Idle + time.Millisecond - 1) / time.Millisecond // round up to whole ms
	return []string{sel, "PK=1," + strconv.FormatInt(int64(ms), 10)}, nil
}
