package inventek

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"atbench/protocol"
)

func TestCatalogNames(t *testing.T) {
	want := map[string]string{
		"C1": "wifi", "C2": "wifi", "C3": "wifi", "C0": "wifi", "CS": "wifi", "CD": "wifi", "CR": "wifi", "F0": "wifi",
		"I?": "system", "Z5": "system",
		"P0": "socket", "P1": "socket", "P2": "socket", "P3": "socket", "P4": "socket", "P5": "socket",
		"P6": "socket", "P7": "socket", "P8": "socket", "P?": "socket", "PK": "socket",
		"S0": "data", "S1": "data", "S2": "data", "S3": "data", "R0": "data", "R1": "data", "R2": "data", "R?": "data",
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
	for _, c := range cat {
		if len(c.Name) != 2 || !strings.HasPrefix(c.Syntax, c.Name) {
			t.Errorf("%s: name is not two characters or syntax %q does not start with it", c.Name, c.Syntax)
		}
		if c.Help == "" || strings.Contains(c.Help, "\n") {
			t.Errorf("%s: help %q is not one line", c.Name, c.Help)
		}
		if c.Example == "" || c.Reply == "" {
			t.Errorf("%s: example %q, reply %q", c.Name, c.Example, c.Reply)
		}
		if got, ok := Lookup(cat, c.Example); !ok || got.Name != c.Name {
			t.Errorf("%s: example %q looks up %q, %v", c.Name, c.Example, got.Name, ok)
		}
		// The example is a line the module accepts.
		cmd, err := ParseCommand([]byte(c.Example + LineEnding))
		if err != nil || cmd.Name != c.Name {
			t.Errorf("%s: example %q parses as %+v, %v", c.Name, c.Example, cmd, err)
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
			if p.Type == protocol.ParamInt {
				for _, v := range p.Values {
					num, meaning, ok := strings.Cut(v, ": ")
					n, err := strconv.Atoi(num)
					if !ok || err != nil || meaning == "" || n < p.Min || (p.Max != 0 && n > p.Max) {
						t.Errorf("%s.%s: value %q is not \"<n>: <meaning>\" within the range", c.Name, p.Name, v)
					}
				}
			}
			if p.Default != "" && p.Type == protocol.ParamInt {
				if err := checkValue(c.Name, p, p.Default); err != nil {
					t.Errorf("%s.%s: default %q: %v", c.Name, p.Name, p.Default, err)
				}
			}
			if (p.Link != protocol.LinkNone) != (c.Name == "P0") {
				t.Errorf("%s.%s: link reference %d", c.Name, p.Name, p.Link)
			}
		}
		if len(c.Errors) == 0 {
			t.Errorf("%s: no error forms", c.Name)
		}
		for _, e := range c.Errors {
			if e.Meaning == "" || !(strings.HasPrefix(e.Code, "ERROR") || e.Code == Lost) {
				t.Errorf("%s: error %+v", c.Name, e)
			}
		}
		// The documented reply reads as the module's output: one final
		// result, OK, then the prompt.
		lines := strings.Split(c.Reply, "\n")
		var finals []protocol.Kind
		for _, line := range lines {
			if k, _ := Classify([]byte(line)); k.Final() {
				finals = append(finals, k)
			}
		}
		if len(finals) != 1 || finals[0] != protocol.KindOK {
			t.Errorf("%s: reply %q has final results %v", c.Name, c.Reply, finals)
		}
		if k, _ := Classify([]byte(lines[len(lines)-1])); k != protocol.KindPrompt {
			t.Errorf("%s: reply %q does not end with the prompt", c.Name, c.Reply)
		}
	}
}

// TestCatalogErrorForms checks which commands can answer -1.
func TestCatalogErrorForms(t *testing.T) {
	for _, c := range Catalog() {
		var codes []string
		for _, e := range c.Errors {
			codes = append(codes, e.Code)
		}
		wantLost := c.Name == "R0" || c.Name == "S0" || c.Name == "S3"
		if slices.Contains(codes, Lost) != wantLost {
			t.Errorf("%s error forms %v", c.Name, codes)
		}
		if !slices.Contains(codes, ErrUnknownError) || !slices.Contains(codes, ErrInvalidParam) {
			t.Errorf("%s error forms %v lack the general errors", c.Name, codes)
		}
	}
}

// param finds a parameter of a command or fails the test.
func param(t *testing.T, cmd, name string) protocol.ParamSpec {
	t.Helper()
	c, ok := Lookup(Catalog(), cmd)
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

// TestCatalogRanges checks the ranges from the seed and section B.
func TestCatalogRanges(t *testing.T) {
	tests := []struct {
		cmd, param string
		min, max   int
	}{
		{"P0", "socket", 0, 3},
		{"P1", "protocol", 0, 3},
		{"P2", "port", 0, 65535},
		{"P4", "port", 1, 65535},
		{"P5", "mode", 0, 11},
		{"P6", "action", 0, 1},
		{"P7", "action", 1, 3},
		{"P8", "backlog", 0, 6},
		{"PK", "enable", 0, 1},
		{"PK", "time", 1, 7200000},
		{"C3", "security", 0, 5},
		{"S1", "size", 1, 1460},
		{"S3", "length", 1, 1460},
		{"R1", "size", 1, 1460},
		{"S2", "timeout", 0, 30000},
		{"R2", "timeout", 0, 30000},
	}
	for _, tt := range tests {
		p := param(t, tt.cmd, tt.param)
		if p.Type != protocol.ParamInt || p.Min != tt.min || p.Max != tt.max || p.Optional {
			t.Errorf("%s.%s = type %d %d..%d optional %v; want int %d..%d", tt.cmd, tt.param, p.Type, p.Min, p.Max, p.Optional, tt.min, tt.max)
		}
	}
	if p := param(t, "P0", "socket"); p.Link != protocol.LinkExisting {
		t.Errorf("P0 socket link %d", p.Link)
	}
	if n := len(param(t, "P5", "mode").Values); n != 4 {
		t.Errorf("P5 mode has %d meanings, want 4", n)
	}
	if p := param(t, "P3", "ip"); p.Type != protocol.ParamIP {
		t.Errorf("P3 ip type %d", p.Type)
	}
}

// TestCatalogFresh checks that callers cannot change the catalogue.
func TestCatalogFresh(t *testing.T) {
	a := Catalog()
	a[0].Name = "XX"
	a[0].Params[0].Help = "changed"
	a[0].Errors[0].Meaning = "changed"
	b := Catalog()
	if b[0].Name != "C1" || b[0].Params[0].Help == "changed" || b[0].Errors[0].Meaning == "changed" {
		t.Errorf("catalogue changed through a returned slice: %+v", b[0])
	}
}

func TestLookup(t *testing.T) {
	cat := Catalog()
	for line, want := range map[string]string{
		"P?": "P?", "p?": "P?", "P?\r": "P?", "I?": "I?", "R?": "R?", "P5=11": "P5", "s3=10": "S3", "C0": "C0",
	} {
		if c, ok := Lookup(cat, line); !ok || c.Name != want {
			t.Errorf("Lookup(%q) = %q, %v; want %q", line, c.Name, ok, want)
		}
	}
	for _, c := range cat {
		if got, ok := specFor(c.Name); !ok || got.Name != c.Name || got.Syntax != c.Syntax {
			t.Errorf("specFor(%q) = %q, %v", c.Name, got.Name, ok)
		}
	}
	for _, line := range []string{"P", "P9", "AT", "", "S?"} {
		if c, ok := Lookup(cat, line); ok {
			t.Errorf("Lookup(%q) found %q", line, c.Name)
		}
	}
}

// TestCatalogRepliesParse reads the documented replies with the parsers.
func TestCatalogRepliesParse(t *testing.T) {
	cat := Catalog()
	reply := func(name string) []string {
		c, _ := Lookup(cat, name)
		return strings.Split(c.Reply, "\n")
	}
	if tr, ok := ParseTransport(reply("P?")[0]); !ok || tr.LocalPort != 5024 || tr.RemoteIP != "192.168.10.100" ||
		tr.Keepalive != 1 || tr.KeepMillis != 3000 {
		t.Errorf("P? reply: %+v, %v", tr, ok)
	}
	if j, ok := ParseJoin(reply("C0")[0]); !ok || j.SSID != "MyAP" || j.IP != "192.168.2.18" {
		t.Errorf("C0 reply: %+v, %v", j, ok)
	}
	if n, lost, ok := ParseCount(reply("S3")[0]); !ok || lost || n != 1 {
		t.Errorf("S3 reply: %d %v %v", n, lost, ok)
	}
	if !IsWaiting(reply("P5")[1]) {
		t.Errorf("P5 reply %q", reply("P5"))
	}
	// Every reply, written as the module writes it, is read back by SplitRead.
	for _, c := range cat {
		lines := strings.Split(c.Reply, "\n")
		data := strings.Join(lines[:len(lines)-2], "\r\n")
		got, lost, ok := SplitRead(FormatLines(lines[:len(lines)-2]...))
		if !ok || lost || string(got) != data {
			t.Errorf("%s: SplitRead of the reply = %q %v %v", c.Name, got, lost, ok)
		}
	}
}

func TestUsage(t *testing.T) {
	for name, want := range map[string]string{
		"C0": "Usage: C0 ", "S3": "Usage: S3=<length> ", "P?": "Usage: P? ", "PK": "Usage: PK=<enable>,<time> ",
		"ZZ": "Usage: <command>[=<value>] ",
	} {
		if got := Usage(name); got != want {
			t.Errorf("Usage(%q) = %q, want %q", name, got, want)
		}
	}
	var ce *CommandError
	if _, err := ParseCommand([]byte("S3=1461")); !errors.As(err, &ce) || ce.Usage != Usage("S3") {
		t.Errorf("S3=1461: %v", err)
	}
}
