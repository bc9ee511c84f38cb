package ui

import (
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"atbench/protocol"
	"atbench/session"
)

// linksPane is the live socket table. A selected row offers actions that
// put the matching AT command into the console input for the user to run.
type linksPane struct {
	sh      *shared
	links   []protocol.LinkInfo
	now     time.Time     // the session's clock, from the latest view
	stats   session.Stats // the connection and the link table's state
	body    []string      // the link rows, settled by Update for View
	sel     int
	selKey  linkKey
	top     int // first link shown
	shown   int // links shown from top, settled with body
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

// linkPlanMsg reports a plan the links pane sent through Session.Send: a
// send, or a read or close that takes more than one line.
type linkPlanMsg struct {
	what string // "send 5 B on 0", "read 1", "close 1"
	err  error
}

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
	return []key.Binding{k.Up, k.Down, k.SendAction, k.ReadAction, k.CloseAction, k.ListAction}
}

// FullHelp implements help.KeyMap.
func (p *linksPane) FullHelp() [][]key.Binding {
	k := p.sh.keys
	return [][]key.Binding{{k.Up, k.Down, k.First, k.Last}, {k.SendAction, k.ReadAction, k.CloseAction, k.ListAction, k.Cancel}}
}

// setStats takes the connection and link-table state of a view.
func (p *linksPane) setStats(st session.Stats) { p.stats = st }

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
			if l.Role == protocol.RoleServer && l.Proto != protocol.ProtoUDP {
				p.setFlash(p.serverSendHint(l), true)
				return p, nil
			}
			p.prompt, p.promptOn = true, l.ID
			p.ed.reset()
		}
	case key.Matches(km, k.ListAction):
		cmd := ""
		if p.sh.dialect != nil {
			cmd = p.sh.dialect.StateCommand()
		}
		if cmd == "" {
			p.setFlash("this command set has no command that lists the links", true)
			return p, nil
		}
		return p, p.fill(cmd, nil)
	case key.Matches(km, k.ReadAction):
		if l, ok := p.live(); ok {
			n := readSize
			if l.Buffered > 0 {
				n = l.Buffered
			}
			return p, p.planned(true, l, n)
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
			p.setFlash("link "+p.sh.linkID(l.ID)+" is closed and its id is in use again", true)
		default:
			return p, p.planned(false, l, 0)
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
		p.setFlash("link "+p.sh.linkID(l.ID)+" is closed", true)
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

// serverSendHint says that a TCP or TLS server sends nothing itself: its
// seeds, one per accepted peer, do.
func (p *linksPane) serverSendHint(srv protocol.LinkInfo) string {
	var seeds []string
	for _, l := range p.links {
		if l.Role == protocol.RoleSeed && l.Parent == srv.ID && l.Closed == nil {
			seeds = append(seeds, p.sh.linkID(l.ID))
		}
	}
	what := "link " + p.sh.linkID(srv.ID) + " is a " + strings.ToUpper(string(srv.Proto)) + " server: send through one of its seeds"
	if len(seeds) == 0 {
		return what + " (none yet: a peer must connect first)"
	}
	return what + " (" + strings.Join(seeds, ", ") + ")"
}

// confirmSend builds the send command from the typed payload.
func (p *linksPane) confirmSend() tea.Cmd {
	payload, err := protocol.Unescape(p.ed.String())
	if err != nil {
		p.setFlash(err.Error(), true)
		return nil
	}
	plan, err := p.sh.dialect.SendPlan(p.promptOn, payload)
	if err != nil {
		p.setFlash(protocol.Escape(err.Error()), true)
		return nil
	}
	p.prompt = false
	return p.run("send "+strconv.Itoa(len(payload))+" B on "+p.sh.linkID(p.promptOn), plan)
}

// run shows a plan of one command line in the console input, for the user
// to run or edit; a plan with raw bytes or several lines, which no input
// line can hold, goes to the session at once and its outcome is flashed.
func (p *linksPane) run(what string, plan protocol.Plan) tea.Cmd {
	if len(plan) == 1 && !plan[0].IsRaw() {
		line := plan[0].Line
		return func() tea.Msg { return fillInputMsg{line: line} }
	}
	b := p.sh.b
	return func() tea.Msg {
		_, err := b.Send(plan)
		return linkPlanMsg{what: what, err: err}
	}
}

// planned builds a read or close plan with the command set's LinkPlanner
// when it has one, else the one-line command.
func (p *linksPane) planned(read bool, l protocol.LinkInfo, n int) tea.Cmd {
	d := p.sh.dialect
	var plan protocol.Plan
	var err error
	what := "close " + p.sh.linkID(l.ID)
	if read {
		what = "read " + p.sh.linkID(l.ID)
	}
	if lp, ok := d.(protocol.LinkPlanner); ok {
		if read {
			plan, err = lp.ReadPlan(l.ID, n)
		} else {
			plan, err = lp.ClosePlan(l.ID)
		}
	} else {
		var line string
		if read {
			line, err = d.ReadCommand(l.ID, n)
		} else {
			line, err = d.CloseCommand(l.ID)
		}
		plan = protocol.Plan{protocol.LineStep(line)}
	}
	if err != nil {
		p.setFlash(protocol.Escape(err.Error()), true)
		return nil
	}
	return p.run(what, plan)
}

// done shows the outcome of a plan sent from the pane.
func (p *linksPane) done(msg linkPlanMsg) {
	if msg.err != nil {
		p.setFlash(msg.what+": "+protocol.Escape(msg.err.Error()), true)
		return
	}
	p.setFlash(msg.what+": queued (the console shows the exchange)", false)
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
	banner := p.banner(iw)
	p.body = p.rows(iw, max(ih-1-len(banner)-len(footer), 0), iw >= wideLinks)
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
	body = append(body, p.banner(iw)...)
	switch {
	case len(p.links) == 0 && p.unlisted():
		for _, l := range wrapPlain("the module's links are unknown until "+p.sh.dialect.StateCommand()+
			" runs: l puts it in the console", iw, "  ") {
			body = append(body, st.Warn.Render(l))
		}
	case len(p.links) == 0:
		body = append(body, st.Subtle.Render("no links yet: open a server or a client"))
	default:
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
		text := strconv.Itoa(live) + " live · " + strconv.Itoa(n-live) + " closed"
		if p.top > 0 || p.top+p.shown < n {
			// Some rows are hidden: say which are shown, as the keepalive
			// pane does.
			text += " · " + strconv.Itoa(p.top+1) + "–" + strconv.Itoa(p.top+p.shown) + "/" + strconv.Itoa(n)
		}
		note = st.Subtle.Render(text)
	}
	return frame(st, p.focused, "Links", note, p.w, p.h, body)
}

// unlisted reports whether the module may hold links atbench has not
// seen: it has never listed them, and the device does not know them
// first-hand.
func (p *linksPane) unlisted() bool {
	tb := p.stats.Table
	return !tb.FirstHand && tb.Listed.IsZero() && tb.StateCommand != "" && p.sh.dialect != nil &&
		p.sh.dialect.StateCommand() != ""
}

// banner says how far the rows can be trusted: stale while the port is
// lost, reset by a module restart, at risk after a Wi-Fi loss, incomplete
// before the first listing.
func (p *linksPane) banner(iw int) []string {
	st := &p.sh.styles
	tb := p.stats.Table
	var out []string
	add := func(s string) {
		for _, l := range wrapPlain(s, iw, "  ") {
			out = append(out, st.Warn.Render(l))
		}
	}
	hhmmss := func(t time.Time) string { return t.Format("15:04:05") }
	if !tb.Stale.IsZero() {
		if p.stats.State == session.Disconnected {
			add("stale: as of " + hhmmss(tb.Stale) + ", when the port was lost")
		} else {
			add("as of " + hhmmss(tb.Stale) + ": not listed since the port came back (l lists them)")
		}
	}
	if !tb.FirstHand && !tb.Restarted.IsZero() && !tb.Restarted.Before(tb.Listed) {
		add("module restarted " + hhmmss(tb.Restarted) + ": every link was reset")
	}
	if !tb.WifiLost.IsZero() {
		add("Wi-Fi lost " + hhmmss(tb.WifiLost) + ": the links may be dead")
	}
	if len(p.links) > 0 && p.unlisted() {
		add("not listed yet: the module may hold other links (l lists them)")
	}
	return out
}

// wrapPlain cuts plain text into lines of at most w cells, at spaces when
// it can, the lines after the first indented: nothing is cut off.
func wrapPlain(s string, w int, indent string) []string {
	if w <= 0 {
		return []string{s}
	}
	var out []string
	first := true
	for {
		avail := w
		if !first {
			avail = max(w-ansi.StringWidth(indent), 1)
		}
		if ansi.StringWidth(s) <= avail {
			break
		}
		head := ansi.Cut(s, 0, avail)
		cut := len(head)
		if i := strings.LastIndexByte(head, ' '); i > 0 && strings.TrimSpace(head[:i]) != "" {
			cut = i
		}
		line := strings.TrimRight(s[:cut], " ")
		if !first {
			line = indent + line
		}
		out = append(out, line)
		s = strings.TrimLeft(s[cut:], " ")
		first = false
	}
	if !first {
		s = indent + s
	}
	return append(out, s)
}

// idWidth is the width of the id column: every id in full.
func (p *linksPane) idWidth() int {
	w := 2
	for _, l := range p.links {
		w = max(w, ansi.StringWidth(p.sh.linkID(l.ID)))
	}
	return w
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
	h := " " + padLeft("ID", p.idWidth()) + " " + padRight("ROLE", 6) + " " + padRight("PROTO", 5) + " " +
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
	// A flash says why an action was refused: it wraps, never cut.
	hint := st.Hint
	if p.flashErr {
		hint = st.HintError
	}
	if p.flash != "" {
		for _, l := range wrapPlain(p.flash, iw, "  ") {
			out = append(out, hint.Render(l))
		}
	}
	switch {
	case p.prompt:
		label := p.promptLabel()
		text, _ := p.ed.view(max(iw-ansi.StringWidth(label), 1))
		out = append(out, st.RawPrompt.Render(label)+st.Text.Render(text))
	case p.focused && len(p.links) > 0 && p.flash == "":
		for _, l := range wrapPlain("s send · r read · c close · l list (a one-line command goes to the console input; longer exchanges are sent)", iw, "  ") {
			out = append(out, st.Hint.Render(l))
		}
	}
	return out
}

// promptLabel is the label of the payload prompt.
func (p *linksPane) promptLabel() string {
	return "send on " + p.sh.linkID(p.promptOn) + " (\\r \\n \\xNN) › "
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
	p.shown = 0 // links shown whole
	for i := p.top; i < len(blocks) && len(out) < n; i++ {
		if len(out)+len(blocks[i]) > n {
			out = append(out, blocks[i][:n-len(out)]...)
			break
		}
		out = append(out, blocks[i]...)
		p.shown++
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
	// Columns are padded, never cut: a long address pushes the row on,
	// and the row wraps.
	row := mark + padLeft(p.sh.linkID(l.ID), p.idWidth()) + " " + pad(protocol.Escape(string(l.Role)), 6) + " " +
		pad(protocol.Escape(string(l.Proto)), 5) + " " + pad(local, aw) + " " + pad(remote, aw)
	idle := "-"
	if t := lastTraffic(l); !t.IsZero() && l.Closed == nil {
		idle = fmtDurShort(now.Sub(t))
	}
	state := protocol.Escape(string(l.State))
	var lines []string
	if wide {
		row += " " + pad(state, 11) + " " + padLeft(fmtBytesShort(l.BytesIn), 4) + " " +
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
	if cs := l.Close; cs != nil {
		lines = append(lines, "     "+closeText(cs, l.Kernel, now))
	}
	if c := l.Closed; c != nil {
		why := protocol.Escape(c.Reason)
		if why == "" {
			why = "closed"
		}
		lines = append(lines, "   ✗ "+deathText(c, now)+": "+why)
	} else if wide && l.Buffered > 0 {
		lines = append(lines, "     "+strconv.Itoa(l.Buffered)+" B waiting to be read")
	}
	var wrapped []string
	for i, line := range lines {
		indent := "      "
		if i == len(lines)-1 && l.Closed != nil {
			indent = "     "
		}
		wrapped = append(wrapped, wrapPlain(line, iw, indent)...)
	}
	last := len(wrapped) - 1 // the death line's last part
	if l.Closed != nil {
		n := len(wrapPlain(lines[len(lines)-1], iw, "     "))
		last = len(wrapped) - n
	}
	lines = wrapped
	for i := range lines {
		switch {
		case selected:
			lines[i] = st.Selected.Render(fit(lines[i], iw))
		case l.Closed != nil && i >= last:
			lines[i] = st.Dead.Render(lines[i])
		case l.Closed != nil:
			lines[i] = st.Closed.Render(lines[i])
		default:
			lines[i] = st.Text.Render(lines[i])
		}
	}
	return lines
}

// deathText says when a link died, as far as it is known: the time an
// event or an answer told it, or, when a listing revealed it, only that it
// was dead then and alive at some earlier time.
func deathText(c *protocol.Closed, now time.Time) string {
	switch {
	case c.At.IsZero():
		return "died"
	case c.Seen && c.AliveAt.IsZero():
		return "dead when first seen " + c.At.Format("15:04:05") + " (never seen alive)"
	case c.Seen:
		return "dead when first seen " + c.At.Format("15:04:05") + " (alive at " + c.AliveAt.Format("15:04:05") + ")"
	}
	return "died " + c.At.Format("15:04:05") + " (" + fmtDur(now.Sub(c.At)) + " ago)"
}

// pad pads s to w cells and never cuts it.
func pad(s string, w int) string {
	if sw := ansi.StringWidth(s); sw < w {
		return s + strings.Repeat(" ", w-sw)
	}
	return s
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

// closeText is where a TCP link is in its close sequence, with the time
// left on its timer and what happens then, and the kernel's own state.
func closeText(cs *protocol.CloseState, k *protocol.KernelTCP, now time.Time) string {
	s := "close: " + protocol.Escape(string(cs.State))
	if !cs.Since.IsZero() {
		s += " since " + cs.Since.Format("15:04:05")
	}
	if !cs.Until.IsZero() && !cs.Free {
		s += " · " + fmtDur(max(cs.Until.Sub(now), 0)) + " left"
		if cs.OnTimeout != "" {
			s += " → " + protocol.Escape(cs.OnTimeout)
		}
	}
	if cs.Free {
		s += " · id free"
	}
	if cs.Note != "" {
		s += " · " + protocol.Escape(cs.Note)
	}
	if k != nil && k.State != "" {
		s += " · kernel " + protocol.Escape(k.State)
	}
	return s
}
