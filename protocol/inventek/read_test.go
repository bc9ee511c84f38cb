package inventek

import "testing"

func TestSplitRead(t *testing.T) {
	tests := []struct {
		answer   string
		data     string
		lost, ok bool
	}{
		{"\r\nData from 192.168.10.100\r\nOK\r\n> ", "Data from 192.168.10.100", false, true},
		{"\r\n\r\nOK\r\n> ", "", false, true},
		{"\r\nOK\r\n> ", "", false, true},
		{"OK\r\n> ", "", false, true},
		{"\r\n-1\r\nOK\r\n> ", "-1", true, true},
		// Data holding CR LF, "OK" and even the whole terminator: only the
		// last terminator ends it.
		{"\r\na\r\nb\r\n\r\nOK\r\n> ", "a\r\nb\r\n", false, true},
		{"\r\nOK\r\nOK\r\n> ", "OK", false, true},
		{"\r\n\r\nOK\r\n> \r\nOK\r\n> ", "\r\nOK\r\n> ", false, true},
		{"\r\n-1\r\n\r\nOK\r\n> ", "-1\r\n", false, true},
		{"\r\n\x00\xff\x1b[2J\r\nOK\r\n> ", "\x00\xff\x1b[2J", false, true},
		// Not an R0 answer, or cut short.
		{"\r\nERROR: Unknown Error\r\nUsage: R0 \r\n> ", "", false, false},
		{"\r\nabc\r\nOK\r\n", "", false, false},
		{"\r\nabc\r\nOK\r\n>", "", false, false},
		{"abc\r\nOK\r\n> ", "", false, false},
		{"> ", "", false, false},
		{"", "", false, false},
	}
	for _, tt := range tests {
		data, lost, ok := SplitRead([]byte(tt.answer))
		if string(data) != tt.data || lost != tt.lost || ok != tt.ok {
			t.Errorf("SplitRead(%q) = %q %v %v; want %q %v %v", tt.answer, data, lost, ok, tt.data, tt.lost, tt.ok)
		}
	}
}

// TestSplitReadFormatOK checks that every payload FormatOK writes is read
// back whole, whatever bytes it holds.
func TestSplitReadFormatOK(t *testing.T) {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	for _, d := range [][]byte{nil, []byte("x"), []byte("\r\n"), []byte(okTail), []byte("\r\n" + okTail), all, []byte("OK\r\n> ")} {
		got, lost, ok := SplitRead(FormatOK(d))
		if !ok || lost || string(got) != string(d) {
			t.Errorf("SplitRead(FormatOK(%q)) = %q %v %v", d, got, lost, ok)
		}
	}
}
