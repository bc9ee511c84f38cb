package session

import (
	"bytes"
	"testing"
	"time"

	"atbench/protocol"
)

// TestLogWriterLineEnds checks that the log shows a bare LF or CR that
// ended a module's line, and leaves the usual CR LF unsaid.
func TestLogWriterLineEnds(t *testing.T) {
	var buf bytes.Buffer
	l := NewLogWriter(&buf)
	at := time.Date(2026, 11, 21, 23, 59, 1, 0, time.UTC)
	l.Write(protocol.Record{Kind: protocol.KindInfo, Text: "AMEBA-RTOS SDK VERSION: 1.1.0", End: protocol.EndLF, At: at})
	l.Write(protocol.Record{Kind: protocol.KindInfo, Text: `a\n`, End: protocol.EndCR, At: at})
	l.Write(protocol.Record{Kind: protocol.KindOK, Text: "OK", End: protocol.EndCRLF, Lead: protocol.EndCRLF, LeadN: 1, At: at})
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "2026-11-21T23:59:01.000000Z < info   AMEBA-RTOS SDK VERSION: 1.1.0\\n\n" +
		"2026-11-21T23:59:01.000000Z < info   a\\\\n\\r\n" +
		"2026-11-21T23:59:01.000000Z < ok     OK\n"
	if buf.String() != want {
		t.Errorf("log\n got %q\nwant %q", buf.String(), want)
	}
}
