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
	values     []string // every parameter field as typed, in order
}

// parseInput finds the command and the field under the cursor (a byte
// offset in line), with the fields cut by the command set's own rules.
func parseInput(line string, cursor int, d protocol.Dialect, cat []protocol.CommandSpec) inputContext {
	cursor = min(max(cursor, 0), len(line))
	ctx := inputContext{param: -1}
	var sp protocol.Split
	if d != nil {
		sp = d.SplitLine(line)
	} else {
		sp = protocol.SplitFields(line, 0, nil)
	}
	ctx.nameStart, ctx.nameEnd = sp.Name.Start, sp.Name.End
	ctx.spec, ctx.found = protocol.Lookup(cat, line[ctx.nameStart:ctx.nameEnd])
	if sp.Sep == 0 || cursor <= sp.Name.End {
		ctx.inName = true
		ctx.fieldStart, ctx.fieldEnd = ctx.nameStart, ctx.nameEnd
		ctx.field = line[ctx.nameStart:ctx.nameEnd]
		if sp.Sep == 0 {
			ctx.nameEnd = len(line)
		}
		return ctx
	}
	if sp.Sep != '=' || len(sp.Fields) == 0 {
		return ctx // a query form: no parameters
	}
	for _, f := range sp.Fields {
		ctx.values = append(ctx.values, f.Text(line))
	}
	idx := len(sp.Fields) - 1
	for i, f := range sp.Fields {
		if cursor <= f.End {
			idx = i
			break
		}
	}
	ctx.param = idx
	if ctx.found && len(ctx.spec.Params) > 0 && idx >= len(ctx.spec.Params) {
		ctx.extra = true
	}
	ctx.fieldStart, ctx.fieldEnd = sp.Fields[idx].Start, sp.Fields[idx].End
	ctx.field = line[ctx.fieldStart:ctx.fieldEnd]
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
func completeAt(line string, cursor int, d protocol.Dialect, cat []protocol.CommandSpec, links []protocol.LinkInfo) completion {
	ctx := parseInput(line, cursor, d, cat)
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
	all := paramCandidates(p, d, links)
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
		c.why = "type <" + p.Name + ">: " + p.Describe()
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
// a link) written as the command set writes them, or its default.
func paramCandidates(p protocol.ParamSpec, d protocol.Dialect, links []protocol.LinkInfo) []string {
	link := strconv.Itoa
	if d != nil {
		link = d.FormatLink
	}
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
					out = append(out, link(id))
				}
			}
		} else {
			for _, l := range links {
				if l.Closed == nil {
					out = append(out, link(l.ID))
				}
			}
		}
		return out
	}
	out = p.Keys()
	if p.Default != "" && !slices.Contains(out, p.Default) {
		out = append(out, p.Default)
	}
	return out
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
