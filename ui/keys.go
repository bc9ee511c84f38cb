package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
)

// keyMap holds every binding of the screen. Panes match keys against it and
// the help overlay lists it, so the two never disagree.
type keyMap struct {
	// Global.
	Quit       key.Binding
	Help       key.Binding
	NextPane   key.Binding
	PrevPane   key.Binding
	Clock      key.Binding
	Hex        key.Binding
	CloseHelp  key.Binding
	HelpScroll key.Binding

	// Console: input line.
	Submit   key.Binding
	HistPrev key.Binding
	HistNext key.Binding
	Complete key.Binding
	Search   key.Binding
	Clear    key.Binding

	// Console: editing.
	Left       key.Binding
	Right      key.Binding
	WordLeft   key.Binding
	WordRight  key.Binding
	Home       key.Binding
	End        key.Binding
	Backspace  key.Binding
	Delete     key.Binding
	DeleteWord key.Binding
	KillStart  key.Binding
	KillEnd    key.Binding

	// Console: scrollback.
	PageUp   key.Binding
	PageDown key.Binding
	LineUp   key.Binding
	LineDown key.Binding
	Top      key.Binding
	Live     key.Binding
	Wheel    key.Binding // listed only: the mouse wheel scrolls the pane under it
	Select   key.Binding // listed only: the terminal selects text with shift held

	// Console: search mode.
	SearchOlder key.Binding
	SearchNewer key.Binding
	SearchDone  key.Binding

	// Links and keepalive panes.
	Up          key.Binding
	Down        key.Binding
	First       key.Binding
	Last        key.Binding
	SendAction  key.Binding
	ReadAction  key.Binding
	CloseAction key.Binding
	ListAction  key.Binding
	Cancel      key.Binding
}

func defaultKeyMap() keyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return keyMap{
		Quit:       b([]string{"ctrl+c"}, "ctrl+c", "quit"),
		Help:       b([]string{"?", "f1"}, "? f1", "help"),
		NextPane:   b([]string{"tab"}, "tab", "next pane"),
		PrevPane:   b([]string{"shift+tab"}, "shift+tab", "previous pane"),
		Clock:      b([]string{"ctrl+t", "f2"}, "ctrl+t f2", "wall/relative time"),
		Hex:        b([]string{"ctrl+x", "f3"}, "ctrl+x f3", "hex view"),
		CloseHelp:  b([]string{"esc", "?", "q", "f1"}, "esc ? q", "close help"),
		HelpScroll: b([]string{"up", "down", "k", "j", "pgup", "pgdown", "home", "end"}, "↑ ↓ pgup", "scroll help"),

		Submit:   b([]string{"enter"}, "enter", "send the line"),
		HistPrev: b([]string{"up", "ctrl+p"}, "↑ ctrl+p", "older history"),
		HistNext: b([]string{"down", "ctrl+n"}, "↓ ctrl+n", "newer history"),
		Complete: b([]string{"tab"}, "tab", "complete"),
		Search:   b([]string{"/"}, "/", "search"),
		Clear:    b([]string{"ctrl+l"}, "ctrl+l", "clear the view"),

		Left:       b([]string{"left", "ctrl+b"}, "← ctrl+b", "cursor left"),
		Right:      b([]string{"right", "ctrl+f"}, "→ ctrl+f", "cursor right"),
		WordLeft:   b([]string{"alt+left", "ctrl+left", "alt+b"}, "alt+←", "word left"),
		WordRight:  b([]string{"alt+right", "ctrl+right", "alt+f"}, "alt+→", "word right"),
		Home:       b([]string{"home", "ctrl+a"}, "home ctrl+a", "start of line"),
		End:        b([]string{"end", "ctrl+e"}, "end ctrl+e", "end of line"),
		Backspace:  b([]string{"backspace", "ctrl+h"}, "backspace", "delete left"),
		Delete:     b([]string{"delete", "ctrl+d"}, "del ctrl+d", "delete right"),
		DeleteWord: b([]string{"ctrl+w", "alt+backspace"}, "ctrl+w", "delete word left"),
		KillStart:  b([]string{"ctrl+u"}, "ctrl+u", "delete to start"),
		KillEnd:    b([]string{"ctrl+k"}, "ctrl+k", "delete to end"),

		PageUp:   b([]string{"pgup"}, "pgup", "page up"),
		PageDown: b([]string{"pgdown"}, "pgdn", "page down"),
		LineUp:   b([]string{"shift+up", "ctrl+up"}, "shift+↑", "line up"),
		LineDown: b([]string{"shift+down", "ctrl+down"}, "shift+↓", "line down"),
		Top:      b([]string{"ctrl+home"}, "ctrl+home", "oldest record"),
		Live:     b([]string{"esc", "ctrl+end"}, "esc ctrl+end", "back to live"),
		Wheel:    b(nil, "wheel", "scroll pane"),
		Select:   b(nil, "shift+drag", "select text"),

		SearchOlder: b([]string{"enter", "up", "ctrl+p"}, "enter ↑", "older match"),
		SearchNewer: b([]string{"down", "ctrl+n"}, "↓", "newer match"),
		SearchDone:  b([]string{"esc"}, "esc", "end the search"),

		Up:          b([]string{"up", "k"}, "↑ k", "previous row"),
		Down:        b([]string{"down", "j"}, "↓ j", "next row"),
		First:       b([]string{"home", "g"}, "home g", "first row"),
		Last:        b([]string{"end", "G"}, "end G", "last row"),
		SendAction:  b([]string{"s"}, "s", "send data…"),
		ReadAction:  b([]string{"r"}, "r", "read…"),
		CloseAction: b([]string{"c"}, "c", "close link…"),
		ListAction:  b([]string{"l"}, "l", "list the module's links…"),
		Cancel:      b([]string{"esc"}, "esc", "cancel"),
	}
}

// helpGroup is one titled column of the help overlay.
type helpGroup struct {
	title    string
	bindings []key.Binding
}

// helpGroups lists every binding, grouped as the overlay shows them.
func (k keyMap) helpGroups() []helpGroup {
	return []helpGroup{
		{"Global", []key.Binding{k.Quit, k.Help, k.NextPane, k.PrevPane, k.Clock, k.Hex, k.Wheel, k.Select}},
		{"Console", []key.Binding{k.Submit, k.Complete, k.HistPrev, k.HistNext, k.Search, k.Clear}},
		{"Typed in the console", colonBindings()},
		{"Scrollback", []key.Binding{k.PageUp, k.PageDown, k.LineUp, k.LineDown, k.Top, k.Live}},
		{"Editing", []key.Binding{k.Left, k.Right, k.WordLeft, k.WordRight, k.Home, k.End,
			k.Backspace, k.Delete, k.DeleteWord, k.KillStart, k.KillEnd}},
		{"Search (after /)", []key.Binding{k.SearchOlder, k.SearchNewer, k.SearchDone}},
		{"Links", []key.Binding{k.Up, k.Down, k.First, k.Last, k.SendAction, k.ReadAction, k.CloseAction, k.ListAction, k.Cancel}},
		{"Keepalive", []key.Binding{k.Up, k.Down}},
		{"Help", []key.Binding{k.CloseHelp, k.HelpScroll}},
	}
}

// colonCommand is one of the screen's own commands, typed in the console
// after ":".
type colonCommand struct {
	verb  string   // what the console acts on
	names []string // what may be typed, the first one shown
	args  string   // its arguments, as the help shows them
	desc  string
}

// colonCommands lists every ":" command: the console runs them by this
// table and the help overlay lists it, so the two never disagree.
func colonCommands() []colonCommand {
	return []colonCommand{
		{"quit", []string{"q", "q!", "quit", "qa", "wq", "exit"}, "", "quit"},
		{"clear", []string{"clear", "cl"}, "", "clear the view"},
		{"hex", []string{"hex"}, "", "hex view on/off"},
		{"time", []string{"time", "clock"}, "", "wall/relative time"},
		{"help", []string{"help", "h"}, "", "this help"},
		{"dtr", []string{"dtr"}, "on|off", "drive DTR (serial; boards reset by it)"},
		{"rts", []string{"rts"}, "on|off", "drive RTS (serial)"},
		{"break", []string{"break"}, "[250ms]", "send a break (serial), up to 5s"},
		{"keepalive", []string{"keepalive", "ka"}, "90s [id]", "plan keepalive commands for link id"},
		{"coap", []string{"coap"}, "ping|keepalive|stop <id> [30s]", "CoAP ping; ping after idle; stop"},
		{"fault", []string{"fault"}, "<kind> [id] [3s]", "inject a fault (emulator)"},
	}
}

// findColon finds the ":" command typed as name.
func findColon(name string) (colonCommand, bool) {
	for _, c := range colonCommands() {
		for _, n := range c.names {
			if n == name {
				return c, true
			}
		}
	}
	return colonCommand{}, false
}

// colonBindings lists the ":" commands for the help overlay; typed, not
// pressed, so they match no key.
func colonBindings() []key.Binding {
	var out []key.Binding
	for _, c := range colonCommands() {
		k := ":" + c.names[0]
		if c.args != "" {
			k += " " + c.args
		}
		out = append(out, key.NewBinding(key.WithHelp(k, c.desc)))
	}
	return out
}

// colonSummary is the one-line list of ":" commands: ":q · :clear · ...".
func colonSummary() string {
	var parts []string
	for _, c := range colonCommands() {
		p := ":" + c.names[0]
		if c.args != "" {
			p += " " + c.args
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, " · ")
}
