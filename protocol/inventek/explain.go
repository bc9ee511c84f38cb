package inventek

import (
	"strings"

	"atbench/protocol"
)

var _ protocol.ErrorExplainer = (*Dialect)(nil)

// ExplainError says what a final "ERROR: …" line means for command, from
// the command's error table (B.1).
func (d *Dialect) ExplainError(command string, final protocol.Record) string {
	if final.Kind != protocol.KindError {
		return ""
	}
	code := strings.TrimSpace(final.Text)
	cat := Catalog()
	spec, found := Lookup(cat, strings.TrimSpace(command))
	if !found {
		return ""
	}
	if meaning, ok := protocol.CodeMeaning(spec, code); ok {
		return spec.Name + " " + code + ": " + meaning
	}
	return ""
}
