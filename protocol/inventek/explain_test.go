package inventek

import (
	"strings"
	"testing"

	"atbench/protocol"
)

func TestExplainError(t *testing.T) {
	d := New().(*Dialect)
	got := d.ExplainError("P2=99999", protocol.Record{Kind: protocol.KindError, Text: ErrInvalidParam})
	if !strings.Contains(got, "P2 ERROR: Invalid Parameter: a parameter is missing") {
		t.Errorf("got %q", got)
	}
	if got := d.ExplainError("P2=1", protocol.Record{Kind: protocol.KindOK, Text: "OK"}); got != "" {
		t.Errorf("OK explained as %q", got)
	}
}
