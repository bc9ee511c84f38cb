package ui

import (
	"fmt"
	"os"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

func TestDumpScreens(t *testing.T) {
	if os.Getenv("DUMP") == "" {
		t.Skip()
	}
	for _, sz := range [][2]int{{120, 40}, {80, 24}} {
		m := sized(t, scenario(), Options{Theme: "dark"}, sz[0], sz[1])
		m = step(m, keyMsg("f1"))
		fmt.Println(ansi.Strip(content(m)))
		m = step(m, keyMsg("esc"))
		m = step(m, tea.KeyPressMsg{Code: 'A', Text: "AT+SKTSERVER=1,1,,70000"})
		fmt.Println(ansi.Strip(content(m)))
	}
}
