package session

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"time"

	"atbench/protocol"
)

// LogWriter writes the transcript log: one line per record,
//
//	2026-11-21T23:59:01.123456Z < ok     OK
//	2026-11-21T23:59:01.200000Z > sent   AT+SKTSEND=0,6,,,Hello!
//	2026-11-21T23:59:02.000000Z < data   [$][SKT][DATA][0][7]:Hello!\n
//	2026-11-21T23:59:02.100000Z > raw    5 bytes: hello
//
// with the UTC time, the direction ("<" from the module, ">" to it, "-" from
// atbench itself), the kind, and the text with every byte that is not
// printable escaped (\r \n \t \\ \xNN), so one record is always one line.
// A background poll's command and its answer have "(poll) " before the
// text:
//
//	2026-11-21T23:59:03.000000Z > sent   (poll) AT+SKTSTATE
//
// A line the module ended with a bare LF rather than CR LF ends with that
// terminator, escaped (AT+GMR's first line: "...VERSION: 1.1.0\n").
// atbench's own notes ("-") say what it concluded: a link opened, closed or
// dead and why, a module restart, a Wi-Fi loss. The session flushes after
// each batch of records it takes in, before anyone can see them: a crash
// loses nothing shown, and a flood costs one write per burst from the
// device, not one per line. A write that fails loses the lines waiting to
// be written (Missed counts them) and the next ones are tried again.
type LogWriter struct {
	dst     io.Writer
	w       *bufio.Writer
	pending uint64 // lines buffered since the last flush
	missed  uint64 // lines lost to failed writes
	clean   bool   // the last flush succeeded
	buf     []byte
	// sec and secText cache the formatted date and time of the last whole
	// second: a flood writes thousands of lines a second.
	sec     int64
	secText []byte
}

// NewLogWriter writes log lines to w.
func NewLogWriter(w io.Writer) *LogWriter {
	return &LogWriter{dst: w, w: bufio.NewWriterSize(w, 64<<10), clean: true}
}

// Write appends one record; Flush writes it out.
func (l *LogWriter) Write(r protocol.Record) error {
	b := l.buf[:0]
	b = l.appendTime(b, r.At)
	switch {
	case r.Kind.FromHost():
		b = append(b, " > "...)
	case r.Kind == protocol.KindNote:
		b = append(b, " - "...)
	default:
		b = append(b, " < "...)
	}
	name := r.Kind.String()
	b = append(b, name...)
	for i := len(name); i < 7; i++ {
		b = append(b, ' ')
	}
	if r.Quiet {
		b = append(b, "(poll) "...)
	}
	if r.Kind == protocol.KindRaw {
		b = strconv.AppendInt(b, int64(len(r.Payload)), 10)
		b = append(b, " bytes: "...)
		b = protocol.AppendEscaped(b, r.Payload)
	} else {
		b = protocol.AppendEscapedString(b, r.Text)
		b = protocol.AppendEscaped(b, r.Payload)
	}
	if !r.Kind.FromHost() && r.End == protocol.EndLF {
		// The usual CR LF goes unsaid; a bare LF is shown escaped (text
		// never holds one unescaped). A bare CR is not: a CR LF cut
		// between two reads ends its line with the CR, and the log must
		// not say a module sent what it did not.
		b = protocol.AppendEscapedString(b, r.End.Bytes())
	}
	if r.Dropped > 0 {
		b = fmt.Appendf(b, " (+%d bytes dropped: line over the module's limit)", r.Dropped)
	}
	b = append(b, '\n')
	l.buf = b
	l.pending++
	if _, err := l.w.Write(b); err != nil {
		l.drop()
		return fmt.Errorf("transcript log: %w", err)
	}
	return nil
}

// drop forgets the lines waiting after a failed write: a bufio.Writer
// keeps failing once it has failed, so it starts afresh.
func (l *LogWriter) drop() {
	l.missed += l.pending
	l.pending = 0
	l.clean = false
	l.w.Reset(l.dst)
}

// Missed is how many lines failed writes have lost.
func (l *LogWriter) Missed() uint64 { return l.missed }

// Clean reports whether the last flush succeeded.
func (l *LogWriter) Clean() bool { return l.clean }

// appendTime appends t as 2026-11-21T23:59:01.123456Z.
func (l *LogWriter) appendTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	if sec := t.Unix(); sec != l.sec || l.secText == nil {
		l.sec = sec
		l.secText = t.Truncate(time.Second).AppendFormat(l.secText[:0], "2006-01-02T15:04:05.")
	}
	b = append(b, l.secText...)
	us := t.Nanosecond() / 1000
	for div := 100000; div > 0; div /= 10 {
		b = append(b, byte('0'+us/div%10))
	}
	return append(b, 'Z')
}

// Flush writes out every record written so far.
func (l *LogWriter) Flush() error {
	if l.w.Buffered() == 0 {
		// Nothing written proves nothing: a failing log stays failing.
		return nil
	}
	if err := l.w.Flush(); err != nil {
		l.drop()
		return fmt.Errorf("transcript log: %w", err)
	}
	l.pending = 0
	l.clean = true
	return nil
}
