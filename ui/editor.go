package ui

import (
	"strings"
	"unicode"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"atbench/protocol"
)

// lineEditor is a one-line text field: the console input and the links
// pane's payload prompt. It holds printable text only: a control character
// typed or pasted is inserted as its escape (\x1b), visibly.
type lineEditor struct {
	value  []rune
	pos    int // cursor, in runes
	offset int // first rune shown, when the line is wider than the field
}

// String returns the text.
func (e *lineEditor) String() string { return string(e.value) }

// set replaces the text and puts the cursor at its end.
func (e *lineEditor) set(s string) {
	e.reset()
	e.insert(s)
}

// reset empties the field.
func (e *lineEditor) reset() {
	e.value, e.pos, e.offset = e.value[:0], 0, 0
}

// insert adds text at the cursor, escaping control characters.
func (e *lineEditor) insert(s string) {
	var add []rune
	for _, r := range s {
		switch {
		case r == '\t':
			add = append(add, ' ')
		case unicode.IsPrint(r) && r != '\u00ad':
			add = append(add, r)
		default:
			add = append(add, []rune(protocol.Escape(string(r)))...)
		}
	}
	tail := append([]rune(nil), e.value[e.pos:]...)
	e.value = append(append(e.value[:e.pos], add...), tail...)
	e.pos += len(add)
}

// paste inserts pasted text; a trailing line break is dropped.
func (e *lineEditor) paste(s string) {
	e.insert(strings.TrimRight(s, "\r\n"))
}

// update applies an editing key and reports whether it was one.
func (e *lineEditor) update(k keyMap, msg tea.KeyPressMsg) bool {
	switch {
	case key.Matches(msg, k.Left):
		e.pos = max(0, e.pos-1)
	case key.Matches(msg, k.Right):
		e.pos = min(len(e.value), e.pos+1)
	case key.Matches(msg, k.WordLeft):
		e.pos = e.wordLeft()
	case key.Matches(msg, k.WordRight):
		e.pos = e.wordRight()
	case key.Matches(msg, k.Home):
		e.pos = 0
	case key.Matches(msg, k.End):
		e.pos = len(e.value)
	case key.Matches(msg, k.Backspace):
		if e.pos > 0 {
			e.value = append(e.value[:e.pos-1], e.value[e.pos:]...)
			e.pos--
		}
	case key.Matches(msg, k.Delete):
		if e.pos < len(e.value) {
			e.value = append(e.value[:e.pos], e.value[e.pos+1:]...)
		}
	case key.Matches(msg, k.DeleteWord):
		from := e.wordLeft()
		e.value = append(e.value[:from], e.value[e.pos:]...)
		e.pos = from
	case key.Matches(msg, k.KillStart):
		e.value = append(e.value[:0], e.value[e.pos:]...)
		e.pos = 0
	case key.Matches(msg, k.KillEnd):
		e.value = e.value[:e.pos]
	default:
		if msg.Text == "" || msg.Mod&(tea.ModCtrl|tea.ModAlt) != 0 {
			return false
		}
		e.insert(msg.Text)
	}
	return true
}

// isSep separates words for word motions: AT parameters are split by
// commas and '=' as much as by spaces.
func isSep(r rune) bool { return r == ' ' || r == ',' || r == '=' || r == ':' }

func (e *lineEditor) wordLeft() int {
	i := e.pos
	for i > 0 && isSep(e.value[i-1]) {
		i--
	}
	for i > 0 && !isSep(e.value[i-1]) {
		i--
	}
	return i
}

func (e *lineEditor) wordRight() int {
	i := e.pos
	for i < len(e.value) && isSep(e.value[i]) {
		i++
	}
	for i < len(e.value) && !isSep(e.value[i]) {
		i++
	}
	return i
}

// fitOffset is the first rune shown in w cells: the kept offset, moved
// so the cursor stays inside the field.
func (e *lineEditor) fitOffset(w int) int {
	off := min(e.offset, e.pos)
	// Keep one cell free for the cursor at the end of the line.
	for off < e.pos && runesWidth(e.value[off:e.pos]) > w-1 {
		off++
	}
	return off
}

// settle keeps the horizontal scroll for a field of w cells; Update calls
// it, so view only draws.
func (e *lineEditor) settle(w int) {
	if w > 0 {
		e.offset = e.fitOffset(w)
	}
}

// view renders the text scrolled horizontally so the cursor stays inside w
// cells, and returns the cursor's cell offset in the result. It changes
// nothing.
func (e *lineEditor) view(w int) (string, int) {
	if w <= 0 {
		return "", 0
	}
	var b strings.Builder
	width, cursor := 0, 0
	for i := e.fitOffset(w); i < len(e.value); i++ {
		if i == e.pos {
			cursor = width
		}
		rw := ansi.StringWidth(string(e.value[i]))
		if width+rw > w {
			break
		}
		b.WriteRune(e.value[i])
		width += rw
	}
	if e.pos >= len(e.value) {
		cursor = width
	}
	return b.String(), min(cursor, w-1)
}

func runesWidth(rs []rune) int {
	return ansi.StringWidth(string(rs))
}
