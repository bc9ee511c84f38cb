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

// keepalivePane shows, for each TCP link, its keepalive settings and the
// countdowns to the next probe and to the moment the link is declared dead,
// and the global socket options in force. The countdowns move with the
// clock of the session's views, which come at least once a second: the
// pane has no timer of its own.
type keepalivePane struct {
	sh       *shared
	links    []protocol.LinkInfo
	settings []protocol.Setting
	now      time.Time // the session's clock, from the latest view
	body     []string  // the lines, settled by Update for View
	top      int
	w, h     int
	focused  bool
}

// maxClosedShown bounds the closed links listed under the live ones.
const maxClosedShown = 5

func newKeepalive(sh *shared) *keepalivePane {
	return &keepalivePane{sh: sh}
}

// SetSize sets the outer size of the pane, frame included.
func (p *keepalivePane) SetSize(w, h int) { p.w, p.h = w, h }

// Focus gives the pane the keyboard.
func (p *keepalivePane) Focus() { p.focused = true }

// Blur takes the keyboard away.
func (p *keepalivePane) Blur() { p.focused = false }

// ShortHelp implements help.KeyMap.
func (p *keepalivePane) ShortHelp() []key.Binding {
	return []key.Binding{p.sh.keys.Up, p.sh.keys.Down}
}

// FullHelp implements help.KeyMap.
func (p *keepalivePane) FullHelp() [][]key.Binding { return [][]key.Binding{p.ShortHelp()} }

// counting reports whether a link has keepalive countdowns to show.
func counting(l protocol.LinkInfo) bool {
	return l.Closed == nil && l.Keepalive.Enabled && isTCP(l) && l.Role != protocol.RoleServer
}

func isTCP(l protocol.LinkInfo) bool {
	return l.Proto == protocol.ProtoTCP || l.Proto == protocol.ProtoTLS
}

// setData takes the links, the settings and the time of a view.
func (p *keepalivePane) setData(links []protocol.LinkInfo, settings []protocol.Setting, now time.Time) {
	p.links, p.settings, p.now = links, settings, now
}

// Update handles scrolling keys.
func (p *keepalivePane) Update(msg tea.Msg) (pane, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		k := p.sh.keys
		switch {
		case key.Matches(msg, k.Up):
			p.top = max(p.top-1, 0)
		case key.Matches(msg, k.Down):
			p.top++
		case key.Matches(msg, k.First):
			p.top = 0
		}
	}
	return p, nil
}

// settle draws the lines for the next frame and keeps the scroll within
// them.
func (p *keepalivePane) settle() {
	ih := max(p.h-2, 0)
	p.body = p.lines(innerWidth(p.w))
	p.top = min(p.top, max(len(p.body)-ih, 0))
}

// View draws the pane.
func (p *keepalivePane) View() string {
	st := &p.sh.styles
	ih := max(p.h-2, 0)
	lines := p.body
	body := lines[min(p.top, len(lines)):]
	note := ""
	if p.top > 0 || len(lines) > ih {
		note = st.Subtle.Render(strconv.Itoa(p.top+1) + "–" + strconv.Itoa(min(p.top+ih, len(lines))) + "/" + strconv.Itoa(len(lines)))
	}
	return frame(st, p.focused, "Keepalive", note, p.w, p.h, body)
}

func (p *keepalivePane) lines(iw int) []string {
	st := &p.sh.styles
	now := p.now
	// From 72 cells a counting link takes two lines instead of three.
	wide := iw >= 72
	const indent = "      "
	var out []string
	counted, closed, tcp, predicted, read := false, 0, 0, false, false
	for _, l := range p.links {
		if !isTCP(l) {
			continue
		}
		tcp++
		head := padLeft(p.sh.linkID(l.ID), 2) + " " + padRight(protocol.Escape(string(l.Role)), 6) + " "
		ka := l.Keepalive
		switch {
		case l.Closed != nil:
			if closed >= maxClosedShown {
				continue
			}
			closed++
			why := protocol.Escape(l.Closed.Reason)
			if why == "" {
				why = "closed"
			}
			at := ""
			if !l.Closed.At.IsZero() {
				at = " " + l.Closed.At.Format("15:04:05")
			}
			out = append(out, st.Dead.Render("✗")+st.Closed.Render(head+"dead"+at+": "+why))
		case l.Role == protocol.RoleServer:
			text := "listening (keepalive is per seed)"
			switch {
			case ka.Source == protocol.KeepalivePredicted && ka.Enabled:
				text, predicted = "listening (its seeds get keepalive on)", true
			case ka.Source == protocol.KeepalivePredicted:
				text, predicted = "listening (its seeds get keepalive off)", true
			}
			out = append(out, " "+st.Text.Render(head)+st.Subtle.Render(text))
		case ka.Source == protocol.KeepaliveUnknown:
			out = append(out, " "+st.Text.Render(head)+st.Subtle.Render("keepalive unknown (no setting seen before it opened)"))
		case !ka.Enabled:
			text := "keepalive off"
			if ka.Source == protocol.KeepalivePredicted {
				text, predicted = "keepalive off (predicted)", true
			}
			out = append(out, " "+st.Text.Render(head)+st.Subtle.Render(text))
		default:
			counted = true
			label := "dead at "
			if ka.Source == protocol.KeepalivePredicted {
				predicted, label = true, "if silent, dead at "
			}
			first := " " + st.Text.Render(head) + st.Good.Render("on") + st.Text.Render(
				" · idle "+fmtSetDur(ka.Idle)+" · intvl "+fmtSetDur(ka.Interval)+" · cnt "+countText(ka.Count))
			if ka.Source == protocol.KeepaliveRead {
				read = true
			}
			if ka.Silenced {
				// A modelled blackhole: the peer is cut off in the model, not
				// by the kernel.
				first += st.Warn.Render(" · silenced: modelled")
			}
			switch {
			case ka.Source == protocol.KeepalivePredicted:
				// The module's probes never show on the AT port.
				out = append(out, first+st.Subtle.Render(" · predicted"),
					indent+p.progress(now, l), indent+p.deadline(now, l, label))
			case wide:
				out = append(out, first+st.Text.Render(" · probes "+probesText(ka)),
					indent+p.progress(now, l)+st.Text.Render(" · ")+p.deadline(now, l, label))
			default:
				out = append(out, first, indent+p.progress(now, l),
					indent+st.Text.Render("probes "+probesText(ka)+" · ")+p.deadline(now, l, "if silent, dead at "))
			}
			if ka.ProbesAnswered > 0 {
				out = append(out, indent+st.Good.Render(answeredText(now, ka)))
			}
		}
		if l.Closed == nil && l.Kernel != nil {
			out = append(out, p.kernelLines(now, l.Kernel)...)
		}
	}
	switch {
	case tcp == 0:
		out = append(out, st.Subtle.Render("no TCP links"))
	case !counted && p.globalOn():
		out = append(out, st.Subtle.Render("keepalive applies to sockets opened after it is set"))
	}
	if read {
		out = append(out, st.Subtle.Render("timers read from the emulator's sockets"))
	}
	if predicted {
		for _, l := range wrapPlain("predicted from the commands the module accepted before each link opened, "+
			"not read from the module; timers run from the traffic seen", iw, "  ") {
			out = append(out, st.Subtle.Render(l))
		}
	}
	out = append(out, p.globalLines(iw)...)
	// Nothing is cut: a line too long for the pane goes on, indented.
	wrapped := make([]string, 0, len(out))
	for _, l := range out {
		if ansi.StringWidth(l) <= iw || iw <= len(indent)+10 {
			wrapped = append(wrapped, l)
			continue
		}
		parts := strings.Split(ansi.Wrap(l, iw-len(indent), ""), "\n")
		wrapped = append(wrapped, parts[0])
		for _, c := range parts[1:] {
			wrapped = append(wrapped, indent+c)
		}
	}
	return wrapped
}

func countText(n int) string {
	if n <= 0 {
		return "—"
	}
	return strconv.Itoa(n)
}

// progress is the silence bar and the time to the next probe.
func (p *keepalivePane) progress(now time.Time, l protocol.LinkInfo) string {
	st := &p.sh.styles
	ka := l.Keepalive
	silent := time.Duration(0)
	if t := heard(l); !t.IsZero() {
		silent = max(now.Sub(t), 0)
	}
	const barW = 10
	filled := 0
	if ka.Idle > 0 {
		filled = int(min(silent*barW/ka.Idle, barW))
	}
	bar := st.BarFull.Render(strings.Repeat("▓", filled)) + st.BarEmpty.Render(strings.Repeat("░", barW-filled))
	text := " silent " + fmtDur(silent)
	if ka.Idle > 0 && ka.ProbesSent == 0 {
		text += "/" + fmtDur(ka.Idle)
	}
	switch {
	case ka.ProbesSent > 0 && !ka.NextProbe.IsZero():
		return bar + st.Warn.Render(text+" · probing, next in "+fmtDur(ka.NextProbe.Sub(now)))
	case ka.ProbesSent > 0:
		return bar + st.Warn.Render(text+" · probing")
	case !ka.NextProbe.IsZero():
		text += " · probe in " + fmtDur(ka.NextProbe.Sub(now))
	}
	return bar + st.Text.Render(text)
}

// probesText is the probes sent out of the count: "0/3".
func probesText(ka protocol.Keepalive) string {
	s := strconv.Itoa(ka.ProbesSent)
	if ka.Count > 0 {
		s += "/" + strconv.Itoa(ka.Count)
	}
	return s
}

// deadline is when the link is declared dead if the peer stays silent.
func (p *keepalivePane) deadline(now time.Time, l protocol.LinkInfo, label string) string {
	st := &p.sh.styles
	ka := l.Keepalive
	if ka.DeadAt.IsZero() {
		return st.Subtle.Render("time of death unknown")
	}
	s := label + ka.DeadAt.Format("15:04:05")
	left := ka.DeadAt.Sub(now)
	if left <= 0 {
		return st.Dead.Render(s + " (due now)")
	}
	style := st.Text
	if ka.ProbesSent > 0 {
		style = st.Warn
	}
	return style.Render(s + " (" + fmtDur(left) + ")")
}

// globalOn reports whether, by the command set's reading of the settings,
// sockets opened now get keepalive.
func (p *keepalivePane) globalOn() bool {
	if p.sh.dialect == nil {
		return false
	}
	ka, ok := p.sh.dialect.KeepaliveInForce(p.settings)
	return ok && ka.Enabled
}

// globalLines shows the module-wide settings, wrapped to the width.
func (p *keepalivePane) globalLines(iw int) []string {
	st := &p.sh.styles
	label := "global "
	if len(p.settings) == 0 {
		return []string{st.Header.Render(label) + st.Subtle.Render("socket settings not known yet (query them)")}
	}
	var out []string
	line := st.Header.Render(label)
	lw := ansi.StringWidth(label)
	width := lw
	for i, s := range p.settings {
		item := protocol.Escape(s.Name) + " " + protocol.Escape(s.Value)
		sep := ""
		if i > 0 {
			sep = " · "
		}
		iwid, sepW := ansi.StringWidth(item), ansi.StringWidth(sep)
		if width+sepW+iwid > iw && width > lw {
			out = append(out, line)
			line, width, sep, sepW = strings.Repeat(" ", lw), lw, "", 0
		}
		line += st.Subtle.Render(sep) + st.Text.Render(item)
		width += sepW + iwid
	}
	return append(out, line)
}

// heard is when the idle countdown runs from: the peer last heard (data
// or an answered probe) when the model says, else the last traffic.
func heard(l protocol.LinkInfo) time.Time {
	if t := l.Keepalive.Heard; !t.IsZero() {
		return t
	}
	return lastTraffic(l)
}

// answeredText says how many probes the peer answered, and when last: the
// schedule restarted from that answer.
func answeredText(now time.Time, ka protocol.Keepalive) string {
	s := "peer answered " + strconv.Itoa(ka.ProbesAnswered) + " probe"
	if ka.ProbesAnswered != 1 {
		s += "s"
	}
	if !ka.LastAnswer.IsZero() {
		s += ", last " + fmtDur(max(now.Sub(ka.LastAnswer), 0)) + " ago: schedule restarted"
	}
	return s
}

// kernelLines show the host kernel's view of the socket beside the model,
// and, flagged, where the two disagree.
func (p *keepalivePane) kernelLines(now time.Time, k *protocol.KernelTCP) []string {
	st := &p.sh.styles
	const indent = "      "
	text := "kernel " + protocol.Escape(k.State) + " · probes " + strconv.Itoa(k.Probes) +
		" · retrans " + strconv.Itoa(k.Retransmits) + " · rtt " + fmtRTT(k.RTT) +
		" · data " + fmtDur(k.LastDataRx) + " ago · ack " + fmtDur(k.LastAckRx) + " ago"
	out := []string{indent + st.Subtle.Render(text)}
	if k.Disagree != "" {
		out = append(out, indent+st.Warn.Render("⚑ disagree: "+protocol.Escape(k.Disagree)))
	}
	return out
}

// fmtRTT shows a round-trip time to a tenth of a millisecond.
func fmtRTT(d time.Duration) string {
	if d < time.Second {
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + "ms"
	}
	return fmtDur(d)
}
