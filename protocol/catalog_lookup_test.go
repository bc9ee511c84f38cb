package protocol

import "testing"

func TestLookupQueryNames(t *testing.T) {
	cat := []CommandSpec{{Name: "P?"}, {Name: "P0"}, {Name: "AT+SKTCFG"}}
	for _, tc := range []struct{ line, want string }{
		{"P?", "P?"}, {"p?", "P?"}, {"P0=1", "P0"}, {"AT+SKTCFG?", "AT+SKTCFG"}, {"AT+SKTCFG=0,1", "AT+SKTCFG"},
	} {
		c, ok := Lookup(cat, tc.line)
		if !ok || c.Name != tc.want {
			t.Errorf("Lookup(%q) = %q, %v; want %q", tc.line, c.Name, ok, tc.want)
		}
	}
	if _, ok := Lookup(cat, "P9"); ok {
		t.Error("found P9")
	}
}
