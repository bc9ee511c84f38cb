package protocol

import (
	"strconv"
	"unicode"
	"unicode/utf8"
)

// AppendEscaped appends b to dst in a form that is safe to put on a
// terminal: printable text as it is, a backslash doubled, CR, LF and tab as
// \r \n \t, and every other byte (ESC, BEL, C1 controls, invalid UTF-8,
// format characters such as bidi overrides) as \xNN or \u{NNNN}. No byte a
// device sends can reach the terminal as a control sequence through it.
func AppendEscaped(dst []byte, b []byte) []byte {
	for i := 0; i < len(b); {
		// Copy a run of plain printable ASCII in one append: most device
		// text is just that.
		j := i
		for j < len(b) && plain[b[j]] {
			j++
		}
		if j > i {
			dst = append(dst, b[i:j]...)
			i = j
			continue
		}
		c := b[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '\\':
				dst = append(dst, '\\', '\\')
			case c >= 0x20 && c < 0x7f:
				dst = append(dst, c)
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = appendHexByte(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = appendHexByte(dst, c)
		case unicode.IsPrint(r):
			dst = append(dst, b[i:i+size]...)
		default:
			dst = append(dst, '\\', 'u', '{')
			dst = strconv.AppendUint(dst, uint64(r), 16)
			dst = append(dst, '}')
		}
		i += size
	}
	return dst
}

// AppendEscapedString is AppendEscaped for a string: text that needs no
// escape, the usual case, is appended without a copy of its own.
func AppendEscapedString(dst []byte, s string) []byte {
	if i := plainPrefix(s); i < len(s) {
		return AppendEscaped(append(dst, s[:i]...), []byte(s[i:]))
	}
	return append(dst, s...)
}

// Escape returns s escaped as by AppendEscaped.
func Escape(s string) string {
	if i := plainPrefix(s); i < len(s) {
		return string(AppendEscaped(append(make([]byte, 0, len(s)+8), s[:i]...), []byte(s[i:])))
	}
	return s
}

// plainPrefix is the length of the longest prefix of s that needs no
// escape.
func plainPrefix(s string) int {
	for i := 0; i < len(s); i++ {
		if !plain[s[i]] {
			return i
		}
	}
	return len(s)
}

// plain marks the bytes that stand for themselves: printable ASCII but the
// backslash.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = c != '\\'
	}
	return t
}()

const hexDigits = "0123456789abcdef"

func appendHexByte(dst []byte, c byte) []byte {
	return append(dst, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
}

// Unescape reverses the escapes a user types in a script or a raw send:
// \r \n \t \\ \0 and \xNN. Other backslash sequences are an error.
func Unescape(s string) ([]byte, error) {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		if i+1 >= len(s) {
			return nil, &EscapeError{Pos: i, Msg: "trailing backslash"}
		}
		i++
		switch s[i] {
		case 'r':
			out = append(out, '\r')
		case 'n':
			out = append(out, '\n')
		case 't':
			out = append(out, '\t')
		case '0':
			out = append(out, 0)
		case '\\':
			out = append(out, '\\')
		case 'x':
			if i+2 >= len(s) {
				return nil, &EscapeError{Pos: i - 1, Msg: `\x needs two hex digits`}
			}
			v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
			if err != nil {
				return nil, &EscapeError{Pos: i - 1, Msg: `\x needs two hex digits`}
			}
			out = append(out, byte(v))
			i += 2
		default:
			return nil, &EscapeError{Pos: i - 1, Msg: "unknown escape \\" + string(s[i])}
		}
	}
	return out, nil
}

// EscapeError reports a bad escape in user input.
type EscapeError struct {
	Pos int
	Msg string
}

// Error says where the bad escape is and what is wrong with it.
func (e *EscapeError) Error() string {
	return "column " + strconv.Itoa(e.Pos+1) + ": " + e.Msg
}
