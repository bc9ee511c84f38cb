package ui

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	tea "charm.land/bubbletea/v2"
	xansi "github.com/charmbracelet/x/ansi"

	"atbench/protocol"
	"atbench/session"
)

// guardBackend fails the test when the screen calls the backend while
// armed: the driver arms it around Update and View.
type guardBackend struct {
	*fakeBackend
	t     *testing.T
	armed atomic.Bool
}

func (g *guardBackend) check(name string) {
	if g.armed.Load() {
		g.t.Errorf("Backend.%s called from Update or View", name)
	}
}

func (g *guardBackend) Changed() <-chan struct{} { g.check("Changed"); return g.fakeBackend.Changed() }
func (g *guardBackend) View(from uint64, max int) session.View {
	g.check("View")
	return g.fakeBackend.View(from, max)
}
func (g *guardBackend) Records(from uint64, max int) []protocol.Record {
	g.check("Records")
	return g.fakeBackend.Records(from, max)
}
func (g *guardBackend) Submit(line string) (*session.Command, error) {
	g.check("Submit")
	return g.fakeBackend.Submit(line)
}
func (g *guardBackend) Fault(ctx context.Context, words []string) (string, error) {
	g.check("Fault")
	return g.fakeBackend.Fault(ctx, words)
}
func (g *guardBackend) WriteRaw(p []byte) error {
	g.check("WriteRaw")
	return g.fakeBackend.WriteRaw(p)
}
func (g *guardBackend) Dialect() protocol.Dialect {
	g.check("Dialect")
	return g.fakeBackend.Dialect()
}
func (g *guardBackend) SetDTR(on bool) error { g.check("SetDTR"); return g.fakeBackend.SetDTR(on) }
func (g *guardBackend) SetRTS(on bool) error { g.check("SetRTS"); return g.fakeBackend.SetRTS(on) }
func (g *guardBackend) Break(d time.Duration) error {
	g.check("Break")
	return g.fakeBackend.Break(d)
}

// TestUpdateAndViewCallNoBackend drives the screen through views, typing,
// scrolling far back, searching, link actions, resizes and idle seconds,
// and fails if Update or View calls the backend: every read and write runs
// in a command.
func TestUpdateAndViewCallNoBackend(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := scenario()
		f.add(numbered(0, 5000)...)
		g := &guardBackend{fakeBackend: f, t: t}
		d := newDriver(t, t.Context(), g, Options{})
		d.guard = g
		d.send(tea.WindowSizeMsg{Width: 120, Height: 40})
		d.run(d.m.Init())
		d.settle()
		d.typeText("AT+SKTQUERY")
		d.key("enter")
		f.add(sent("AT+SKTQUERY"), rec(protocol.KindOK, "OK"))
		d.settle()
		for range 60 {
			d.key("pgup")
		}
		d.key("ctrl+home")
		d.key("pgdown")
		d.key("esc")
		d.key("/")
		d.typeText("line 0002")
		d.key("enter")
		d.key("esc")
		d.key("tab")
		d.key("r")
		d.key("ctrl+u")
		d.typeText(":dtr on")
		d.key("enter")
		d.send(tea.WindowSizeMsg{Width: 80, Height: 24})
		d.send(tea.MouseWheelMsg{X: 10, Y: 5, Button: tea.MouseWheelUp})
		d.key("f1")
		d.key("esc")
		d.key("ctrl+t")
		d.key("ctrl+x")
		for range 5 { // idle views
			time.Sleep(time.Second)
			d.settle()
		}
		if f.fetches == 0 || f.views < 5 || len(f.submittedLines()) != 1 {
			t.Fatalf("the backend was not used from commands: %d fetches, %d views, submitted %q",
				f.fetches, f.views, f.submittedLines())
		}
	})
}

// lineNo is the number of the "line NNNNNN" record on a row, or -1.
func lineNo(row string) int {
	i := strings.Index(row, "line ")
	if i < 0 || i+11 > len(row) {
		return -1
	}
	n, err := strconv.Atoi(row[i+5 : i+11])
	if err != nil {
		return -1
	}
	return n
}

// TestScrollBackFetchesFromTheSession pages through a session far larger
// than the console's window, both ways: the records come from the session
// as the view reaches them, with no row lost or repeated at the window's
// edges, and the window stays bounded.
func TestScrollBackFetchesFromTheSession(t *testing.T) {
	const n = 6000 // more than the window holds
	f := newFake()
	f.add(numbered(0, n)...)
	m := sized(t, f, Options{}, 120, 40)
	if got := len(m.console.sb.recs); got > viewRecords {
		t.Fatalf("the first view brought %d records", got)
	}
	page := m.console.scrollRows() - 1
	rows := scrollRows(m)
	bottom := lineNo(rows[len(rows)-1])
	if bottom != n-1 {
		t.Fatalf("following: bottom row %q", rows[len(rows)-1])
	}
	check := func(what string) []string {
		t.Helper()
		rows := scrollRows(m)
		for i, r := range rows {
			if got, want := lineNo(r), lineNo(rows[0])+i; got != want {
				t.Fatalf("%s: row %d is %q, want line %d", what, i, r, want)
			}
		}
		if got := len(m.console.sb.recs); got > windowRecords {
			t.Fatalf("%s: the window holds %d records", what, got)
		}
		return rows
	}
	fetches := f.fetches
	trimmed := false // the window let go of the newest records
	for top := 1; top > 0; {
		m = step(m, keyMsg("pgup"))
		rows := check("page up")
		top = lineNo(rows[0])
		trimmed = trimmed || m.console.sb.hi < n
		if got := lineNo(rows[len(rows)-1]); got != max(bottom-page, len(rows)-1) {
			t.Fatalf("page up from %d: bottom row %d, want %d", bottom, got, bottom-page)
		}
		bottom = lineNo(rows[len(rows)-1])
	}
	if f.fetches-fetches < (n-viewRecords)/fetchRecords || !trimmed {
		t.Fatalf("%d fetches for %d records; window trimmed %v", f.fetches-fetches, n, trimmed)
	}
	if scr := plainScreen(m); !strings.Contains(scr, "↓ "+group(uint64(n-len(scrollRows(m))))+" newer") {
		t.Fatalf("rule at the top:\n%s", scr)
	}
	for !m.console.sb.follow {
		m = step(m, keyMsg("pgdown"))
		check("page down")
	}
	if rows := scrollRows(m); lineNo(rows[len(rows)-1]) != n-1 {
		t.Fatalf("back to following: bottom row %q", rows[len(rows)-1])
	}
	// Top and live jump across the whole transcript.
	m = step(m, keyMsg("ctrl+home"))
	if rows := scrollRows(m); lineNo(rows[0]) != 0 {
		t.Fatalf("top: first row %q", rows[0])
	}
	f.add(numbered(n, 10)...)
	m = pull(m)
	m = step(m, keyMsg("esc"))
	if rows := scrollRows(m); lineNo(rows[len(rows)-1]) != n+9 || !m.console.sb.follow {
		t.Fatalf("live: bottom row %q", rows[len(rows)-1])
	}
}

// plainScreen returns the screen without styling.
func plainScreen(m Model) string { return xansi.Strip(content(m)) }

// TestSearchCoversTheSession searches records far outside the console's
// window, and matches records that arrive after the search.
func TestSearchCoversTheSession(t *testing.T) {
	f := newFake()
	f.add(numbered(0, 20_000)...)
	m := sized(t, f, Options{Theme: "mono"}, 120, 40)
	m = step(m, keyMsg("/"))
	m = step(m, tea.PasteMsg{Content: "line 00012"})
	scr := plainScreen(m)
	if !strings.Contains(scr, "match 10 of 10 records") {
		t.Fatalf("search over the session:\n%s", scr)
	}
	rows := scrollRows(m)
	found := false
	for _, r := range rows {
		found = found || lineNo(r) == 129
	}
	if !found {
		t.Fatalf("the newest match (line 129) is not shown:\n%s", strings.Join(rows, "\n"))
	}
	m = step(m, keyMsg("enter"))
	if scr := plainScreen(m); !strings.Contains(scr, "match 9 of 10") {
		t.Fatalf("older match:\n%s", scr)
	}
	f.add(rec(protocol.KindInfo, "line 000120 again"))
	m = pull(m)
	if scr := plainScreen(m); !strings.Contains(scr, "match 9 of 11") {
		t.Fatalf("a new record is not matched:\n%s", scr)
	}
}

// TestFollowFillsTheScreenFromTheSession: when the newest records are
// background polls the console does not show, it fetches older records to
// fill the screen.
func TestFollowFillsTheScreenFromTheSession(t *testing.T) {
	f := newFake()
	f.add(numbered(0, 2000)...)
	quiet := numbered(5000, 1500)
	for i := range quiet {
		quiet[i].Quiet = true
	}
	f.add(quiet...)
	m := sized(t, f, Options{}, 120, 40)
	rows := scrollRows(m)
	if lineNo(rows[0]) != 2000-len(rows) || lineNo(rows[len(rows)-1]) != 1999 || !m.console.sb.follow {
		t.Fatalf("screen not filled from older records:\n%s", strings.Join(rows, "\n"))
	}
}
