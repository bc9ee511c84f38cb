package ui

import (
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"atbench/protocol"
	"atbench/session"
)

// consolePane is the transcript with the input line under it.
type consolePane struct {
	sh      *shared
	sb      *scrollback
	ed      lineEditor
	hist    history
	w, h    int
	focused bool
	wall    bool
	hex     bool

	// History persistence: lines wait in pending until the file is loaded
	// and the previous append is done, so appends stay in order.
	histLoaded  bool
	histSaving  bool
	histPending []string

	// Search mode ("/"): the session's transcript is searched by a
	// command; records that arrive later are matched as they come.
	searching     bool
	query         lineEditor
	matches       []uint64 // Seq of the matching records, oldest first
	matchIdx      int
	searchAt      uint64     // bottom record when the search started
	searchGen     int        // the current search; older results are dropped
	searchRun     *searchReq // the current search, until its result comes
	searchDirty   bool       // the query changed: search again
	searchThrough uint64     // the last Seq the matches cover

	// Settled by Update for View: the scrollback rows and the records
	// below them.
	rowsShown []string
	newer     uint64
	// hints are the hint lines under the input, wrapped to the pane.
	hints []string

	cycle *cycleState // Tab pressed again cycles the candidates

	// listing: Tab on an empty input lists the commands; Tab again moves
	// to the next pane.
	listing bool
	// warned is the line whose warning (Adviser) the last Enter showed:
	// Enter again on it sends it as typed.
	warned string

	raw       rawState
	rawQueued int // raw bytes handed to the backend but not yet reported done

	// Submissions go to the backend one at a time, in order.
	queue    []submission
	inFlight bool

	flash    string
	flashErr bool

	stats session.Stats
	links []protocol.LinkInfo
	// selected is the link selected in the links pane, for the ":" commands
	// that act on a link when none is named.
	selected func() (protocol.LinkInfo, bool)
	// planned are the commands of a keepalive plan still to go into the
	// input, one after each Enter.
	planned []string
	// coapRuns cancels the CoAP keepalive running on a link.
	coapRuns map[int]coapRun
	coapGen  uint64
	// base is the origin of relative timestamps: the start of the screen,
	// or the first record if the session began earlier.
	base      time.Time
	baseFixed bool
}

// rawState is what the session says the module awaits (Stats.Awaiting):
// while active, Enter writes the input as raw bytes.
type rawState struct {
	active  bool
	command string
	expect  int // bytes the module waits for, 0 when the count is open
	sent    int // bytes written since it asked, counting ones not yet reported
}

// cycleState remembers the last completion so Tab again moves to the next
// candidate.
type cycleState struct {
	line  string
	cur   int
	start int
	cands []string
	i     int
}

// submission is a line for Backend.Submit or bytes for Backend.WriteRaw.
type submission struct {
	line    string
	raw     []byte
	isRaw   bool
	restore bool // put the line back in the input if it is refused
}

// submitDoneMsg reports the end of one submission.
type submitDoneMsg struct {
	sub submission
	err error
}

func newConsole(sh *shared) *consolePane {
	c := &consolePane{sh: sh, sb: newScrollback(), focused: true}
	c.wall = sh.opts.Clock != ClockRelative
	c.sb.rr.st = &sh.styles
	c.sb.explainer, _ = sh.dialect.(protocol.ErrorExplainer)
	c.histLoaded = sh.opts.HistoryPath == ""
	return c
}

// Init loads the history file.
func (c *consolePane) Init() tea.Cmd {
	if c.sh.opts.HistoryPath == "" {
		return nil
	}
	return loadHistory(c.sh.opts.HistoryPath)
}

// SetSize sets the outer size of the pane, frame included.
func (c *consolePane) SetSize(w, h int) { c.w, c.h = w, h }

// Focus gives the pane the keyboard.
func (c *consolePane) Focus() { c.focused = true }

// Blur takes the focus away.
func (c *consolePane) Blur() { c.focused = false; c.listing = false }

// wantsTab reports whether Tab completes rather than moves the focus: on
// an empty input the first Tab lists the commands, the next moves on.
func (c *consolePane) wantsTab() bool {
	return c.searching || len(c.ed.value) > 0 || (!c.listing && !c.raw.active && len(c.sh.catalog) > 0)
}

// typing reports whether printable keys go into a field ("?" is text then).
func (c *consolePane) typing() bool { return c.searching || len(c.ed.value) > 0 || c.raw.active }

// ShortHelp implements help.KeyMap.
func (c *consolePane) ShortHelp() []key.Binding {
	k := c.sh.keys
	return []key.Binding{k.Submit, k.Complete, k.HistPrev, k.Search, k.PageUp, k.Help}
}

// FullHelp implements help.KeyMap.
func (c *consolePane) FullHelp() [][]key.Binding {
	k := c.sh.keys
	return [][]key.Binding{
		{k.Submit, k.Complete, k.HistPrev, k.HistNext, k.Search, k.Clear},
		{k.PageUp, k.PageDown, k.LineUp, k.LineDown, k.Top, k.Live},
	}
}

// ingest takes a view: its new records and the state that came with them.
func (c *consolePane) ingest(v session.View) {
	recs, st := v.Records, v.Stats
	c.stats = st
	if c.base.IsZero() {
		c.base = v.Now // relative times count from the start of the screen
	}
	if !c.baseFixed && len(recs) > 0 {
		c.baseFixed = true
		if at := recs[0].At; !at.IsZero() && at.Before(c.base) {
			c.base = at
		}
	}
	c.sb.ingest(recs, v.First, v.Last)
	c.raw = rawFrom(st, c.rawQueued)
	c.matchNew(recs)
}

// matchNew adds the records that arrived after the search ran to its
// matches, and forgets matches the session no longer keeps.
func (c *consolePane) matchNew(recs []protocol.Record) {
	if c.searching && c.searchRun == nil && c.query.String() != "" {
		q := c.query.String()
		fold := foldQuery(q)
		qb := []byte(q)
		var scratch []byte
		for i := range recs {
			r := &recs[i]
			if r.Seq > c.searchThrough && !r.Quiet && r.Seq >= c.sb.floor() && recordMatches(r, qb, fold, &scratch) {
				c.matches = append(c.matches, r.Seq)
			}
		}
		if n := len(recs); n > 0 {
			c.searchThrough = max(c.searchThrough, recs[n-1].Seq)
		}
	}
	drop := 0
	for drop < len(c.matches) && c.matches[drop] < c.sb.floor() {
		drop++
	}
	if drop > 0 {
		c.matches = c.matches[drop:]
		c.matchIdx = max(0, c.matchIdx-drop)
	}
}

// rawFrom is the raw mode the session's state calls for: on while the
// module awaits raw bytes and the device is there. queued bytes typed but
// maybe not yet counted by the session count too: leaving raw mode a
// moment early only queues a typed command, while leaving it late would
// send the command to the peer as data.
func rawFrom(st session.Stats, queued int) rawState {
	aw := st.Awaiting
	if !aw.Active() || st.State == session.Disconnected || st.State == session.Closed {
		return rawState{}
	}
	r := rawState{active: true, command: aw.Command, expect: max(aw.Bytes, 0), sent: aw.Sent + queued}
	if r.expect > 0 && r.sent >= r.expect {
		r.active = false
	}
	return r
}

// Update handles the messages the console owns.
func (c *consolePane) Update(msg tea.Msg) (pane, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return c, c.onKey(msg)
	case tea.PasteMsg:
		c.clearTransient()
		if c.searching {
			c.query.paste(msg.Content)
			c.runSearch()
		} else {
			c.ed.paste(msg.Content)
		}
	case historyLoadedMsg:
		c.hist.load(msg.lines)
		c.histLoaded = true
		if msg.err != nil {
			c.setFlash(msg.err.Error(), true)
		}
		return c, c.saveHistory()
	case historySavedMsg:
		c.histSaving = false
		if msg.err != nil {
			c.setFlash(msg.err.Error(), true)
		}
		return c, c.saveHistory()
	case coapDoneMsg:
		c.onCoAP(msg)
		return c, nil
	case faultDoneMsg:
		if msg.err != nil {
			c.setFlash(protocol.Escape(msg.what+": "+msg.err.Error()), true)
		} else {
			c.setFlash(protocol.Escape("fault injected: "+msg.effect), false)
		}
		return c, nil
	case modemDoneMsg:
		if msg.err != nil {
			c.setFlash(protocol.Escape(msg.err.Error()), true)
		} else {
			c.setFlash(msg.what+" done", false)
		}
		return c, nil
	case submitDoneMsg:
		c.inFlight = false
		if msg.sub.isRaw {
			c.rawQueued -= len(msg.sub.raw)
		}
		if msg.err != nil {
			c.setFlash("refused: "+protocol.Escape(msg.err.Error()), true)
			if msg.sub.restore && len(c.ed.value) == 0 {
				c.ed.set(msg.sub.line)
			}
		}
		return c, c.pump()
	}
	return c, nil
}

func (c *consolePane) setFlash(s string, isErr bool) { c.flash, c.flashErr = s, isErr }

func (c *consolePane) clearTransient() {
	c.flash = ""
	c.cycle = nil
	c.listing = false
}

func (c *consolePane) onKey(msg tea.KeyPressMsg) tea.Cmd {
	k := c.sh.keys
	if c.searching {
		return c.onSearchKey(msg)
	}
	switch {
	case key.Matches(msg, k.Submit):
		return c.submit()
	case key.Matches(msg, k.Complete):
		c.complete()
		return nil
	case key.Matches(msg, k.HistPrev):
		if s, ok := c.hist.prev(c.ed.String()); ok {
			c.ed.set(s)
		}
		c.cycle = nil
		return nil
	case key.Matches(msg, k.HistNext):
		if s, ok := c.hist.next(c.ed.String()); ok {
			c.ed.set(s)
		}
		c.cycle = nil
		return nil
	case key.Matches(msg, k.PageUp):
		c.sb.scrollUp(max(1, c.scrollRows()-1))
	case key.Matches(msg, k.PageDown):
		c.sb.scrollDown(max(1, c.scrollRows()-1))
	case key.Matches(msg, k.LineUp):
		c.sb.scrollUp(1)
	case key.Matches(msg, k.LineDown):
		c.sb.scrollDown(1)
	case key.Matches(msg, k.Top):
		c.sb.toTop()
	case key.Matches(msg, k.Live):
		c.sb.toLive()
		c.clearTransient()
	case key.Matches(msg, k.Clear):
		c.sb.clear()
	case key.Matches(msg, k.Search) && len(c.ed.value) == 0 && !c.raw.active:
		c.startSearch()
	default:
		if c.ed.update(k, msg) {
			c.hist.stop()
			c.clearTransient()
		}
	}
	return nil
}

// scroll moves the scrollback by lines (negative: towards older records).
func (c *consolePane) scroll(lines int) {
	if lines < 0 {
		c.sb.scrollUp(-lines)
	} else {
		c.sb.scrollDown(lines)
	}
}

// submit acts on Enter.
func (c *consolePane) submit() tea.Cmd {
	text := c.ed.String()
	c.clearTransient()
	if c.raw.active {
		b, err := protocol.Unescape(text)
		if err != nil {
			c.setFlash("raw bytes: "+err.Error(), true)
			return nil
		}
		if len(b) == 0 {
			c.setFlash("nothing to send: type the bytes, with \\r \\n \\xNN for control bytes", true)
			return nil
		}
		c.raw.sent += len(b)
		c.rawQueued += len(b)
		if c.raw.expect > 0 && c.raw.sent >= c.raw.expect {
			c.raw.active = false
		}
		c.ed.reset()
		c.sb.toLive()
		return c.enqueue(submission{raw: b, isRaw: true})
	}
	trimmed := strings.TrimSpace(text)
	if trimmed == "" {
		c.sb.toLive()
		c.nextPlanned() // a planned command cleared from the input is skipped
		return nil
	}
	if strings.HasPrefix(trimmed, ":") {
		return c.colon(trimmed)
	}
	if adv := c.advice(text); adv != "" && c.warned != text {
		// Said before it is sent: the module would not take it as typed.
		c.warned = text
		c.setFlash("⚠ "+protocol.Escape(adv)+" · enter again sends it as typed", true)
		return nil
	}
	c.warned = ""
	c.ed.reset()
	c.sb.toLive()
	var cmds []tea.Cmd
	if c.hist.add(text) && c.sh.opts.HistoryPath != "" {
		c.histPending = append(c.histPending, text)
		cmds = append(cmds, c.saveHistory())
	}
	cmds = append(cmds, c.enqueue(submission{line: text, restore: true}))
	c.nextPlanned()
	return tea.Batch(cmds...)
}

// showHelpMsg asks the root to open the help overlay.
type showHelpMsg struct{}

// modemDoneMsg reports the end of a modem control action.
type modemDoneMsg struct {
	what string
	err  error
}

// modem runs a ":dtr", ":rts" or ":break" command.
func (c *consolePane) modem(verb string, args []string) tea.Cmd {
	b := c.sh.b
	var op func() error
	switch verb {
	case "dtr", "rts":
		if len(args) != 1 || (args[0] != "on" && args[0] != "off") {
			c.setFlash(":"+verb+" takes on or off", true)
			return nil
		}
		on := args[0] == "on"
		op = func() error { return b.SetRTS(on) }
		if verb == "dtr" {
			op = func() error { return b.SetDTR(on) }
		}
	case "break":
		d := 250 * time.Millisecond
		if len(args) > 0 {
			v, err := time.ParseDuration(args[0])
			if err != nil || v <= 0 || v > 5*time.Second {
				c.setFlash(":break takes a duration up to 5s, like 250ms", true)
				return nil
			}
			d = v
		}
		op = func() error { return b.Break(d) }
	}
	c.ed.reset()
	what := ":" + strings.Join(append([]string{verb}, args...), " ")
	return func() tea.Msg { return modemDoneMsg{what: what, err: op()} }
}

// faultDoneMsg reports the end of a :fault.
type faultDoneMsg struct {
	what, effect string
	err          error
}

// fault injects a fault into the emulator in a command: the session notes
// it in the transcript as it happens, and the panes show its effect.
func (c *consolePane) fault(words []string) tea.Cmd {
	if len(words) == 0 {
		c.setFlash(":fault takes blackhole <id>, reset <id>, latency <id> 300ms, wifi, reboot or unplug 3s", true)
		return nil
	}
	c.ed.reset()
	b, ctx := c.sh.b, c.sh.ctx
	what := ":fault " + strings.Join(words, " ")
	return func() tea.Msg {
		effect, err := b.Fault(ctx, words)
		return faultDoneMsg{what: what, effect: effect, err: err}
	}
}

// colon runs a ":" command of the screen itself (colonCommands).
func (c *consolePane) colon(cmd string) tea.Cmd {
	fields := strings.Fields(strings.ToLower(cmd[1:]))
	var cc colonCommand
	ok := len(fields) > 0
	if ok {
		cc, ok = findColon(fields[0])
	}
	if ok && cc.args == "" && len(fields) > 1 {
		ok = false // takes no arguments
	}
	if !ok {
		c.setFlash("unknown "+protocol.Escape(cmd)+": try "+colonSummary(), true)
		return nil
	}
	switch cc.verb {
	case "dtr", "rts", "break":
		return c.modem(cc.verb, fields[1:])
	case "keepalive":
		return c.planKeepalive(fields[1:])
	case "coap":
		return c.coap(fields[1:])
	case "fault":
		return c.fault(fields[1:])
	case "quit":
		c.ed.reset()
		return tea.Quit
	case "clear":
		c.ed.reset()
		c.sb.clear()
	case "help":
		c.ed.reset()
		return func() tea.Msg { return showHelpMsg{} }
	case "hex":
		c.ed.reset()
		c.hex = !c.hex
	case "time":
		c.ed.reset()
		c.wall = !c.wall
	}
	return nil
}

// enqueue queues a submission and starts it if none is running.
func (c *consolePane) enqueue(s submission) tea.Cmd {
	c.queue = append(c.queue, s)
	return c.pump()
}

// pump starts the next submission. Backend calls run in a command, one at
// a time, so lines reach the session in the order they were typed.
func (c *consolePane) pump() tea.Cmd {
	if c.inFlight || len(c.queue) == 0 {
		return nil
	}
	s := c.queue[0]
	c.queue = c.queue[1:]
	c.inFlight = true
	b := c.sh.b
	return func() tea.Msg {
		if s.isRaw {
			return submitDoneMsg{sub: s, err: b.WriteRaw(s.raw)}
		}
		_, err := b.Submit(s.line)
		return submitDoneMsg{sub: s, err: err}
	}
}

// saveHistory starts appending pending lines to the history file.
func (c *consolePane) saveHistory() tea.Cmd {
	if !c.histLoaded || c.histSaving || len(c.histPending) == 0 || c.sh.opts.HistoryPath == "" {
		return nil
	}
	lines := c.histPending
	c.histPending = nil
	c.histSaving = true
	return appendHistory(c.sh.opts.HistoryPath, lines)
}

// advice is the command set's warning about a typed line, if any.
func (c *consolePane) advice(line string) string {
	if a, ok := c.sh.dialect.(protocol.Adviser); ok {
		return a.Advise(line)
	}
	return ""
}

// complete acts on Tab.
func (c *consolePane) complete() {
	line := c.ed.String()
	if strings.TrimSpace(line) == "" && !c.searching {
		c.listing = true // the hint lists the commands
		return
	}
	cur := len(string(c.ed.value[:c.ed.pos]))
	if cy := c.cycle; cy != nil && cy.line == line && cy.cur == cur && len(cy.cands) > 1 {
		cy.i = (cy.i + 1) % len(cy.cands)
		c.replace(line, cy.start, cur, cy.cands[cy.i], "")
		cy.line, cy.cur = c.ed.String(), len(string(c.ed.value[:c.ed.pos]))
		return
	}
	c.cycle = nil
	comp := completeAt(line, cur, c.sh.dialect, c.sh.catalog, c.links)
	switch {
	case comp.advance:
		c.ed.pos = len([]rune(line[:comp.end]))
		if comp.suffix != "" {
			c.ed.insert(comp.suffix)
		} else if comp.end < len(line) {
			c.ed.pos++ // step over the comma to the next field
		}
	case len(comp.cands) == 1:
		c.replace(line, comp.start, comp.end, comp.cands[0], comp.suffix)
	case len(comp.cands) > 1:
		typed := line[comp.start:comp.end]
		if common := commonPrefixFold(comp.cands); len(common) > len(typed) {
			c.replace(line, comp.start, comp.end, common, "")
			return
		}
		c.replace(line, comp.start, comp.end, comp.cands[0], "")
		c.cycle = &cycleState{line: c.ed.String(), cur: len(string(c.ed.value[:c.ed.pos])), start: comp.start, cands: comp.cands}
	default:
		if comp.why != "" {
			c.setFlash(comp.why, false)
		}
	}
}

// replace puts text (and suffix) in place of line[start:end] and moves the
// cursor after it.
func (c *consolePane) replace(line string, start, end int, text, suffix string) {
	c.ed.set(line[:start] + text + suffix)
	pos := c.ed.pos
	c.ed.insert(line[end:])
	c.ed.pos = pos
}

// Search mode.

func (c *consolePane) startSearch() {
	c.searching = true
	c.query.reset()
	c.matches, c.matchIdx = nil, -1
	c.searchAt = c.sb.bottomSeq()
}

func (c *consolePane) endSearch() {
	c.searching = false
	c.query.reset()
	c.matches, c.matchIdx = nil, -1
	c.searchRun, c.searchDirty = nil, false
	c.searchGen++
}

func (c *consolePane) onSearchKey(msg tea.KeyPressMsg) tea.Cmd {
	k := c.sh.keys
	switch {
	case key.Matches(msg, k.SearchDone):
		c.endSearch()
	case key.Matches(msg, k.SearchOlder):
		if c.matchIdx > 0 {
			c.matchIdx--
			c.sb.show(c.matches[c.matchIdx])
		}
	case key.Matches(msg, k.SearchNewer):
		if c.matchIdx >= 0 && c.matchIdx < len(c.matches)-1 {
			c.matchIdx++
			c.sb.show(c.matches[c.matchIdx])
		}
	case key.Matches(msg, k.PageUp):
		c.sb.scrollUp(max(1, c.scrollRows()-1))
	case key.Matches(msg, k.PageDown):
		c.sb.scrollDown(max(1, c.scrollRows()-1))
	case key.Matches(msg, k.Backspace) && len(c.query.value) == 0:
		c.endSearch()
	default:
		if c.query.update(k, msg) {
			c.runSearch()
		}
	}
	return nil
}

// runSearch asks for a search of the session's transcript with the query
// as it now is; settle starts it.
func (c *consolePane) runSearch() {
	c.matches, c.matchIdx = nil, -1
	c.searchGen++
	c.searchRun = nil
	c.searchDirty = c.query.String() != ""
}

// startSearchCmd starts the search runSearch asked for.
func (c *consolePane) startSearchCmd() tea.Cmd {
	if !c.searchDirty {
		return nil
	}
	c.searchDirty = false
	req := searchReq{gen: c.searchGen, query: c.query.String(), from: c.sb.floor()}
	c.searchRun = &req
	b := c.sh.b
	return func() tea.Msg { return req.run(b) }
}

// onSearched takes the matches of a search and shows the newest one at or
// above where the search started.
func (c *consolePane) onSearched(msg searchMsg) {
	if !c.searching || c.searchRun == nil || msg.req != *c.searchRun {
		return // a search since replaced or ended
	}
	c.searchRun = nil
	c.matches = msg.seqs
	c.searchThrough = msg.through
	c.matchNew(nil)
	c.matchIdx = -1
	for i := len(c.matches) - 1; i >= 0; i-- {
		if c.matches[i] <= c.searchAt {
			c.matchIdx = i
			break
		}
	}
	if c.matchIdx < 0 && len(c.matches) > 0 {
		c.matchIdx = len(c.matches) - 1
	}
	if c.matchIdx >= 0 {
		c.sb.show(c.matches[c.matchIdx])
	}
}

// Layout.

// rows splits the inner height: scrollback, rule, input, hint. The hint
// takes two rows, more when its lines wrap (up to a third of the pane), so
// that it is wrapped rather than cut.
func (c *consolePane) rows() (sb, hint int) {
	ih := max(c.h-2, 0)
	switch {
	case ih >= 8:
		hint = min(max(len(c.hints), 2), max(ih/3, 2))
	case ih >= 5:
		hint = 1
	}
	return max(ih-2-hint, 0), hint
}

func (c *consolePane) scrollRows() int {
	sb, _ := c.rows()
	return sb
}

// syncLook passes the current look to the scrollback.
func (c *consolePane) syncLook() {
	l := look{base: c.base, width: innerWidth(c.w), wall: c.wall, hex: c.hex, theme: c.sh.look}
	if c.searching {
		l.query = c.query.String()
	}
	c.sb.rr.st = &c.sh.styles
	c.sb.setLook(l)
}

// settle prepares the next frame after an update: the look, the scroll
// position, the rows shown and the window's bounds, and the input's
// horizontal scroll. It returns the fetch or the search the view needs.
func (c *consolePane) settle() tea.Cmd {
	c.syncLook()
	c.hints = c.hintLines(innerWidth(c.w))
	sbRows, _ := c.rows()
	c.sb.height = sbRows
	c.sb.stamp++
	fetch := c.sb.need()
	c.rowsShown = c.sb.view(sbRows)
	c.newer = c.sb.newer()
	c.sb.trim()
	c.sb.evict()
	prompt, _, ed := c.inputField()
	ed.settle(max(innerWidth(c.w)-ansi.StringWidth(prompt), 1))
	return tea.Batch(c.fetchCmd(fetch), c.startSearchCmd())
}

// fetchCmd starts a fetch of records for the window.
func (c *consolePane) fetchCmd(req *fetchReq) tea.Cmd {
	if req == nil {
		return nil
	}
	c.sb.fetchGen++
	req.gen = c.sb.fetchGen
	c.sb.fetch = req
	r, b := *req, c.sh.b
	return func() tea.Msg { return r.run(b) }
}

// View draws the pane.
func (c *consolePane) View() string {
	s, _, _ := c.render()
	return s
}

// render draws the pane and returns where the cursor goes, relative to the
// pane's top-left corner.
func (c *consolePane) render() (string, int, int) {
	st := &c.sh.styles
	iw := innerWidth(c.w)
	sbRows, hintRows := c.rows()
	body := make([]string, 0, c.h)
	body = append(body, c.rowsShown[:min(sbRows, len(c.rowsShown))]...)
	for len(body) < sbRows {
		body = append(body, "")
	}
	body = append(body, c.rule(iw))
	in, cx := c.inputLine(iw)
	body = append(body, in)
	hint := c.hints
	for i := range hintRows {
		switch {
		case i == hintRows-1 && len(hint) > hintRows:
			// More than the pane has room for: say so on the last row.
			body = append(body, fit(hint[i]+" …", iw))
		case i < len(hint):
			body = append(body, hint[i])
		default:
			body = append(body, "")
		}
	}
	note := "wall"
	if !c.wall {
		note = "relative"
	}
	if c.hex {
		note += " · hex"
	}
	return frame(st, c.focused, "Console", st.Subtle.Render(note), c.w, c.h, body), 2 + cx, 1 + sbRows + 1
}

// rule is the line between the scrollback and the input: it says when the
// view is scrolled and how much is below.
func (c *consolePane) rule(w int) string {
	st := &c.sh.styles
	if n := c.newer; !c.sb.follow {
		msg := " ↓ " + group(n) + " newer · esc: back to live "
		if n == 0 {
			msg = " scrolled · esc: back to live "
		}
		mw := ansi.StringWidth(msg)
		if mw+2 > w {
			return st.Warn.Render(fit(msg, w))
		}
		return st.Rule.Render("──") + st.Warn.Render(msg) + st.Rule.Render(strings.Repeat("─", w-2-mw))
	}
	return st.Rule.Render(strings.Repeat("─", w))
}

// inputField is the prompt, its style and the field the input line shows.
func (c *consolePane) inputField() (string, lipgloss.Style, *lineEditor) {
	st := &c.sh.styles
	switch {
	case c.searching:
		return "/ ", st.InputPrompt, &c.query
	case c.raw.active:
		return "raw› ", st.RawPrompt, &c.ed
	}
	return "› ", st.InputPrompt, &c.ed
}

// inputLine draws the prompt and the field; it returns the cursor column.
func (c *consolePane) inputLine(w int) (string, int) {
	st := &c.sh.styles
	prompt, ps, ed := c.inputField()
	pw := ansi.StringWidth(prompt)
	text, cx := ed.view(max(w-pw, 1))
	return ps.Render(prompt) + st.Text.Render(text), pw + cx
}

// hintLines are the lines under the input: two hints, the flash first
// when there is one, each wrapped to w.
func (c *consolePane) hintLines(w int) []string {
	st := &c.sh.styles
	var out [2]string
	switch {
	case c.searching:
		out[0] = c.searchHint()
		out[1] = st.Hint.Render("enter/↑ older · ↓ newer · esc ends the search")
	case c.raw.active:
		msg := "raw bytes"
		if c.raw.expect > 0 {
			msg += ": " + strconv.Itoa(c.raw.sent) + " of " + strconv.Itoa(c.raw.expect) + " sent"
			if b, err := protocol.Unescape(c.ed.String()); err == nil && len(b) > 0 {
				msg += ", " + strconv.Itoa(len(b)) + " typed"
			}
		}
		out[0] = st.RawPrompt.Render(msg) + st.Hint.Render(" · for "+protocol.Escape(c.raw.command))
		out[1] = st.Hint.Render(`enter writes the line as bytes · escapes \r \n \t \\ \0 \xNN`)
	case c.listing && len(c.ed.value) == 0:
		names := make([]string, 0, len(c.sh.catalog))
		for _, s := range c.sh.catalog {
			names = append(names, s.Name)
		}
		out[0] = candidateLine(st, names, -1)
		out[1] = st.Hint.Render("type a name's start and tab completes it · tab again: next pane")
	default:
		out = commandHint(st, c.sh.dialect, c.sh.catalog, c.sh.dialectName(), c.ed.String(), len(string(c.ed.value[:c.ed.pos])), c.cycle)
		if adv := c.advice(c.ed.String()); adv != "" {
			out[1] = out[0]
			out[0] = st.HintError.Render("⚠ " + protocol.Escape(adv))
		}
	}
	logical := out[:]
	if c.flash != "" {
		style := st.Hint
		if c.flashErr {
			style = st.HintError
		}
		logical = []string{style.Render(c.flash), out[0], out[1]}
	}
	var lines []string
	for _, l := range logical {
		if l == "" {
			continue
		}
		lines = append(lines, strings.Split(ansi.Wrap(l, max(w, 1), " "), "\n")...)
	}
	return lines
}

func (c *consolePane) searchHint() string {
	st := &c.sh.styles
	q := c.query.String()
	switch {
	case q == "":
		return st.Hint.Render("search: type text as shown (escapes too, e.g. \\x1b)")
	case c.searchRun != nil || c.searchDirty:
		return st.Hint.Render("searching " + strconv.Quote(q) + "…")
	case len(c.matches) == 0:
		return st.HintError.Render("no match for " + strconv.Quote(q))
	}
	return st.Hint.Render("match ") + st.HintParam.Render(group(uint64(c.matchIdx+1))) +
		st.Hint.Render(" of "+group(uint64(len(c.matches)))+" records")
}
