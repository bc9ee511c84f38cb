package ui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"atbench/themes"
)

// innerWidth is the width a pane's content gets inside its frame: the
// border and one cell of padding on each side.
func innerWidth(w int) int { return max(w-4, 0) }

// frame draws a rounded frame of exactly w×h cells around body, with title
// (and an optional right-hand note) in the top border. Body lines are cut
// or padded to innerWidth(w) cells; missing lines are blank. The result has
// h lines.
func frame(st *themes.Styles, focused bool, title, note string, w, h int, body []string) string {
	if w <= 0 || h <= 0 {
		return ""
	}
	if w < 4 || h < 2 {
		return blankBlock(w, h)
	}
	border, titleStyle := st.Border, st.Title
	if focused {
		border, titleStyle = st.BorderFocus, st.TitleFocus
	}
	inner := w - 2
	var b strings.Builder
	b.Grow((w + 16) * h)

	// Top border: ╭ Title ──── note ╮
	t := ""
	if title != "" {
		t = " " + title + " "
	}
	n := ""
	if note != "" {
		n = " " + note + " "
	}
	tw, nw := ansi.StringWidth(t), ansi.StringWidth(n)
	if tw+nw > inner-1 {
		n, nw = "", 0
	}
	if tw > inner-1 {
		t = ansi.Truncate(t, inner-1, "…")
		tw = ansi.StringWidth(t)
	}
	b.WriteString(border.Render("╭─"))
	if tw > 0 {
		b.WriteString(titleStyle.Render(t))
	}
	fill := inner - 1 - tw - nw
	if fill > 0 {
		b.WriteString(border.Render(strings.Repeat("─", fill)))
	}
	if nw > 0 {
		b.WriteString(n)
	}
	b.WriteString(border.Render("╮"))
	b.WriteByte('\n')

	left, right := border.Render("│")+" ", " "+border.Render("│")
	for i := 0; i < h-2; i++ {
		line := ""
		if i < len(body) {
			line = body[i]
		}
		b.WriteString(left)
		b.WriteString(fit(line, inner-2))
		b.WriteString(right)
		b.WriteByte('\n')
	}
	b.WriteString(border.Render("╰" + strings.Repeat("─", inner) + "╯"))
	return b.String()
}

// blankBlock is w×h spaces.
func blankBlock(w, h int) string {
	if w <= 0 || h <= 0 {
		return ""
	}
	line := strings.Repeat(" ", w)
	lines := make([]string, h)
	for i := range lines {
		lines[i] = line
	}
	return strings.Join(lines, "\n")
}

// joinColumns puts blocks side by side. Each block must have the same
// number of lines, each line exactly as wide as its block.
func joinColumns(blocks ...string) string {
	if len(blocks) == 1 {
		return blocks[0]
	}
	split := make([][]string, len(blocks))
	h := 0
	for i, bl := range blocks {
		split[i] = strings.Split(bl, "\n")
		h = max(h, len(split[i]))
	}
	var b strings.Builder
	for y := 0; y < h; y++ {
		if y > 0 {
			b.WriteByte('\n')
		}
		for _, lines := range split {
			if y < len(lines) {
				b.WriteString(lines[y])
			}
		}
	}
	return b.String()
}
