package ui

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"atbench/protocol"
	"atbench/themes"
)

func waitBubble() { synctest.Wait() }

// step applies one message and runs the fetches and searches it asks for,
// as their commands would; it drops every other command.
func step(m Model, msg tea.Msg) Model {
	mm, _ := m.Update(msg)
	return drain(mm.(Model))
}

// drain runs the fetches and searches the model asked for and applies
// their results, until it asks for none.
func drain(m Model) Model {
	for range 1000 {
		var msg tea.Msg
		switch c := m.console; {
		case c.sb.fetch != nil:
			msg = c.sb.fetch.run(m.sh.b)
		case c.searchRun != nil:
			msg = c.searchRun.run(m.sh.b)
		default:
			return m
		}
		mm, _ := m.Update(msg)
		m = mm.(Model)
	}
	panic("drain: the model never stops fetching")
}

// pull reads a view of the backend as the view command does and applies
// it.
func pull(m Model) Model {
	return step(m, viewMsg{v: m.sh.b.View(m.console.sb.last+1, viewRecords)})
}

// sized builds a model on b at w×h and reads a view once.
func sized(t *testing.T, b Backend, opts Options, w, h int) Model {
	t.Helper()
	m := newModel(t.Context(), b, opts, false)
	m = step(m, tea.WindowSizeMsg{Width: w, Height: h})
	return pull(m)
}

func content(m Model) string { return m.View().Content }

func checkSize(t *testing.T, view string, w, h int) {
	t.Helper()
	gw, gh := lipgloss.Size(view)
	if gw != w || gh != h {
		t.Errorf("view is %d×%d, want %d×%d", gw, gh, w, h)
	}
	for i, line := range strings.Split(view, "\n") {
		if lw := ansi.StringWidth(line); lw != w {
			t.Errorf("line %d is %d cells wide, want %d: %q", i, lw, w, ansi.Strip(line))
			return
		}
	}
}

func TestGoldenViews(t *testing.T) {
	sizes := []struct{ w, h int }{{120, 40}, {80, 24}}
	for _, theme := range themes.Names() {
		for _, sz := range sizes {
			t.Run(theme+"/"+strconv.Itoa(sz.w)+"x"+strconv.Itoa(sz.h), func(t *testing.T) {
				m := sized(t, scenario(), Options{Theme: theme, LogPath: "session.log", Clock: ClockWall}, sz.w, sz.h)
				v := content(m)
				checkSize(t, v, sz.w, sz.h)
				golden.RequireEqual(t, ansi.Strip(v))
			})
		}
	}
}

// sgr matches Select Graphic Rendition sequences, the only escape sequences
// the screen itself may write.
var sgr = regexp.MustCompile("\x1b\\[[0-9;:]*m")

func TestThemeColours(t *testing.T) {
	colour := regexp.MustCompile("\x1b\\[[0-9;:]*(38|48)[;:]")
	for _, theme := range themes.Names() {
		m := sized(t, scenario(), Options{Theme: theme}, 120, 40)
		v := content(m)
		has := colour.MatchString(v)
		if theme == themes.NameMono && has {
			t.Errorf("mono theme writes colours: %q", colour.FindString(v))
		}
		if theme != themes.NameMono && !has {
			t.Errorf("theme %s writes no colour", theme)
		}
		if !strings.Contains(v, "\x1b[") {
			t.Errorf("theme %s has no styling at all", theme)
		}
	}
}

func TestNoColorSelectsMono(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	m := New(scenario(), Options{})
	if m.sh.styles.Name != themes.NameMono {
		t.Fatalf("NO_COLOR: theme %q, want mono", m.sh.styles.Name)
	}
	// An explicit theme wins over NO_COLOR, as no-color.org asks.
	if m := New(scenario(), Options{Theme: "light"}); m.sh.styles.Name != themes.NameLight {
		t.Fatalf("NO_COLOR with --theme light: theme %q", m.sh.styles.Name)
	}
}

func TestThemeFollowsBackground(t *testing.T) {
	m := sized(t, scenario(), Options{}, 120, 40)
	if cmd := m.Init(); cmd == nil {
		t.Fatal("Init returned no command")
	}
	okDark := themes.NewStyles(themes.Dark()).OK.Render("OK")
	okLight := themes.NewStyles(themes.Light()).OK.Render("OK")
	if !strings.Contains(content(m), okDark) {
		t.Fatal("before the terminal answers, records are not drawn dark")
	}
	m = step(m, tea.BackgroundColorMsg{Color: lipgloss.Color("#ffffff")})
	if m.sh.styles.Name != themes.NameLight {
		t.Fatalf("white background: theme %q, want light", m.sh.styles.Name)
	}
	// Cached record lines are redrawn in the new theme.
	if v := content(m); !strings.Contains(v, okLight) || strings.Contains(v, okDark) {
		t.Fatal("records not redrawn in the light theme")
	}
	m = step(m, tea.BackgroundColorMsg{Color: lipgloss.Color("#101010")})
	if m.sh.styles.Name != themes.NameDark {
		t.Fatalf("dark background: theme %q, want dark", m.sh.styles.Name)
	}
	// A chosen theme ignores the background.
	m = newModel(t.Context(), scenario(), Options{Theme: "high-contrast"}, false)
	m = step(m, tea.BackgroundColorMsg{Color: lipgloss.Color("#ffffff")})
	if m.sh.styles.Name != themes.NameHighContrast {
		t.Fatalf("--theme high-contrast changed to %q", m.sh.styles.Name)
	}
}

func TestResizeNeverGarbles(t *testing.T) {
	m := sized(t, scenario(), Options{Theme: "dark"}, 120, 40)
	sizes := [][2]int{{80, 24}, {200, 60}, {100, 30}, {99, 30}, {81, 25}, {40, 12}, {39, 12}, {40, 11},
		{20, 5}, {1, 1}, {3, 2}, {120, 40}, {300, 100}, {79, 23}}
	for _, sz := range sizes {
		m = step(m, tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		checkSize(t, content(m), sz[0], sz[1])
		// With the help overlay too.
		m = step(m, keyMsg("f1"))
		checkSize(t, content(m), sz[0], sz[1])
		m = step(m, keyMsg("esc"))
	}
}

// hostile is what a malicious device or peer might send to take over the
// terminal: set the title, clear the screen, write the clipboard, move the
// cursor, switch character sets, and a C1 CSI in UTF-8.
const hostile = "\x1b]0;pwned\x07\x1b[2J\x1b]52;c;SGVsbG8=\x07\x1b[1;1H\x1b(0\u009b31m\x90tmux;\x1b\\"

func TestEscapeInjection(t *testing.T) {
	f := scenario()
	f.add(rec(protocol.KindInfo, "title "+hostile),
		dataRec(0, "payload "+hostile),
		protocol.Record{Kind: protocol.KindNoise, Text: hostile, Dropped: 3, LinkID: protocol.NoLink},
		rec(protocol.KindEvent, "[$]"+hostile))
	f.set(func(f *fakeBackend) {
		f.links[0].Remote = "1.2.3.4:5\x1b]0;x\x07"
		f.links[2].Closed.Reason = "reset \x1b[2J"
		f.settings = append(f.settings, protocol.Setting{Name: "evil\x1b[2J", Value: "\x1b]52;c;AA==\x07"})
		f.stats.Outstanding = "AT+X=\x1b[2J"
		f.stats.Pending = 1
		f.info.Kind, f.info.Name = "serial", "/dev/tty\x1b]0;x\x07"
	})
	for _, hex := range []bool{false, true} {
		for _, theme := range []string{"dark", "mono"} {
			m := sized(t, f, Options{Theme: theme, LogPath: "log\x1b[2J"}, 200, 60)
			if hex {
				m = step(m, keyMsg("ctrl+x"))
			}
			m = step(m, tea.PasteMsg{Content: "AT+X=\x1b]0;t\x07"})
			v := content(m)
			rest := sgr.ReplaceAllString(v, "")
			for i := 0; i < len(rest); i++ {
				if c := rest[i]; (c < 0x20 && c != '\n') || c == 0x7f {
					t.Fatalf("theme %s hex %v: control byte %#x reached the screen near %q", theme, hex, c, rest[max(0, i-20):min(len(rest), i+20)])
				}
			}
			if strings.ContainsRune(rest, '\u009b') || strings.ContainsRune(rest, '\u0090') {
				t.Fatalf("theme %s: a C1 control reached the screen", theme)
			}
			plain := ansi.Strip(v)
			want := []string{`\x1b]0;pwned\x07`, `\x1b]52;c;SGVsbG8=\x07`, `\x1b[2J`, `\u{9b}31m`, `AT+X=\x1b]0;t\x07`}
			if hex {
				want = []string{`\x1b]52;c;AA==\x07`, `1b 5d 30 3b 70 77 6e 65`, `AT+X=\x1b]0;t\x07`}
			}
			for _, w := range want {
				if !strings.Contains(plain, w) {
					t.Errorf("theme %s hex %v: screen does not show %q escaped", theme, hex, w)
				}
			}
			if title := m.View().WindowTitle; strings.ContainsAny(title, "\x1b\x07") {
				t.Errorf("window title %q carries device text unescaped", title)
			}
		}
	}
}
