package realtek

import (
	"bytes"
	"errors"
	"strings"
)

// MaxArgc is the most arguments a command line may carry, counting the
// command name (the firmware's MAX_ARGC).
const MaxArgc = 23

// Errors returned by ParseCommand and SplitAdvance.
var (
	// ErrNotAT is returned for a line that does not start with upper-case "AT".
	ErrNotAT = errors.New("realtek: command line does not start with \"AT\"")
	// ErrTooManyArgs is returned when a line has more than MaxArgc-1 parameters.
	ErrTooManyArgs = errors.New("realtek: too many parameters")
	// ErrBadEscape is returned by the advance parser for a backslash that is
	// not followed by ',' or '\'.
	ErrBadEscape = errors.New("realtek: invalid escape sequence")
)

// Command is one command line as the module's parser sees it.
type Command struct {
	// Name is the command as typed up to '=', "AT" included, e.g.
	// "AT+SKTSEND". The firmware looks names up case-sensitively.
	Name string
	// Args are the parameters in order; an empty string is an omitted field.
	Args []string
	// HasArgs reports whether the line had '=' after the name, even with
	// nothing after it.
	HasArgs bool
}

// UsesAdvanceParser reports whether the module splits a command's
// parameters with the escaping "advance" parser (\, is a literal comma and
// \\ a literal backslash), as read in the vendor code: AT+SKTSEND, whose
// free-text <data> needs it, and AT+SKTSENDRAW.
func UsesAdvanceParser(name string) bool {
	return name == "AT+SKTSEND" || name == "AT+SKTSENDRAW"
}

// ParseCommand parses one command line the way the module does. The line may
// end with CR, LF or CR LF, which are dropped. The line must start with "AT"
// in upper case; the name runs to the first '='; the parameters after it are
// split on ',' and an empty field stays as "" (omitted). At most MaxArgc
// arguments are allowed, counting the name.
//
// Commands for which UsesAdvanceParser is true are split by SplitAdvance,
// so AT+SKTSEND's <data> carries a comma as "\," and a backslash as "\\",
// and data_size counts the bytes after unescaping.
func ParseCommand(line []byte) (Command, error) {
	line = trimEnding(line)
	if !bytes.HasPrefix(line, []byte("AT")) {
		return Command{}, ErrNotAT
	}
	s := string(line)
	eq := strings.IndexByte(s, '=')
	if eq < 0 {
		return Command{Name: s}, nil
	}
	cmd := Command{Name: s[:eq], HasArgs: true}
	params := s[eq+1:]
	switch {
	case UsesAdvanceParser(cmd.Name):
		args, err := SplitAdvance(params)
		if err != nil {
			return Command{}, err
		}
		cmd.Args = args
	default:
		cmd.Args = strings.Split(params, ",")
	}
	if len(cmd.Args) > MaxArgc-1 {
		return Command{}, ErrTooManyArgs
	}
	return cmd, nil
}

// SplitAdvance splits a parameter list with the firmware's "advance" parser:
// ',' separates fields, "\," is a literal comma and "\\" a literal
// backslash; any other backslash sequence is ErrBadEscape.
func SplitAdvance(params string) ([]string, error) {
	if strings.IndexByte(params, '\\') < 0 {
		return strings.Split(params, ","), nil // nothing escaped: the common case
	}
	var (
		args []string
		cur  strings.Builder
	)
	for i := 0; i < len(params); i++ {
		c := params[i]
		switch c {
		case '\\':
			if i+1 >= len(params) || (params[i+1] != ',' && params[i+1] != '\\') {
				return nil, ErrBadEscape
			}
			i++
			cur.WriteByte(params[i])
		case ',':
			args = append(args, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(args, cur.String()), nil
}

// trimEnding drops one line ending (CR LF, CR or LF) from the end of line.
func trimEnding(line []byte) []byte {
	switch {
	case bytes.HasSuffix(line, []byte("\r\n")):
		return line[:len(line)-2]
	case bytes.HasSuffix(line, []byte("\r")), bytes.HasSuffix(line, []byte("\n")):
		return line[:len(line)-1]
	}
	return line
}
