package ui

import (
	"slices"
	"strconv"
	"strings"

	"atbench/protocol"
	"atbench/themes"
)

// commandHint explains what is being typed: the syntax with the parameter
// under the cursor emphasised, then that parameter's range, default and
// meaning. Lines are not cut; the console wraps them.
func commandHint(st *themes.Styles, d protocol.Dialect, cat []protocol.CommandSpec, dialect, line string, cur int, cy *cycleState) [2]string {
	var out [2]string
	trimmed := strings.TrimSpace(line)
	switch {
	case trimmed == "":
		out[0] = st.Hint.Render("AT command · tab lists · ↑ history · / search · ? help")
		out[1] = st.Hint.Render(":q quit · ctrl+t time · ctrl+x hex · pgup/pgdn scroll")
		return out
	case strings.HasPrefix(trimmed, ":"):
		out[0] = st.Hint.Render(colonSummary())
		return out
	}
	ctx := parseInput(line, cur, d, cat)
	if cy != nil && len(cy.cands) > 1 {
		out[1] = candidateLine(st, cy.cands, cy.i)
	}
	if ctx.inName {
		if ctx.found {
			out[0] = syntaxLine(st, ctx.spec, "")
			if out[1] == "" {
				out[1] = st.Hint.Render(ctx.spec.Help)
			}
			return out
		}
		var cands []string
		for _, s := range cat {
			if hasPrefixFold(s.Name, ctx.field) {
				cands = append(cands, s.Name)
			}
		}
		slices.Sort(cands)
		switch {
		case len(cands) == 0:
			out[0] = st.Hint.Render("not in the " + dialect + " catalogue: sent as typed")
		case out[1] == "":
			out[0] = candidateLine(st, cands, -1)
			out[1] = st.Hint.Render("tab completes")
		default:
			out[0] = st.Hint.Render(pluralise(len(cands), "command", "commands") + " · tab again for the next")
		}
		return out
	}
	if !ctx.found {
		out[0] = st.Hint.Render("not in the " + dialect + " catalogue: sent as typed")
		return out
	}
	if ctx.param < 0 || len(ctx.spec.Params) == 0 {
		out[0] = syntaxLine(st, ctx.spec, "")
		if out[1] == "" {
			out[1] = st.Hint.Render(ctx.spec.Help)
		}
		return out
	}
	if ctx.extra {
		out[0] = syntaxLine(st, ctx.spec, "")
		out[1] = st.HintError.Render("✗ too many parameters: " + ctx.spec.Name + " takes " +
			pluralise(len(ctx.spec.Params), "parameter", "parameters"))
		return out
	}
	p := ctx.spec.Params[ctx.param]
	out[0] = syntaxLine(st, ctx.spec, p.Name)
	if out[1] == "" {
		out[1] = paramLine(st, ctx.spec, p, ctx)
	}
	return out
}

// pluralise writes "1 command" or "3 commands".
func pluralise(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// candidateLine lists completion candidates, the current one emphasised.
func candidateLine(st *themes.Styles, cands []string, cur int) string {
	var b strings.Builder
	for i, c := range cands {
		if i > 0 {
			b.WriteString(st.Hint.Render("  "))
		}
		if i == cur {
			b.WriteString(st.HintParam.Render(protocol.Escape(c)))
		} else {
			b.WriteString(st.Hint.Render(protocol.Escape(c)))
		}
	}
	return b.String()
}

// syntaxLine shows a command's syntax with <param> emphasised, whole: the
// console wraps it.
func syntaxLine(st *themes.Styles, spec protocol.CommandSpec, param string) string {
	syn := asTyped(spec.Syntax)
	if syn == "" {
		syn = asTyped(spec.Name)
	}
	hs, he := -1, -1
	if param != "" {
		if i := strings.Index(syn, "<"+param+">"); i >= 0 {
			hs, he = i, i+len(param)+2
		}
	}
	if hs < 0 {
		return st.Hint.Render(syn)
	}
	pre, mid, post := syn[:hs], syn[hs:he], syn[he:]
	return st.Hint.Render(pre) + st.HintParam.Render(mid) + st.Hint.Render(post)
}

// paramLine describes one parameter and checks the typed value (ctx.field)
// against it and, for a parameter that another one makes required, against
// that one's typed value.
func paramLine(st *themes.Styles, spec protocol.CommandSpec, p protocol.ParamSpec, ctx inputContext) string {
	value := ctx.field
	var d strings.Builder
	d.WriteString("<" + p.Name + "> " + p.Describe())
	req := p.RequiredIf
	switch {
	case req.Param != "":
		d.WriteString(", required " + req.When)
	case p.Optional:
		d.WriteString(", optional")
	}
	if p.Default != "" {
		d.WriteString(", default " + p.Default)
	}
	if len(p.Values) > 0 && p.Type != protocol.ParamEnum {
		d.WriteString(" · " + strings.Join(p.Values, " · "))
	}
	if p.Help != "" {
		d.WriteString(" — " + p.Help)
	}
	desc := asTyped(d.String())
	if err := p.Check(value); err != nil {
		return st.HintError.Render("✗ "+protocol.Escape(err.Error())) + st.Hint.Render(" · "+desc)
	}
	if req.Param != "" && strings.TrimSpace(value) == "" {
		for i, q := range spec.Params {
			if q.Name == req.Param && i < len(ctx.values) && req.Applies(ctx.values[i]) {
				return st.HintError.Render("✗ needed: <"+req.Param+"> is "+protocol.Escape(strings.TrimSpace(ctx.values[i]))) + st.Hint.Render(" · "+desc)
			}
		}
	}
	return st.Hint.Render(desc)
}
