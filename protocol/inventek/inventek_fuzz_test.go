package inventek

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"atbench/protocol"
)

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"PK=1,3000\r", "P5=11\r", "S3=1\r", "S3=1461\r", "R0\r", "P?\r", "\nC0\r", "C1=a,b", "AT+GMR\r", "", "P3=1.2.3.4"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		cmd, err := ParseCommand(line)
		var ce *CommandError
		switch {
		case err == nil:
			spec, ok := Lookup(Catalog(), cmd.Name)
			if !ok || len(cmd.Name) != 2 {
				t.Fatalf("%q parsed as unknown command %q", line, cmd.Name)
			}
			if cmd.HasArgs != (len(spec.Params) > 0) {
				t.Fatalf("%q: HasArgs %v for %s", line, cmd.HasArgs, cmd.Name)
			}
			// The line rebuilt from the command parses the same.
			again := cmd.Name
			if cmd.HasArgs {
				again += "=" + strings.Join(cmd.Args, ",")
			}
			cmd2, err := ParseCommand([]byte(again + LineEnding))
			if err != nil || cmd2.Name != cmd.Name || strings.Join(cmd2.Args, ",") != strings.Join(cmd.Args, ",") {
				t.Fatalf("%q: rebuilt %q parses as %+v, %v", line, again, cmd2, err)
			}
			n := cmd.PayloadLength(7)
			switch cmd.Name {
			case "S3":
				if n < 1 || n > MaxPayload {
					t.Fatalf("%q: payload length %d", line, n)
				}
			case "S0":
				if n != 7 {
					t.Fatalf("%q: payload length %d, want S1's 7", line, n)
				}
			default:
				if n != 0 {
					t.Fatalf("%q: payload length %d", line, n)
				}
			}
		case errors.Is(err, ErrEmpty):
		case errors.As(err, &ce):
			if ce.Discard < 0 || ce.Discard > maxDiscard || (ce.Discard > 0 && ce.Name != "S3") {
				t.Fatalf("%q: discard %d", line, ce.Discard)
			}
			ans := ce.Answer()
			if !bytes.HasSuffix(ans, []byte("\r\n"+Prompt)) || !bytes.HasPrefix(ans, []byte("\r\nERROR")) {
				t.Fatalf("%q: answer %q", line, ans)
			}
		default:
			t.Fatalf("%q: unexpected error %v", line, err)
		}
	})
}

func FuzzSplitRead(f *testing.F) {
	f.Add([]byte("Data from 192.168.10.100"), []byte("\r\nabc\r\nOK\r\n> "))
	f.Add([]byte("a\r\nOK\r\n> b"), []byte("OK\r\n> "))
	f.Add([]byte("-1"), []byte("\r\n-1\r\nOK\r\n> "))
	f.Add([]byte(""), []byte("\r\nERROR: Unknown Error\r\nUsage: R0 \r\n> "))
	f.Fuzz(func(t *testing.T, data, answer []byte) {
		// Whatever FormatOK writes is read back whole.
		got, lost, ok := SplitRead(FormatOK(data))
		if !ok || !bytes.Equal(got, data) || lost != (string(data) == Lost) {
			t.Fatalf("SplitRead(FormatOK(%q)) = %q %v %v", data, got, lost, ok)
		}
		// Any answer it accepts is data framed by one of the known forms.
		got, lost, ok = SplitRead(answer)
		if !ok {
			return
		}
		if lost != (string(got) == Lost) {
			t.Fatalf("SplitRead(%q): lost %v for %q", answer, lost, got)
		}
		empty := string(answer) == okTail || string(answer) == okTail[2:]
		if !bytes.Equal(FormatOK(got), answer) && !(empty && len(got) == 0) {
			t.Fatalf("SplitRead(%q) = %q, which is not how the answer frames it", answer, got)
		}
	})
}

func FuzzParseLine(f *testing.F) {
	for _, s := range []string{
		"[TCP SVR] Accepted 192.168.10.100:34489", "[SOMA][TCP SVR] Accepted 1.2.3.4:5[EOMA]",
		"[JOIN   ] SSID,192.168.2.18,0,0", "1,192.168.1.94,0,192.168.1.94,13001,0,0,1,0,0,0,7200000",
		"0,192.168.2.18,5024,0.0.0.0,0,1,0,6,1,0", "-1", "1460", "OK", "ERROR: Unknown Error", "> ",
		"[TCP SVR] Waiting on connection …",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		k, link := Classify([]byte(line))
		if link != protocol.NoLink || k > protocol.KindNote {
			t.Fatalf("Classify(%q) = %v, %d", line, k, link)
		}
		if a, ok := ParseAccept(line); ok {
			if a2, ok := ParseAccept(AcceptedText(a.IP, a.Port)); !ok || a2 != a || a.Port < 1 || a.Port > 65535 {
				t.Fatalf("ParseAccept(%q) = %+v does not round-trip", line, a)
			}
			if k != protocol.KindEvent {
				t.Fatalf("accept %q classified %v", line, k)
			}
		}
		if j, ok := ParseJoin(line); ok {
			if j2, ok := ParseJoin(JoinText(j.SSID, j.IP)); !ok || j2 != j {
				t.Fatalf("ParseJoin(%q) = %+v does not round-trip", line, j)
			}
		}
		if tr, ok := ParseTransport(line); ok {
			tr.HasKeepalive = true
			if tr2, ok := ParseTransport(FormatTransport(tr)); !ok || tr2 != tr {
				t.Fatalf("ParseTransport(%q) = %+v does not round-trip: %+v", line, tr, tr2)
			}
			for _, u := range TransportUpdates(1, tr) {
				if u.ID != 1 && u.ID != SeedLink(1) {
					t.Fatalf("P? %q gives link %d", line, u.ID)
				}
			}
		}
		if n, lost, ok := ParseCount(line); ok && (n < 0 || (lost && n != 0)) {
			t.Fatalf("ParseCount(%q) = %d %v", line, n, lost)
		}
	})
}

// FuzzTracker feeds a Tracker lines as answers and events: it never
// panics and names only sockets and their seeds.
func FuzzTracker(f *testing.F) {
	f.Add("P0=1\nP2=80\nP5=11\n!Accepted\nR0\n-1\nS3=1\n1\nP5=10\nP5=0")
	f.Add("P0=3\nP1=3\nP3=1.2.3.4\nP4=443\nP6=1\nP?\n3,1.1.1.1,1,2.2.2.2,3,0,0,0,0,0,1,5\nP6=0")
	f.Fuzz(func(t *testing.T, script string) {
		var tr Tracker
		lines := strings.Split(script, "\n")
		for i := 0; i < len(lines); i++ {
			var ups []protocol.LinkUpdate
			if rest, ok := strings.CutPrefix(lines[i], "!"); ok {
				ups = tr.Event("[TCP SVR] " + rest + " 10.0.0.1:1")
			} else {
				data := ""
				if i+1 < len(lines) {
					data = lines[i+1]
				}
				ups, _ = tr.Answer(lines[i], i%3 != 2, []byte(data))
			}
			for _, u := range ups {
				if _, _, ok := SocketOf(u.ID); !ok {
					t.Fatalf("update for link %d: %+v", u.ID, u)
				}
			}
			if s := tr.Selected(); s < 0 || s >= MaxSockets {
				t.Fatalf("selected %d", s)
			}
		}
	})
}

// FuzzReadEnd checks that an R0 answer of at most max bytes followed by
// an accept message ends where FormatOK ended it, and that ReadEnd stays
// within any buffer.
func FuzzReadEnd(f *testing.F) {
	f.Add([]byte("x\r\nOK\r\n> y"), uint16(10), true, []byte("\r\nOK\r\n> "))
	f.Add([]byte(""), uint16(0), false, []byte("OK\r\n> "))
	f.Add([]byte("-1"), uint16(1460), true, []byte("\r\n"))
	f.Fuzz(func(t *testing.T, data []byte, max uint16, event bool, buf []byte) {
		m := int(max % (MaxPayload + 1))
		if len(data) > m {
			data = data[:m]
		}
		answer := FormatOK(data)
		stream := answer
		if event {
			stream = append(stream[:len(stream):len(stream)], FormatEvent(AcceptedText("10.0.0.1", 80))...)
		}
		end, sure := ReadEnd(stream, m)
		if end != len(answer) {
			t.Fatalf("ReadEnd(%q, %d) = %d, want %d", stream, m, end, len(answer))
		}
		if sure && !bytes.Equal(answer[2:end-len(okTail)], data) {
			t.Fatalf("sure of a wrong end")
		}
		if end, _ := ReadEnd(buf, m); end < -1 || end > len(buf) {
			t.Fatalf("ReadEnd(%q) = %d", buf, end)
		}
	})
}
