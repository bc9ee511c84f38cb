package ui

import (
	"slices"
	"testing"

	"atbench/protocol"
	"atbench/protocol/realtek"
)

func TestParseInput(t *testing.T) {
	d := fakeDialect{}
	cat := d.Catalog()
	cases := []struct {
		line   string
		cur    int // -1: end of line
		inName bool
		param  int
		field  string
		extra  bool
	}{
		{"AT+SKTS", -1, true, -1, "AT+SKTS", false},
		{"  AT+SKTSEND=0,5", 4, true, -1, "AT+SKTSEND", false},
		{"AT+SKTSEND=", -1, false, 0, "", false},
		{"AT+SKTSEND=0,5,,", -1, false, 3, "", false},
		{"AT+SKTSEND=0,5,,,a,b", -1, false, 4, "a,b", false}, // free text swallows commas
		{`AT+SKTSERVER=1,1,,50\,0`, -1, false, 3, `50\,0`, false},
		{"AT+SKTSERVER=1,1,,5000,1,9", -1, false, 5, "9", true},
		{"AT+SKTSERVER=1,1,,5000,1", 15, false, 1, "1", false}, // cursor inside the second field
	}
	for _, c := range cases {
		cur := c.cur
		if cur < 0 {
			cur = len(c.line)
		}
		got := parseInput(c.line, cur, d, cat)
		if got.inName != c.inName || got.param != c.param || got.field != c.field || got.extra != c.extra {
			t.Errorf("parseInput(%q, %d) = inName %v param %d field %q extra %v", c.line, cur,
				got.inName, got.param, got.field, got.extra)
		}
	}
}

func TestCompleteAt(t *testing.T) {
	d := fakeDialect{}
	cat := d.Catalog()
	links := scenario().links
	cases := []struct {
		line    string
		cands   []string
		suffix  string
		advance bool
	}{
		{"at+sktd", []string{"AT+SKTDEL"}, "=", false},
		{"AT+SKTQ", []string{"AT+SKTQUERY"}, "", false}, // no parameters: no "="
		{"AT+SKTSEND=", []string{"0", "1"}, ",", false}, // live links only
		{"AT+SKTDEL=", []string{"0", "1"}, "", false},   // last parameter: no ","
		{"AT+SKTSERVER=2,", []string{"0", "1", "2", "3"}, ",", false},
		{"AT+SKTSERVER=2,3", nil, "", true},
		{"AT+SKTCFG=,,,", []string{"0", "1"}, ",", false},
		{"AT+SKTCLIENT=3,1,", nil, "", true},             // optional, nothing known: skip
		{"AT+SKTCLIENT=3,1,,", nil, "", false},           // required host: nothing to offer
		{"AT+SKTCLIENT=3,1,,example.com", nil, "", true}, // typed: move on
		{"AT+SKTSEND=0,5,,,hello", nil, "", false},       // last, free text: nothing
		{"AT+NOPE=", nil, "", false},
	}
	for _, c := range cases {
		got := completeAt(c.line, len(c.line), d, cat, links)
		if !slices.Equal(got.cands, c.cands) || (len(got.cands) == 1 && got.suffix != c.suffix) || got.advance != c.advance {
			t.Errorf("completeAt(%q) = cands %q suffix %q advance %v why %q", c.line, got.cands, got.suffix, got.advance, got.why)
		}
	}
	// Free ids for a command that opens a link skip the live ones.
	got := completeAt("AT+SKTCLIENT=", len("AT+SKTCLIENT="), d, cat, links)
	if len(got.cands) != 18 || got.cands[0] != "2" || slices.Contains(got.cands, "0") || slices.Contains(got.cands, "1") {
		t.Errorf("free link ids: %q", got.cands)
	}
}

// TestOpensLinkOnTheRealCatalogue checks that the Realtek catalogue marks
// which commands take a new link id, which completion offers free ids for.
func TestOpensLinkOnTheRealCatalogue(t *testing.T) {
	opensLink := func(spec protocol.CommandSpec) bool {
		return len(spec.Params) > 0 && spec.Params[0].Link == protocol.LinkNew
	}
	want := map[string]bool{"AT+SKTSERVER": true, "AT+SKTCLIENT": true, "AT+SKTSEND": false,
		"AT+SKTREAD": false, "AT+SKTSENDRAW": false, "AT+SKTDEL": false}
	for _, spec := range realtek.Catalog() {
		w, ok := want[spec.Name]
		if !ok {
			continue
		}
		if got := opensLink(spec); got != w {
			t.Errorf("opensLink(%s) = %v, want %v", spec.Name, got, w)
		}
		delete(want, spec.Name)
	}
	if len(want) > 0 {
		t.Errorf("not in the catalogue: %v", want)
	}
}
