package protocol

import (
	"bytes"
	"testing"
)

func TestAppendEscaped(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Hello!", "Hello!"},
		{"a\r\nb\tc", `a\r\nb\tc`},
		{"\x1b]0;title\x07", `\x1b]0;title\x07`},
		{"\x1b[2J", `\x1b[2J`},
		{"\x1b]52;c;aGk=\x07", `\x1b]52;c;aGk=\x07`},
		{"back\\slash", `back\\slash`},
		{"\x00\xff", `\x00\xff`},
		{"\u009b31m", `\u{9b}31m`}, // C1 CSI encoded in UTF-8
		{"\u202eevil", `\u{202e}evil`},
		{"héllo ✓", "héllo ✓"},
		{"\xc3", `\xc3`},
	}
	for _, c := range cases {
		got := string(AppendEscaped(nil, []byte(c.in)))
		if got != c.want {
			t.Errorf("AppendEscaped(%q) = %q, want %q", c.in, got, c.want)
		}
		if got := string(AppendEscapedString([]byte("x"), c.in)); got != "x"+c.want {
			t.Errorf("AppendEscapedString(%q) = %q, want %q", c.in, got, "x"+c.want)
		}
		if Escape(c.in) != c.want {
			t.Errorf("Escape(%q) = %q, want %q", c.in, Escape(c.in), c.want)
		}
	}
}

func TestUnescapeRoundTrip(t *testing.T) {
	for _, in := range []string{"plain", "a\r\nb", "\x00\x01\x7f\xff\\", "tab\there"} {
		got, err := Unescape(string(AppendEscaped(nil, []byte(in))))
		if err != nil || !bytes.Equal(got, []byte(in)) {
			t.Errorf("round trip of %q = %q, %v", in, got, err)
		}
	}
}

func TestUnescapeErrors(t *testing.T) {
	for _, in := range []string{`\`, `\x`, `\x4`, `\xzz`, `\q`} {
		if _, err := Unescape(in); err == nil {
			t.Errorf("Unescape(%q): no error", in)
		}
	}
}

func FuzzEscape(f *testing.F) {
	f.Add([]byte("\x1b]0;t\x07\r\n"))
	f.Add([]byte("héllo\xc3"))
	f.Fuzz(func(t *testing.T, b []byte) {
		out := AppendEscaped(nil, b)
		if s := AppendEscapedString(nil, string(b)); !bytes.Equal(s, out) {
			t.Fatalf("AppendEscapedString(%q) = %q, AppendEscaped %q", b, s, out)
		}
		for _, c := range out {
			if c < 0x20 || c == 0x7f {
				t.Fatalf("control byte %#x in escaped output %q", c, out)
			}
		}
		if bytes.ContainsRune(out, 0x9b) || bytes.Contains(out, []byte{0xc2, 0x9b}) {
			t.Fatalf("C1 CSI in escaped output %q", out)
		}
	})
}

func BenchmarkAppendEscaped(b *testing.B) {
	line := []byte("+INFO: a module flooding its port with plain text, 64 bytes\r\n")
	dst := make([]byte, 0, 256)
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for range b.N {
		dst = AppendEscaped(dst[:0], line)
	}
}
