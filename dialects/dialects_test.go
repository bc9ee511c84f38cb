package dialects

import (
	"strings"
	"testing"

	"atbench/device/emulator"
)

func TestLookup(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "realtek"}, {"realtek", "realtek"}, {"Ameba", "realtek"}, {"REALTEK", "realtek"},
	} {
		s, err := Lookup(tc.in)
		if err != nil || s.Name != tc.want {
			t.Errorf("Lookup(%q) = %q, %v; want %q", tc.in, s.Name, err, tc.want)
		}
	}
	if _, err := Lookup("bogus"); err == nil || !strings.Contains(err.Error(), "realtek") {
		t.Errorf("Lookup(bogus) = %v; want an error naming the known sets", err)
	}
}

// TestTableRows checks every row is whole and names are unique, and that a
// caller cannot change the table.
func TestTableRows(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range Table() {
		for _, n := range append([]string{s.Name}, s.Aliases...) {
			k := strings.ToLower(n)
			if seen[k] {
				t.Errorf("name %q twice in the table", n)
			}
			seen[k] = true
		}
		if s.Dialect == nil || s.Summary == "" {
			t.Errorf("row %q is not whole", s.Name)
		}
		if d := s.Dialect(); d.Name() != s.Name {
			t.Errorf("row %q makes dialect %q", s.Name, d.Name())
		}
	}
	tab := Table()
	tab[0].Name = "changed"
	if Table()[0].Name == "changed" {
		t.Error("the table changed through a returned slice")
	}
}

// TestFirmwareSpeaksItsRow starts each row's emulator and checks it names
// the same command set as the row.
func TestFirmwareSpeaksItsRow(t *testing.T) {
	for _, s := range Table() {
		if s.Firmware == nil {
			continue
		}
		m, err := emulator.New(emulator.Config{Firmware: s.Firmware})
		if err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		if got := m.Info().Name; got != s.Name {
			t.Errorf("row %q starts firmware %q", s.Name, got)
		}
		m.Close()
	}
}
