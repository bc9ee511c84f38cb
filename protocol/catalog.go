package protocol

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

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
	// RequiredIf makes an Optional parameter required when another
	// parameter has one of some values (Realtek's cert_index with a TLS
	// conn_type); the zero value requires nothing.
	RequiredIf Requirement
}

// Requirement says when an optional parameter must be given.
type Requirement struct {
	Param  string   // the other parameter's name
	Values []string // its values that make this one required
	When   string   // in words: "for TLS (conn_type 2 or 3)"
}

// Applies reports whether the other parameter's value other makes the
// parameter required.
func (r Requirement) Applies(other string) bool {
	if r.Param == "" {
		return false
	}
	for _, v := range r.Values {
		if strings.EqualFold(v, strings.TrimSpace(other)) {
			return true
		}
	}
	return false
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
// or "?" after it; a catalogue name that itself ends in '?' (Inventek's
// "P?", "I?") is found first.
func Lookup(cat []CommandSpec, line string) (CommandSpec, bool) {
	whole := line
	if i := strings.IndexAny(line, "=\r\n"); i >= 0 {
		whole = line[:i]
	}
	name := CommandName(line)
	for _, want := range []string{whole, name} {
		for _, c := range cat {
			if strings.EqualFold(c.Name, want) {
				return c, true
			}
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

// Field is a byte range [Start, End) of a typed line.
type Field struct{ Start, End int }

// Text returns the field's bytes in line.
func (f Field) Text(line string) string { return line[f.Start:f.End] }

// Split is a typed command line cut into its parts by a command set's
// rules. Offsets are bytes of the line.
type Split struct {
	// Name is the command name, leading spaces left out, up to '=', '?' or
	// the end of the line.
	Name Field
	// Sep is the byte after the name: '=', '?', or 0 when the line ends.
	Sep byte
	// Fields are the parameter fields after '=', in order; a bare '=' has
	// one empty field. Nil unless Sep is '='.
	Fields []Field
}

// SplitFields cuts line at the first '=' or '?' and, after '=', on every
// comma not escaped with escape (0: no escapes; the escape byte takes the
// byte after it literally). A trailing free-text parameter (the last of
// the command's spec in cat, of type ParamString) takes the rest of the
// line, commas included.
func SplitFields(line string, escape byte, cat []CommandSpec) Split {
	var sp Split
	sp.Name.Start = len(line) - len(strings.TrimLeft(line, " "))
	sep := strings.IndexAny(line, "=?")
	if sep < 0 {
		sp.Name.End = len(line)
		return sp
	}
	sp.Name.End, sp.Sep = sep, line[sep]
	if sp.Sep != '=' {
		return sp
	}
	start := sep + 1
	for i := start; i < len(line); i++ {
		switch {
		case escape != 0 && line[i] == escape:
			i++
		case line[i] == ',':
			sp.Fields = append(sp.Fields, Field{start, i})
			start = i + 1
		}
	}
	sp.Fields = append(sp.Fields, Field{start, len(line)})
	spec, ok := Lookup(cat, line[sp.Name.Start:sp.Name.End])
	if n := len(spec.Params); ok && n > 0 && len(sp.Fields) > n && spec.Params[n-1].Type == ParamString {
		sp.Fields[n-1].End = len(line)
		sp.Fields = sp.Fields[:n]
	}
	return sp
}

// Key is what to type for one of the documented values: "1" of "1: TCP".
func Key(value string) string {
	if i := strings.IndexByte(value, ':'); i >= 0 {
		return strings.TrimSpace(value[:i])
	}
	if i := strings.IndexByte(value, ' '); i >= 0 {
		return value[:i]
	}
	return strings.TrimSpace(value)
}

// Keys lists what can be typed for the parameter's documented values, in
// order, without repeats.
func (p ParamSpec) Keys() []string {
	var out []string
	for _, v := range p.Values {
		if k := Key(v); k != "" && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// Meaning is what a typed value means by the documentation ("TCP" for "1"
// of "1: TCP"), or "" when it is not documented.
func (p ParamSpec) Meaning(value string) string {
	for _, v := range p.Values {
		if strings.EqualFold(Key(v), strings.TrimSpace(value)) {
			_, m, ok := strings.Cut(v, ":")
			if !ok {
				_, m, _ = strings.Cut(v, " ")
			}
			return strings.TrimSpace(m)
		}
	}
	return ""
}

// Describe names the parameter's type and range: "integer 0..19", "IPv4
// address", "one of auto, fast".
func (p ParamSpec) Describe() string {
	switch p.Type {
	case ParamInt, ParamHex:
		kind := "integer"
		if p.Type == ParamHex {
			kind = "hex"
		}
		switch {
		case p.Max > 0:
			return kind + " " + strconv.Itoa(p.Min) + ".." + strconv.Itoa(p.Max)
		case p.Min != 0:
			return kind + " ≥ " + strconv.Itoa(p.Min)
		}
		return kind
	case ParamIP:
		return "IPv4 address"
	case ParamHost:
		return "IPv4 address or host name"
	case ParamEnum:
		keys := make([]string, 0, len(p.Values))
		for _, v := range p.Values {
			keys = append(keys, Key(v))
		}
		return "one of " + strings.Join(keys, ", ")
	}
	return "text"
}

// Check checks a typed value against the parameter. An empty value, or
// one that is not complete yet (a partial IPv4 address), passes.
func (p ParamSpec) Check(value string) error {
	if value == "" {
		return nil
	}
	switch p.Type {
	case ParamInt, ParamHex:
		base := 10
		if p.Type == ParamHex {
			base = 16
		}
		n, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimPrefix(value, "0x"), "0X"), base, 64)
		if err != nil {
			return fmt.Errorf("%q is not a number", value)
		}
		if n < int64(p.Min) || (p.Max > 0 && n > int64(p.Max)) {
			r := strings.TrimPrefix(strings.TrimPrefix(p.Describe(), "integer "), "hex ")
			return fmt.Errorf("%s is out of range %s", value, r)
		}
	case ParamEnum:
		for _, v := range p.Values {
			if strings.EqualFold(Key(v), value) {
				return nil
			}
		}
		return fmt.Errorf("%q is not %s", value, p.Describe())
	case ParamIP:
		parts := strings.Split(value, ".")
		if len(parts) != 4 {
			return nil
		}
		for _, s := range parts {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 || n > 255 {
				return fmt.Errorf("%q is not an IPv4 address", value)
			}
		}
	}
	return nil
}

// ErrorExplainer is implemented by dialects that can say what a final
// error means for the command it answers, from their catalogue.
type ErrorExplainer interface {
	// ExplainError says what the final error record final means as the
	// answer to command ("AT+SKTDEL=5"), such as "AT+SKTDEL error 1:
	// parameter error (also: no such link)"; "" when the catalogue does
	// not say.
	ExplainError(command string, final Record) string
}

// Adviser is implemented by dialects that can warn about a typed line
// before it is sent: a line the module will not take as typed.
type Adviser interface {
	// Advise returns a one-line warning about line, or "" when there is
	// nothing to say.
	Advise(line string) string
}

// ExplainCode finds what code means for the command named in line, by the
// catalogue: the command's own error table. ok is false when the command
// or the code is not documented.
func ExplainCode(cat []CommandSpec, line, code string) (meaning string, ok bool) {
	spec, found := Lookup(cat, strings.TrimSpace(line))
	if !found {
		return "", false
	}
	return CodeMeaning(spec, code)
}

// CodeMeaning is what code means in spec's error table.
func CodeMeaning(spec CommandSpec, code string) (meaning string, ok bool) {
	for _, e := range spec.Errors {
		if e.Code == code {
			return e.Meaning, true
		}
	}
	return "", false
}
