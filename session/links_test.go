package session

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"atbench/device"
	"atbench/protocol"
	"atbench/protocol/realtek"
	"atbench/protocol/wizfi"
)

// TestLinksInferredFromARealModule plays a Realtek module byte for byte
// and checks the link table the session builds from its answers, as it
// does for a real module (the emulator offers its own table instead).
func TestLinksInferredFromARealModule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, f, stop := start(t, Options{Dialect: realtek.New()})
		defer stop()
		lines := f.lines()
		exec := func(cmd, reply string) {
			t.Helper()
			c, err := s.Submit(cmd)
			if err != nil {
				t.Fatal(err)
			}
			if got := <-lines; got != cmd {
				t.Fatalf("module got %q, want %q", got, cmd)
			}
			f.say(reply)
			if _, err := c.Wait(context.Background()); err != nil {
				t.Fatalf("%s: %v", cmd, err)
			}
		}
		link := func(id int) protocol.LinkInfo {
			t.Helper()
			for _, l := range s.Links() {
				if l.ID == id && l.Closed == nil {
					return l
				}
			}
			t.Fatalf("no live link %d in %+v", id, s.Links())
			return protocol.LinkInfo{}
		}

		exec("AT+SKTSERVER=1,1,,1234,1", "\r\nOK\r\n")
		if l := link(1); l.Role != protocol.RoleServer || l.Proto != protocol.ProtoTCP || l.State != protocol.StateListen || l.Local != "0.0.0.0:1234" {
			t.Errorf("server %+v", l)
		}
		f.say("[$][SKT][EVENT]: A client[link_id:0,seed,tcp,dst_address:127.0.0.1,dst_port:50000] connected to server[link_id:1]\r\n")
		f.say("[$][SKT][DATA][0][7]:Hello!\n\r\n")
		synctest.Wait()
		rxAt := time.Now()
		if l := link(0); l.Role != protocol.RoleSeed || l.Parent != 1 || l.Remote != "127.0.0.1:50000" || l.BytesIn != 7 || !l.LastRx.Equal(rxAt) {
			t.Errorf("seed %+v", l)
		}
		time.Sleep(3 * time.Second)
		exec("AT+SKTSEND=0,6,,,Hello!", "\r\nOK\r\n")
		if l := link(0); l.BytesOut != 6 || l.LastTx.Sub(l.LastRx) != 3*time.Second {
			t.Errorf("after send %+v", l)
		}
		exec("AT+SKTCFG=2000,2000,,1,60,10,3", "\r\nOK\r\n")
		want := map[string]string{"so_sndtimeo": "2000", "tcp_nodelay": "0", "so_keepalive": "1", "tcp_keepidle": "60", "tcp_keepcnt": "3"}
		got := map[string]string{}
		for _, st := range s.Settings() {
			got[st.Name] = st.Value
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("setting %s = %q, want %q", k, got[k], v)
			}
		}
		// The peer went away silently (the firmware prints nothing); the
		// next AT+SKTREAD says so with ERROR: 4.
		exec("AT+SKTREAD=0,10", "\r\nERROR: 4\r\n")
		// The firmware closed the socket but the link holds its id until
		// AT+SKTDEL: it stays in the table, dead, with its history.
		dead := func(what string) {
			t.Helper()
			ls := s.Links()
			if len(ls) < 2 || ls[0].ID != 0 || ls[0].Closed == nil || ls[0].Closed.Reason != "peer closed (AT+SKTREAD: ERROR: 4)" ||
				ls[0].Parent != 1 || ls[0].BytesIn != 7 || ls[0].State != protocol.StateClosed {
				t.Fatalf("%s: %+v", what, ls)
			}
		}
		dead("after ERROR: 4")
		// A listing shows it with socket_fd:-1 (the same dead link, not a
		// new one) and lacks link 2, which it closes.
		exec("AT+SKTSERVER=2,0,,4321,0", "\r\nOK\r\n")
		exec("AT+SKTSTATE", "link_id:1,server,tcp,src_address:192.168.0.109,src_port:1234,dst_address:0.0.0.0,dst_port:0,socket_fd:0\r\n"+
			"link_id:0,seed,tcp,src_address:0.0.0.0,src_port:0,dst_address:127.0.0.1,dst_port:50000,socket_fd:-1\r\n\r\nOK\r\n")
		dead("after AT+SKTSTATE")
		if l := link(1); l.Local != "192.168.0.109:1234" {
			t.Errorf("server after state %+v", l)
		}
		byID := func(id int) []protocol.LinkInfo {
			var out []protocol.LinkInfo
			for _, l := range s.Links() {
				if l.ID == id {
					out = append(out, l)
				}
			}
			return out
		}
		if ls := byID(2); len(ls) != 1 || ls[0].Closed == nil || ls[0].Closed.Reason != "no longer listed by the module" {
			t.Errorf("link 2 not closed by the listing: %+v", ls)
		}
		if ls := byID(0); len(ls) != 1 {
			t.Errorf("link 0 listed %d times: %+v", len(ls), ls)
		}
		// Deleting the server closes it and its seed; the seed keeps the
		// reason it died with.
		exec("AT+SKTDEL=1", "\r\nOK\r\n")
		for _, l := range s.Links() {
			if l.Closed == nil {
				t.Errorf("live link left after AT+SKTDEL: %+v", l)
			}
		}
		if ls := byID(1); len(ls) != 1 || ls[0].Closed.Reason != "deleted (AT+SKTDEL)" {
			t.Errorf("server after AT+SKTDEL %+v", ls)
		}
		if ls := byID(0); len(ls) != 1 || ls[0].Closed.Reason != "peer closed (AT+SKTREAD: ERROR: 4)" {
			t.Errorf("seed after AT+SKTDEL %+v", ls)
		}
		// A new link may take the freed id.
		f.say("[$][SKT][EVENT]: A client[link_id:0,seed,tcp,dst_address:127.0.0.1,dst_port:50001] connected to server[link_id:3]\r\n")
		synctest.Wait()
		if l := link(0); l.Remote != "127.0.0.1:50001" || l.BytesIn != 0 || l.Parent != 3 {
			t.Errorf("new link on a freed id %+v", l)
		}
	})
}

// A listing that says there is no link at all (an update of NoLink marked
// Snapshot) closes every live link at once, whatever command it answers;
// other updates of NoLink change nothing.
func TestLinkTableEmptySnapshot(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 18, 0, 0, 0, time.UTC)
	tb := newLinkTable()
	tb.apply(protocol.LinkUpdate{ID: 0, Present: true, Role: protocol.RoleServer, State: protocol.StateListen, Parent: protocol.NoLink}, t0)
	tb.apply(protocol.LinkUpdate{ID: 1, Present: true, Role: protocol.RoleSeed, Parent: 0, State: protocol.StateEstablished}, t0)
	tb.apply(protocol.LinkUpdate{ID: protocol.NoLink, Present: true, RxBytes: 3, Gone: false}, t0)
	if n := len(tb.live); n != 2 {
		t.Fatalf("an update of NoLink without Snapshot changed the table: %d live links, want 2", n)
	}
	t1 := t0.Add(time.Minute)
	tb.apply(protocol.LinkUpdate{ID: protocol.NoLink, Snapshot: true, Parent: protocol.NoLink}, t1)
	if len(tb.live) != 0 {
		t.Fatalf("after an empty listing: live %v", tb.live)
	}
	list := tb.list(t1)
	if len(list) != 2 {
		t.Fatalf("list %+v, want the two links closed", list)
	}
	for _, l := range list {
		if l.Closed == nil || !l.Closed.At.Equal(t1) || l.Closed.Reason != "no longer listed by the module" || l.State != protocol.StateClosed {
			t.Errorf("link %d: %+v closed %+v", l.ID, l, l.Closed)
		}
	}
	// The reason of the update is kept, and an empty table stays empty.
	tb.apply(protocol.LinkUpdate{ID: 2, Present: true, Role: protocol.RoleClient, State: protocol.StateEstablished, Parent: protocol.NoLink}, t1)
	tb.apply(protocol.LinkUpdate{ID: protocol.NoLink, Snapshot: true, Reason: "AT+CID=?: No valid Cids", Parent: protocol.NoLink}, t1)
	tb.apply(protocol.LinkUpdate{ID: protocol.NoLink, Snapshot: true, Parent: protocol.NoLink}, t1)
	if l := tb.list(t1); len(tb.live) != 0 || len(l) != 3 || l[0].ID != 2 || l[0].Closed.Reason != "AT+CID=?: No valid Cids" {
		t.Fatalf("list %+v", l)
	}
}

// TestLinksInferredFromAWizFiModule plays a WizFi210 module and checks the
// link table the session builds from its answers and events: the CID of
// an open comes in its answer's CONNECT line, an accept names its server,
// ESC frames count as received data, DISCONNECT and " No valid Cids" close
// links, and the settings of the seed's keepalive recipe reach the
// dialect's per-link keepalive.
func TestLinksInferredFromAWizFiModule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := wizfi.New()
		// The fake module reads CR LF lines; the module takes them too.
		s, f, stop := start(t, Options{Dialect: d, LineEnding: "\r\n"})
		defer stop()
		lines := f.lines()
		var frames []string // ESC frames the host wrote before a line
		exec := func(cmd, reply string) protocol.Record {
			t.Helper()
			c, err := s.Submit(cmd)
			if err != nil {
				t.Fatal(err)
			}
			got := <-lines
			if i := strings.LastIndex(got, "\x1bE"); i >= 0 {
				frames = append(frames, got[:i+2])
				got = got[i+2:]
			}
			if got != cmd {
				t.Fatalf("module got %q, want %q", got, cmd)
			}
			f.say(reply)
			final, err := c.Wait(context.Background())
			if err != nil {
				t.Fatalf("%s: %v", cmd, err)
			}
			return final
		}
		live := func() map[int]protocol.LinkInfo {
			out := map[int]protocol.LinkInfo{}
			for _, l := range s.Links() {
				if l.Closed == nil {
					out[l.ID] = l
				}
			}
			return out
		}
		closedReason := func(id int) string {
			for _, l := range s.Links() {
				if l.ID == id && l.Closed != nil {
					return l.Closed.Reason
				}
			}
			return ""
		}

		if final := exec("AT+NSTCP=5000", "\r\nCONNECT 0\r\n\r\n[OK]\r\n"); final.Kind != protocol.KindOK || final.LinkID != 0 {
			t.Fatalf("AT+NSTCP final %+v, want OK of link 0", final)
		}
		if l := live()[0]; l.Role != protocol.RoleServer || l.Proto != protocol.ProtoTCP || l.State != protocol.StateListen || l.Local != "0.0.0.0:5000" {
			t.Errorf("server %+v", l)
		}
		f.say("\r\nCONNECT 0 1 192.168.100.200 65535\r\n\x1bS1hi\r\n\x1b\x1b\x1bE")
		synctest.Wait()
		if l := live()[1]; l.Role != protocol.RoleSeed || l.Parent != 0 || l.Remote != "192.168.100.200:65535" || l.BytesIn != 5 {
			t.Errorf("seed %+v", l)
		}
		exec("AT+SETSOCKOPT=1,65535,8,1,4", "\r\n[OK]\r\n")
		exec("AT+SETSOCKOPT=1,6,4001,600,4", "\r\n[OK]\r\n")
		lk := d.(interface {
			LinkKeepalive(int, []protocol.Setting) (protocol.Keepalive, bool)
		})
		ka, ok := lk.LinkKeepalive(1, s.Settings())
		if !ok || !ka.Enabled || ka.Idle+time.Duration(ka.Count)*ka.Interval != 600*time.Second {
			t.Errorf("keepalive of CID 1 after the seed's recipe: %+v %v (settings %v)", ka, ok, s.Settings())
		}
		if final := exec("AT+NCTCP=192.168.100.10,8080", "\r\nCONNECT 2\r\n\r\n[OK]\r\n"); final.LinkID != 2 {
			t.Fatalf("AT+NCTCP final %+v", final)
		}
		if l := live()[2]; l.Role != protocol.RoleClient || l.Remote != "192.168.100.10:8080" || l.State != protocol.StateEstablished {
			t.Errorf("client %+v", l)
		}
		// A send is an ESC frame written raw: its bytes count as sent.
		plan, err := d.SendPlan(2, []byte("hello"))
		if err != nil {
			t.Fatal(err)
		}
		c, err := s.Send(plan)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		if l := live()[2]; l.BytesOut != 5 {
			t.Errorf("bytes out of CID 2 after a 5-byte send: %d", l.BytesOut)
		}
		defer func() {
			if len(frames) != 1 || frames[0] != "\x1bS2hello\x1bE" {
				t.Errorf("frames written %q", frames)
			}
		}()
		f.say("\r\nDISCONNECT 1\r\n")
		synctest.Wait()
		if _, ok := live()[1]; ok || closedReason(1) != "DISCONNECT 1" {
			t.Errorf("after DISCONNECT 1: %+v", s.Links())
		}
		if final := exec("AT+SETSOCKOPT=1,6,4001,75,4", "\r\n[ERROR: INVALID CID]\r\n"); final.Kind != protocol.KindError {
			t.Errorf("final %+v", final)
		}
		exec("AT+NCLOSE=0", "\r\n[OK]\r\n")
		if _, ok := live()[0]; ok || closedReason(0) != "closed (AT+NCLOSE)" {
			t.Errorf("after AT+NCLOSE=0: %+v", s.Links())
		}
		exec("AT+CID=?", "\r\n No valid Cids\r\n\r\n[OK]\r\n")
		if n := len(live()); n != 0 || closedReason(2) != "not listed by AT+CID=? (No valid Cids)" {
			t.Errorf("after No valid Cids: %+v", s.Links())
		}
	})
}

// TestBoundaryCutsADelimitedPayload: a replug in the middle of an ESC S
// frame drops it, and the note says its end never came (the frame has no
// length to compare with).
func TestBoundaryCutsADelimitedPayload(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, f, stop := start(t, Options{Dialect: wizfi.New()})
		defer stop()
		f.say("\x1bS1abcd\x1b\x1b")
		f.lose()
		f.status <- device.Status{State: device.Disconnected, Cause: errors.New("unplugged")}
		f.status <- device.Status{State: device.Reconnected}
		synctest.Wait()
		f.say("\r\nSerial2WiFi APP\r\n")
		synctest.Wait()
		got := kinds(s)
		want := "note:payload of link 1 cut by the disconnect: 5 bytes, its end never came"
		if !strings.Contains(got, want) || !strings.Contains(got, "event:Serial2WiFi APP") || strings.Contains(got, "data:") {
			t.Fatalf("records %s\nwant %q and the banner, no data", got, want)
		}
	})
}
