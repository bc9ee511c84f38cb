package inventek

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"atbench/protocol"
)

// readSeed returns the seed transcript (a copy of
// shared/seeds/inventek-multi-accept.txt).
func readSeed(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("testdata/inventek-multi-accept.txt")
	if err != nil {
		t.Fatalf("reading the seed: %v", err)
	}
	return string(b)
}

// TestSeedConversation plays the seed transcript's module output through
// the framer (with the "> " prompt) and Classify, then gives each answer
// to a Tracker together with the command that got it, as a session will.
// The link table that results is the seed's story: socket 0 listens, a
// client is accepted, read from and written to, dropped with P5=10, a
// second one accepted, then the server is killed.
func TestSeedConversation(t *testing.T) {
	fr := protocol.NewFramer(protocol.FrameSpec{MaxLine: MaxLine, Prompts: []string{Prompt}}, Classify)
	var tr Tracker
	var ups []protocol.LinkUpdate
	var settings []protocol.Setting
	var kinds []protocol.Kind
	for i, r := range seedReplies {
		recs := fr.Feed(nil, r.module)
		if len(recs) == 0 || recs[len(recs)-1].Kind != protocol.KindPrompt {
			t.Fatalf("%d %s: records %+v do not end with the prompt", i, r.cmd, recs)
		}
		var data []string
		ok := false
		for _, rec := range recs {
			kinds = append(kinds, rec.Kind)
			switch rec.Kind {
			case protocol.KindEvent:
				ups = append(ups, tr.Event(rec.Text)...)
			case protocol.KindInfo:
				data = append(data, rec.Text)
			case protocol.KindOK:
				ok = true
			}
		}
		if r.cmd == "" {
			continue
		}
		if r.cmd == "R0" {
			// R0's data is framed raw by the session; here the answer bytes
			// go through SplitRead, as the session will do.
			d, lost, okr := SplitRead(r.module)
			if !okr || lost || string(d) != strings.Join(data, "\r\n") {
				t.Errorf("%d R0: SplitRead %q %v %v", i, d, lost, okr)
			}
		}
		u, s := tr.Answer(r.cmd, ok, []byte(strings.Join(data, "\r\n")))
		ups = append(ups, u...)
		settings = append(settings, s...)
	}
	wantUps := []protocol.LinkUpdate{
		{ID: 0, Present: true, Role: protocol.RoleServer, Proto: protocol.ProtoTCP, Parent: protocol.NoLink, Local: "0.0.0.0:5024", State: protocol.StateListen},
		{ID: 4, Present: true, Role: protocol.RoleSeed, Proto: protocol.ProtoTCP, Parent: 0, Remote: "192.168.10.100:34489", State: protocol.StateEstablished},
		{ID: 4, Parent: protocol.NoLink, RxBytes: 24},
		{ID: 4, Parent: protocol.NoLink, TxBytes: 1},
		{ID: 4, Gone: true, Parent: 0, Reason: "closed by the host (P5=10)", Cause: protocol.CauseHost},
		{ID: 4, Present: true, Role: protocol.RoleSeed, Proto: protocol.ProtoTCP, Parent: 0, Remote: "192.168.10.100:34504", State: protocol.StateEstablished},
		{ID: 4, Parent: protocol.NoLink, RxBytes: 24},
		{ID: 4, Parent: protocol.NoLink, TxBytes: 1},
		{ID: 4, Gone: true, Parent: 0, Reason: "server stopped (P5=0)", Cause: protocol.CauseHost},
		{ID: 0, Gone: true, Parent: protocol.NoLink, Reason: "server stopped (P5=0)", Cause: protocol.CauseHost},
	}
	if !reflect.DeepEqual(ups, wantUps) {
		t.Errorf("link updates:\n got %+v\nwant %+v", ups, wantUps)
	}
	wantSet := []protocol.Setting{{Name: "socket0.keepalive", Value: "1"}, {Name: "socket0.keepalive_ms", Value: "3000"}}
	if !reflect.DeepEqual(settings, wantSet) {
		t.Errorf("settings %+v, want %+v", settings, wantSet)
	}
	if k := tr.Keepalive(0); !k.Enabled || k.Idle.Milliseconds() != 3000 {
		t.Errorf("keepalive in force %+v", k)
	}
	var finals, prompts, events int
	for _, k := range kinds {
		switch {
		case k.Final():
			finals++
		case k == protocol.KindPrompt:
			prompts++
		case k == protocol.KindEvent:
			events++
		}
	}
	// 11 commands, 13 prompts (one after each accept), and the events:
	// Multi-Accept Setup, 2 Waiting, 2 Accepted, Killed: 6.
	if finals != 11 || prompts != 13 || events != 6 {
		t.Errorf("%d finals, %d prompts, %d events", finals, prompts, events)
	}
}

// TestLostConversation is the seed's "-1" case: once the connection is gone
// R0 and S3 answer -1, and the seed link is closed with the reason.
func TestLostConversation(t *testing.T) {
	var tr Tracker
	for _, c := range []string{"P0=2", "P2=80", "P5=11"} {
		tr.Answer(c, true, nil)
	}
	if ups := tr.Event("[TCP SVR] Accepted 10.0.0.9:4000"); len(ups) != 1 || ups[0].ID != SeedLink(2) || ups[0].Parent != 2 {
		t.Fatalf("accept: %+v", ups)
	}
	data, lost, ok := SplitRead(FormatLost())
	if !ok || !lost {
		t.Fatalf("SplitRead(-1) = %q %v %v", data, lost, ok)
	}
	ups, _ := tr.Answer("R0", true, data)
	want := []protocol.LinkUpdate{{ID: 6, Parent: protocol.NoLink, State: protocol.StateClosed,
		Reason: "connection lost: keepalive or peer close (R0 answered -1)"}}
	if !reflect.DeepEqual(ups, want) {
		t.Errorf("R0 -1: %+v", ups)
	}
	ups, _ = tr.Answer("S3=5", true, []byte("-1"))
	if len(ups) != 1 || ups[0].ID != 6 || ups[0].State != protocol.StateClosed || !strings.Contains(ups[0].Reason, "S3 answered -1") {
		t.Errorf("S3 -1: %+v", ups)
	}
	// A failed command changes nothing; P0 elsewhere moves the selection.
	if ups, _ := tr.Answer("P5=0", false, nil); ups != nil {
		t.Errorf("failed P5=0: %+v", ups)
	}
	tr.Answer("P0=1", true, nil)
	if tr.Selected() != 1 {
		t.Errorf("selected %d", tr.Selected())
	}
	// An accept while socket 1 (no server) is selected belongs to socket 2.
	if ups := tr.Event("[SOMA][TCP SVR] Accepted 10.0.0.9:4001[EOMA]"); len(ups) != 1 || ups[0].ID != 6 {
		t.Errorf("accept with another socket selected: %+v", ups)
	}
	if ups := tr.Event("[TCP TSK] Killed"); ups != nil {
		t.Errorf("Killed gave %+v", ups)
	}
}

func TestTrackerClient(t *testing.T) {
	var tr Tracker
	for _, c := range []string{"P0=1", "P1=0", "P3=192.168.1.2", "P4=5024"} {
		if ups, _ := tr.Answer(c, true, nil); ups != nil {
			t.Errorf("%s: %+v", c, ups)
		}
	}
	ups, _ := tr.Answer("P6=1", true, []byte(ConnectingText("192.168.1.2")))
	want := []protocol.LinkUpdate{{ID: 1, Present: true, Role: protocol.RoleClient, Proto: protocol.ProtoTCP,
		Parent: protocol.NoLink, Remote: "192.168.1.2:5024", State: protocol.StateEstablished}}
	if !reflect.DeepEqual(ups, want) {
		t.Errorf("P6=1: %+v", ups)
	}
	if ups, _ := tr.Answer("S3=4", true, []byte("4")); len(ups) != 1 || ups[0].ID != 1 || ups[0].TxBytes != 4 {
		t.Errorf("S3: %+v", ups)
	}
	if ups, _ := tr.Answer("R0", true, nil); ups != nil {
		t.Errorf("empty R0: %+v", ups)
	}
	ups, set := tr.Answer("P?", true, []byte("0,192.168.2.18,0,192.168.1.2,5024,0,0,0,0,0,1,60000"))
	if len(ups) != 1 || ups[0].ID != 1 || ups[0].Role != protocol.RoleClient || ups[0].Remote != "192.168.1.2:5024" {
		t.Errorf("P?: %+v", ups)
	}
	if len(set) != 2 || set[1].Value != "60000" || set[0].Name != "socket1.keepalive" {
		t.Errorf("P? settings %+v", set)
	}
	if ups, _ := tr.Answer("P6=0", true, nil); len(ups) != 1 || !ups[0].Gone {
		t.Errorf("P6=0: %+v", ups)
	}
	if ups, _ := tr.Answer("P6=0", true, nil); ups != nil {
		t.Errorf("second P6=0: %+v", ups)
	}
	// UDP client: bound, not established.
	tr.Answer("P1=1", true, nil)
	if ups, _ := tr.Answer("P6=1", true, nil); len(ups) != 1 || ups[0].State != protocol.StateBound || ups[0].Proto != protocol.ProtoUDP {
		t.Errorf("UDP P6=1: %+v", ups)
	}
	if k := tr.Keepalive(7); k.Enabled {
		t.Errorf("keepalive of a socket out of range: %+v", k)
	}
}

// TestSeedStreamSplits feeds the seed's module output as one stream, whole
// and one byte at a time: the framer gives the same records either way,
// each prompt as soon as its two bytes are in.
func TestSeedStreamSplits(t *testing.T) {
	var stream []byte
	for _, r := range seedReplies {
		stream = append(stream, r.module...)
	}
	spec := protocol.FrameSpec{MaxLine: MaxLine, Prompts: []string{Prompt}}
	whole := protocol.NewFramer(spec, Classify).Feed(nil, stream)
	fr := protocol.NewFramer(spec, Classify)
	var bytewise []protocol.Record
	for i := range stream {
		n := len(bytewise)
		bytewise = fr.Feed(bytewise, stream[i:i+1])
		if i >= 1 && string(stream[i-1:i+1]) == Prompt && (len(bytewise) == n || bytewise[len(bytewise)-1].Kind != protocol.KindPrompt) {
			t.Fatalf("no prompt record right after byte %d", i)
		}
	}
	// A CR LF cut between two reads is the CR of one record and the Lead
	// LF of the next: compare what the records say, not their terminators.
	for _, rs := range [][]protocol.Record{whole, bytewise} {
		for i := range rs {
			rs[i].End, rs[i].Lead, rs[i].LeadN = 0, 0, 0
		}
	}
	if !reflect.DeepEqual(whole, bytewise) {
		t.Fatalf("records differ:\n whole %+v\n bytes %+v", whole, bytewise)
	}
	var texts []string
	for _, r := range whole {
		if r.Kind != protocol.KindPrompt {
			texts = append(texts, r.Text)
		}
	}
	var want []string
	for _, r := range seedReplies {
		want = append(want, r.lines...)
	}
	if !reflect.DeepEqual(texts, want) {
		t.Errorf("lines %q\nwant %q", texts, want)
	}
}
