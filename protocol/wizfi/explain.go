package wizfi

import (
	"strings"

	"atbench/protocol"
)

var _ protocol.ErrorExplainer = (*Dialect)(nil)

// ExplainError says what a final "[ERROR: …]" (or "[ERROR]") means for
// command, from the command's error table (C.1).
func (d *Dialect) ExplainError(command string, final protocol.Record) string {
	if final.Kind != protocol.KindError {
		return ""
	}
	t := strings.TrimSpace(final.Text)
	t = strings.TrimSuffix(strings.TrimPrefix(t, "["), "]")
	code := "ERROR"
	if _, rest, ok := strings.Cut(t, "ERROR:"); ok {
		code = strings.TrimSpace(rest)
	} else if t != "ERROR" {
		code = t // DISASSOCIATED and the like
	}
	if meaning, ok := protocol.ExplainCode(Catalog(), command, code); ok {
		name := protocol.CommandName(strings.TrimSpace(command))
		return name + " " + code + ": " + meaning
	}
	return ""
}
