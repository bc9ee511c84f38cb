package wizfi

import (
	"strings"
	"testing"

	"atbench/device/emulator"
	wz "atbench/protocol/wizfi"
)

// TestEveryCatalogCommandIsEmulated: each command of the catalogue has a
// handler.
func TestEveryCatalogCommandIsEmulated(t *testing.T) {
	h := newHarness(t, emulator.Config{})
	for _, spec := range wz.Catalog() {
		if _, ok := h.fw.commands[spec.Name]; !ok {
			t.Errorf("%s has no handler", spec.Name)
		}
	}
}

// TestCatalogExamples runs the catalogue's examples that need no peer and
// have a one-line reply, and expects that reply framed "\r\n<line>\r\n".
func TestCatalogExamples(t *testing.T) {
	h := newHarness(t, emulator.Config{})
	var last []string
	for _, spec := range wz.Catalog() {
		if spec.Reply == "" || strings.Contains(spec.Reply, "\n") || spec.Group == "socket" && spec.Name != "AT+NCLOSEALL" {
			continue
		}
		if spec.Name == "AT+WD" {
			last = append(last, spec.Example, spec.Reply)
			continue
		}
		h.Cmd(spec.Example, framed(spec.Reply))
		if spec.Name == "ATE1" {
			h.Cmd("ATE0", "ATE0\r"+ok)
		}
	}
	for i := 0; i < len(last); i += 2 {
		h.Cmd(last[i], framed(last[i+1]))
	}
	h.Quiet()
}

func framed(reply string) string {
	var b strings.Builder
	for _, l := range strings.Split(reply, "\n") {
		b.WriteString("\r\n" + l + "\r\n")
	}
	return b.String()
}
