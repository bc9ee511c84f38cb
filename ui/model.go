package ui

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"atbench/protocol"
	"atbench/session"
	"atbench/themes"
)

// pane is one component of the screen.
type pane interface {
	Update(msg tea.Msg) (pane, tea.Cmd)
	View() string
	SetSize(w, h int)
	Focus()
	Blur()
	help.KeyMap
}

type focusID int

const (
	focusConsole focusID = iota
	focusLinks
	focusKeepalive
	numPanes
)

// rect is where a pane sits on the screen.
type rect struct{ x, y, w, h int }

func (r rect) contains(x, y int) bool {
	return x >= r.x && x < r.x+r.w && y >= r.y && y < r.y+r.h
}

// layout places the panes for one terminal size.
type layout struct {
	tooSmall bool
	wide     bool // links and keepalive to the right of the console
	panes    [numPanes]rect
	status   rect
}

// Smallest screen that gets the full layout.
const (
	minWidth  = 40
	minHeight = 12
	// wideWidth is the width from which links and keepalive stand to the
	// right of the console rather than under it.
	wideWidth = 100
)

func computeLayout(w, h int) layout {
	var l layout
	if w < minWidth || h < minHeight {
		l.tooSmall = true
		return l
	}
	bodyH := h - 1
	l.status = rect{0, bodyH, w, 1}
	if w >= wideWidth {
		l.wide = true
		cw := w / 2
		rw := w - cw
		lh := (bodyH*11 + 10) / 20
		l.panes[focusConsole] = rect{0, 0, cw, bodyH}
		l.panes[focusLinks] = rect{cw, 0, rw, lh}
		l.panes[focusKeepalive] = rect{cw, lh, rw, bodyH - lh}
		return l
	}
	rest := bodyH * 11 / 23
	ch := bodyH - rest
	lh := (rest + 1) / 2
	l.panes[focusConsole] = rect{0, 0, w, ch}
	l.panes[focusLinks] = rect{0, ch, w, lh}
	l.panes[focusKeepalive] = rect{0, ch + lh, w, rest - lh}
	return l
}

// Model is the root of the screen: it owns the layout, the focus and the
// help overlay, applies the session's views (read by a command once per
// change batch or second), and hands every other message to the pane that
// owns it.
type Model struct {
	sh        *shared
	console   *consolePane
	links     *linksPane
	keepalive *keepalivePane
	status    *statusBar
	panes     [numPanes]pane

	focus    focusID
	width    int
	height   int
	layout   layout
	showHelp bool
	helpTop  int // first row of the help shown
	stats    session.Stats
	info     session.Info  // the device, from the latest view
	lines    session.Lines // the far UART's lines, from the latest view
	speed    float64       // the device's demo clock, from the latest view
}

func newModel(ctx context.Context, b Backend, opts Options, noColor bool) Model {
	sh := newShared(ctx, b, opts, noColor)
	m := Model{
		sh:        sh,
		console:   newConsole(sh),
		links:     newLinks(sh),
		keepalive: newKeepalive(sh),
		status:    newStatusBar(sh),
	}
	m.panes = [numPanes]pane{m.console, m.links, m.keepalive}
	m.console.selected = m.links.selected
	m.resize(80, 24)
	m.settle()
	return m
}

// Init reads the first view, loads the history, asks the terminal for its
// background colour and starts the timers.
func (m Model) Init() tea.Cmd {
	cmds := []tea.Cmd{
		readView(m.sh.ctx, m.sh.b, nil, 0, frameInterval),
		m.console.Init(),
	}
	if m.sh.followBackground {
		cmds = append(cmds, tea.RequestBackgroundColor)
	}
	return tea.Batch(cmds...)
}

// Update routes a message to its handler or to the pane that owns it, then
// settles what the next frame shows, so View only draws. It calls no
// backend method and reads no clock: what it needs comes in messages.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	mm, cmd := m.update(msg)
	m = mm.(Model)
	return m, tea.Batch(cmd, m.settle())
}

// settle prepares the panes for View and returns the fetches they need.
func (m *Model) settle() tea.Cmd {
	m.links.settle()
	m.keepalive.settle()
	return m.console.settle()
}

func (m Model) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.resize(msg.Width, msg.Height)
	case tea.BackgroundColorMsg:
		m.onBackground(msg.IsDark())
	case viewMsg:
		return m, m.onView(msg)
	case fetchedMsg:
		m.console.sb.fetched(msg)
	case searchMsg:
		m.console.onSearched(msg)
	case tea.KeyPressMsg:
		return m.onKey(msg)
	case tea.PasteMsg:
		if !m.showHelp {
			_, cmd := m.panes[m.focus].Update(msg)
			return m, cmd
		}
	case tea.MouseWheelMsg:
		m.onWheel(msg.Mouse())
	case tea.MouseClickMsg:
		m.onClick(msg.Mouse())
	case fillInputMsg:
		m.onFill(msg.line)
	case showHelpMsg:
		m.showHelp, m.helpTop = true, 0
	case linkPlanMsg:
		m.links.done(msg)
	case tea.InterruptMsg:
		return m, tea.Quit
	case historyLoadedMsg, historySavedMsg, submitDoneMsg, modemDoneMsg, coapDoneMsg, faultDoneMsg:
		_, cmd := m.console.Update(msg)
		return m, cmd
	}
	return m, nil
}

// onFill puts a command built by a link action into the console input.
func (m *Model) onFill(line string) {
	if m.console.raw.active {
		m.links.setFlash("the module waits for raw bytes: finish them in the console first", true)
		return
	}
	if m.console.searching {
		m.console.endSearch()
	}
	m.console.ed.set(line)
	m.console.hist.stop()
	m.console.clearTransient()
	m.setFocus(focusConsole)
}

func (m *Model) resize(w, h int) {
	m.width, m.height = w, h
	m.layout = computeLayout(w, h)
	for i, p := range m.panes {
		r := m.layout.panes[i]
		p.SetSize(r.w, r.h)
	}
	m.status.SetSize(w, 1)
}

func (m *Model) onBackground(dark bool) {
	if !m.sh.followBackground {
		return
	}
	p := themes.Light()
	if dark {
		p = themes.Dark()
	}
	if p.Name != m.sh.styles.Name {
		m.sh.setPalette(p)
	}
}

// onView applies a view of the session and starts reading the next one.
// Views come at each change and at least once a second: idle times and
// keepalive countdowns move with the view's clock, and a device that knows
// its links first-hand (the emulator) may change them without a word on
// the AT port, as the Realtek firmware does when a peer closes.
func (m *Model) onView(msg viewMsg) tea.Cmd {
	v := msg.v
	m.stats, m.info, m.lines, m.speed = v.Stats, v.Info, v.Lines, v.ClockSpeed
	m.console.ingest(v)
	links := slices.Clone(v.Links)
	// Live links by id, then closed ones in the backend's order (newest
	// first), whatever order the backend keeps.
	slices.SortStableFunc(links, func(x, y protocol.LinkInfo) int {
		switch {
		case (x.Closed == nil) != (y.Closed == nil):
			if x.Closed == nil {
				return -1
			}
			return 1
		case x.Closed == nil:
			return cmp.Compare(x.ID, y.ID)
		}
		return 0
	})
	m.console.links = links
	m.links.setLinks(links, v.Now)
	m.links.setStats(v.Stats)
	m.keepalive.setData(links, v.Settings, v.Now)
	return readView(m.sh.ctx, m.sh.b, msg.next, m.console.sb.last+1, viewGap(len(v.Records)))
}

func (m Model) onKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := m.sh.keys
	typing := m.focusedTyping()
	switch {
	case key.Matches(msg, k.Quit):
		return m, tea.Quit
	case m.showHelp:
		m.onHelpKey(msg)
		return m, nil
	case msg.String() == "f1" || (msg.String() == "?" && !typing):
		m.showHelp, m.helpTop = true, 0
		return m, nil
	case key.Matches(msg, k.PrevPane):
		m.setFocus((m.focus + numPanes - 1) % numPanes)
		return m, nil
	case key.Matches(msg, k.NextPane) && !(m.focus == focusConsole && m.console.wantsTab()) && !m.links.typing():
		m.setFocus((m.focus + 1) % numPanes)
		return m, nil
	case key.Matches(msg, k.Clock):
		m.console.wall = !m.console.wall
		return m, nil
	case key.Matches(msg, k.Hex):
		m.console.hex = !m.console.hex
		return m, nil
	}
	_, cmd := m.panes[m.focus].Update(msg)
	return m, cmd
}

// onHelpKey closes or scrolls the help overlay.
func (m *Model) onHelpKey(msg tea.KeyPressMsg) {
	k := m.sh.keys
	if key.Matches(msg, k.CloseHelp) {
		m.showHelp = false
		return
	}
	_, _, _, maxTop := helpBox(&m.sh.styles, k, m.width, m.height, 0)
	switch msg.String() {
	case "up", "k":
		m.helpTop--
	case "down", "j":
		m.helpTop++
	case "pgup":
		m.helpTop -= 10
	case "pgdown":
		m.helpTop += 10
	case "home":
		m.helpTop = 0
	case "end":
		m.helpTop = maxTop
	}
	m.helpTop = min(max(m.helpTop, 0), maxTop)
}

// focusedTyping reports whether the focused pane takes printable keys as
// text.
func (m Model) focusedTyping() bool {
	switch m.focus {
	case focusConsole:
		return m.console.typing()
	case focusLinks:
		return m.links.typing()
	}
	return false
}

func (m *Model) setFocus(f focusID) {
	m.panes[m.focus].Blur()
	m.focus = f
	m.panes[f].Focus()
}

// paneAt returns the pane under a screen cell.
func (m Model) paneAt(x, y int) (focusID, bool) {
	if m.layout.tooSmall {
		return 0, false
	}
	for i, r := range m.layout.panes {
		if r.contains(x, y) {
			return focusID(i), true
		}
	}
	return 0, false
}

// wheelLines is how far one notch of the wheel scrolls the console.
const wheelLines = 3

func (m *Model) onWheel(ms tea.Mouse) {
	if m.showHelp {
		return
	}
	f, ok := m.paneAt(ms.X, ms.Y)
	if !ok {
		return
	}
	d := 0
	switch ms.Button {
	case tea.MouseWheelUp:
		d = -1
	case tea.MouseWheelDown:
		d = 1
	default:
		return
	}
	switch f {
	case focusConsole:
		m.console.scroll(d * wheelLines)
	case focusLinks:
		m.links.move(d)
	case focusKeepalive:
		m.keepalive.top = max(m.keepalive.top+d, 0)
	}
}

func (m *Model) onClick(ms tea.Mouse) {
	if m.showHelp || ms.Button != tea.MouseLeft {
		return
	}
	if f, ok := m.paneAt(ms.X, ms.Y); ok && f != m.focus {
		m.setFocus(f)
	}
}

// View draws the whole screen: exactly width×height cells.
func (m Model) View() tea.View {
	content, cx, cy, showCursor := m.render()
	v := tea.NewView(content)
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "atbench · " + backendName(m.info)
	if showCursor {
		v.Cursor = tea.NewCursor(cx, cy)
	}
	return v
}

// render draws the screen and says where the cursor goes.
func (m Model) render() (string, int, int, bool) {
	w, h := m.width, m.height
	if w <= 0 || h <= 0 {
		return "", 0, 0, false
	}
	l := m.layout
	if l.tooSmall {
		return tooSmall(&m.sh.styles, w, h), 0, 0, false
	}
	consoleView, cx, cy := m.console.render()
	var body string
	if l.wide {
		right := m.links.View() + "\n" + m.keepalive.View()
		body = joinColumns(consoleView, right)
	} else {
		body = consoleView + "\n" + m.links.View() + "\n" + m.keepalive.View()
	}
	screen := body + "\n" + m.status.view(m.stats, m.info, m.lines, m.speed)
	cursorOK := m.console.focused
	if m.showHelp {
		box, bw, bh, _ := helpBox(&m.sh.styles, m.sh.keys, w, h, m.helpTop)
		screen = overlay(screen, box, (w-bw)/2, max((h-bh)/2, 0))
		cursorOK = false
	}
	r := l.panes[focusConsole]
	return screen, r.x + cx, r.y + cy, cursorOK
}

// tooSmall fills a screen below the minimum size with a short notice.
func tooSmall(st *themes.Styles, w, h int) string {
	msg := []string{"atbench needs", "40×12 at least", "(80×24 or more", "is better)"}
	lines := make([]string, h)
	top := max((h-len(msg))/2, 0)
	for i := range lines {
		s := ""
		if j := i - top; j >= 0 && j < len(msg) {
			s = msg[j]
			if pad := (w - ansi.StringWidth(s)) / 2; pad > 0 {
				s = strings.Repeat(" ", pad) + s
			}
		}
		lines[i] = fit(st.Subtle.Render(s), w)
	}
	return strings.Join(lines, "\n")
}
