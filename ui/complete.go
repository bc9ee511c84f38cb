package ui

import (
	"slices"
	"strconv"
	"strings"

	"atbench/protocol"
)

// inputContext is what the text before the cursor is: a command name being
// typed, or the n-th parameter of a known command.
type inputContext struct {
	inName     bool
	nameStart  int // byte offsets in the line
	nameEnd    int
	spec       protocol.CommandSpec
	found      bool // spec is the typed command
	param      int  // index of the parameter under the cursor (-1 in the name)
	extra      bool // more fields than the command has parameters
	fieldStart int  // byte offsets of the field under the cursor
	fieldEnd   int
	field      string
}

// parseInput finds the command and the field under the cursor (a byte
// offset in line).
func parseInput(line string, cursor int, cat []protocol.CommandSpec) inputContext {
	cursor = min(max(cursor, 0), len(line))
	ctx := inputContext{param: -1}
	ctx.nameStart = len(line) - len(strings.TrimLeft(line, " "))
	eq := strings.IndexAny(line, "=?")
	if eq < 0 || cursor <= eq {
		ctx.inName = true
		ctx.nameEnd = len(line)
		if eq >= 0 {
			ctx.nameEnd = eq
		}
		ctx.spec, ctx.found = protocol.Lookup(cat, line[ctx.nameStart:ctx.nameEnd])
		ctx.fieldStart, ctx.fieldEnd = ctx.nameStart, ctx.nameEnd
		ctx.field = line[ctx.nameStart:ctx.nameEnd]
		return ctx
	}
	ctx.nameEnd = eq
	ctx.spec, ctx.found = protocol.Lookup(cat, line[ctx.nameStart:eq])
	if line[eq] == '?' {
		return ctx // a query form: no parameters
	}
	// Split on commas not escaped with a backslash (the advance parser).
	starts := []int{eq + 1}
	for i := eq + 1; i < cursor; i++ {
		switch line[i] {
		case '\\':
			i++
		case ',':
			starts = append(starts, i+1)
		}
	}
	idx := len(starts) - 1
	start := starts[idx]
	end := len(line)
	for i := cursor; i < len(line); i++ {
		if line[i] == '\\' {
			i++
			continue
		}
		if line[i] == ',' {
			end = i
			break
		}
	}
	ctx.param = idx
	if ctx.found && len(ctx.spec.Params) > 0 && idx >= len(ctx.spec.Params) {
		last := len(ctx.spec.Params) - 1
		if ctx.spec.Params[last].Type == protocol.ParamString {
			// Free text at the end swallows commas (AT+SKTSEND's data).
			ctx.param, start, end = last, starts[last], len(line)
		} else {
			ctx.extra = true
		}
	} else if ctx.found && idx == len(ctx.spec.Params)-1 && ctx.spec.Params[idx].Type == protocol.ParamString {
		end = len(line)
	}
	ctx.fieldStart, ctx.fieldEnd = start, max(start, end)
	ctx.field = line[start:ctx.fieldEnd]
	return ctx
}

// completion is what Tab offers at the cursor.
type completion struct {
	start, end int      // byte range of the line it replaces
	cands      []string // replacements, in order
	suffix     string   // appended after a single candidate ("=" or ",")
	advance    bool     // nothing to offer but the field is done: add ","
	why        string   // when there is nothing to do
}

// completeAt computes the completion at the cursor. links feed link_id
// candidates.
func completeAt(line string, cursor int, cat []protocol.CommandSpec, links []protocol.LinkInfo) completion {
	ctx := parseInput(line, cursor, cat)
	c := completion{start: ctx.fieldStart, end: ctx.fieldEnd}
	if ctx.inName {
		typed := ctx.field
		for _, s := range cat {
			if hasPrefixFold(s.Name, typed) {
				c.cands = append(c.cands, s.Name)
			}
		}
		slices.Sort(c.cands)
		if len(c.cands) == 1 && ctx.nameEnd == len(line) && needsParams(cat, c.cands[0]) {
			c.suffix = "="
		}
		if len(c.cands) == 0 {
			c.why = "no command in the catalogue starts with " + strconv.Quote(typed)
		}
		return c
	}
	if !ctx.found {
		c.why = "unknown command: no parameters to complete"
		return c
	}
	if ctx.param < 0 || len(ctx.spec.Params) == 0 {
		c.why = protocol.CommandName(line) + " takes no parameters"
		return c
	}
	if ctx.extra {
		c.why = ctx.spec.Name + " takes " + strconv.Itoa(len(ctx.spec.Params)) + " parameters"
		return c
	}
	p := ctx.spec.Params[ctx.param]
	more := ctx.param < len(ctx.spec.Params)-1
	all := paramCandidates(p, links)
	exact := false
	for _, v := range all {
		if strings.EqualFold(v, ctx.field) {
			exact = true
		}
		if hasPrefixFold(v, ctx.field) {
			c.cands = append(c.cands, v)
		}
	}
	if more && ctx.fieldEnd == len(line) {
		c.suffix = ","
	}
	switch {
	case exact && len(c.cands) == 1 && more:
		c.cands, c.advance = nil, true
	case len(c.cands) == 0 && more && (ctx.field != "" || p.Optional):
		c.advance = true
	case len(c.cands) == 0:
		c.why = "type <" + p.Name + ">: " + paramRange(p)
	}
	if c.advance && ctx.fieldEnd < len(line) {
		// The next field exists already: just move there.
		c.suffix = ""
	}
	return c
}

// needsParams reports whether a command has a required parameter, so its
// name alone is not a complete command.
func needsParams(cat []protocol.CommandSpec, name string) bool {
	s, ok := protocol.Lookup(cat, name)
	if !ok {
		return false
	}
	for _, p := range s.Params {
		if !p.Optional {
			return true
		}
	}
	return false
}

// paramCandidates lists the values worth offering for a parameter: its
// documented values, link ids in use (or free ones for a command that opens
// a link), or its default.
func paramCandidates(p protocol.ParamSpec, links []protocol.LinkInfo) []string {
	var out []string
	if p.Link != protocol.LinkNone {
		if p.Link == protocol.LinkNew { // the catalogue says: a free id
			used := map[int]bool{}
			for _, l := range links {
				if l.Closed == nil {
					used[l.ID] = true
				}
			}
			hi := p.Max
			if hi <= 0 {
				hi = p.Min + 19
			}
			for id := p.Min; id <= hi && len(out) < 32; id++ {
				if !used[id] {
					out = append(out, strconv.Itoa(id))
				}
			}
		} else {
			for _, l := range links {
				if l.Closed == nil {
					out = append(out, strconv.Itoa(l.ID))
				}
			}
		}
		return out
	}
	for _, v := range p.Values {
		if k := valueKey(v); k != "" && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	if p.Default != "" && !slices.Contains(out, p.Default) {
		out = append(out, p.Default)
	}
	return out
}

// valueKey is what to type for a documented value: "1" of "1: TCP".
func valueKey(v string) string {
	if i := strings.IndexAny(v, ":"); i >= 0 {
		return strings.TrimSpace(v[:i])
	}
	if i := strings.IndexByte(v, ' '); i >= 0 {
		return v[:i]
	}
	return strings.TrimSpace(v)
}

// commonPrefixFold is the longest prefix shared by all of ss, ignoring
// case, spelled as in the first.
func commonPrefixFold(ss []string) string {
	if len(ss) == 0 {
		return ""
	}
	p := ss[0]
	for _, s := range ss[1:] {
		n := 0
		for n < len(p) && n < len(s) && strings.EqualFold(p[n:n+1], s[n:n+1]) {
			n++
		}
		p = p[:n]
	}
	return p
}

// paramRange describes a parameter's type and range: "0..19",
// "IPv4 address", "one of auto, fast".
func paramRange(p protocol.ParamSpec) string {
	switch p.Type {
	case protocol.ParamInt, protocol.ParamHex:
		kind := "integer"
		if p.Type == protocol.ParamHex {
			kind = "hex"
		}
		switch {
		case p.Max > 0:
			return kind + " " + strconv.Itoa(p.Min) + ".." + strconv.Itoa(p.Max)
		case p.Min != 0:
			return kind + " ≥ " + strconv.Itoa(p.Min)
		}
		return kind
	case protocol.ParamIP:
		return "IPv4 address"
	case protocol.ParamHost:
		return "IPv4 address or host name"
	case protocol.ParamEnum:
		keys := make([]string, 0, len(p.Values))
		for _, v := range p.Values {
			keys = append(keys, valueKey(v))
		}
		return "one of " + strings.Join(keys, ", ")
	}
	return "text"
}

// checkParam validates a typed value against its spec; "" when it is fine
// or not checkable yet.
func checkParam(p protocol.ParamSpec, v string) string {
	if v == "" {
		return ""
	}
	switch p.Type {
	case protocol.ParamInt, protocol.ParamHex:
		base := 10
		if p.Type == protocol.ParamHex {
			base = 16
		}
		n, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimPrefix(v, "0x"), "0X"), base, 64)
		if err != nil {
			return strconv.Quote(v) + " is not a number"
		}
		if n < int64(p.Min) || (p.Max > 0 && n > int64(p.Max)) {
			return v + " is out of range " + strings.TrimPrefix(strings.TrimPrefix(paramRange(p), "integer "), "hex ")
		}
	case protocol.ParamEnum:
		for _, val := range p.Values {
			if strings.EqualFold(valueKey(val), v) {
				return ""
			}
		}
		return strconv.Quote(v) + " is not " + paramRange(p)
	case protocol.ParamIP:
		parts := strings.Split(v, ".")
		if len(parts) != 4 {
			return ""
		}
		for _, s := range parts {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 || n > 255 {
				return strconv.Quote(v) + " is not an IPv4 address"
			}
		}
	}
	return ""
}
