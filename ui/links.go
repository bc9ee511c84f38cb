package ui

import (
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"atbench/protocol"
)

// linksPane is the live socket table. A selected row offers actions that
// put the matching AT command into the console input for the user to run.
type linksPane struct {
	sh      *shared
	links   []protocol.LinkInfo
	now     time.Time // the session's clock, from the latest view
	body    []string  // the link rows, settled by Update for View
	sel     int
	selKey  linkKey
	top     int // first link shown
	w, h    int
	focused bool

	prompt   bool // asking for the payload of a send
	promptOn int  // its link id
	ed       lineEditor

	flash    string
	flashErr bool
}

// linkKey names one link's lifetime: ids are reused after a close.
type linkKey struct {
	id     int
	opened time.Time
	closed bool
}

func keyOf(l protocol.LinkInfo) linkKey {
	return linkKey{id: l.ID, opened: l.Opened, closed: l.Closed != nil}
}

// fillInputMsg puts a command line into the console input and focuses it.
type fillInputMsg struct{ line string }

// readSize is how many bytes the read action asks for when the link has no
// count of buffered bytes.
const readSize = 1024

// wideLinks is the inner width from which a link takes one row.
const wideLinks = 76

func newLinks(sh *shared) *linksPane { return &linksPane{sh: sh} }

// SetSize sets the outer size of the pane, frame included.
func (p *linksPane) SetSize(w, h int) { p.w, p.h = w, h }

// Focus gives the pane the keyboard.
func (p *linksPane) Focus() { p.focused = true }

// Blur takes the keyboard away and cancels a payload prompt.
func (p *linksPane) Blur() {
	p.focused = false
	p.prompt = false
}

// typing reports whether printable keys go into the payload prompt.
func (p *linksPane) typing() bool { return p.prompt }

// ShortHelp implements help.KeyMap.
func (p *linksPane) ShortHelp() []key.Binding {
	k := p.sh.keys
	return []key.Binding{k.Up, k.Down, k.SendAction, k.ReadAction, k.CloseAction}
}

// FullHelp implements help.KeyMap.
func (p *linksPane) FullHelp() [][]key.Binding {
	k := p.sh.keys
	return [][]key.Binding{{k.Up, k.Down, k.First, k.Last}, {k.SendAction, k.ReadAction, k.CloseAction, k.Cancel}}
}

// setLinks replaces the table, keeping the selection on the same link, and
// takes the time the idle times count to.
func (p *linksPane) setLinks(ls []protocol.LinkInfo, now time.Time) {
	p.links, p.now = ls, now
	for i, l := range ls {
		if keyOf(l) == p.selKey {
			p.sel = i
			return
		}
	}
	// The selected link is gone (or was closed): stay on the same row.
	p.sel = min(p.sel, len(ls)-1)
	p.sel = max(p.sel, 0)
	if len(ls) > 0 {
		p.selKey = keyOf(ls[p.sel])
	}
}

func (p *linksPane) selected() (protocol.LinkInfo, bool) {
	if p.sel < 0 || p.sel >= len(p.links) {
		return protocol.LinkInfo{}, false
	}
	return p.links[p.sel], true
}

func (p *linksPane) move(d int) {
	if len(p.links) == 0 {
		return
	}
	p.sel = min(max(p.sel+d, 0), len(p.links)-1)
	p.selKey = keyOf(p.links[p.sel])
}

// Update handles keys while the pane has the focus.
func (p *linksPane) Update(msg tea.Msg) (pane, tea.Cmd) {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		if pm, ok := msg.(tea.PasteMsg); ok && p.prompt {
			p.ed.paste(pm.Content)
		}
		return p, nil
	}
	k := p.sh.keys
	if p.prompt {
		switch {
		case key.Matches(km, k.Cancel):
			p.prompt = false
		case key.Matches(km, k.Submit):
			return p, p.confirmSend()
		default:
			if p.ed.update(k, km) {
				p.flash = ""
			}
		}
		return p, nil
	}
	p.flash = ""
	switch {
	case key.Matches(km, k.Up):
		p.move(-1)
	case key.Matches(km, k.Down):
		p.move(1)
	case key.Matches(km, k.First):
		p.move(-len(p.links))
	case key.Matches(km, k.Last):
		p.move(len(p.links))
	case key.Matches(km, k.SendAction):
		if l, ok := p.live(); ok {
			p.prompt, p.promptOn = true, l.ID
			p.ed.reset()
		}
	case key.Matches(km, k.ReadAction):
		if l, ok := p.live(); ok {
			n := readSize
			if l.Buffered > 0 {
				n = l.Buffered
			}
			return p, p.fill(p.sh.dialect.ReadCommand(l.ID, n))
		}
	case key.Matches(km, k.CloseAction):
		// A dead link may still hold its id on the module (Realtek keeps
		// it until AT+SKTDEL), so closing one is allowed while no live link
		// has taken the id since.
		l, ok := p.selected()
		switch {
		case !ok || p.sh.dialect == nil:
			p.live() // says why
		case l.Closed != nil && p.idTaken(l.ID):
			p.setFlash("link "+strconv.Itoa(l.ID)+" is closed and its id is in use again", true)
		default:
			return p, p.fill(p.sh.dialect.CloseCommand(l.ID))
		}
	}
	return p, nil
}

// live returns the selected link if an action can apply to it.
func (p *linksPane) live() (protocol.LinkInfo, bool) {
	l, ok := p.selected()
	switch {
	case !ok:
		p.setFlash("no link selected", true)
		return l, false
	case l.Closed != nil:
		p.setFlash("link "+strconv.Itoa(l.ID)+" is closed", true)
		return l, false
	case p.sh.dialect == nil:
		p.setFlash("no command set", true)
		return l, false
	}
	return l, true
}

// idTaken reports whether a live link has id.
func (p *linksPane) idTaken(id int) bool {
	for _, l := range p.links {
		if l.ID == id && l.Closed == nil {
			return true
		}
	}
	return false
}

func (p *linksPane) setFlash(s string, isErr bool) { p.flash, p.flashErr = s, isErr }

// confirmSend builds the send command from the typed payload.
func (p *linksPane) confirmSend() tea.Cmd {
	payload, err := protocol.Unescape(p.ed.String())
	if err != nil {
		p.setFlash(err.Error(), true)
		return nil
	}
	line, err := p.sh.dialect.SendCommand(p.promptOn, payload)
	if err != nil {
		p.setFlash(protocol.Escape(err.Error()), true)
		return nil
	}
	p.prompt = false
	return func() tea.Msg { return fillInputMsg{line: line} }
}

// fill turns a built command into a message for the console.
func (p *linksPane) fill(line string, err error) tea.Cmd {
	if err != nil {
		p.setFlash(protocol.Escape(err.Error()), true)
		return nil
	}
	return func() tea.Msg { return fillInputMsg{line: line} }
}

// settle draws the link rows for the next frame, scrolled so the
// selected link shows, and keeps the payload prompt's scroll.
func (p *linksPane) settle() {
	iw, ih := innerWidth(p.w), max(p.h-2, 0)
	footer := p.footer(iw)
	p.body = p.rows(iw, max(ih-1-len(footer), 0), iw >= wideLinks)
	if p.prompt {
		p.ed.settle(max(iw-ansi.StringWidth(p.promptLabel()), 1))
	}
}

// View draws the pane.
func (p *linksPane) View() string {
	st := &p.sh.styles
	iw, ih := innerWidth(p.w), max(p.h-2, 0)
	wide := iw >= wideLinks
	body := make([]string, 0, ih)
	body = append(body, st.Header.Render(p.header(iw, wide)))
	footer := p.footer(iw)
	if len(p.links) == 0 {
		body = append(body, st.Subtle.Render("no links yet: open a server or a client"))
	} else {
		body = append(body, p.body...)
	}
	if len(footer) > 0 && ih > len(footer) {
		body = body[:min(len(body), ih-len(footer))]
		for len(body) < ih-len(footer) {
			body = append(body, "")
		}
		body = append(body, footer...)
	}
	note := ""
	if n := len(p.links); n > 0 {
		live := 0
		for _, l := range p.links {
			if l.Closed == nil {
				live++
			}
		}
		note = st.Subtle.Render(strconv.Itoa(live) + " live · " + strconv.Itoa(n-live) + " closed")
	}
	return frame(st, p.focused, "Links", note, p.w, p.h, body)
}

// addrWidth is the width of each address column.
func addrWidth(iw int, wide bool) int {
	if wide {
		return max((iw-46)/2, 9)
	}
	return max((iw-20)/2, 9)
}

func (p *linksPane) header(iw int, wide bool) string {
	aw := addrWidth(iw, wide)
	h := " " + padLeft("ID", 2) + " " + padRight("ROLE", 6) + " " + padRight("PROTO", 5) + " " +
		padRight("LOCAL", aw) + " " + padRight("REMOTE", aw)
	if wide {
		h += " " + padRight("STATE", 11) + " " + padLeft("IN", 4) + " " + padLeft("OUT", 4) + " " + padLeft("IDLE", 4)
	}
	return h
}

// footer is a message, the payload prompt, or the actions when focused.
func (p *linksPane) footer(iw int) []string {
	st := &p.sh.styles
	var out []string
	if p.flash != "" {
		if p.flashErr {
			out = append(out, st.HintError.Render(p.flash))
		} else {
			out = append(out, st.Hint.Render(p.flash))
		}
	}
	switch {
	case p.prompt:
		label := p.promptLabel()
		text, _ := p.ed.view(max(iw-ansi.StringWidth(label), 1))
		out = append(out, st.RawPrompt.Render(label)+st.Text.Render(text))
	case p.focused && len(p.links) > 0 && p.flash == "":
		out = append(out, st.Hint.Render("s send · r read · c close (the AT command goes to the console)"))
	}
	return out
}

// promptLabel is the label of the payload prompt.
func (p *linksPane) promptLabel() string {
	return "send on " + strconv.Itoa(p.promptOn) + " (\\r \\n \\xNN) › "
}

// rows draws the links that fit in n rows, keeping the selected one in
// view.
func (p *linksPane) rows(iw, n int, wide bool) []string {
	blocks := make([][]string, len(p.links))
	for i := range p.links {
		blocks[i] = p.linkLines(p.links[i], iw, wide, i == p.sel && p.focused)
	}
	// Scroll so the selected link is visible.
	p.top = min(p.top, p.sel)
	for p.top < p.sel {
		used := 0
		for i := p.top; i <= p.sel; i++ {
			used += len(blocks[i])
		}
		if used <= n {
			break
		}
		p.top++
	}
	out := make([]string, 0, n)
	for i := p.top; i < len(blocks) && len(out) < n; i++ {
		for _, l := range blocks[i] {
			if len(out) < n {
				out = append(out, l)
			}
		}
	}
	return out
}

// linkLines draws one link: one row when wide, two when narrow, plus the
// reason of a closed link.
func (p *linksPane) linkLines(l protocol.LinkInfo, iw int, wide, selected bool) []string {
	st := &p.sh.styles
	now := p.now
	aw := addrWidth(iw, wide)
	mark := " "
	if l.Closed != nil {
		mark = "✗"
	}
	local, remote := orDash(l.Local), orDash(l.Remote)
	row := mark + padLeft(strconv.Itoa(l.ID), 2) + " " + padRight(protocol.Escape(string(l.Role)), 6) + " " +
		padRight(protocol.Escape(string(l.Proto)), 5) + " " + padRight(local, aw) + " " + padRight(remote, aw)
	idle := "-"
	if t := lastTraffic(l); !t.IsZero() && l.Closed == nil {
		idle = fmtDurShort(now.Sub(t))
	}
	state := protocol.Escape(string(l.State))
	var lines []string
	if wide {
		row += " " + padRight(state, 11) + " " + padLeft(fmtBytesShort(l.BytesIn), 4) + " " +
			padLeft(fmtBytesShort(l.BytesOut), 4) + " " + padLeft(idle, 4)
		lines = append(lines, row)
	} else {
		detail := "    " + state
		if l.Buffered > 0 {
			detail += " · " + strconv.Itoa(l.Buffered) + " B to read"
		}
		detail += " · in " + fmtBytes(l.BytesIn) + " · out " + fmtBytes(l.BytesOut)
		if l.Closed == nil {
			detail += " · idle " + idleText(now, l)
		}
		lines = append(lines, row, detail)
	}
	if c := l.Closed; c != nil {
		why := protocol.Escape(c.Reason)
		if why == "" {
			why = "closed"
		}
		at := ""
		if !c.At.IsZero() {
			at = " " + c.At.Format("15:04:05") + " (" + fmtDur(now.Sub(c.At)) + " ago)"
		}
		lines = append(lines, "   ✗ died"+at+": "+why)
	} else if wide && l.Buffered > 0 {
		lines = append(lines, "     "+strconv.Itoa(l.Buffered)+" B waiting to be read")
	}
	for i := range lines {
		switch {
		case selected:
			lines[i] = st.Selected.Render(fit(lines[i], iw))
		case l.Closed != nil && i == len(lines)-1:
			lines[i] = st.Dead.Render(lines[i])
		case l.Closed != nil:
			lines[i] = st.Closed.Render(lines[i])
		default:
			lines[i] = st.Text.Render(lines[i])
		}
	}
	return lines
}

func idleText(now time.Time, l protocol.LinkInfo) string {
	t := lastTraffic(l)
	if t.IsZero() {
		return "-"
	}
	return fmtDur(now.Sub(t))
}

// lastTraffic is the last time anything moved on a link, or when it opened.
func lastTraffic(l protocol.LinkInfo) time.Time {
	t := l.Opened
	if l.LastRx.After(t) {
		t = l.LastRx
	}
	if l.LastTx.After(t) {
		t = l.LastTx
	}
	return t
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return protocol.Escape(s)
}
