package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"atbench/protocol"
	"atbench/session"
)

// linksText is the links pane as plain text, and flattened: its lines
// joined without the frame and the white space a wrap moves.
func linksText(m Model) (plain, flat string) { return paneText(m.links.View()) }

// paneText is a pane as plain text, and flattened.
func paneText(view string) (plain, flat string) {
	plain = ansi.Strip(view)
	var b strings.Builder
	for _, l := range strings.Split(plain, "\n") {
		l = strings.Trim(l, "│╭╮╰╯─ ")
		b.WriteString(strings.Join(strings.Fields(l), ""))
	}
	return plain, b.String()
}

func flatten(s string) string { return strings.Join(strings.Fields(s), "") }

// TestLinkRowsNeverCutAPortAnIDOrAReason: at 160 columns the issue saw
// "192.168.1.50:5…" and link 123 as "1…"; every width keeps them whole.
func TestLinkRowsNeverCutAPortAnIDOrAReason(t *testing.T) {
	f := scenario()
	reason := "no longer listed by the module (after Wi-Fi lost at 11:59:58), a long reason that must wrap instead of being cut"
	f.set(func(f *fakeBackend) {
		f.links = append(f.links[:2:2],
			protocol.LinkInfo{ID: 123, Role: protocol.RoleClient, Proto: protocol.ProtoTCP, Parent: protocol.NoLink,
				Local: "192.168.1.50:50000", Remote: "203.0.113.254:65535", State: protocol.StateEstablished, Opened: f.now},
			protocol.LinkInfo{ID: 7, Role: protocol.RoleClient, Proto: protocol.ProtoTCP, Parent: protocol.NoLink,
				Local: "192.168.1.50:50001", Remote: "203.0.113.254:65534", State: protocol.StateClosed, Opened: f.now,
				Closed: &protocol.Closed{At: f.now, Reason: reason}})
	})
	for _, w := range []int{160, 120, 80} {
		m := sized(t, f, Options{}, w, 60)
		plain, flat := linksText(m)
		if strings.Contains(plain, "…") {
			t.Errorf("width %d: the links pane cuts something:\n%s", w, plain)
		}
		for _, want := range []string{"192.168.1.50:50000", "203.0.113.254:65535", "123client", flatten(reason)} {
			if !strings.Contains(flat, flatten(want)) {
				t.Errorf("width %d: the links pane lacks %q:\n%s", w, want, plain)
			}
		}
		if !strings.Contains(plain, " 123 client") {
			t.Errorf("width %d: id 123 not shown whole:\n%s", w, plain)
		}
	}
}

// TestDeathTimesSayWhatIsKnown: a death a listing revealed is "dead when
// first seen … (alive at …)"; a told one has its time.
func TestDeathTimesSayWhatIsKnown(t *testing.T) {
	f := scenario()
	f.set(func(f *fakeBackend) {
		f.links[2].Closed = &protocol.Closed{At: f.now.Add(-time.Second), Reason: "no longer listed by the module",
			Seen: true, AliveAt: f.now.Add(-66 * time.Second)}
	})
	m := sized(t, f, Options{}, 120, 40)
	_, flat := linksText(m)
	seen, alive := f.links[2].Closed.At.Format("15:04:05"), f.links[2].Closed.AliveAt.Format("15:04:05")
	if want := flatten("✗ dead when first seen " + seen + " (alive at " + alive + "): no longer listed by the module"); !strings.Contains(flat, want) {
		t.Errorf("links pane lacks %q:\n%s", want, ansi.Strip(m.links.View()))
	}
	f.set(func(f *fakeBackend) { f.links[2].Closed.AliveAt = time.Time{} })
	m = sized(t, f, Options{}, 120, 40)
	if _, flat := linksText(m); !strings.Contains(flat, flatten("dead when first seen "+seen+" (never seen alive)")) {
		t.Errorf("never alive:\n%s", ansi.Strip(m.links.View()))
	}
}

// TestLinksPaneSaysHowFarItCanBeTrusted: unknown before a listing (with
// the key that lists them), stale while the port is lost, reset by a
// restart, at risk after a Wi-Fi loss.
func TestLinksPaneSaysHowFarItCanBeTrusted(t *testing.T) {
	f := newFake()
	f.set(func(f *fakeBackend) { f.stats.Table = session.TableState{StateCommand: "AT+SKTSTATE"} })
	m := sized(t, f, Options{}, 120, 40)
	_, flat := linksText(m)
	if want := flatten("the module's links are unknown until AT+SKTSTATE runs: l puts it in the console"); !strings.Contains(flat, want) {
		t.Errorf("no links, never listed:\n%s", ansi.Strip(m.links.View()))
	}
	m = step(m, keyMsg("tab")) // on an empty input the first tab lists the commands
	m = step(m, keyMsg("tab"))
	_, cmd := m.Update(keyMsg("l"))
	if msg, ok := cmd().(fillInputMsg); !ok || msg.line != "AT+SKTSTATE" {
		t.Fatalf("l: %#v, want AT+SKTSTATE for the console", msg)
	}

	f = scenario()
	at := f.now
	f.set(func(f *fakeBackend) {
		f.stats.State = session.Disconnected
		f.stats.Table = session.TableState{StateCommand: "AT+SKTSTATE", Listed: at.Add(-time.Minute), Stale: at,
			Restarted: at.Add(-time.Second), WifiLost: at.Add(-2 * time.Second)}
	})
	m = sized(t, f, Options{}, 120, 40)
	_, flat = linksText(m)
	hms := func(d time.Duration) string { return at.Add(d).Format("15:04:05") }
	for _, want := range []string{
		"stale: as of " + hms(0) + ", when the port was lost",
		"module restarted " + hms(-time.Second) + ": every link was reset",
		"Wi-Fi lost " + hms(-2*time.Second) + ": the links may be dead",
	} {
		if !strings.Contains(flat, flatten(want)) {
			t.Errorf("links pane lacks %q:\n%s", want, ansi.Strip(m.links.View()))
		}
	}
	if strings.Contains(flat, flatten("not listed yet")) {
		t.Errorf("listed once, yet said unlisted:\n%s", ansi.Strip(m.links.View()))
	}
	f.set(func(f *fakeBackend) {
		f.stats.State = session.Reconnected
		f.stats.Table = session.TableState{StateCommand: "AT+SKTSTATE", Stale: at}
	})
	m = sized(t, f, Options{}, 120, 40)
	_, flat = linksText(m)
	for _, want := range []string{
		"as of " + hms(0) + ": not listed since the port came back (l lists them)",
		"not listed yet: the module may hold other links (l lists them)",
	} {
		if !strings.Contains(flat, flatten(want)) {
			t.Errorf("links pane lacks %q:\n%s", want, ansi.Strip(m.links.View()))
		}
	}
}

// TestSendOnATCPServerPointsToItsSeeds: a TCP server sends nothing itself.
func TestSendOnATCPServerPointsToItsSeeds(t *testing.T) {
	f := scenario()
	m := sized(t, f, Options{}, 120, 40)
	m = step(m, keyMsg("tab")) // on an empty input the first tab lists the commands
	m = step(m, keyMsg("tab"))
	m = step(m, keyMsg("down")) // link 1, the server
	m = step(m, keyMsg("s"))
	if m.links.prompt {
		t.Fatal("s on a TCP server asked for a payload")
	}
	_, flat := linksText(m)
	if want := flatten("link 1 is a TCP server: send through one of its seeds (0)"); !strings.Contains(flat, want) {
		t.Errorf("links pane lacks %q:\n%s", want, ansi.Strip(m.links.View()))
	}
}

// TestLinksPaneShowsHiddenRows: the title says which links are shown when
// some are not.
func TestLinksPaneShowsHiddenRows(t *testing.T) {
	f := scenario()
	f.set(func(f *fakeBackend) {
		for id := 3; id < 12; id++ {
			f.links = append(f.links, protocol.LinkInfo{ID: id, Role: protocol.RoleClient, Proto: protocol.ProtoUDP,
				Parent: protocol.NoLink, Local: "0.0.0.0:7000", State: protocol.StateBound, Opened: f.now})
		}
	})
	m := sized(t, f, Options{}, 120, 40)
	plain := ansi.Strip(m.links.View())
	title := strings.SplitN(plain, "\n", 2)[0]
	if !strings.Contains(title, "12 closed") && !strings.Contains(title, "/12") {
		t.Errorf("the title does not say rows are hidden: %q\n%s", title, plain)
	}
	m = sized(t, f, Options{}, 120, 200)
	if title := strings.SplitN(ansi.Strip(m.links.View()), "\n", 2)[0]; strings.Contains(title, "/12") {
		t.Errorf("every row shown, yet the title says some are hidden: %q", title)
	}
}

// TestKeepaliveSaysPredicted: a predicted keepalive says so, and a link
// whose keepalive is unknown says that.
func TestKeepaliveSaysPredicted(t *testing.T) {
	f := scenario()
	f.set(func(f *fakeBackend) {
		f.links[0].Keepalive.Source = protocol.KeepalivePredicted
		f.links[1].Keepalive = protocol.Keepalive{Source: protocol.KeepalivePredicted, Enabled: true}
		f.links = append(f.links, protocol.LinkInfo{ID: 5, Role: protocol.RoleClient, Proto: protocol.ProtoTCP,
			Parent: protocol.NoLink, State: protocol.StateEstablished, Opened: f.now,
			Keepalive: protocol.Keepalive{Source: protocol.KeepaliveUnknown}})
	})
	m := sized(t, f, Options{}, 120, 60)
	plain, flat := paneText(m.keepalive.View())
	for _, want := range []string{
		"0 seed on · idle 1m00s · intvl 10s · cnt 3 · predicted",
		"if silent, dead at",
		"1 server listening (its seeds get keepalive on)",
		"5 client keepalive unknown (no setting seen before it opened)",
		"predicted from the commands the module accepted before each link opened, not read from the module",
	} {
		if !strings.Contains(flat, flatten(want)) {
			t.Errorf("keepalive pane lacks %q:\n%s", want, plain)
		}
	}
}

// TestStatusBarSaysTheLogFails: the count of lines missed, at once.
func TestStatusBarSaysTheLogFails(t *testing.T) {
	f := scenario()
	f.set(func(f *fakeBackend) {
		f.stats.Log = session.LogState{Failing: true, Err: "transcript log: write /dev/full: no space left on device", Missed: 12}
	})
	m := sized(t, f, Options{LogPath: "/dev/full"}, 160, 40)
	if scr := ansi.Strip(content(m)); !strings.Contains(scr, "log failing: 12 lines missed") {
		t.Errorf("status bar does not say the log fails:\n%s", scr)
	}
}
