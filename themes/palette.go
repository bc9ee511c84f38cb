// Package themes holds the workbench's colour palettes as data and the one
// constructor, NewStyles, that turns a palette into the styles the panes
// draw with. A palette names colours by meaning (an error, an unsolicited
// event, a focused border), never by pane.
package themes

import (
	"fmt"
	"strings"
)

// Palette is a theme as data: colours by meaning, as "#rrggbb" strings. An
// empty string means "the terminal's own colour". A palette whose colours
// are all empty is monochrome: NewStyles then marks things with bold and
// reverse video only.
type Palette struct {
	Name string
	// Dark tells whether the palette is meant for a dark background.
	Dark bool

	Text        string // ordinary text
	Subtle      string // timestamps, hints, secondary text
	Primary     string // titles, keys in help
	Border      string // frames of unfocused panes
	BorderFocus string // the frame of the focused pane
	OK          string // final OK, connected
	Error       string // final error, disconnected, dead links
	Warn        string // notes from atbench, raw mode, warnings
	Event       string // unsolicited events
	Data        string // payload records
	Sent        string // commands and bytes the host sent
	Info        string // information lines answering a command
	Escape      string // escaped bytes inside device text (\r, \x1b)
	MatchFg     string // search matches, foreground
	MatchBg     string // search matches, background
	SelectBg    string // the selected row, background ("" uses reverse video)
	BarFg       string // status bar text
	BarBg       string // status bar background
}

// Mono reports whether the palette has no colour at all.
func (p Palette) Mono() bool {
	for _, c := range p.colours() {
		if c != "" {
			return false
		}
	}
	return true
}

func (p Palette) colours() []string {
	return []string{p.Text, p.Subtle, p.Primary, p.Border, p.BorderFocus, p.OK, p.Error, p.Warn,
		p.Event, p.Data, p.Sent, p.Info, p.Escape, p.MatchFg, p.MatchBg, p.SelectBg, p.BarFg, p.BarBg}
}

// Validate checks that every colour is empty or "#rrggbb".
func (p Palette) Validate() error {
	for _, c := range p.colours() {
		if c == "" {
			continue
		}
		if len(c) != 7 || c[0] != '#' || strings.Trim(c[1:], "0123456789abcdefABCDEF") != "" {
			return fmt.Errorf("theme %s: colour %q is not #rrggbb", p.Name, c)
		}
	}
	return nil
}

// Theme names accepted by Lookup.
const (
	NameDark         = "dark"
	NameLight        = "light"
	NameHighContrast = "high-contrast"
	NameMono         = "mono"
)

// Names lists the built-in themes.
func Names() []string {
	return []string{NameDark, NameLight, NameHighContrast, NameMono}
}

// Lookup returns the built-in palette with that name.
func Lookup(name string) (Palette, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case NameDark:
		return Dark(), nil
	case NameLight:
		return Light(), nil
	case NameHighContrast, "highcontrast", "hc":
		return HighContrast(), nil
	case NameMono, "none", "no-color":
		return Mono(), nil
	}
	return Palette{}, fmt.Errorf("unknown theme %q (want one of %s)", name, strings.Join(Names(), ", "))
}

// Dark is the default palette for dark terminals.
func Dark() Palette {
	return Palette{
		Name:        NameDark,
		Dark:        true,
		Text:        "#c8ccd8",
		Subtle:      "#737a94",
		Primary:     "#7aa2f7",
		Border:      "#414868",
		BorderFocus: "#7aa2f7",
		OK:          "#9ece6a",
		Error:       "#f7768e",
		Warn:        "#e0af68",
		Event:       "#bb9af7",
		Data:        "#7dcfff",
		Sent:        "#e6e9f2",
		Info:        "#a9b1d6",
		Escape:      "#ff9e64",
		MatchFg:     "#1a1b26",
		MatchBg:     "#e0af68",
		SelectBg:    "#2e3c64",
		BarFg:       "#a9b1d6",
		BarBg:       "#1f2335",
	}
}

// Light is the default palette for light terminals.
func Light() Palette {
	return Palette{
		Name:        NameLight,
		Text:        "#2b2f3a",
		Subtle:      "#6b7080",
		Primary:     "#2e59c9",
		Border:      "#a8adbd",
		BorderFocus: "#2e59c9",
		OK:          "#2e7d32",
		Error:       "#c62828",
		Warn:        "#9a5b00",
		Event:       "#7b3fb3",
		Data:        "#00708a",
		Sent:        "#111111",
		Info:        "#3d4350",
		Escape:      "#b34700",
		MatchFg:     "#000000",
		MatchBg:     "#ffd54f",
		SelectBg:    "#d5e0fb",
		BarFg:       "#2b2f3a",
		BarBg:       "#e2e5ee",
	}
}

// HighContrast uses saturated colours on black for low vision and bright
// rooms.
func HighContrast() Palette {
	return Palette{
		Name:        NameHighContrast,
		Dark:        true,
		Text:        "#ffffff",
		Subtle:      "#d0d0d0",
		Primary:     "#ffff00",
		Border:      "#ffffff",
		BorderFocus: "#ffff00",
		OK:          "#00ff00",
		Error:       "#ff4040",
		Warn:        "#ffff00",
		Event:       "#ff80ff",
		Data:        "#00ffff",
		Sent:        "#ffffff",
		Info:        "#ffffff",
		Escape:      "#ffa500",
		MatchFg:     "#000000",
		MatchBg:     "#ffff00",
		SelectBg:    "", // reverse video
		BarFg:       "#000000",
		BarBg:       "#ffffff",
	}
}

// Mono has no colour; it serves NO_COLOR.
func Mono() Palette {
	return Palette{Name: NameMono, Dark: true}
}
