package themes

import (
	"image/color"

	"charm.land/lipgloss/v2"
)

// Styles are the lipgloss styles of every element of the workbench, built
// from one palette by NewStyles. The value is immutable once built: panes
// read it, never change it.
type Styles struct {
	// Name is the palette's name; Mono is true for a palette without colour.
	Name string
	Mono bool
	Dark bool

	Text   lipgloss.Style
	Subtle lipgloss.Style
	Bold   lipgloss.Style

	Border      lipgloss.Style // frame of an unfocused pane
	BorderFocus lipgloss.Style // frame of the focused pane
	Title       lipgloss.Style // title of an unfocused pane
	TitleFocus  lipgloss.Style // title of the focused pane

	// Records, by kind.
	Timestamp lipgloss.Style
	Sent      lipgloss.Style
	Echo      lipgloss.Style
	OK        lipgloss.Style
	Error     lipgloss.Style
	Info      lipgloss.Style
	Event     lipgloss.Style
	Data      lipgloss.Style
	Prompt    lipgloss.Style
	Noise     lipgloss.Style
	Note      lipgloss.Style
	Escape    lipgloss.Style // \r, \x1b... inside device text
	Match     lipgloss.Style // search matches

	// Console input and its hint.
	InputPrompt lipgloss.Style
	RawPrompt   lipgloss.Style
	Hint        lipgloss.Style
	HintParam   lipgloss.Style // the parameter being typed, inside the syntax
	HintError   lipgloss.Style
	Rule        lipgloss.Style // the line between scrollback and input

	// Tables.
	Header   lipgloss.Style
	Selected lipgloss.Style
	Dead     lipgloss.Style // a closed link's marker and reason
	Closed   lipgloss.Style // a closed link's row
	BarFull  lipgloss.Style
	BarEmpty lipgloss.Style
	Warn     lipgloss.Style
	Good     lipgloss.Style

	// Status bar.
	Status      lipgloss.Style
	StatusKey   lipgloss.Style
	StatusOK    lipgloss.Style
	StatusError lipgloss.Style
	StatusWarn  lipgloss.Style

	// Help overlay.
	HelpBorder lipgloss.Style
	HelpTitle  lipgloss.Style
	HelpKey    lipgloss.Style
	HelpDesc   lipgloss.Style
	HelpGroup  lipgloss.Style
}

// NewStyles turns a palette into styles. A mono palette gets no colour at
// all: emphasis is bold, selection and matches are reverse video.
func NewStyles(p Palette) Styles {
	mono := p.Mono()
	fg := func(c string) lipgloss.Style {
		s := lipgloss.NewStyle()
		if c != "" {
			s = s.Foreground(lipgloss.Color(c))
		}
		return s
	}
	bg := func(s lipgloss.Style, c string) lipgloss.Style {
		if c != "" {
			s = s.Background(lipgloss.Color(c))
		}
		return s
	}
	reverseIf := func(s lipgloss.Style, c string) lipgloss.Style {
		if c == "" {
			return s.Reverse(true)
		}
		return bg(s, c)
	}

	st := Styles{Name: p.Name, Mono: mono, Dark: p.Dark}
	st.Text = fg(p.Text)
	st.Subtle = fg(p.Subtle)
	st.Bold = fg(p.Text).Bold(true)

	st.Border = fg(p.Border)
	st.BorderFocus = fg(p.BorderFocus)
	st.Title = fg(p.Subtle)
	st.TitleFocus = fg(p.BorderFocus).Bold(true)
	if mono {
		st.TitleFocus = st.TitleFocus.Reverse(true)
	}

	st.Timestamp = fg(p.Subtle)
	st.Sent = fg(p.Sent).Bold(true)
	st.Echo = fg(p.Subtle)
	st.OK = fg(p.OK).Bold(true)
	st.Error = fg(p.Error).Bold(true)
	st.Info = fg(p.Info)
	st.Event = fg(p.Event)
	st.Data = fg(p.Data)
	st.Prompt = fg(p.Warn).Bold(true)
	st.Noise = fg(p.Subtle)
	st.Note = fg(p.Warn)
	st.Escape = fg(p.Escape)
	st.Match = reverseIf(fg(p.MatchFg), p.MatchBg)
	if mono {
		st.Sent = lipgloss.NewStyle().Bold(true)
		st.Echo = lipgloss.NewStyle()
		st.Note = lipgloss.NewStyle()
		st.Prompt = lipgloss.NewStyle().Bold(true)
	}

	st.InputPrompt = fg(p.Primary).Bold(true)
	st.RawPrompt = fg(p.Warn).Bold(true)
	st.Hint = fg(p.Subtle)
	st.HintParam = fg(p.Primary).Bold(true)
	st.HintError = fg(p.Error).Bold(true)
	st.Rule = fg(p.Border)

	st.Header = fg(p.Subtle).Bold(true)
	st.Selected = reverseIf(lipgloss.NewStyle(), p.SelectBg)
	st.Dead = fg(p.Error).Bold(true)
	st.Closed = fg(p.Subtle)
	st.BarFull = fg(p.Primary)
	st.BarEmpty = fg(p.Border)
	st.Warn = fg(p.Warn)
	st.Good = fg(p.OK)
	if mono {
		st.Warn = lipgloss.NewStyle().Bold(true)
	}

	bar := bg(fg(p.BarFg), p.BarBg)
	if mono {
		bar = lipgloss.NewStyle().Reverse(true)
	}
	st.Status = bar
	st.StatusKey = bar.Bold(true)
	st.StatusOK = bar
	st.StatusError = bar.Bold(true)
	st.StatusWarn = bar.Bold(true)
	if !mono {
		st.StatusKey = st.StatusKey.Foreground(colourOr(p.Primary, p.BarFg))
		st.StatusOK = st.StatusOK.Foreground(colourOr(p.OK, p.BarFg))
		st.StatusError = st.StatusError.Foreground(colourOr(p.Error, p.BarFg))
		st.StatusWarn = st.StatusWarn.Foreground(colourOr(p.Warn, p.BarFg))
	}
	if p.Name == NameHighContrast {
		// Bright foregrounds vanish on the white bar: keep the bar's ink.
		st.StatusKey = bar.Bold(true)
		st.StatusOK = bar.Bold(true)
		st.StatusError = bar.Bold(true).Underline(true)
		st.StatusWarn = bar.Bold(true)
	}

	st.HelpBorder = fg(p.BorderFocus)
	st.HelpTitle = fg(p.BorderFocus).Bold(true)
	st.HelpKey = fg(p.Primary).Bold(true)
	st.HelpDesc = fg(p.Text)
	st.HelpGroup = fg(p.Subtle).Bold(true)
	return st
}

// colourOr returns c as a colour, or fallback when c is empty, or no colour.
func colourOr(c, fallback string) color.Color {
	if c == "" {
		c = fallback
	}
	if c == "" {
		return lipgloss.NoColor{}
	}
	return lipgloss.Color(c)
}
