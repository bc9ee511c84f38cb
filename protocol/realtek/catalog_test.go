package realtek

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"atbench/protocol"
)

func TestCatalogNames(t *testing.T) {
	want := map[string]string{
		"AT+TEST": "common", "AT+LIST": "common", "AT+RST": "common", "AT+GMR": "common", "AT+STATE": "common", "AT+LOG": "common",
		"AT+WLCONN": "wifi", "AT+WLDISCONN": "wifi", "AT+WLSTATE": "wifi", "AT+WLSTATICIP": "wifi", "AT+WLSCAN": "wifi",
		"AT+WLRSSI": "wifi", "AT+WLSTARTAP": "wifi", "AT+WLSTOPAP": "wifi", "AT+WLRECONN": "wifi", "AT+WLPS": "wifi",
		"AT+SKTCFG": "socket", "AT+SKTQUERY": "socket", "AT+SKTSERVER": "socket", "AT+SKTCLIENT": "socket",
		"AT+SKTSEND": "socket", "AT+SKTREAD": "socket", "AT+SKTSENDRAW": "socket", "AT+SKTSTATE": "socket", "AT+SKTDEL": "socket",
	}
	cat := Catalog()
	if len(cat) != len(want) {
		t.Errorf("catalogue has %d commands, want %d", len(cat), len(want))
	}
	seen := map[string]bool{}
	for _, c := range cat {
		if seen[c.Name] {
			t.Errorf("%s listed twice", c.Name)
		}
		seen[c.Name] = true
		if g, ok := want[c.Name]; !ok {
			t.Errorf("unexpected command %s", c.Name)
		} else if c.Group != g {
			t.Errorf("%s in group %q, want %q", c.Name, c.Group, g)
		}
	}
}

func TestCatalogEntries(t *testing.T) {
	cat := Catalog()
	d := New()
	for _, c := range cat {
		if !strings.HasPrefix(c.Syntax, c.Name) {
			t.Errorf("%s: syntax %q does not start with the name", c.Name, c.Syntax)
		}
		if c.Help == "" || strings.Contains(c.Help, "\n") {
			t.Errorf("%s: help %q is not one line", c.Name, c.Help)
		}
		if c.Example == "" || c.Reply == "" {
			t.Errorf("%s: example %q, reply %q", c.Name, c.Example, c.Reply)
		}
		if got, ok := protocol.Lookup(cat, c.Example); !ok || got.Name != c.Name {
			t.Errorf("%s: example %q looks up %q, %v", c.Name, c.Example, got.Name, ok)
		}
		if len(c.Example)+2 > MaxLine {
			t.Errorf("%s: example longer than a line", c.Name)
		}
		// Every parameter is named in the syntax and documented.
		names := map[string]bool{}
		for _, p := range c.Params {
			if names[p.Name] {
				t.Errorf("%s: parameter %s twice", c.Name, p.Name)
			}
			names[p.Name] = true
			if !strings.Contains(c.Syntax, p.Name) {
				t.Errorf("%s: parameter %s not in syntax %q", c.Name, p.Name, c.Syntax)
			}
			if p.Help == "" || strings.Contains(p.Help, "\n") {
				t.Errorf("%s.%s: help %q is not one line", c.Name, p.Name, p.Help)
			}
			if p.Max != 0 && p.Max < p.Min {
				t.Errorf("%s.%s: range %d..%d", c.Name, p.Name, p.Min, p.Max)
			}
			if p.Type == protocol.ParamEnum && len(p.Values) == 0 {
				t.Errorf("%s.%s: enum without values", c.Name, p.Name)
			}
			if p.Default != "" && (p.Type == protocol.ParamInt) {
				v, err := strconv.Atoi(p.Default)
				if err != nil || v < p.Min || (p.Max != 0 && v > p.Max) {
					t.Errorf("%s.%s: default %q outside %d..%d", c.Name, p.Name, p.Default, p.Min, p.Max)
				}
			}
		}
		for _, e := range c.Errors {
			if _, err := strconv.Atoi(e.Code); err != nil || e.Meaning == "" {
				t.Errorf("%s: error %+v", c.Name, e)
			}
		}
		// The documented reply reads as the module's output: exactly one
		// final result, and it is OK.
		var finals []protocol.Kind
		for _, line := range strings.Split(c.Reply, "\n") {
			if k, _ := d.Classify([]byte(line)); k.Final() {
				finals = append(finals, k)
			}
		}
		if len(finals) != 1 || finals[0] != protocol.KindOK {
			t.Errorf("%s: reply %q has final results %v", c.Name, c.Reply, finals)
		}
	}
}

// param finds a parameter of a command or fails the test.
func param(t *testing.T, cmd, name string) protocol.ParamSpec {
	t.Helper()
	c, ok := protocol.Lookup(Catalog(), cmd)
	if !ok {
		t.Fatalf("%s not in the catalogue", cmd)
	}
	for _, p := range c.Params {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("%s has no parameter %s", cmd, name)
	return protocol.ParamSpec{}
}

// TestCatalogRanges checks the ranges the seed document gives.
func TestCatalogRanges(t *testing.T) {
	tests := []struct {
		cmd, param string
		min, max   int
		optional   bool
	}{
		{"AT+SKTCFG", "so_keepalive", 0, 1, true},
		{"AT+SKTCFG", "tcp_nodelay", 0, 1, true},
		{"AT+SKTCFG", "tcp_keepidle", 0, 7200, true},
		{"AT+SKTCFG", "tcp_keepintvl", 0, 75, true},
		{"AT+SKTCFG", "tcp_keepcnt", 0, 10, true},
		{"AT+SKTCFG", "so_sndtimeo", 0, 0, true},
		{"AT+SKTCFG", "so_rcvtimeo", 0, 0, true},
		{"AT+SKTSERVER", "link_id", 0, 19, false},
		{"AT+SKTSERVER", "conn_type", 0, 3, false},
		{"AT+SKTSERVER", "cert_index", 1, 10, true},
		{"AT+SKTSERVER", "src_port", 1, 65535, false},
		{"AT+SKTSERVER", "auto_rcv", 0, 1, false},
		{"AT+SKTCLIENT", "link_id", 0, 19, false},
		{"AT+SKTCLIENT", "conn_type", 0, 5, false},
		{"AT+SKTCLIENT", "cert_index", 1, 10, true},
		{"AT+SKTCLIENT", "dst_port", 1, 65535, false},
		{"AT+SKTCLIENT", "src_port", 1, 65535, true},
		{"AT+SKTCLIENT", "auto_rcv", 0, 1, false},
		{"AT+SKTSEND", "link_id", 0, 19, false},
		{"AT+SKTSEND", "data_size", 1, 1999, false},
		{"AT+SKTSEND", "dst_port", 1, 65535, true},
		{"AT+SKTREAD", "link_id", 0, 19, false},
		{"AT+SKTREAD", "data_size", 1, 0, false},
		{"AT+SKTSENDRAW", "link_id", 0, 19, false},
		{"AT+SKTSENDRAW", "dst_port", 1, 65535, true},
		{"AT+SKTDEL", "link_id", 0, 19, false},
		{"AT+WLCONN", "key_id", 0, 3, true},
		{"AT+WLSTARTAP", "ch", 1, 11, true},
		{"AT+LOG", "get_set", 0, 3, false},
		{"AT+LOG", "log_level", 0, 5, true},
	}
	for _, tt := range tests {
		p := param(t, tt.cmd, tt.param)
		if p.Type != protocol.ParamInt || p.Min != tt.min || p.Max != tt.max || p.Optional != tt.optional {
			t.Errorf("%s.%s = type %d %d..%d optional %v; want int %d..%d optional %v",
				tt.cmd, tt.param, p.Type, p.Min, p.Max, p.Optional, tt.min, tt.max, tt.optional)
		}
	}
	if n := len(param(t, "AT+SKTSERVER", "conn_type").Values); n != 4 {
		t.Errorf("AT+SKTSERVER conn_type has %d meanings, want 4", n)
	}
	if n := len(param(t, "AT+SKTCLIENT", "conn_type").Values); n != 6 {
		t.Errorf("AT+SKTCLIENT conn_type has %d meanings, want 6", n)
	}
	if p := param(t, "AT+SKTCLIENT", "dst_host"); p.Type != protocol.ParamHost {
		t.Errorf("dst_host type %d", p.Type)
	}
}

// TestCatalogErrors checks the error codes: socket codes from the seed
// document, Wi-Fi codes from dialects.md A.4.
func TestCatalogErrors(t *testing.T) {
	seq := func(from, to int) []string {
		var s []string
		for i := from; i <= to; i++ {
			s = append(s, strconv.Itoa(i))
		}
		return s
	}
	wifi := append(seq(1, 6), seq(17, 22)...)
	want := map[string][]string{
		"AT+SKTCFG": seq(1, 1), "AT+SKTQUERY": seq(1, 1), "AT+SKTSERVER": seq(1, 12), "AT+SKTCLIENT": seq(1, 15),
		"AT+SKTSEND": seq(1, 2), "AT+SKTREAD": seq(1, 4), "AT+SKTSENDRAW": seq(1, 4), "AT+SKTDEL": seq(1, 1),
		"AT+WLCONN": wifi, "AT+WLDISCONN": wifi, "AT+WLSTATE": wifi, "AT+WLSTATICIP": wifi, "AT+WLSCAN": wifi,
		"AT+WLRSSI": wifi, "AT+WLSTARTAP": wifi, "AT+WLSTOPAP": wifi, "AT+WLRECONN": wifi, "AT+WLPS": wifi,
		"AT+LOG": seq(1, 2),
	}
	for _, c := range Catalog() {
		var got []string
		for _, e := range c.Errors {
			got = append(got, e.Code)
		}
		if !slices.Equal(got, want[c.Name]) {
			t.Errorf("%s error codes %v, want %v", c.Name, got, want[c.Name])
		}
	}
	c, _ := protocol.Lookup(Catalog(), "AT+SKTCLIENT")
	for _, e := range c.Errors {
		if e.Code == "14" && !strings.Contains(e.Meaning, "mbedtls_ssl_handshake") {
			t.Errorf("AT+SKTCLIENT error 14 = %q", e.Meaning)
		}
	}
}

// TestCatalogFresh checks that callers cannot change the catalogue.
func TestCatalogFresh(t *testing.T) {
	a := Catalog()
	a[0].Name = "AT+CHANGED"
	a[0].Params[0].Max = 99
	for i := range a {
		if a[i].Name == "AT+SKTCFG" {
			a[i].Errors[0].Meaning = "changed"
		}
	}
	b := Catalog()
	if b[0].Name != "AT+TEST" || b[0].Params[0].Max != 2 {
		t.Errorf("catalogue changed through a returned slice: %+v", b[0])
	}
	c, _ := protocol.Lookup(b, "AT+SKTCFG")
	if c.Errors[0].Meaning == "changed" {
		t.Error("AT+SKTCFG errors changed through a returned slice")
	}
}

// TestCatalogRepliesParse reads the documented replies with the parsers.
func TestCatalogRepliesParse(t *testing.T) {
	cat := Catalog()
	reply := func(name string) []string {
		c, ok := protocol.Lookup(cat, name)
		if !ok {
			t.Fatalf("%s missing", name)
		}
		return strings.Split(c.Reply, "\n")
	}

	// AT+SKTQUERY lists the AT+SKTCFG fields in order.
	var cfgNames []string
	c, _ := protocol.Lookup(cat, "AT+SKTCFG")
	for _, p := range c.Params {
		cfgNames = append(cfgNames, p.Name)
	}
	var queryNames []string
	for _, line := range reply("AT+SKTQUERY") {
		if s, ok := ParseQueryLine(line); ok {
			queryNames = append(queryNames, s.Name)
			if s.Value != "0" {
				t.Errorf("default %s = %s", s.Name, s.Value)
			}
		}
	}
	if !slices.Equal(cfgNames, queryNames) {
		t.Errorf("AT+SKTQUERY lists %v, AT+SKTCFG takes %v", queryNames, cfgNames)
	}

	var ids []int
	for _, line := range reply("AT+SKTSTATE") {
		if s, ok := ParseStateLine(line); ok {
			ids = append(ids, s.LinkID)
		}
	}
	if !slices.Equal(ids, []int{0, 3, 1, 2}) {
		t.Errorf("AT+SKTSTATE reply lists links %v", ids)
	}

	h, ok := ParseReadHeader(reply("AT+SKTREAD")[0])
	if !ok || h.LinkID != 1 || h.Length != 6 || h.UDP {
		t.Errorf("AT+SKTREAD reply header %+v, %v", h, ok)
	}
}

// TestExplainError checks that a final error is explained from the
// command's own error table, in both firmware generations' forms.
func TestExplainError(t *testing.T) {
	d := Dialect{}
	for _, tt := range []struct {
		cmd, final, want string
	}{
		{"AT+SKTDEL=5", "ERROR: 1", "AT+SKTDEL error 1: parameter error (also: no such link)"},
		{"AT+SKTCLIENT=1,1,,10.0.0.9,80,,1", "ERROR: 2", "AT+SKTCLIENT error 2: failed to create the TCP client (connect failed)"},
		{"AT+WLCONN=ssid,x", "+WLCONN:ERROR: 17", "AT+WLCONN error 17: connect error"},
		{"AT+SKTDEL=5", "ERROR: 99", "AT+SKTDEL documents no error 99"},
		{"AT+NOPE", "ERROR: 1", ""},
		{"AT+SKTDEL=5", "ERROR", ""},
	} {
		if got := d.ExplainError(tt.cmd, protocol.Record{Kind: protocol.KindError, Text: tt.final}); got != tt.want {
			t.Errorf("ExplainError(%q, %q) = %q, want %q", tt.cmd, tt.final, got, tt.want)
		}
	}
}

// TestAdvise checks the warnings about lines the firmware will not take.
func TestAdvise(t *testing.T) {
	d := Dialect{}
	for line, want := range map[string]string{
		"AT":          "this module has no bare AT command: try AT+TEST",
		" at ":        "this module has no bare AT command: try AT+TEST",
		"at+test":     "this module takes command names in upper case only: type AT+TEST",
		"AT+sktdel=1": "this module takes command names in upper case only: type AT+SKTDEL",
		"AT+TEST":     "",
		"AT+SKTDEL=1": "",
		"":            "",
	} {
		if got := d.Advise(line); got != want {
			t.Errorf("Advise(%q) = %q, want %q", line, got, want)
		}
	}
}

// TestCertIndexRequiredForTLS checks that the catalogue says when
// cert_index must be given.
func TestCertIndexRequiredForTLS(t *testing.T) {
	for cmd, tls := range map[string][]string{"AT+SKTSERVER": {"2", "3"}, "AT+SKTCLIENT": {"3", "4", "5"}} {
		spec, _ := protocol.Lookup(Catalog(), cmd)
		var p protocol.ParamSpec
		for _, q := range spec.Params {
			if q.Name == "cert_index" {
				p = q
			}
		}
		for _, ct := range []string{"0", "1", "2", "3", "4", "5"} {
			want := slices.Contains(tls, ct)
			if got := p.RequiredIf.Applies(ct); got != want {
				t.Errorf("%s cert_index required with conn_type %s: %v, want %v", cmd, ct, got, want)
			}
		}
		if !strings.Contains(p.RequiredIf.When, tls[0]) {
			t.Errorf("%s: requirement in words %q", cmd, p.RequiredIf.When)
		}
	}
}
