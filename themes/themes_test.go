package themes

import (
	"reflect"
	"regexp"
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
)

func TestLookup(t *testing.T) {
	for _, name := range Names() {
		p, err := Lookup(name)
		if err != nil {
			t.Fatalf("Lookup(%q): %v", name, err)
		}
		if p.Name != name {
			t.Errorf("Lookup(%q) gave %q", name, p.Name)
		}
		if err := p.Validate(); err != nil {
			t.Error(err)
		}
	}
	if p, err := Lookup(" High-Contrast "); err != nil || p.Name != NameHighContrast {
		t.Errorf("Lookup ignores case and spaces: %v %v", p.Name, err)
	}
	if _, err := Lookup("solarized"); err == nil || !strings.Contains(err.Error(), "dark, light, high-contrast, mono") {
		t.Errorf("unknown theme: %v", err)
	}
}

func TestValidateRejectsBadColours(t *testing.T) {
	p := Dark()
	p.Error = "red"
	if err := p.Validate(); err == nil {
		t.Error("Validate accepted \"red\"")
	}
	p.Error = "#12345g"
	if err := p.Validate(); err == nil {
		t.Error("Validate accepted #12345g")
	}
}

// styleFields renders a sample through every lipgloss.Style of Styles.
func styleFields(st Styles) map[string]string {
	out := map[string]string{}
	v := reflect.ValueOf(st)
	for i := 0; i < v.NumField(); i++ {
		if s, ok := v.Field(i).Interface().(lipgloss.Style); ok {
			out[v.Type().Field(i).Name] = s.Render("x")
		}
	}
	return out
}

var colourSGR = regexp.MustCompile(`\x1b\[[0-9;:]*(?:38|48|39|49)[;:m]|\x1b\[[0-9;:]*(?:3[0-7]|4[0-7]|9[0-7]|10[0-7])m`)

func TestMonoHasNoColour(t *testing.T) {
	st := NewStyles(Mono())
	if !st.Mono {
		t.Fatal("mono palette not marked Mono")
	}
	marked := 0
	for name, out := range styleFields(st) {
		if colourSGR.MatchString(out) {
			t.Errorf("mono %s has colour: %q", name, out)
		}
		if out != "x" {
			marked++
		}
	}
	// Emphasis must survive without colour: errors, focus, selection and
	// matches are still marked.
	for _, s := range []lipgloss.Style{st.Error, st.TitleFocus, st.Selected, st.Match, st.Status} {
		if s.Render("x") == "x" {
			t.Errorf("mono leaves an emphasised element plain")
		}
	}
	if st.Selected.Render("x") == st.Text.Render("x") {
		t.Error("mono selection looks like text")
	}
	if marked == 0 {
		t.Error("mono marks nothing at all")
	}
}

func TestColourThemesDistinguishKinds(t *testing.T) {
	for _, name := range []string{NameDark, NameLight, NameHighContrast} {
		p, _ := Lookup(name)
		st := NewStyles(p)
		if st.Mono {
			t.Fatalf("%s marked Mono", name)
		}
		kinds := map[string]lipgloss.Style{"sent": st.Sent, "ok": st.OK, "error": st.Error, "event": st.Event, "data": st.Data}
		seen := map[string]string{}
		for k, s := range kinds {
			out := s.Render("x")
			if !colourSGR.MatchString(out) {
				t.Errorf("%s: %s has no colour", name, k)
			}
			if other, dup := seen[out]; dup {
				t.Errorf("%s: %s looks the same as %s", name, k, other)
			}
			seen[out] = k
		}
	}
}

func TestLightAndDarkDiffer(t *testing.T) {
	d, l := NewStyles(Dark()), NewStyles(Light())
	if !d.Dark || l.Dark {
		t.Error("Dark flags wrong")
	}
	if d.Text.Render("x") == l.Text.Render("x") {
		t.Error("light and dark text look the same")
	}
}
