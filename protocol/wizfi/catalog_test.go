package wizfi

import (
	"strconv"
	"strings"
	"testing"

	"atbench/protocol"
)

func TestCatalogNames(t *testing.T) {
	want := map[string]string{
		"AT": "common", "ATE0": "common", "ATE1": "common", "AT+VER": "common", "AT+BDATA": "common",
		"AT+WWPA": "wifi", "AT+WA": "wifi", "AT+WD": "wifi", "AT+NDHCP": "wifi", "AT+NSET": "wifi", "AT+NSTAT": "wifi",
		"AT+NCTCP": "socket", "AT+NSTCP": "socket", "AT+NCUDP": "socket", "AT+NSUDP": "socket",
		"AT+NCLOSE": "socket", "AT+NCLOSEALL": "socket", "AT+CID": "socket", "AT+SETSOCKOPT": "socket",
	}
	cat := Catalog()
	if len(cat) != len(want) {
		t.Errorf("catalogue has %d commands, want %d", len(cat), len(want))
	}
	seen := map[string]bool{}
	for _, c := range cat {
		if seen[strings.ToUpper(c.Name)] {
			t.Errorf("%s listed twice", c.Name)
		}
		seen[strings.ToUpper(c.Name)] = true
		if g, ok := want[c.Name]; !ok {
			t.Errorf("unexpected command %s", c.Name)
		} else if c.Group != g {
			t.Errorf("%s in group %q, want %q", c.Name, c.Group, g)
		}
	}
}

// replyLines splits a catalogue reply into the lines the module prints.
func replyLines(reply string) []string { return strings.Split(reply, "\n") }

func TestCatalogEntries(t *testing.T) {
	cat := Catalog()
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
		// Every example passes the module's own parser and field checks.
		cmd, err := ParseCommand([]byte(c.Example + LineEnding))
		if err != nil {
			t.Errorf("%s: example %q: %v", c.Name, c.Example, err)
		} else if spec, err := Validate(cmd); err != nil || spec.Name != c.Name {
			t.Errorf("%s: example %q does not validate: %v (%s)", c.Name, c.Example, err, spec.Name)
		}
		names := map[string]bool{}
		for _, p := range c.Params {
			if names[p.Name] {
				t.Errorf("%s: parameter %s twice", c.Name, p.Name)
			}
			names[p.Name] = true
			if !strings.Contains(c.Syntax, "<"+p.Name+">") {
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
			for _, v := range p.Values {
				if code, meaning, ok := strings.Cut(v, ": "); !ok || code == "" || meaning == "" {
					t.Errorf("%s.%s: value %q is not \"<value>: <meaning>\"", c.Name, p.Name, v)
				}
			}
			if p.Default != "" && checkParam(p, p.Default) != nil {
				t.Errorf("%s.%s: default %q does not pass its own check", c.Name, p.Name, p.Default)
			}
			if strings.Contains(p.Name, "cid") != (p.Link != protocol.LinkNone) {
				t.Errorf("%s.%s: link reference %d", c.Name, p.Name, p.Link)
			}
			if p.Link != protocol.LinkNone && (p.Type != protocol.ParamHex || p.Min != 0 || p.Max != MaxCIDs-1) {
				t.Errorf("%s.%s: a CID is one hex digit 0..f", c.Name, p.Name)
			}
		}
		// Every documented error form parses back to its code.
		for _, e := range c.Errors {
			if e.Meaning == "" {
				t.Errorf("%s: error %q has no meaning", c.Name, e.Code)
			}
			line := "[ERROR: " + e.Code + "]"
			switch e.Code {
			case "ERROR":
				line = "[ERROR]"
			case "DISASSOCIATED":
				line = "DISASSOCIATED"
			}
			if code, ok := ParseError(line); !ok || code != e.Code {
				t.Errorf("%s: %q parses as %q, %v", c.Name, line, code, ok)
			}
			if k, _ := Classify([]byte(line)); k != protocol.KindError {
				t.Errorf("%s: %q classifies as %v", c.Name, line, k)
			}
		}
		// The documented reply reads as the module's output: exactly one
		// final result, the last line, and it is OK.
		lines := replyLines(c.Reply)
		for i, line := range lines {
			k, _ := Classify([]byte(line))
			if last := i == len(lines)-1; k.Final() != last || (last && k != protocol.KindOK) {
				t.Errorf("%s: reply line %q classifies as %v", c.Name, line, k)
			}
		}
	}
}

// TestCatalogRanges checks the ranges dialects.md C gives.
func TestCatalogRanges(t *testing.T) {
	tests := []struct {
		cmd, param string
		typ        protocol.ParamType
		min, max   int
		optional   bool
		link       protocol.LinkRef
	}{
		{"AT+NCTCP", "port", protocol.ParamInt, 1, 65535, false, protocol.LinkNone},
		{"AT+NSTCP", "port", protocol.ParamInt, 1, 65535, false, protocol.LinkNone},
		{"AT+NSTCP", "max_conn", protocol.ParamInt, 1, 15, true, protocol.LinkNone},
		{"AT+NCUDP", "rport", protocol.ParamInt, 1, 65535, false, protocol.LinkNone},
		{"AT+NCUDP", "lport", protocol.ParamInt, 1, 65535, true, protocol.LinkNone},
		{"AT+NSUDP", "port", protocol.ParamInt, 1, 65535, false, protocol.LinkNone},
		{"AT+NCLOSE", "cid", protocol.ParamHex, 0, 15, false, protocol.LinkExisting},
		{"AT+SETSOCKOPT", "cid", protocol.ParamHex, 0, 15, false, protocol.LinkExisting},
		{"AT+SETSOCKOPT", "param", protocol.ParamHex, 0, 0xffff, false, protocol.LinkNone},
		{"AT+SETSOCKOPT", "value", protocol.ParamInt, 0, 1<<31 - 1, false, protocol.LinkNone},
		{"AT+WA", "channel", protocol.ParamInt, 0, 14, true, protocol.LinkNone},
	}
	for _, tt := range tests {
		p := param(t, tt.cmd, tt.param)
		if p.Type != tt.typ || p.Min != tt.min || p.Max != tt.max || p.Optional != tt.optional || p.Link != tt.link {
			t.Errorf("%s.%s = %+v", tt.cmd, tt.param, p)
		}
	}
	if p := param(t, "AT+NSTCP", "max_conn"); p.Default != "15" {
		t.Errorf("max_conn default %q, want 15", p.Default)
	}
	enumCodes := func(cmd, name string) []string {
		var out []string
		for _, v := range param(t, cmd, name).Values {
			code, _, _ := strings.Cut(v, ":")
			out = append(out, code)
		}
		return out
	}
	if got := strings.Join(enumCodes("AT+SETSOCKOPT", "type"), ","); got != "65535,0,6" {
		t.Errorf("SETSOCKOPT types %s", got)
	}
	if got := strings.Join(enumCodes("AT+SETSOCKOPT", "param"), ","); got != "8,4001,4005,10" {
		t.Errorf("SETSOCKOPT params %s", got)
	}
	if got := strings.Join(enumCodes("AT+SETSOCKOPT", "length"), ","); got != "4,2,1" {
		t.Errorf("SETSOCKOPT lengths %s", got)
	}
	// Every documented option value is accepted by the field checks.
	for _, code := range enumCodes("AT+SETSOCKOPT", "param") {
		opt, _ := strconv.ParseUint(code, 16, 16)
		level, _ := optionLevel(int(opt))
		if _, err := ParseSetSockOpt("0," + strconv.Itoa(level) + "," + code + ",1,4"); err != nil {
			t.Errorf("option %s: %v", code, err)
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

// TestCatalogFresh checks that callers cannot change the catalogue.
func TestCatalogFresh(t *testing.T) {
	a := Catalog()
	for i := range a {
		if a[i].Name == "AT+SETSOCKOPT" {
			a[i].Params[0].Max = 99
			a[i].Errors[0].Meaning = "changed"
			a[i].Params[1].Values[0] = "changed"
		}
	}
	c, _ := protocol.Lookup(Catalog(), "AT+SETSOCKOPT")
	if c.Params[0].Max != 15 || c.Errors[0].Meaning == "changed" || c.Params[1].Values[0] == "changed" {
		t.Errorf("catalogue changed through a returned slice: %+v", c)
	}
}

// TestCatalogRepliesFormat checks each documented reply against the
// formatters: the bytes the emulator will print, with blank lines dropped,
// are the reply's lines.
func TestCatalogRepliesFormat(t *testing.T) {
	cat := Catalog()
	ok := FormatOK()
	join := func(parts ...[]byte) string {
		var lines []string
		for _, p := range parts {
			for _, l := range strings.Split(string(p), "\r\n") {
				if l != "" {
					lines = append(lines, l)
				}
			}
		}
		return strings.Join(lines, "\n")
	}
	want := map[string]string{
		"AT+NCTCP": join(FormatConnect(0), ok),
		"AT+NSTCP": join(FormatConnect(0), ok),
		"AT+NCUDP": join(FormatConnect(1), ok),
		"AT+NSUDP": join(FormatConnect(2), ok),
		"AT+CID": join(FormatCIDTable([]CIDEntry{
			{CID: 0, Type: "TCP", Mode: "SERVER", LocalPort: 5000, RemoteIP: "0.0.0.0"},
			{CID: 1, Type: "TCP", Mode: "SERVER", LocalPort: 5000, RemotePort: 65535, RemoteIP: "192.168.100.200"},
			{CID: 2, Type: "UDP", Mode: "CLIENT", LocalPort: 5002, RemotePort: 5001, RemoteIP: "192.168.3.2"},
		}), ok),
		"AT+VER": join(FormatVersion("1.0.0", "1.0.0", "1.0.0"), ok),
		"AT+WA":  join([]byte("\r\n    IP              SubNet         Gateway   \r\n"), []byte(" 192.168.3.100: 255.255.255.0: 192.168.3.1\r\n"), ok),
		"AT+NSTAT": join(FormatNStat(NetStatus{MAC: "00:08:dc:00:00:01", Connected: true, BSSID: "00:24:01:ad:77:a2",
			SSID: "MyAP", Channel: 6, Security: "WPA2-PERSONAL", RSSI: -48, IP: "192.168.3.100", Mask: "255.255.255.0",
			Gateway: "192.168.3.1", DNS1: "192.168.3.1", DNS2: "0.0.0.0", RxCount: 13, TxCount: 12}), ok),
	}
	for _, c := range cat {
		w, found := want[c.Name]
		if !found {
			w = join(ok)
		}
		if c.Reply != w {
			t.Errorf("%s: catalogue reply\n%q\nformatters give\n%q", c.Name, c.Reply, w)
		}
	}
	if got := string(FormatAddress("192.168.3.100", "255.255.255.0", "192.168.3.1")); join([]byte(got), ok) != want["AT+WA"] {
		t.Errorf("FormatAddress %q", got)
	}
}
