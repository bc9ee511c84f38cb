package ui

import (
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// fit cuts a (possibly styled) line to w cells, ending it with "…" when it
// was cut, and pads it with spaces to exactly w cells.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := ansi.StringWidth(s)
	if sw > w {
		s = ansi.Truncate(s, w, "…")
		sw = ansi.StringWidth(s)
	}
	if sw < w {
		s += strings.Repeat(" ", w-sw)
	}
	return s
}

// padRight pads or cuts plain text to w cells without an ellipsis marker
// when it fits; used for table columns.
func padRight(s string, w int) string { return fit(s, w) }

// padLeft right-aligns s in w cells.
func padLeft(s string, w int) string {
	sw := ansi.StringWidth(s)
	if sw >= w {
		return fit(s, w)
	}
	return strings.Repeat(" ", w-sw) + s
}

// fmtBytes formats a byte count for people: "17 B", "1.2 KB", "48 MB".
func fmtBytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatUint(n, 10) + " B"
	}
	units := "KMGTPE"
	v := float64(n) / unit
	i := 0
	for v >= unit && i < len(units)-1 {
		v /= unit
		i++
	}
	if v < 10 {
		return strconv.FormatFloat(v, 'f', 1, 64) + " " + units[i:i+1] + "B"
	}
	return strconv.FormatFloat(v, 'f', 0, 64) + " " + units[i:i+1] + "B"
}

// fmtBytesShort formats a byte count in at most 4 cells: "9999", "9.8K",
// "123K", "12M".
func fmtBytesShort(n uint64) string {
	if n < 10000 {
		return strconv.FormatUint(n, 10)
	}
	units := "KMGTPE"
	v := float64(n) / 1024
	i := 0
	for v >= 1000 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if v < 10 {
		return strconv.FormatFloat(v, 'f', 1, 64) + units[i:i+1]
	}
	return strconv.FormatFloat(v, 'f', 0, 64) + units[i:i+1]
}

// fmtDur formats a duration compactly: "0s", "59s", "1m05s", "2h03m",
// "3d04h". Negative durations count as zero; parts of a second are dropped
// (rounded down) so a countdown never shows more time than is left.
func fmtDur(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int64(d / time.Second)
	switch {
	case s < 60:
		return strconv.FormatInt(s, 10) + "s"
	case s < 3600:
		return strconv.FormatInt(s/60, 10) + "m" + two(s%60) + "s"
	case s < 86400:
		return strconv.FormatInt(s/3600, 10) + "h" + two(s/60%60) + "m"
	}
	return strconv.FormatInt(s/86400, 10) + "d" + two(s/3600%24) + "h"
}

// fmtDurShort formats a duration in at most 4 cells: "59s", "12m", "3h",
// "41d".
func fmtDurShort(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int64(d / time.Second)
	switch {
	case s < 60:
		return strconv.FormatInt(s, 10) + "s"
	case s < 3600:
		return strconv.FormatInt(s/60, 10) + "m"
	case s < 86400:
		return strconv.FormatInt(s/3600, 10) + "h"
	case s < 86400*1000:
		return strconv.FormatInt(s/86400, 10) + "d"
	}
	return "∞"
}

// fmtSetDur formats a configured duration, or "—" when it is not set.
func fmtSetDur(d time.Duration) string {
	if d <= 0 {
		return "—"
	}
	return fmtDur(d)
}

func two(v int64) string {
	if v < 10 {
		return "0" + strconv.FormatInt(v, 10)
	}
	return strconv.FormatInt(v, 10)
}

// fmtRelative formats an offset from the start of the session as
// "+MM:SS.mmm", or "+H:MM:SS.mmm" past an hour.
func fmtRelative(d time.Duration) string {
	neg := d < 0
	if neg {
		d = -d
	}
	ms := int64(d / time.Millisecond)
	h, m, s, frac := ms/3600000, ms/60000%60, ms/1000%60, ms%1000
	var b []byte
	if neg {
		b = append(b, '-')
	} else {
		b = append(b, '+')
	}
	if h > 0 {
		b = strconv.AppendInt(b, h, 10)
		b = append(b, ':')
	}
	b = append(b, two(m)...)
	b = append(b, ':')
	b = append(b, two(s)...)
	b = append(b, '.')
	if frac < 100 {
		b = append(b, '0')
	}
	if frac < 10 {
		b = append(b, '0')
	}
	b = strconv.AppendInt(b, frac, 10)
	return string(b)
}

// group formats n with thin separators every three digits: 100 000.
func group(n uint64) string {
	s := strconv.FormatUint(n, 10)
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	pre := len(s) % 3
	if pre > 0 {
		b.WriteString(s[:pre])
	}
	for i := pre; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}
