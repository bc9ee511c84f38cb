package ui

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"atbench/protocol"
	"atbench/session"
)

// start builds a driver on b at w×h and runs Init.
func start(t *testing.T, b Backend, opts Options, w, h int) *driver {
	t.Helper()
	d := newDriver(t, t.Context(), b, opts)
	d.send(tea.WindowSizeMsg{Width: w, Height: h})
	d.run(d.m.Init())
	d.settle()
	return d
}

func (d *driver) input() string { return d.m.console.ed.String() }

func (d *driver) screen() string { return ansi.Strip(d.m.View().Content) }

func TestSubmitHistoryPersists(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "state", "atbench", "history")
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("AT+TEST\nAT+SKTSTATE\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		f := newFake()
		d := start(t, f, Options{HistoryPath: path, Theme: "dark"}, 120, 40)
		d.typeText("AT+SKTQUERY")
		d.key("enter")
		if got := f.submittedLines(); !slices.Equal(got, []string{"AT+SKTQUERY"}) {
			t.Fatalf("submitted %q", got)
		}
		if d.input() != "" {
			t.Fatalf("input not cleared: %q", d.input())
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if string(data) != "AT+TEST\nAT+SKTSTATE\nAT+SKTQUERY\n" {
			t.Fatalf("history file = %q", data)
		}
		// Up walks back, Down forward, past the newest to the draft.
		for _, want := range []string{"AT+SKTQUERY", "AT+SKTSTATE", "AT+TEST", "AT+TEST"} {
			d.key("up")
			if d.input() != want {
				t.Fatalf("up: input %q, want %q", d.input(), want)
			}
		}
		for _, want := range []string{"AT+SKTSTATE", "AT+SKTQUERY", ""} {
			d.key("down")
			if d.input() != want {
				t.Fatalf("down: input %q, want %q", d.input(), want)
			}
		}
		// With text typed, Up searches by prefix.
		d.typeText("at+skts")
		d.key("up")
		if d.input() != "AT+SKTSTATE" {
			t.Fatalf("prefix up: input %q", d.input())
		}
		d.key("down")
		if d.input() != "at+skts" {
			t.Fatalf("down back to the draft: %q", d.input())
		}
		// A second run sees the history of the first.
		d2 := start(t, newFake(), Options{HistoryPath: path}, 120, 40)
		d2.key("up")
		if d2.input() != "AT+SKTQUERY" {
			t.Fatalf("second run: up gives %q", d2.input())
		}
	})
}

func TestHistoryFileIsTrimmed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "history")
		var b strings.Builder
		for i := 0; i < 2*historyMax+10; i++ {
			b.WriteString("AT+TEST=0,")
			b.WriteString(group(uint64(i)))
			b.WriteByte('\n')
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		d := start(t, newFake(), Options{HistoryPath: path}, 120, 40)
		if n := len(d.m.console.hist.entries); n != historyMax {
			t.Fatalf("%d entries in memory, want %d", n, historyMax)
		}
		data, _ := os.ReadFile(path)
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		if len(lines) != historyMax || lines[len(lines)-1] != "AT+TEST=0,2 009" {
			t.Fatalf("file has %d lines ending %q", len(lines), lines[len(lines)-1])
		}
		if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
			t.Fatalf("history file mode %v, want 0600", st.Mode().Perm())
		}
	})
}

func TestSubmitKeepsOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake()
		d := start(t, f, Options{}, 120, 40)
		var want []string
		for _, line := range []string{"AT+TEST", "AT+SKTQUERY", "AT+SKTSTATE", "AT+TEST=0,x", "AT+SKTDEL=1"} {
			// No settling between lines: the submissions queue up.
			for _, r := range line {
				d.send(tea.KeyPressMsg{Code: r, Text: string(r)})
			}
			d.send(keyMsg("enter"))
			want = append(want, line)
		}
		d.settle()
		if got := f.submittedLines(); !slices.Equal(got, want) {
			t.Fatalf("submitted %q, want %q", got, want)
		}
	})
}

func TestSubmitRefusedWhenDisconnected(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake()
		f.set(func(f *fakeBackend) { f.stats.State, f.stats.Cause = session.Disconnected, "port unplugged" })
		d := start(t, f, Options{}, 120, 40)
		d.typeText("AT+TEST")
		d.key("enter")
		if d.input() != "AT+TEST" {
			t.Fatalf("refused line not put back: input %q", d.input())
		}
		scr := d.screen()
		if !strings.Contains(scr, "refused") || !strings.Contains(scr, "port unplugged") {
			t.Fatalf("no refusal shown:\n%s", scr)
		}
		if !strings.Contains(scr, "○ disconnected: port unplugged") {
			t.Fatalf("status bar does not show the disconnection:\n%s", scr)
		}
	})
}

func TestQuit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := start(t, newFake(), Options{}, 80, 24)
		d.typeText(":q")
		d.key("enter")
		if !d.quit {
			t.Fatal(":q did not quit")
		}
		d = start(t, newFake(), Options{}, 80, 24)
		d.typeText("AT+SKT")
		d.key("ctrl+c")
		if !d.quit {
			t.Fatal("ctrl+c did not quit")
		}
		d = start(t, newFake(), Options{}, 80, 24)
		d.typeText(":nope")
		d.key("enter")
		if d.quit || !strings.Contains(d.screen(), "unknown :nope") {
			t.Fatalf("unknown colon command: quit %v\n%s", d.quit, d.screen())
		}
	})
}

func TestRawModeAfterPrompt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake()
		d := start(t, f, Options{}, 120, 40)
		f.add(sent("AT+SKTSENDRAW=0,6"))
		f.set(func(f *fakeBackend) { f.stats.Outstanding, f.stats.Pending = "AT+SKTSENDRAW=0,6", 1 })
		f.add(rec(protocol.KindPrompt, ">>>"))
		f.set(func(f *fakeBackend) { f.stats.Awaiting = session.Awaiting{Command: "AT+SKTSENDRAW=0,6", Bytes: 6} })
		time.Sleep(time.Second)
		d.settle()
		if !d.m.console.raw.active {
			t.Fatal("no raw mode after >>>")
		}
		scr := d.screen()
		if !strings.Contains(scr, "raw› ") || !strings.Contains(scr, "0 of 6 sent") {
			t.Fatalf("raw mode not shown:\n%s", scr)
		}
		d.typeText(`Hi\x00`)
		if !strings.Contains(d.screen(), "0 of 6 sent, 3 typed") {
			t.Fatalf("typed count not shown:\n%s", d.screen())
		}
		d.key("enter")
		d.typeText(`\r\n\x1b`)
		d.key("enter")
		f.mu.Lock()
		raw := f.raw
		f.mu.Unlock()
		if len(raw) != 2 || string(raw[0]) != "Hi\x00" || string(raw[1]) != "\r\n\x1b" {
			t.Fatalf("raw writes %q", raw)
		}
		if d.m.console.raw.active {
			t.Fatal("raw mode still on after 6 of 6 bytes")
		}
		if len(f.submittedLines()) != 0 || len(d.m.console.hist.entries) != 0 {
			t.Fatal("raw bytes went through Submit or into the history")
		}
		// A bad escape is refused and kept for editing.
		f.add(sent("AT+SKTSENDRAW=0,2"))
		f.set(func(f *fakeBackend) { f.stats.Outstanding = "AT+SKTSENDRAW=0,2" })
		f.add(rec(protocol.KindPrompt, ">>>"))
		f.set(func(f *fakeBackend) { f.stats.Awaiting = session.Awaiting{Command: "AT+SKTSENDRAW=0,2", Bytes: 2} })
		time.Sleep(time.Second)
		d.settle()
		d.typeText(`\q`)
		d.key("enter")
		if d.input() != `\q` || !strings.Contains(d.screen(), "unknown escape") {
			t.Fatalf("bad escape: input %q\n%s", d.input(), d.screen())
		}
		// The final result ends raw mode.
		f.add(rec(protocol.KindError, "ERROR: 4"))
		f.set(func(f *fakeBackend) {
			f.stats.Outstanding, f.stats.Pending, f.stats.Awaiting = "", 0, session.Awaiting{}
		})
		time.Sleep(time.Second)
		d.settle()
		if d.m.console.raw.active {
			t.Fatal("raw mode survived the final result")
		}
	})
}

func TestTabCompletes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := start(t, scenario(), Options{}, 120, 40)
		d.typeText("at+sktse")
		d.key("tab")
		// SKTSEND, SKTSENDRAW, SKTSERVER share "AT+SKTSE": tab cycles.
		if d.input() != "AT+SKTSEND" {
			t.Fatalf("tab: %q", d.input())
		}
		d.key("tab")
		if d.input() != "AT+SKTSENDRAW" {
			t.Fatalf("tab again: %q", d.input())
		}
		d.key("tab")
		if d.input() != "AT+SKTSERVER" {
			t.Fatalf("tab third: %q", d.input())
		}
		if d.m.focus != focusConsole {
			t.Fatal("tab with text moved the focus")
		}
		d.key("ctrl+u")
		d.typeText("at+sktser")
		d.key("tab")
		if d.input() != "AT+SKTSERVER=" {
			t.Fatalf("unique name: %q", d.input())
		}
		// A server's link_id must be free: 0 and 1 are in use, 2 is closed.
		d.key("tab")
		if d.input() != "AT+SKTSERVER=2" {
			t.Fatalf("free link id: %q", d.input())
		}
		d.typeText(",")
		d.key("tab")
		if d.input() != "AT+SKTSERVER=2,0" {
			t.Fatalf("conn_type: %q", d.input())
		}
		d.key("tab")
		if d.input() != "AT+SKTSERVER=2,1" {
			t.Fatalf("conn_type cycles: %q", d.input())
		}
		d.key("backspace")
		d.typeText("1")
		d.key("tab") // "1" is a complete value: move to the next field
		if d.input() != "AT+SKTSERVER=2,1," {
			t.Fatalf("advance: %q", d.input())
		}
		d.key("tab") // cert_index is optional with nothing to offer: skip it
		if d.input() != "AT+SKTSERVER=2,1,," {
			t.Fatalf("skip optional: %q", d.input())
		}
		if !strings.Contains(d.screen(), "<src_port> integer 1..65535") {
			t.Fatalf("hint for src_port missing:\n%s", d.screen())
		}
		// Sending needs a live link: 0 (seed) or 1 (server).
		d.key("ctrl+u")
		d.typeText("AT+SKTSEND=")
		d.key("tab")
		if d.input() != "AT+SKTSEND=0" {
			t.Fatalf("live link: %q", d.input())
		}
		d.key("tab")
		if d.input() != "AT+SKTSEND=1" {
			t.Fatalf("live link cycles: %q", d.input())
		}
	})
}

func TestTabWithEmptyInputMovesFocus(t *testing.T) {
	m := sized(t, scenario(), Options{}, 120, 40)
	m = step(m, keyMsg("tab"))
	scr := ansi.Strip(content(m))
	if m.focus != focusConsole || !strings.Contains(scr, "AT+SKTSERVER") || !strings.Contains(scr, "tab again:") {
		t.Fatalf("the first tab on an empty input should list the commands, focus %d:\n%s", m.focus, scr)
	}
	m = step(m, keyMsg("tab"))
	if m.focus != focusLinks {
		t.Fatalf("focus %d after tab, want links", m.focus)
	}
	m = step(m, keyMsg("tab"))
	m = step(m, keyMsg("tab"))
	if m.focus != focusConsole {
		t.Fatalf("focus %d after three tabs, want console", m.focus)
	}
	m = step(m, keyMsg("shift+tab"))
	if m.focus != focusKeepalive {
		t.Fatalf("focus %d after shift+tab, want keepalive", m.focus)
	}
}

func TestHintShowsRangeAndDefault(t *testing.T) {
	cases := []struct{ typed, want string }{
		{"AT+SKTSERVER=1,1,,70000", "70000 is out of range 1..65535"},
		{"AT+SKTSERVER=1,1,,abc", `"abc" is not a number`},
		{"AT+SKTSEND=0,", "<data_size> integer 1..1999"},
		{"AT+SKTCFG=,,,", "<so_keepalive> integer 0..1, optional, default 0"},
		{"AT+SKTSEND=0,5,,,a,b,c", "<data> text"},
		{"AT+SKTDEL=1,2", "too many parameters"},
		{"AT+NOPE", "not in the realtek catalogue"},
		{"AT+SKTS", "AT+SKTSEND  AT+SKTSENDRAW  AT+SKTSERVER  AT+SKTSTATE"},
		{"AT+SKTDEL", "Closes a link"},
	}
	for _, c := range cases {
		m := sized(t, scenario(), Options{}, 200, 40)
		m = step(m, tea.PasteMsg{Content: c.typed})
		if scr := ansi.Strip(content(m)); !strings.Contains(scr, c.want) {
			t.Errorf("typing %q: hint lacks %q:\n%s", c.typed, c.want, scr)
		}
	}
	// The syntax shows the parameter under the cursor emphasised.
	m := sized(t, scenario(), Options{Theme: "mono"}, 200, 40)
	m = step(m, tea.PasteMsg{Content: "AT+SKTSERVER=1,"})
	st := &m.sh.styles
	if !strings.Contains(content(m), st.HintParam.Render("<conn_type>")) {
		t.Error("<conn_type> not emphasised in the syntax")
	}
}

func TestQuestionMarkIsTextWhileTyping(t *testing.T) {
	m := sized(t, scenario(), Options{}, 120, 40)
	m = step(m, keyMsg("?"))
	if !m.showHelp {
		t.Fatal("? with an empty input did not open the help")
	}
	m = step(m, keyMsg("esc"))
	m = step(m, tea.PasteMsg{Content: "AT+SKTCFG"})
	m = step(m, keyMsg("?"))
	if m.showHelp || m.console.ed.String() != "AT+SKTCFG?" {
		t.Fatalf("? while typing: help %v, input %q", m.showHelp, m.console.ed.String())
	}
}

func TestHelpListsEveryBinding(t *testing.T) {
	m := sized(t, scenario(), Options{}, 120, 40)
	m = step(m, keyMsg("f1"))
	scr := ansi.Strip(content(m))
	for _, g := range m.sh.keys.helpGroups() {
		if !strings.Contains(scr, g.title) {
			t.Errorf("help lacks group %q", g.title)
		}
		for _, b := range g.bindings {
			h := b.Help()
			if !strings.Contains(scr, h.Key) || !strings.Contains(scr, h.Desc) {
				t.Errorf("help lacks %q %q", h.Key, h.Desc)
			}
		}
	}
	// At 80×24 it scrolls to the end.
	m = step(m, tea.WindowSizeMsg{Width: 80, Height: 24})
	m = step(m, keyMsg("end"))
	if scr := ansi.Strip(content(m)); !strings.Contains(scr, "scroll help") {
		t.Errorf("help at 80×24 cannot reach its end:\n%s", scr)
	}
	m = step(m, keyMsg("q"))
	if m.showHelp {
		t.Fatal("q did not close the help")
	}
}

func TestPasteEscapesControls(t *testing.T) {
	m := sized(t, newFake(), Options{}, 120, 40)
	m = step(m, tea.PasteMsg{Content: "AT+X=\x1b[2J\x07\r\n"})
	if got := m.console.ed.String(); got != `AT+X=\x1b[2J\x07` {
		t.Fatalf("pasted input %q", got)
	}
}

func TestSubmitErrorIsEscaped(t *testing.T) {
	m := sized(t, newFake(), Options{}, 120, 40)
	mm, _ := m.Update(submitDoneMsg{sub: submission{line: "AT"}, err: errors.New("bad \x1b]0;x\x07")})
	v := mm.(Model).View().Content
	if strings.Contains(v, "\x1b]0;") || !strings.Contains(ansi.Strip(v), `bad \x1b]0;x\x07`) {
		t.Fatal("submit error reached the screen unescaped")
	}
}

func TestHintWrapsInsteadOfCutting(t *testing.T) {
	m := sized(t, scenario(), Options{}, 120, 40) // console content is 56 cells wide
	m = step(m, tea.PasteMsg{Content: "AT+SKTCLIENT=1,1,,host,80,"})
	scr := ansi.Strip(content(m))
	flat := strings.Join(strings.Fields(consoleText(scr)), "")
	for _, want := range []string{"AT+SKTCLIENT=<link_id>,<conn_type>,[<cert_index>],<dst_host>,<dst_port>,[<src_port>],<auto_rcv>", "<src_port>integer1..65535,optional"} {
		if !strings.Contains(flat, want) {
			t.Errorf("the hint lacks %q (cut?):\n%s", want, scr)
		}
	}
	if strings.Contains(consoleText(scr), "…") {
		t.Errorf("the hint is cut with …:\n%s", scr)
	}
}

// consoleText is the console pane's inner text of a 120-column screen: the
// left half, borders left out, rows joined.
func consoleText(scr string) string {
	var b strings.Builder
	for _, l := range strings.Split(scr, "\n") {
		r := []rune(l)
		if len(r) < 60 {
			continue
		}
		b.WriteString(strings.Trim(string(r[:60]), "│ ╭╮╰╯─"))
		b.WriteString("\n")
	}
	return b.String()
}

func TestPaneKeyMapsAreInTheHelp(t *testing.T) {
	m := sized(t, scenario(), Options{}, 120, 40)
	listed := map[string]bool{}
	for _, g := range m.sh.keys.helpGroups() {
		for _, b := range g.bindings {
			listed[b.Help().Key+" "+b.Help().Desc] = true
		}
	}
	for _, p := range m.panes {
		for _, group := range p.FullHelp() {
			for _, b := range group {
				if !listed[b.Help().Key+" "+b.Help().Desc] {
					t.Errorf("%T binding %q is not in the help overlay", p, b.Help().Key)
				}
			}
		}
		if len(p.ShortHelp()) == 0 {
			t.Errorf("%T has no short help", p)
		}
	}
}

func TestModemColonCommands(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake()
		d := start(t, f, Options{}, 120, 40)
		for _, c := range []string{":dtr off", ":dtr on", ":rts off", ":break 100ms", ":break"} {
			d.typeText(c)
			d.key("enter")
		}
		if got := strings.Join(f.modem, ","); got != "DTR false,DTR true,RTS false,break 100ms,break 250ms" {
			t.Fatalf("modem calls %s", got)
		}
		if !strings.Contains(d.screen(), ":break done") {
			t.Errorf("no confirmation:\n%s", d.screen())
		}
		d.typeText(":dtr maybe")
		d.key("enter")
		if !strings.Contains(d.screen(), ":dtr takes on or off") {
			t.Errorf("bad argument not explained:\n%s", d.screen())
		}
		f.noModem = true
		d.key("ctrl+u")
		d.typeText(":rts on")
		d.key("enter")
		if !strings.Contains(d.screen(), "the emulator has no modem control lines") {
			t.Errorf("refusal not shown:\n%s", d.screen())
		}
	})
}

// TestStatusShowsFarLines: an rfc2217:// port's modem and line state
// shows beside the port in the status bar.
func TestStatusShowsFarLines(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake()
		f.info = session.Info{Kind: "rfc2217", Name: "rfc2217://pi:3001", Baud: 115200}
		f.lines = session.Lines{ModemKnown: true, Modem: 0x30, LineKnown: true, Line: 0x08}
		d := start(t, f, Options{Theme: "dark"}, 160, 40)
		last := d.screen()
		last = last[strings.LastIndex(last, "\n")+1:]
		for _, want := range []string{"rfc2217://pi:3001", "CTS", "DSR", "framing"} {
			if !strings.Contains(last, want) {
				t.Errorf("status bar %q lacks %q", last, want)
			}
		}
	})
}

// TestFaultFromTheConsole: :fault hands its words to the backend in a
// command and shows what was done, or why not.
func TestFaultFromTheConsole(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake()
		d := start(t, f, Options{Theme: "dark"}, 120, 40)
		d.typeText(":fault blackhole 3")
		d.key("enter")
		d.settle()
		if len(f.faults) != 1 || f.faults[0] != "blackhole 3" {
			t.Fatalf("faults %q", f.faults)
		}
		if !strings.Contains(d.screen(), "fault injected: blackhole 3: done") {
			t.Errorf("screen lacks the effect:\n%s", d.screen())
		}
		f.faultErr = errors.New("faults are injected into the emulator only (run with --emulate)")
		d.typeText(":fault reboot")
		d.key("enter")
		d.settle()
		if !strings.Contains(d.screen(), ":fault reboot: faults are injected into the emulator") {
			t.Errorf("screen lacks the refusal:\n%s", d.screen())
		}
		d.typeText(":fault")
		d.key("enter")
		d.settle()
		if !strings.Contains(d.screen(), ":fault takes blackhole <id>") {
			t.Errorf("screen lacks the usage:\n%s", d.screen())
		}
	})
}
