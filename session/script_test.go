package session

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestParseScript(t *testing.T) {
	src := "# demo\n\ntimeout 2s\nsend AT+SKTSERVER=1,1,,${PORT},1\nexpect ^OK$\nraw Hi\\r\\n\\x00\nsleep 10ms\ndtr off\nbreak\n"
	sc, err := ParseScript("demo.at", strings.NewReader(src), env(map[string]string{"PORT": "1234"}))
	if err != nil {
		t.Fatal(err)
	}
	var verbs []string
	for _, st := range sc.Steps {
		verbs = append(verbs, st.Verb)
	}
	if got := strings.Join(verbs, ","); got != "timeout,send,expect,raw,sleep,dtr,break" {
		t.Fatalf("verbs %s", got)
	}
	if sc.Steps[1].Arg != "AT+SKTSERVER=1,1,,1234,1" || sc.Steps[1].Line != 4 {
		t.Errorf("send step %+v", sc.Steps[1])
	}
	if string(sc.Steps[3].raw) != "Hi\r\n\x00" {
		t.Errorf("raw %q", sc.Steps[3].raw)
	}
}

func TestParseScriptErrors(t *testing.T) {
	cases := map[string]string{
		"send\n":              "demo.at:1: send needs a command",
		"expect (\n":          "demo.at:1: expect: error parsing regexp",
		"\ntimeout soon\n":    "demo.at:2: timeout needs a duration",
		"send ${NOPE}\n":      "demo.at:1: ${NOPE} is not set",
		"raw \\q\n":           "demo.at:1: raw: column 1: unknown escape",
		"frobnicate x\n":      "demo.at:1: unknown verb \"frobnicate\"",
		"dtr maybe\n":         "demo.at:1: dtr takes on or off",
		"send AT${UNCLOSED\n": "unterminated ${",
	}
	for src, want := range cases {
		_, err := ParseScript("demo.at", strings.NewReader(src), env(nil))
		var se *ScriptError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", src, err, want)
		}
	}
}

func TestRunnerExpectTimesOutWithRecordsSeen(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, f, stop := start(t, Options{})
		defer stop()
		lines := f.lines()
		go func() {
			for l := range lines {
				if l == "AT+TEST" {
					f.say("\r\nOK\r\n")
				}
			}
		}()
		sc, err := ParseScript("t.at", strings.NewReader("timeout 3s\nsend AT+TEST\nexpect ^OK$\nsend AT+TEST\nexpect ^NEVER$\n"), nil)
		if err != nil {
			t.Fatal(err)
		}
		t0 := time.Now()
		err = (&Runner{S: s}).Run(context.Background(), sc)
		var ee *ExpectError
		if !errors.As(err, &ee) {
			t.Fatalf("err %v, want *ExpectError", err)
		}
		if ee.Line != 5 || time.Since(t0) != 3*time.Second {
			t.Errorf("line %d after %s", ee.Line, time.Since(t0))
		}
		// Only the second OK is reported: the first was consumed by line 3.
		if len(ee.Seen) != 1 || ee.Seen[0].Text != "OK" {
			t.Errorf("seen %v", ee.Seen)
		}
		if !strings.Contains(err.Error(), `t.at:5: expect "^NEVER$": timed out after 3s; records seen meanwhile:`+"\n  ok OK") {
			t.Errorf("message %q", err)
		}
	})
}

func TestRunnerExpectMatchesPayload(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, f, stop := start(t, Options{})
		defer stop()
		sc, _ := ParseScript("t.at", strings.NewReader("expect (?s)^DATA4:a\\r\\nb$\nexpect ^after$\n"), nil)
		go f.say("DATA4:a\r\nb\r\nafter\r\n")
		if err := (&Runner{S: s, Cursor: 1}).Run(context.Background(), sc); err != nil {
			t.Fatal(err)
		}
	})
}

func TestRunnerStopsWhenTheSessionEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, f, stop := start(t, Options{})
		sc, _ := ParseScript("t.at", strings.NewReader("timeout 1h\nexpect ^NEVER$\n"), nil)
		go func() { f.say("bye\r\n"); f.end() }()
		err := (&Runner{S: s}).Run(context.Background(), sc)
		var ee *ExpectError
		if !errors.As(err, &ee) || ee.Cause == nil {
			t.Fatalf("err %v, want an ExpectError with a cause", err)
		}
		stop()
	})
}

func TestExpectSkipsNotesAndExpectNoteTakesThem(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, f, stop := start(t, Options{})
		defer stop()
		sc, _ := ParseScript("t.at", strings.NewReader("timeout 1s\nexpect connected\nexpect-note ^dis\n"), nil)
		go func() {
			s.Note("reconnected: a note that says connected")
			f.say("module connected\r\n")
			synctest.Wait()
			s.Note("disconnected: port gone")
		}()
		rn := &Runner{S: s, Cursor: 1} // from the first record: the goroutine may have written already
		if err := rn.Run(context.Background(), sc); err != nil {
			t.Fatal(err)
		}
		// The first expect passed over the note and matched the module's
		// line; expect-note found the later note.
		if rn.Cursor != s.LastSeq()+1 {
			t.Errorf("cursor %d after %d records", rn.Cursor, s.LastSeq())
		}
	})
}

// answerer answers each command line the fake module gets with the text
// the map gives.
func answerer(f *fakeDev, answers map[string]string) {
	lines := f.lines()
	go func() {
		for l := range lines {
			if a, ok := answers[l]; ok {
				f.say(a)
			}
		}
	}()
}

func TestExpectLeavesUnaskedMessagesForTheNext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, f, stop := start(t, Options{})
		defer stop()
		// The event and the data arrive before the OK that line 3 waits for.
		answerer(f, map[string]string{"AT+TEST": "+EVT connected\r\nDATA5:hello\r\n\r\nOK\r\n"})
		src := "timeout 2s\nsend AT+TEST\nexpect ^OK$\nexpect hello\nexpect ^\\+EVT connected$\n"
		sc, err := ParseScript("t.at", strings.NewReader(src), nil)
		if err != nil {
			t.Fatal(err)
		}
		rn := &Runner{S: s}
		if err := rn.Run(context.Background(), sc); err != nil {
			t.Fatal(err)
		}
		// Each record matches once: a fourth expect finds none of them.
		sc2, _ := ParseScript("t2.at", strings.NewReader("timeout 1s\nexpect connected|hello|OK\n"), nil)
		err = rn.Run(context.Background(), sc2)
		var ee *ExpectError
		if !errors.As(err, &ee) || len(ee.Seen) != 0 {
			t.Fatalf("err %v, want a timeout with nothing seen", err)
		}
	})
}

func TestExpectFailsAtOnceOnTheLastCommandsError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, f, stop := start(t, Options{})
		defer stop()
		answerer(f, map[string]string{"AT+SKTDEL=9": "\r\nERROR: 1\r\n", "AT+TEST": "\r\nOK\r\n"})
		sc, _ := ParseScript("t.at", strings.NewReader("timeout 1h\nsend AT+SKTDEL=9\nexpect ^OK$\n"), nil)
		t0 := time.Now()
		err := (&Runner{S: s}).Run(context.Background(), sc)
		var ee *ExpectError
		if !errors.As(err, &ee) || ee.Line != 3 {
			t.Fatalf("err %v, want an ExpectError at line 3", err)
		}
		if d := time.Since(t0); d != 0 {
			t.Errorf("failed after %s, want at once", d)
		}
		if !strings.Contains(err.Error(), `t.at:3: expect "^OK$": the command sent last (AT+SKTDEL=9) ended in ERROR: 1`) {
			t.Errorf("message %q", err)
		}

		// An error the script expects fails nothing after it.
		src := "timeout 5s\nsend AT+SKTDEL=9\nexpect ^ERROR: 1$\nexpect ^later$\nsend AT+TEST\nexpect ^OK$\n"
		sc, _ = ParseScript("t2.at", strings.NewReader(src), nil)
		go func() {
			synctest.Wait()
			time.Sleep(time.Second) // the module's own pace, on the fake clock
			f.say("later\r\n")
		}()
		if err := (&Runner{S: s}).Run(context.Background(), sc); err != nil {
			t.Fatal(err)
		}
	})
}
