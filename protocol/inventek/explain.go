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
	for _, e := range spec.Errors {
		if e.Code == code {
			return spec.Name + " " + code + ": " + e.Meaning
		}
	}
	return ""
}
