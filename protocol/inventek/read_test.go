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

func TestReadEnd(t *testing.T) {
	accepted := string(FormatEvent(AcceptedText("10.0.0.1", 80)))
	tests := []struct {
		buf  string
		max  int
		end  int
		sure bool
	}{
		{"\r\nabc\r\nOK\r\n> ", 1460, 13, false},
		{"\r\nabc\r\nOK\r\n> ", 3, 13, true},
		{"\r\nabc\r\nOK\r\n> " + accepted, 3, 13, true},
		{"\r\nabc\r\nOK\r\n> " + accepted, 1460, 13, false},
		{"\r\nab", 1460, -1, false},
		{"\r\nabcdef", 3, -1, false},
		{"\r\nabcdef\r\nOK\r\n", 3, -1, true},
		{"OK\r\n> ", 1460, 6, true},
		{"\r\nOK\r\n> ", 1460, 8, false},
		{"\r\n\r\nOK\r\n> ", 0, 10, true},
		{"\r\n-1\r\nOK\r\n> ", 2, 12, true},
		// Data holding the terminator: the last one within the bound wins.
		{"\r\nx\r\nOK\r\n> y\r\nOK\r\n> ", 10, 20, true},
		{"\r\nx\r\nOK\r\n> y\r\nOK\r\n> ", 1460, 20, false},
		{"\r\nx\r\nOK\r\n> y", 1460, 11, false},
		// A terminator past the bound is not this answer's.
		{"\r\nx\r\nOK\r\n> y\r\nOK\r\n> ", 1, 11, true},
		{"", 1460, -1, false},
	}
	for _, tt := range tests {
		end, sure := ReadEnd([]byte(tt.buf), tt.max)
		if end != tt.end || sure != tt.sure {
			t.Errorf("ReadEnd(%q, %d) = %d %v; want %d %v", tt.buf, tt.max, end, sure, tt.end, tt.sure)
		}
	}
}
