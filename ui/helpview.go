package ui

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"atbench/themes"
)

// helpFooter explains the two keys whose meaning depends on the input.
const helpFooter = "in the console, ? and tab act on the input once you type; :q quits"

// helpBox draws the help overlay listing every binding, in as many columns
// as fit in w×h, scrolled down by top rows. It returns the box, its size
// and the largest useful top.
func helpBox(st *themes.Styles, k keyMap, w, h, top int) (string, int, int, int) {
	var blocks [][]string
	for _, g := range k.helpGroups() {
		kw := 0
		for _, b := range g.bindings {
			kw = max(kw, ansi.StringWidth(b.Help().Key))
		}
		bl := []string{st.HelpGroup.Render(g.title)}
		for _, b := range g.bindings {
			hp := b.Help()
			bl = append(bl, st.HelpKey.Render(padRight(hp.Key, kw))+"  "+st.HelpDesc.Render(hp.Desc))
		}
		blocks = append(blocks, bl)
	}
	const gap = 3
	avail := max(h-3, 1) // frame and footer
	var cols [][]string
	var widths []int
	for ncol := 1; ncol <= 3; ncol++ {
		c, ws := packColumns(blocks, ncol, true)
		if rowsOf(c) > avail {
			// Without the blank line between groups it may still fit on
			// one screen: titles stand out by their style.
			if cc, cws := packColumns(blocks, ncol, false); rowsOf(cc) <= avail {
				c, ws = cc, cws
			}
		}
		total := 4 + gap*(ncol-1)
		for _, cw := range ws {
			total += cw
		}
		if total > w && cols != nil {
			break // more columns do not fit: keep the last that did
		}
		cols, widths = c, ws
		if rowsOf(c) <= avail {
			break
		}
	}
	rows := rowsOf(cols)
	bw := 4 + gap*(len(cols)-1)
	for _, cw := range widths {
		bw += cw
	}
	bw = min(max(bw, ansi.StringWidth(helpFooter)+4), w)
	bh := min(h, rows+3)
	visible := max(bh-3, 0)
	maxTop := max(rows-visible, 0)
	top = min(max(top, 0), maxTop)
	body := make([]string, 0, bh-2)
	for r := top; r < top+visible; r++ {
		var b strings.Builder
		for i, col := range cols {
			if i > 0 {
				b.WriteString(strings.Repeat(" ", gap))
			}
			cell := ""
			if r < len(col) {
				cell = col[r]
			}
			b.WriteString(fit(cell, widths[i]))
		}
		body = append(body, b.String())
	}
	if bh >= 3 {
		body = append(body, st.Subtle.Render(helpFooter))
	}
	note := "esc closes"
	if maxTop > 0 {
		note = "↑↓ " + strconv.Itoa(top+1) + "–" + strconv.Itoa(top+visible) + "/" + strconv.Itoa(rows) + " · esc closes"
	}
	return frame(st, true, "Help", st.Subtle.Render(note), bw, bh, body), bw, bh, maxTop
}

// packColumns spreads blocks, in order, over at most ncol columns (with a
// blank line between blocks when sep), so that the tallest column is as short as it
// can be; it returns the columns and their widths.
func packColumns(blocks [][]string, ncol int, sep bool) ([][]string, []int) {
	blank := 0
	if sep {
		blank = 1
	}
	// fill packs greedily into columns of at most height rows and says how
	// many columns that takes.
	fill := func(height int) [][]string {
		var cols [][]string
		for _, b := range blocks {
			n := len(cols)
			if n == 0 || (len(cols[n-1]) > 0 && len(cols[n-1])+blank+len(b) > height) {
				cols = append(cols, nil)
				n++
			}
			if len(cols[n-1]) > 0 && sep {
				cols[n-1] = append(cols[n-1], "")
			}
			cols[n-1] = append(cols[n-1], b...)
		}
		return cols
	}
	lo, hi := 1, 0
	for _, b := range blocks {
		lo = max(lo, len(b))
		hi += len(b) + blank
	}
	for lo < hi { // the least height that needs no more than ncol columns
		mid := (lo + hi) / 2
		if len(fill(mid)) <= ncol {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	cols := fill(lo)
	widths := make([]int, len(cols))
	for i, col := range cols {
		for _, line := range col {
			widths[i] = max(widths[i], ansi.StringWidth(line))
		}
	}
	return cols, widths
}

func rowsOf(cols [][]string) int {
	n := 0
	for _, c := range cols {
		n = max(n, len(c))
	}
	return n
}

// overlay draws box over base (both full of lines) with its top-left
// corner at x, y. Cells of base outside the box keep their styles.
func overlay(base, box string, x, y int) string {
	bl := strings.Split(base, "\n")
	ol := strings.Split(box, "\n")
	for i, line := range ol {
		row := y + i
		if row < 0 || row >= len(bl) {
			continue
		}
		bw := ansi.StringWidth(line)
		full := ansi.StringWidth(bl[row])
		left := ansi.Cut(bl[row], 0, x)
		if lw := ansi.StringWidth(left); lw < x {
			left += strings.Repeat(" ", x-lw)
		}
		right := ""
		if x+bw < full {
			right = ansi.Cut(bl[row], x+bw, full)
		}
		bl[row] = left + "\x1b[m" + line + "\x1b[m" + right
	}
	return strings.Join(bl, "\n")
}
