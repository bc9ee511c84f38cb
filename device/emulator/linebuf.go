package emulator

// LineBuffer assembles a command line from what the host writes, for a
// firmware whose line buffer has a fixed size: a line longer than Max is
// dropped whole, and End reports it, as the modules answer such a line with
// an error of their own.
type LineBuffer struct {
	Max  int // bytes a line may hold
	buf  []byte
	over bool
}

// Append adds b to the line being assembled.
func (l *LineBuffer) Append(b []byte) {
	if l.over {
		return
	}
	if len(l.buf)+len(b) > l.Max {
		l.over = true
		l.buf = l.buf[:0]
		return
	}
	l.buf = append(l.buf, b...)
}

// End ends the line: it returns the line, nil when it was empty, or
// reports that it was over-long (and returns no line). The next line
// starts empty.
func (l *LineBuffer) End() (line []byte, overLong bool) {
	if l.over {
		l.over = false
		return nil, true
	}
	if len(l.buf) == 0 {
		return nil, false
	}
	line, l.buf = l.buf, nil
	return line, false
}
