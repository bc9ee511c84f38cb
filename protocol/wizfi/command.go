package wizfi

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"atbench/protocol"
)

// LineEnding ends a command line sent to the module: CR (CR LF is accepted
// too).
const LineEnding = "\r"

// MaxLine is the longest command line the parser takes, ending excluded.
// UNCONFIRMED: the S2W command buffer size is not documented; 512 holds
// every command of the catalogue.
const MaxLine = 512

// StateCommand lists every CID in use.
const StateCommand = "AT+CID=?"

// Command is one command line as the module's parser sees it.
type Command struct {
	// Name is the command up to '=' in upper case, "AT" included, e.g.
	// "AT+NCTCP" or "ATE0". The module takes commands in either case.
	Name string
	// Args are the parameters in order, as typed; an empty string is an
	// omitted field.
	Args []string
	// HasArgs reports whether the line had '=' after the name.
	HasArgs bool
	// Query reports a "=?" query such as AT+CID=?.
	Query bool
}

// ParseCommand splits one command line: one line ending (CR, LF or CR LF)
// is dropped, the line must start with "AT" in either case, the name runs
// to the first '=' and is upper-cased with surrounding spaces dropped (the
// seed writes "AT+SETSOCKOPT =0,6,4005,1,4"), "=?" makes a query, and the
// parameters are split on ','. Errors are *ResultError with
// StatusInvalidInput.
func ParseCommand(line []byte) (Command, error) {
	line = trimEnding(line)
	if len(line) > MaxLine {
		return Command{}, invalid("command line of %d bytes, over %d", len(line), MaxLine)
	}
	if len(line) < 2 || !strings.EqualFold(string(line[:2]), "AT") {
		return Command{}, invalid("not an AT command")
	}
	name, args, has := bytes.Cut(line, []byte("="))
	c := Command{Name: strings.ToUpper(strings.TrimSpace(string(name))), HasArgs: has}
	if strings.ContainsAny(c.Name, " \t") {
		return Command{}, invalid("space inside the command name %q", c.Name)
	}
	if !has {
		return c, nil
	}
	if strings.TrimSpace(string(args)) == "?" {
		c.Query, c.HasArgs = true, false
		return c, nil
	}
	c.Args = strings.Split(string(args), ",")
	return c, nil
}

// Validate checks a parsed command against the catalogue: the command
// exists, a query is written "=?" and only a query is, the count of
// parameters fits, and each parameter has its type and range (surrounding
// spaces are allowed). AT+SETSOCKOPT is also checked by ParseSetSockOpt.
// It returns the command's entry; errors are *ResultError with
// StatusInvalidInput.
func Validate(c Command) (protocol.CommandSpec, error) {
	spec, ok := protocol.Lookup(Catalog(), c.Name)
	if !ok || !strings.EqualFold(spec.Name, c.Name) {
		return protocol.CommandSpec{}, invalid("unknown command %s", c.Name)
	}
	query := strings.HasSuffix(spec.Syntax, "=?")
	switch {
	case query != c.Query:
		if query {
			return spec, invalid("%s is a query: %s", spec.Name, spec.Syntax)
		}
		return spec, invalid("%s has no query form", spec.Name)
	case len(spec.Params) == 0 && c.HasArgs:
		return spec, invalid("%s takes no parameters", spec.Name)
	case len(c.Args) > len(spec.Params):
		return spec, invalid("%s takes at most %d parameters, got %d", spec.Name, len(spec.Params), len(c.Args))
	}
	for i, p := range spec.Params {
		v := ""
		if i < len(c.Args) {
			v = strings.TrimSpace(c.Args[i])
		}
		if v == "" {
			if !p.Optional {
				return spec, invalid("%s: <%s> missing", spec.Name, p.Name)
			}
			continue
		}
		if err := checkParam(p, v); err != nil {
			return spec, invalid("%s: <%s> %v", spec.Name, p.Name, err)
		}
	}
	if spec.Name == "AT+SETSOCKOPT" {
		if _, err := ParseSetSockOpt(strings.Join(c.Args, ",")); err != nil {
			return spec, err
		}
	}
	return spec, nil
}

// checkParam checks one non-empty value against its specification.
func checkParam(p protocol.ParamSpec, v string) error {
	switch p.Type {
	case protocol.ParamInt:
		n, ok := atoiMax(v, 1<<31-1)
		if !ok || n < p.Min || (p.Max != 0 && n > p.Max) {
			return fmt.Errorf("%q is not a number in %d..%d", v, p.Min, p.Max)
		}
	case protocol.ParamHex:
		if p.Link != protocol.LinkNone {
			if _, ok := cidOf([]byte(v)); !ok {
				return fmt.Errorf("%q is not a CID (one hex digit)", v)
			}
			return nil
		}
		n, ok := parseHex(v, 1<<31-1)
		if !ok || n < p.Min || (p.Max != 0 && n > p.Max) {
			return fmt.Errorf("%q is not a hex number in %x..%x", v, p.Min, p.Max)
		}
	case protocol.ParamIP:
		if !isIPv4(v) {
			return fmt.Errorf("%q is not an IPv4 address", v)
		}
	case protocol.ParamEnum:
		for _, val := range p.Values {
			if code, _, _ := strings.Cut(val, ":"); code == v {
				return nil
			}
		}
		return fmt.Errorf("%q is not one of the documented values", v)
	}
	return nil
}

// ErrNoRead is returned by ReadCommand: the module pushes received data as
// ESC frames and has no read command.
var ErrNoRead = errors.New("wizfi: the module pushes received data in ESC frames; there is no read command")

// CloseCommand builds "AT+NCLOSE=<cid>".
func CloseCommand(cid int) (string, error) {
	if err := checkCID(cid); err != nil {
		return "", fmt.Errorf("AT+NCLOSE: %w", err)
	}
	return "AT+NCLOSE=" + FormatCID(cid), nil
}

// ReadCommand returns ErrNoRead: data arrives without being asked for.
func ReadCommand(cid, n int) (string, error) { return "", ErrNoRead }

// SendFrame builds the frame that sends data on a CID from the host:
// ESC 'S' <cid> <data> ESC 'E', each ESC inside the data doubled. A send is
// this frame written as raw bytes, not a command line.
func SendFrame(cid int, data []byte) ([]byte, error) {
	if err := checkCID(cid); err != nil {
		return nil, fmt.Errorf("send: %w", err)
	}
	if len(data) == 0 {
		return nil, errors.New("send: empty payload")
	}
	return EncodeData(cid, data), nil
}

// BulkFrame builds the bulk-mode send (AT+BDATA=1): ESC 'Z' <cid> <4-digit
// length> <data>, the data as is.
func BulkFrame(cid int, data []byte) ([]byte, error) {
	if err := checkCID(cid); err != nil {
		return nil, fmt.Errorf("bulk send: %w", err)
	}
	if len(data) == 0 || len(data) > MaxBulk {
		return nil, fmt.Errorf("bulk send: %d bytes, want 1..%d", len(data), MaxBulk)
	}
	return EncodeBulk(cid, data), nil
}

// UDPSendFrame builds a datagram sent from a UDP server CID (AT+NSUDP) to
// one peer: ESC 'U' <cid> <ip>:<port>:<data> ESC 'E'.
func UDPSendFrame(cid int, ip string, port int, data []byte) ([]byte, error) {
	if err := checkCID(cid); err != nil {
		return nil, fmt.Errorf("UDP send: %w", err)
	}
	if !isIPv4(ip) || port < 1 || port > 65535 {
		return nil, fmt.Errorf("UDP send: bad peer %s:%d", ip, port)
	}
	if len(data) == 0 {
		return nil, errors.New("UDP send: empty payload")
	}
	return EncodeUDPServerTx(cid, ip, port, data), nil
}

// checkCID checks a CID against 0..MaxCIDs-1.
func checkCID(cid int) error {
	if cid < 0 || cid >= MaxCIDs {
		return fmt.Errorf("CID %d out of range 0..f", cid)
	}
	return nil
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
