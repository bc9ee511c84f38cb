package wizfi

import (
	"strings"
	"testing"

	"atbench/protocol"
)

func TestExplainError(t *testing.T) {
	d := New().(*Dialect)
	for _, tc := range []struct{ cmd, text, want string }{
		{"AT+NCLOSE=5", "[ERROR: INVALID CID]", "AT+NCLOSE INVALID CID: no connection has this CID"},
		{"AT+SETSOCKOPT=0,6,4001,10,4", "[ERROR: INVALID INPUT]", "AT+SETSOCKOPT INVALID INPUT: unknown command"},
	} {
		if got := d.ExplainError(tc.cmd, protocol.Record{Kind: protocol.KindError, Text: tc.text}); !strings.Contains(got, tc.want) {
			t.Errorf("%s → %s: %q; want %q", tc.cmd, tc.text, got, tc.want)
		}
	}
}
