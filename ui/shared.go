package ui

import (
	"context"
	"strconv"
	"strings"

	"atbench/protocol"
	"atbench/themes"
)

// shared is the one context every pane receives at construction: the
// backend, the styles, the key map and the options. Panes read it; only the
// root model changes it (a new theme).
type shared struct {
	ctx     context.Context
	b       Backend
	opts    Options
	keys    keyMap
	styles  themes.Styles
	dialect protocol.Dialect
	catalog []protocol.CommandSpec

	// followBackground is true when the theme follows the terminal's
	// background colour (Options.Theme "" and no NO_COLOR).
	followBackground bool
	// look counts theme changes, so caches of rendered lines know when
	// they are stale.
	look uint64
}

func newShared(ctx context.Context, b Backend, opts Options, noColor bool) *shared {
	sh := &shared{ctx: ctx, b: b, opts: opts, keys: defaultKeyMap()}
	sh.dialect = b.Dialect()
	if sh.dialect != nil {
		sh.catalog = sh.dialect.Catalog()
	}
	pal := themes.Dark()
	switch {
	case opts.Theme != "":
		if p, err := lookupTheme(opts.Theme); err == nil {
			pal = p
		}
	case noColor:
		pal = themes.Mono()
	default:
		sh.followBackground = true
	}
	sh.styles = themes.NewStyles(pal)
	return sh
}

// setPalette switches the theme.
func (sh *shared) setPalette(p themes.Palette) {
	sh.styles = themes.NewStyles(p)
	sh.look++
}

// dialectName is the command set's name for the status bar.
func (sh *shared) dialectName() string {
	if sh.dialect == nil {
		return "no command set"
	}
	return protocol.Escape(sh.dialect.Name())
}

func lookupTheme(name string) (themes.Palette, error) {
	return themes.Lookup(strings.TrimSpace(name))
}

// linkID writes a link id as the command set writes it (WizFi CIDs are one
// hex digit), escaped for the screen.
func (sh *shared) linkID(id int) string {
	if sh.dialect == nil || id < 0 {
		return strconv.Itoa(id)
	}
	return protocol.Escape(sh.dialect.FormatLink(id))
}
