package session

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"atbench/protocol"
)

// TestLogWriterLineEnds checks that the log shows a bare LF that ended a
// module's line, and leaves the usual CR LF unsaid, and a CR too (it may
// be the first half of a CR LF cut between two reads).
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
		"2026-11-21T23:59:01.000000Z < info   a\\\\n\n" +
		"2026-11-21T23:59:01.000000Z < ok     OK\n"
	if buf.String() != want {
		t.Errorf("log\n got %q\nwant %q", buf.String(), want)
	}
}

// TestRecordsKeepTheirTerminators checks, through a session, that a sent
// line carries the line ending it went out with and the module's lines
// the terminators they came with.
func TestRecordsKeepTheirTerminators(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, f, stop := start(t, Options{LineEnding: "\n"})
		defer stop()
		lines := f.lines()
		c, err := s.Submit("AT+GMR")
		if err != nil {
			t.Fatal(err)
		}
		<-lines
		f.say("VERSION: 1\nMORE\r\n\r\nOK\r\n")
		if _, err := c.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		type ends struct {
			kind  protocol.Kind
			text  string
			end   protocol.LineEnd
			leadN uint8
		}
		var got []ends
		for _, r := range s.Records(0, 100) {
			got = append(got, ends{r.Kind, r.Text, r.End, r.LeadN})
		}
		want := []ends{
			{protocol.KindSent, "AT+GMR", protocol.EndLF, 0},
			{protocol.KindInfo, "VERSION: 1", protocol.EndLF, 0},
			{protocol.KindInfo, "MORE", protocol.EndCRLF, 0},
			{protocol.KindOK, "OK", protocol.EndCRLF, 1},
		}
		if !slices.Equal(got, want) {
			t.Errorf("records\n got %+v\nwant %+v", got, want)
		}
	})
}
