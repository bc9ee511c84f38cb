package emulator_test

import (
	"testing"

	"atbench/device/emulator"
)

// TestLineBuffer: a line is assembled from pieces; one longer than Max is
// dropped whole and reported once at its end; an empty line is nil.
func TestLineBuffer(t *testing.T) {
	l := emulator.LineBuffer{Max: 5}
	l.Append([]byte("AT"))
	l.Append([]byte("+OK"))
	if line, over := l.End(); string(line) != "AT+OK" || over {
		t.Fatalf("End = %q, %v; want AT+OK", line, over)
	}
	l.Append([]byte("AT+"))
	l.Append([]byte("GMR"))
	l.Append([]byte("X"))
	if line, over := l.End(); line != nil || !over {
		t.Fatalf("over-long line: End = %q, %v; want nil, true", line, over)
	}
	if line, over := l.End(); line != nil || over {
		t.Fatalf("empty line: End = %q, %v; want nil, false", line, over)
	}
	l.Append([]byte("AT"))
	if line, _ := l.End(); string(line) != "AT" {
		t.Fatalf("after an over-long line: %q", line)
	}
}
