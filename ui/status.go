package ui

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"atbench/protocol"
	"atbench/session"
)

// statusBar draws the bottom line: backend, command set, connection state,
// byte counters, the log file and the keys for help and quitting.
type statusBar struct {
	sh *shared
	w  int
}

func newStatusBar(sh *shared) *statusBar { return &statusBar{sh: sh} }

// SetSize sets the width; the bar is one line high.
func (s *statusBar) SetSize(w, _ int) { s.w = w }

// backendName describes the device: "emulator", "/dev/ttyUSB0 @ 115200".
func backendName(info session.Info) string {
	name := protocol.Escape(info.Name)
	switch info.Kind {
	case "emulator":
		return "emulator"
	case "serial", "rfc2217", "tcp":
		if info.Baud > 0 && info.Kind != "tcp" { // raw tcp:// sets no baud
			return name + " @ " + strconv.Itoa(info.Baud)
		}
		return name
	case "":
		return name
	}
	if name == "" {
		return protocol.Escape(info.Kind)
	}
	return protocol.Escape(info.Kind) + " " + name
}

// view draws the bar for the given stats and device.
func (s *statusBar) view(st session.Stats, info session.Info, lines session.Lines, speed float64) string {
	if s.w <= 0 {
		return ""
	}
	sty := &s.sh.styles
	sep := sty.Status.Render(" · ")
	var left []string
	if st.Log.Failing {
		// First, so a long port name cannot push it out of the bar.
		left = append(left, sty.StatusError.Render(" log failing: "+strconv.FormatUint(st.Log.Missed, 10)+" lines missed"))
	}
	if len(left) == 0 {
		left = append(left, sty.Status.Render(" "+backendName(info)))
	} else {
		left = append(left, sty.Status.Render(backendName(info)))
	}
	if l := lines.String(); l != "" {
		left = append(left, sty.Status.Render(protocol.Escape(l)))
	}
	left = append(left, sty.Status.Render(s.sh.dialectName()))
	if speed > 1 {
		// The modelled timers run faster than the wall clock: say so, or
		// a 7200 s keepalive dying in two minutes looks like a bug.
		left = append(left, sty.StatusWarn.Render("clock "+strconv.FormatFloat(speed, 'g', 6, 64)+"×"))
	}
	switch st.State {
	case session.Connected, session.Reconnected:
		left = append(left, sty.StatusOK.Render("● "+st.State.String()))
	case session.Disconnected:
		txt := "○ disconnected"
		if st.Cause != "" {
			txt += ": " + protocol.Escape(st.Cause)
		}
		left = append(left, sty.StatusError.Render(txt))
	default:
		txt := "○ " + st.State.String()
		if st.Cause != "" {
			txt += ": " + protocol.Escape(st.Cause)
		}
		left = append(left, sty.StatusWarn.Render(txt))
	}
	left = append(left, sty.Status.Render("rx "+fmtBytes(st.RxBytes)+" tx "+fmtBytes(st.TxBytes)))
	if st.Pending > 0 {
		txt := "⧗ " + strconv.Itoa(st.Pending) + " pending"
		if st.Outstanding != "" {
			txt += ": " + protocol.Escape(st.Outstanding)
		}
		left = append(left, sty.StatusWarn.Render(txt))
	}
	if p := s.sh.opts.LogPath; p != "" {
		switch lg := st.Log; {
		case lg.Failing:
			left = append(left, sty.StatusError.Render("log "+protocol.Escape(p)))
		case lg.Missed > 0:
			left = append(left, sty.StatusWarn.Render("log "+protocol.Escape(p)+" ("+
				strconv.FormatUint(lg.Missed, 10)+" lines missed)"))
		default:
			left = append(left, sty.Status.Render("log "+protocol.Escape(p)))
		}
	}
	right := sty.StatusKey.Render("?") + sty.Status.Render(" help · ") +
		sty.StatusKey.Render("ctrl+c") + sty.Status.Render(" quit ")
	if s.w < wideWidth {
		right = sty.StatusKey.Render("?") + sty.Status.Render(" help ")
	}
	l := strings.Join(left, sep)
	rw := ansi.StringWidth(right)
	if rw+10 > s.w {
		right, rw = "", 0
	}
	avail := s.w - rw
	lw := ansi.StringWidth(l)
	if lw > avail {
		l = ansi.Truncate(l, avail, sty.Status.Render("…"))
		lw = ansi.StringWidth(l)
	}
	return l + sty.Status.Render(strings.Repeat(" ", max(avail-lw, 0))) + right
}
