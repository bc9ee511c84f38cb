package protocol

import "strings"

// ParamType is the kind of value a parameter takes.
type ParamType uint8

// Parameter types.
const (
	ParamInt    ParamType = iota // a decimal integer within [Min, Max]
	ParamHex                     // a hexadecimal integer
	ParamString                  // free text
	ParamIP                      // a dotted IPv4 address
	ParamHost                    // an IPv4 address or a domain name
	ParamEnum                    // one of Values
)

// LinkRef says whether a parameter names a link.
type LinkRef uint8

// Link references.
const (
	LinkNone     LinkRef = iota // not a link id
	LinkExisting                // the id of a link that exists
	LinkNew                     // the id a new link is to take: a free one
)

// ParamSpec documents one parameter of a command.
type ParamSpec struct {
	Name     string
	Type     ParamType
	Link     LinkRef // whether the value is a link id, and of which kind
	Optional bool
	Min, Max int      // for ParamInt/ParamHex; Max 0 means unbounded
	Values   []string // for ParamEnum, or the meaning of each value "0: UDP"
	Default  string   // "" when none
	Help     string   // one line
}

// ErrorCode documents one error a command can return.
type ErrorCode struct {
	Code    string // as printed, e.g. "1" for "ERROR: 1"
	Meaning string
}

// CommandSpec documents one command.
type CommandSpec struct {
	Name    string // as typed, e.g. "AT+SKTSERVER" or "P5"
	Group   string // e.g. "common", "wifi", "socket"
	Syntax  string // e.g. "AT+SKTSEND=<link_id>,<data_size>,[<dst_ip>],[<dst_port>],<data>"
	Help    string // one line
	Params  []ParamSpec
	Errors  []ErrorCode
	Example string // a command line
	Reply   string // the example's answer, lines joined with "\n"
}

// Lookup finds a command by name, ignoring case. The name may carry "=..."
// or "?" after it.
func Lookup(cat []CommandSpec, line string) (CommandSpec, bool) {
	name := CommandName(line)
	for _, c := range cat {
		if strings.EqualFold(c.Name, name) {
			return c, true
		}
	}
	return CommandSpec{}, false
}

// CommandName returns the command part of a line: everything before the
// first '=', '?' or line ending.
func CommandName(line string) string {
	if i := strings.IndexAny(line, "=?\r\n"); i >= 0 {
		return line[:i]
	}
	return line
}
