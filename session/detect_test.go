package session

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"

	"atbench/protocol"
)

// candidates are two made-up command sets: "bracket" answers "AT" with
// "[OK]", "plain" answers "AT+TEST" with "OK".
func candidates() []Candidate {
	return []Candidate{
		{Name: "bracket", Dialect: func() protocol.Dialect { return testDialect{} }, Probes: []protocol.Probe{{
			Line: "AT", Ending: "\r\n", Match: func(a []byte) protocol.Verdict {
				switch {
				case protocol.HasLine(a, "[OK]"):
					return protocol.Yes
				case protocol.HasLine(a, "OK"), protocol.HasLine(a, "ERROR"):
					return protocol.No
				}
				return protocol.Unsure
			}}}},
		{Name: "plain", Dialect: func() protocol.Dialect { return testDialect{} }, Probes: []protocol.Probe{{
			Line: "AT+TEST", Ending: "\r\n", Match: func(a []byte) protocol.Verdict {
				if protocol.HasLine(a, "OK") {
					return protocol.Yes
				}
				return protocol.Unsure
			}}}},
	}
}

// runDetect starts a detecting session whose module answers each host line
// with answer(line), and returns the transcript once the set is known.
func runDetect(t *testing.T, answer func(string) string) (*Session, []protocol.Record) {
	f := newFakeDev()
	s, err := New(f, Options{Detect: candidates()})
	if err != nil {
		t.Fatal(err)
	}
	go s.Run(context.Background())
	t.Cleanup(func() { s.Close() })
	lines := f.lines()
	go func() {
		for l := range lines {
			if a := answer(l); a != "" {
				f.say(a)
			}
		}
	}()
	if _, err := s.Submit("AT+TEST"); err == nil {
		t.Error("a command was taken while detecting")
	}
	<-s.Detected()
	return s, s.Records(0, 0)
}

func texts(recs []protocol.Record) string {
	var out []string
	for _, r := range recs {
		out = append(out, r.Kind.String()+" "+r.Text)
	}
	return strings.Join(out, " | ")
}

func TestDetectPicksTheSetThatAnswers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, recs := runDetect(t, func(l string) string {
			switch l {
			case "AT":
				return "\r\nunknown command 'AT'\r\n"
			case "AT+TEST":
				return "\r\nOK\r\n"
			}
			return ""
		})
		got := texts(recs)
		for _, want := range []string{"sent AT", "noise \r\nunknown command 'AT'\r\n", "sent AT+TEST", "noise \r\nOK\r\n", "note command set: test (it answered AT+TEST as only plain does)"} {
			if !strings.Contains(got, want) {
				t.Errorf("transcript lacks %q:\n%s", want, got)
			}
		}
		if _, err := s.Submit("AT+TEST"); err != nil {
			t.Errorf("after detection: %v", err)
		}
	})
}

func TestDetectPicksTheFirstThatAnswersYes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, recs := runDetect(t, func(l string) string { return "\r\n[OK]\r\n" })
		if got := texts(recs); !strings.Contains(got, "only bracket does") || strings.Contains(got, "sent AT+TEST") {
			t.Errorf("transcript:\n%s", got)
		}
	})
}

// TestDetectGuessesNothingFromEcho: a module that only echoes what it gets
// matches no set; the session falls back to the raw console and says so.
func TestDetectGuessesNothingFromEcho(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, recs := runDetect(t, func(l string) string { return l + "\r\n\x00\xff garbage" })
		got := texts(recs)
		if !strings.Contains(got, "no known command set answered (tried bracket (AT), plain (AT+TEST))") {
			t.Errorf("transcript:\n%s", got)
		}
		if s.Dialect().Name() != "raw" {
			t.Errorf("dialect %q; want the raw console", s.Dialect().Name())
		}
	})
}
