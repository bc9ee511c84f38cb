package ui

import (
	"strings"
	"testing"
	"testing/synctest"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"atbench/protocol"
	"atbench/protocol/realtek"
)

// flat is the console's text with every space and line break taken out,
// so that a hint wrapped over several rows reads as one string.
func flat(scr string) string { return strings.Join(strings.Fields(consoleText(scr)), "") }

func TestHelpListsEveryColonCommand(t *testing.T) {
	m := sized(t, scenario(), Options{}, 200, 60)
	m = step(m, keyMsg("?"))
	scr := ansi.Strip(content(m))
	for _, c := range colonCommands() {
		if !strings.Contains(scr, ":"+c.names[0]) || !strings.Contains(scr, c.desc) {
			t.Errorf("help lacks :%s (%s):\n%s", c.names[0], c.desc, scr)
		}
		// Every name the help lists is one the console takes.
		for _, n := range c.names {
			if got, ok := findColon(n); !ok || got.verb != c.verb {
				t.Errorf(":%s is not taken as %s", n, c.verb)
			}
		}
	}
	m = sized(t, scenario(), Options{}, 120, 40)
	m = step(m, tea.PasteMsg{Content: ":bogus"})
	m = step(m, keyMsg("enter"))
	if scr := flat(ansi.Strip(content(m))); !strings.Contains(scr, "unknown:bogus:try"+strings.ReplaceAll(colonSummary(), " ", "")) {
		t.Errorf("an unknown : command does not list the known ones:\n%s", scr)
	}
}

func TestSentLineShownAsItWentOut(t *testing.T) {
	f := scenario()
	f.add(protocol.Record{Kind: protocol.KindSent, Text: `AT+SKTSEND=0,6,,,a\,b\\c`})
	m := sized(t, f, Options{}, 120, 40)
	scr := ansi.Strip(content(m))
	if !strings.Contains(scr, `→ AT+SKTSEND=0,6,,,a\,b\\c`) {
		t.Errorf("the sent line is not shown as it went out:\n%s", scr)
	}
	f.add(protocol.Record{Kind: protocol.KindSent, Text: "AT+TEST=0,\x1b[2J"})
	m = pull(m)
	if scr := content(m); strings.Contains(scr, "\x1b[2J") || !strings.Contains(ansi.Strip(scr), `AT+TEST=0,\x1b[2J`) {
		t.Errorf("a control byte in a sent line is not escaped")
	}
}

func TestDataHintKeepsSingleBackslashes(t *testing.T) {
	f := newFake()
	f.dialect = realtek.New()
	m := sized(t, f, Options{}, 120, 40)
	m = step(m, tea.PasteMsg{Content: "AT+SKTSEND=0,3,,,"})
	scr := ansi.Strip(content(m))
	if got := flat(scr); !strings.Contains(got, `write','as\,and'\'as\\;`) {
		t.Errorf("data hint:\n%s", scr)
	}
	if strings.Contains(consoleText(scr), "…") {
		t.Errorf("the data hint is cut:\n%s", scr)
	}
}

func TestCertIndexRequiredForTLS(t *testing.T) {
	f := newFake()
	f.dialect = realtek.New()
	m := sized(t, f, Options{}, 120, 40)
	m = step(m, tea.PasteMsg{Content: "AT+SKTSERVER=1,1,"})
	scr := flat(ansi.Strip(content(m)))
	if !strings.Contains(scr, "<cert_index>integer1..10,requiredforconn_type2or3,emptyotherwise") || strings.Contains(scr, "optional") {
		t.Errorf("cert_index for TCP:\n%s", ansi.Strip(content(m)))
	}
	m = sized(t, f, Options{}, 120, 40)
	m = step(m, tea.PasteMsg{Content: "AT+SKTSERVER=1,2,"})
	if scr := flat(ansi.Strip(content(m))); !strings.Contains(scr, "✗needed:<conn_type>is2") {
		t.Errorf("an empty cert_index for TLS is not flagged:\n%s", ansi.Strip(content(m)))
	}
}

func TestBareATWarnedBeforeItIsSent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake()
		f.dialect = realtek.New()
		d := start(t, f, Options{}, 120, 40)
		d.typeText("at")
		if scr := flat(d.screen()); !strings.Contains(scr, "⚠thismodulehasnobareATcommand:tryAT+TEST") {
			t.Fatalf("no warning while typing:\n%s", d.screen())
		}
		d.key("enter")
		if got := f.submittedLines(); len(got) != 0 {
			t.Fatalf("sent at once: %q", got)
		}
		if scr := flat(d.screen()); !strings.Contains(scr, "enteragainsendsitastyped") || d.input() != "at" {
			t.Fatalf("first enter: input %q\n%s", d.input(), d.screen())
		}
		d.key("enter")
		if got := f.submittedLines(); len(got) != 1 || got[0] != "at" {
			t.Fatalf("second enter sent %q", got)
		}
	})
}

func TestErrorExplainedUnderIt(t *testing.T) {
	f := newFake()
	f.dialect = realtek.New()
	f.add(protocol.Record{Kind: protocol.KindSent, Text: "AT+SKTDEL=5"},
		protocol.Record{Kind: protocol.KindError, Text: "ERROR: 1"})
	m := sized(t, f, Options{}, 120, 40)
	if scr := flat(ansi.Strip(content(m))); !strings.Contains(scr, "✗ERROR:1↳AT+SKTDELerror1:parametererror(also:nosuchlink)") {
		t.Errorf("error not explained:\n%s", ansi.Strip(content(m)))
	}
}

func TestHexViewShowsLineTerminators(t *testing.T) {
	f := newFake()
	f.add(protocol.Record{Kind: protocol.KindInfo, Text: "AMEBA-RTOS SDK VERSION: 1.1.0", End: protocol.EndLF, Lead: protocol.EndCRLF, LeadN: 1},
		protocol.Record{Kind: protocol.KindOK, Text: "OK", End: protocol.EndCRLF, Lead: protocol.EndCRLF, LeadN: 1})
	m := sized(t, f, Options{}, 120, 40)
	m = step(m, keyMsg("ctrl+x"))
	scr := ansi.Strip(content(m))
	for _, want := range []string{
		"0000  0d 0a 41 4d 45 42 41 2d  ..AMEBA-",
		"0018  3a 20 31 2e 31 2e 30 0a  : 1.1.0.",
		"← 0000  0d 0a 4f 4b 0d 0a",
	} {
		if !strings.Contains(scr, want) {
			t.Errorf("hex view lacks %q:\n%s", want, scr)
		}
	}
}

func TestTabOnEmptyInputListsTheCommands(t *testing.T) {
	f := newFake()
	f.dialect = realtek.New()
	m := sized(t, f, Options{}, 120, 40)
	m = step(m, keyMsg("tab"))
	scr := flat(ansi.Strip(content(m)))
	for _, c := range realtek.Catalog() {
		if !strings.Contains(scr, c.Name) {
			t.Errorf("the list lacks %s:\n%s", c.Name, ansi.Strip(content(m)))
		}
	}
	if m.focus != focusConsole {
		t.Fatal("the first tab moved the focus")
	}
}

func TestLongHintsKeepTheScreenSize(t *testing.T) {
	for _, sz := range [][2]int{{120, 40}, {80, 24}, {60, 16}, {40, 12}} {
		for _, in := range []string{"", "AT+SKTCFG=2000,2000,,1,60,10,", "AT+SKTSEND=0,4,,,", ":"} {
			f := newFake()
			f.dialect = realtek.New()
			m := sized(t, f, Options{}, sz[0], sz[1])
			if in == "" {
				m = step(m, keyMsg("tab")) // the command list
			} else {
				m = step(m, tea.PasteMsg{Content: in})
			}
			checkSize(t, content(m), sz[0], sz[1])
			if sb, hint := m.console.rows(); sb < 0 || hint < 0 || sb+hint+2 > max(m.console.h-2, 0) {
				t.Errorf("%dx%d %q: rows %d + hint %d do not fit %d", sz[0], sz[1], in, sb, hint, m.console.h)
			}
		}
	}
}
