package ui

import (
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"atbench/protocol"
)

func numbered(from, n int) []protocol.Record {
	out := make([]protocol.Record, n)
	for i := range out {
		out[i] = rec(protocol.KindInfo, fmt.Sprintf("line %06d", from+i))
	}
	return out
}

// TestWindowIsBounded feeds many records through views and checks that
// the console holds no more than its window of them, by count and by
// bytes, whatever the session keeps.
func TestWindowIsBounded(t *testing.T) {
	f := newFake()
	m := sized(t, f, Options{}, 120, 40)
	big := strings.Repeat("x", 60_000)
	for i := 0; i < 300; i++ {
		recs := numbered(i*100, 99)
		recs = append(recs, dataRec(0, big))
		f.add(recs...)
		m = pull(m)
		sb := m.console.sb
		if len(sb.recs) > windowRecords || sb.bytes > windowBytes+len(big) {
			t.Fatalf("after %d records the window holds %d records, %d bytes", f.seq, len(sb.recs), sb.bytes)
		}
	}
	sb := m.console.sb
	held := 0
	for i := range sb.recs {
		held += recordBytes(&sb.recs[i])
	}
	if held != sb.bytes || held > windowBytes {
		t.Fatalf("window holds %d bytes (counted %d), bound %d", held, sb.bytes, windowBytes)
	}
	if sb.cacheBytes > cacheBytes+len(big)*8 {
		t.Fatalf("rendered lines hold %d bytes", sb.cacheBytes)
	}
	if rows := scrollRows(m); !strings.Contains(rows[len(rows)-2], "xxxx") {
		t.Fatalf("the newest record is not shown: %q", rows[len(rows)-1])
	}
	// Records already taken are not taken twice.
	n := len(sb.recs)
	m = step(m, viewMsg{v: f.View(sb.hi-5, viewRecords)})
	if len(m.console.sb.recs) != n {
		t.Fatalf("a repeated view added %d records", len(m.console.sb.recs)-n)
	}
}

// scrollRows returns the scrollback rows of the console as shown.
func scrollRows(m Model) []string {
	rows, _ := m.console.rows()
	lines := strings.Split(ansi.Strip(content(m)), "\n")
	return lines[1 : 1+rows]
}

func TestScrollDoesNotJumpWhileRecordsArrive(t *testing.T) {
	f := newFake()
	f.add(numbered(0, 500)...)
	m := sized(t, f, Options{}, 120, 40)
	if rows := scrollRows(m); !strings.Contains(rows[len(rows)-1], "line 000499") {
		t.Fatalf("following: last row %q", rows[len(rows)-1])
	}
	m = step(m, keyMsg("pgup"))
	m = step(m, keyMsg("pgup"))
	before := scrollRows(m)
	for i := 0; i < 5; i++ {
		f.add(numbered(500+60*i, 60)...)
		m = pull(m)
	}
	after := scrollRows(m)
	if strings.Join(before, "\n") != strings.Join(after, "\n") {
		t.Fatalf("view moved while records arrived:\nbefore\n%s\nafter\n%s", strings.Join(before, "\n"), strings.Join(after, "\n"))
	}
	scr := ansi.Strip(content(m))
	// Two pages of 33 rows up (one row of overlap each): 64 records below,
	// plus the 300 that arrived.
	if !strings.Contains(scr, "↓ 364 newer · esc: back to live") {
		t.Fatalf("rule does not count the newer records:\n%s", scr)
	}
	m = step(m, keyMsg("esc"))
	if rows := scrollRows(m); !strings.Contains(rows[len(rows)-1], "line 000799") {
		t.Fatalf("esc did not return to live: %q", rows[len(rows)-1])
	}
	// Page down from the top comes back to following.
	m = step(m, keyMsg("ctrl+home"))
	if rows := scrollRows(m); !strings.Contains(rows[0], "line 000000") {
		t.Fatalf("top: first row %q", rows[0])
	}
	for i := 0; i < 30 && !m.console.sb.follow; i++ {
		m = step(m, keyMsg("pgdown"))
	}
	if !m.console.sb.follow {
		t.Fatal("paging down to the end did not resume following")
	}
}

func TestMouseWheelScrollsThePaneUnderIt(t *testing.T) {
	f := scenario()
	f.add(numbered(0, 200)...)
	m := sized(t, f, Options{}, 120, 40)
	m = step(m, tea.MouseWheelMsg{X: 10, Y: 10, Button: tea.MouseWheelUp})
	if m.console.sb.follow || m.console.sb.newer() == 0 {
		t.Fatal("wheel up over the console did not scroll it")
	}
	top := scrollRows(m)[0]
	m = step(m, tea.MouseWheelMsg{X: 10, Y: 10, Button: tea.MouseWheelUp})
	if scrollRows(m)[0] == top {
		t.Fatal("second notch did not scroll further")
	}
	for i := 0; i < 5; i++ {
		m = step(m, tea.MouseWheelMsg{X: 10, Y: 10, Button: tea.MouseWheelDown})
	}
	if !m.console.sb.follow {
		t.Fatal("wheel down to the end did not resume following")
	}
	// Over the links pane the wheel moves the selection.
	m = step(m, tea.MouseWheelMsg{X: 80, Y: 3, Button: tea.MouseWheelDown})
	if m.links.sel != 1 || !m.console.sb.follow {
		t.Fatalf("wheel over links: selection %d", m.links.sel)
	}
	// A click focuses the pane under it.
	m = step(m, tea.MouseClickMsg{X: 80, Y: 30, Button: tea.MouseLeft})
	if m.focus != focusKeepalive {
		t.Fatalf("click on keepalive: focus %d", m.focus)
	}
}

func TestSearch(t *testing.T) {
	f := scenario()
	f.add(numbered(0, 300)...)
	m := sized(t, f, Options{Theme: "mono"}, 120, 40)
	m = step(m, keyMsg("/"))
	if !m.console.searching {
		t.Fatal("/ did not start a search")
	}
	m = step(m, tea.PasteMsg{Content: `\x1b]0`})
	scr := ansi.Strip(content(m))
	if !strings.Contains(scr, "match 1 of 1 records") || !strings.Contains(scr, `hello\x1b]0;hi`) {
		t.Fatalf("search for an escape:\n%s", scr)
	}
	if !strings.Contains(content(m), m.sh.styles.Match.Render(`\x1b]0`)) {
		t.Fatal("match not highlighted")
	}
	// Smart case: lower-case matches any case; the newest match is first.
	m = step(m, keyMsg("esc"))
	m = step(m, keyMsg("/"))
	m = step(m, tea.PasteMsg{Content: "line 0001"})
	if scr := ansi.Strip(content(m)); !strings.Contains(scr, "match 100 of 100 records") {
		t.Fatalf("newest match not first:\n%s", scr)
	}
	m = step(m, keyMsg("enter"))
	m = step(m, keyMsg("up"))
	if scr := ansi.Strip(content(m)); !strings.Contains(scr, "match 98 of 100") || !strings.Contains(scr, "line 000197") {
		t.Fatalf("older match:\n%s", scr)
	}
	m = step(m, keyMsg("down"))
	if scr := ansi.Strip(content(m)); !strings.Contains(scr, "match 99 of 100") {
		t.Fatalf("newer match:\n%s", scr)
	}
	m = step(m, tea.PasteMsg{Content: "X"})
	if scr := ansi.Strip(content(m)); !strings.Contains(scr, `no match for "line 0001X"`) {
		t.Fatalf("upper case is exact:\n%s", scr)
	}
	m = step(m, keyMsg("esc"))
	if v := content(m); m.console.searching || strings.Contains(v, m.sh.styles.Match.Render("line 0001")) {
		t.Fatal("esc did not end the search")
	}
}

func TestHexAndClockToggles(t *testing.T) {
	m := sized(t, scenario(), Options{Clock: ClockRelative}, 120, 40)
	scr := ansi.Strip(content(m))
	if !strings.Contains(scr, "   +00:00.120 ← OK") || !strings.Contains(scr, "relative") {
		t.Fatalf("relative clock:\n%s", scr)
	}
	m = step(m, keyMsg("ctrl+t"))
	if scr := ansi.Strip(content(m)); !strings.Contains(scr, "12:00:00.120 ← OK") {
		t.Fatalf("wall clock:\n%s", scr)
	}
	m = step(m, keyMsg("ctrl+x"))
	scr = ansi.Strip(content(m))
	for _, want := range []string{
		"◂ [$][SKT][DATA][0][20]:",
		"0000  68 65 6c 6c 6f 1b 5d 30  hello.]0",
		"0010  6c 64 0d 0a              ld..",
		"→ 0000  41 54 2b 53 4b 54 53 45  AT+SKTSE",
	} {
		if !strings.Contains(scr, want) {
			t.Errorf("hex view lacks %q:\n%s", want, scr)
		}
	}
	m = step(m, keyMsg("f3"))
	if scr := ansi.Strip(content(m)); strings.Contains(scr, "0000  68 65") {
		t.Fatal("f3 did not turn the hex view off")
	}
}

func TestClearHidesTheScrollback(t *testing.T) {
	f := scenario()
	m := sized(t, f, Options{}, 120, 40)
	m = step(m, tea.PasteMsg{Content: ":clear"})
	m = step(m, keyMsg("enter"))
	if scr := ansi.Strip(content(m)); strings.Contains(scr, "AT+SKTCFG") {
		t.Fatalf(":clear left records on screen:\n%s", scr)
	}
	f.add(rec(protocol.KindOK, "OK after clear"))
	m = pull(m)
	if scr := ansi.Strip(content(m)); !strings.Contains(scr, "OK after clear") {
		t.Fatal("records after :clear not shown")
	}
}

// TestUpdatesCoalesce checks that a burst of changes makes one pull, not
// one per change or per line.
func TestUpdatesCoalesce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake()
		d := start(t, f, Options{}, 120, 40)
		views := f.views
		for i := 0; i < 200; i++ {
			f.add(numbered(5*i, 5)...) // 200 changes, 1000 lines
		}
		d.settle()
		time.Sleep(frameInterval)
		d.settle()
		if n := f.views - views; n != 1 {
			t.Fatalf("%d views for one burst, want 1", n)
		}
		if got := len(d.m.console.sb.recs); got != 1000 {
			t.Fatalf("%d records taken, want 1000", got)
		}
		// A change a while after the last one is shown at once, with no
		// time passing.
		time.Sleep(500 * time.Millisecond)
		d.settle()
		views = f.views
		f.add(rec(protocol.KindOK, "late"))
		d.settle()
		if n := f.views - views; n != 1 {
			t.Fatalf("a lone change made %d views", n)
		}
		if !strings.Contains(d.screen(), "← late") {
			t.Fatalf("the late record is not shown:\n%s", d.screen())
		}
	})
}
