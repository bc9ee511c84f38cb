package inventek

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"atbench/protocol"
)

// exchange is one command and the module's whole output for it, or (cmd
// "") output the module printed between answers.
type exchange struct {
	cmd    string
	module []byte
}

// turnLog is what a conversation did, as a session sees it.
type turnLog struct {
	recs     []protocol.Record
	begins   []protocol.Turn // Begin of each command, in order
	finals   []protocol.Record
	ends     []int // index in recs of the record that ended each command
	ups      []protocol.LinkUpdate
	settings []protocol.Setting
}

// converse plays exchanges through a Framer made from d's FrameSpec and
// Classify and through d's answers, as the session does: the command is
// given to the framer and its answer begun before its output arrives;
// each record goes to Links and Settings, then to the answer; at the end
// of an answer come ResultLinks, and for an OK, Links and Settings of the
// command's KindSent record; then the framer is told no command is
// outstanding. With bytewise the output arrives one byte at a time.
func converse(t *testing.T, d protocol.Dialect, ex []exchange, bytewise bool) turnLog {
	t.Helper()
	fr := protocol.NewFramer(d.FrameSpec(), d.Classify)
	var lg turnLog
	apply := func(r protocol.Record) {
		lg.ups = append(lg.ups, d.Links(r)...)
		lg.settings = append(lg.settings, d.Settings(r)...)
	}
	for i, e := range ex {
		var ans protocol.Answer
		if e.cmd != "" {
			fr.SetCommand(e.cmd)
			ans = d.Answer(e.cmd)
			lg.begins = append(lg.begins, ans.Begin())
		}
		ended := false
		take := func(recs []protocol.Record) {
			for _, r := range recs {
				lg.recs = append(lg.recs, r)
				apply(r)
				if ans == nil || ended {
					continue
				}
				turn := ans.Take(r)
				if turn.Phase != protocol.Ended {
					continue
				}
				ended = true
				lg.finals = append(lg.finals, turn.Final)
				lg.ends = append(lg.ends, len(lg.recs)-1)
				if rl, ok := d.(protocol.ResultLinker); ok {
					lg.ups = append(lg.ups, rl.ResultLinks(e.cmd, turn.Final)...)
				}
				if turn.Final.Kind == protocol.KindOK {
					sent := protocol.Record{Kind: protocol.KindSent, Text: e.cmd, LinkID: protocol.NoLink}
					apply(sent)
				}
				fr.SetCommand("")
			}
		}
		if bytewise {
			for k := range e.module {
				take(fr.Feed(nil, e.module[k:k+1]))
			}
		} else {
			take(fr.Feed(nil, e.module))
		}
		if ans != nil && !ended {
			t.Fatalf("exchange %d %q: the answer did not end", i, e.cmd)
		}
	}
	return lg
}

// seedExchanges is the seed transcript as the module prints it.
func seedExchanges() []exchange {
	var ex []exchange
	for _, r := range seedReplies {
		ex = append(ex, exchange{r.cmd, r.module})
	}
	return ex
}

// TestDialectSeed plays the seed transcript through the dialect, whole and
// byte by byte: the records, the turns (S3 awaits its byte at once, each
// answer ends at its prompt with its OK as the result), the link facts
// and the keepalive setting are the seed's story.
func TestDialectSeed(t *testing.T) {
	var logs []turnLog
	for _, bytewise := range []bool{false, true} {
		lg := converse(t, New(), seedExchanges(), bytewise)
		logs = append(logs, lg)
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
		if !reflect.DeepEqual(lg.ups, wantUps) {
			t.Errorf("bytewise %v: link updates\n got %+v\nwant %+v", bytewise, lg.ups, wantUps)
		}
		wantSet := []protocol.Setting{{Name: "socket0.keepalive", Value: "1"}, {Name: "socket0.keepalive_ms", Value: "3000"}}
		if !reflect.DeepEqual(lg.settings, wantSet) {
			t.Errorf("bytewise %v: settings %+v, want %+v", bytewise, lg.settings, wantSet)
		}
		// Eleven commands, each ended by the prompt of its answer with OK.
		if len(lg.finals) != 11 {
			t.Fatalf("bytewise %v: %d answers ended, want 11", bytewise, len(lg.finals))
		}
		for i, f := range lg.finals {
			if f.Kind != protocol.KindOK || lg.recs[lg.ends[i]].Kind != protocol.KindPrompt {
				t.Errorf("bytewise %v: answer %d ended by %+v with %+v", bytewise, i, lg.recs[lg.ends[i]], f)
			}
		}
		// S3=1 awaits one raw byte for the seed (link 4) at once; the rest
		// await nothing.
		for i, b := range lg.begins {
			cmd := ""
			for _, r := range seedReplies {
				if r.cmd != "" {
					if i == 0 {
						cmd = r.cmd
						break
					}
					i--
				}
			}
			want := protocol.Turn{Phase: protocol.Answering, Link: protocol.NoLink}
			if strings.HasPrefix(cmd, "S3=") {
				want = protocol.Turn{Phase: protocol.AwaitingRaw, Raw: 1, Link: 4}
			}
			if !reflect.DeepEqual(b, want) {
				t.Errorf("bytewise %v: Begin of %s = %+v, want %+v", bytewise, cmd, b, want)
			}
		}
		// R0's answer is one data record on the seed, then OK and the prompt.
		var data []protocol.Record
		for _, r := range lg.recs {
			if r.Kind == protocol.KindData {
				data = append(data, r)
			}
		}
		if len(data) != 2 {
			t.Fatalf("bytewise %v: %d data records, want 2", bytewise, len(data))
		}
		for _, r := range data {
			if string(r.Payload) != "Data from 192.168.10.100" || r.LinkID != 4 || r.Text != "" {
				t.Errorf("bytewise %v: R0 data record %+v", bytewise, r)
			}
		}
	}
	// A CR LF cut between two reads is the CR of one record's End and the
	// LF of the next one's Lead: compare the records without terminators.
	for _, lg := range logs {
		for i := range lg.recs {
			lg.recs[i].End, lg.recs[i].Lead, lg.recs[i].LeadN = 0, 0, 0
		}
	}
	if !reflect.DeepEqual(logs[0].recs, logs[1].recs) {
		t.Errorf("records differ whole and byte by byte:\n whole %+v\n bytes %+v", logs[0].recs, logs[1].recs)
	}
}

// TestDialectAnswers covers each answer form: errors with their usage
// line, a failed join, "-1" answers, R0's data holding CR LF and "OK",
// empty and bare reads, a read refused, an accept that comes before the
// answer, and S0 after S1.
func TestDialectAnswers(t *testing.T) {
	server := []exchange{
		{"P0=2", FormatOK(nil)}, {"P2=80", FormatOK(nil)},
		{"P5=11", FormatLines(MultiAcceptSetup, WaitingText)},
		{"", FormatEvent(AcceptedText("10.0.0.9", 4000))},
	}
	seedUp := func(port int) protocol.LinkUpdate {
		return protocol.LinkUpdate{ID: 6, Present: true, Role: protocol.RoleSeed, Proto: protocol.ProtoTCP, Parent: 2,
			Remote: fmt.Sprintf("10.0.0.9:%d", port), State: protocol.StateEstablished}
	}
	srvUp := protocol.LinkUpdate{ID: 2, Present: true, Role: protocol.RoleServer, Proto: protocol.ProtoTCP,
		Parent: protocol.NoLink, Local: "0.0.0.0:80", State: protocol.StateListen}
	lost := func(cmd string) protocol.LinkUpdate {
		return protocol.LinkUpdate{ID: 6, Parent: protocol.NoLink, State: protocol.StateClosed,
			Reason: "connection lost: keepalive or peer close (" + cmd + " answered -1)"}
	}
	tricky := []byte("a\r\nOK\r\nb OK\r\n>c\r\n\r\nOK\r\n")
	tests := []struct {
		name   string
		ex     []exchange
		finals []protocol.Kind // kinds of the results, in order
		data   [][]byte        // payloads of the data records
		ups    []protocol.LinkUpdate
		check  func(*testing.T, turnLog)
	}{
		{name: "unknown command", ex: []exchange{{"ZZ", FormatError(nil, ErrUnknownCommand, Usage(""))}},
			finals: []protocol.Kind{protocol.KindError},
			check: func(t *testing.T, lg turnLog) {
				if lg.finals[0].Text != ErrUnknownCommand {
					t.Errorf("final %+v", lg.finals[0])
				}
				if lg.recs[len(lg.recs)-2].Text != "Usage: <command>[=<value>] " {
					t.Errorf("usage record %+v", lg.recs[len(lg.recs)-2])
				}
			}},
		{name: "bad value", ex: []exchange{{"P5=7", FormatError(nil, ErrInvalidParam, Usage("P5"))}},
			finals: []protocol.Kind{protocol.KindError}},
		{name: "failed join (captured)", ex: []exchange{{"C0",
			[]byte("\r\n[JOIN   ] home\r\n[JOIN   ] Failed\r\nERROR: Unknown Error\r\nUsage: C0 \r\n> ")}},
			finals: []protocol.Kind{protocol.KindError},
			check: func(t *testing.T, lg turnLog) {
				if lg.finals[0].Text != ErrUnknownError || lg.recs[0].Kind != protocol.KindEvent {
					t.Errorf("records %+v", lg.recs)
				}
			}},
		{name: "lost on R0 and S3", ex: append(append([]exchange(nil), server...),
			exchange{"R0", FormatLost()}, exchange{"S3=5", FormatLost()}),
			finals: kinds(5, protocol.KindOK), data: [][]byte{[]byte("-1")},
			ups: []protocol.LinkUpdate{srvUp, seedUp(4000), lost("R0"), lost("S3")}},
		{name: "R0 data with CR LF and OK", ex: append(append([]exchange(nil), server...),
			exchange{"R0", FormatOK(tricky)}),
			finals: kinds(4, protocol.KindOK), data: [][]byte{tricky},
			ups: []protocol.LinkUpdate{srvUp, seedUp(4000), {ID: 6, Parent: protocol.NoLink, RxBytes: len(tricky)}}},
		{name: "empty and bare reads", ex: append(append([]exchange(nil), server...),
			exchange{"R0", FormatOK(nil)}, exchange{"R0", []byte("OK\r\n> ")}, exchange{"r0", []byte("\r\nOK\r\n> ")}),
			finals: kinds(6, protocol.KindOK), data: [][]byte{{}, {}, {}},
			ups: []protocol.LinkUpdate{srvUp, seedUp(4000)}},
		{name: "R0 refused", ex: []exchange{{"R0", FormatError(nil, ErrUnknownError, Usage("R0"))}, {"CS", FormatOK([]byte("1"))}},
			finals: []protocol.Kind{protocol.KindError, protocol.KindOK}, data: [][]byte{[]byte(ErrUnknownError)},
			check: func(t *testing.T, lg turnLog) {
				if lg.finals[0].Text != ErrUnknownError {
					t.Errorf("R0's result %+v", lg.finals[0])
				}
			}},
		{name: "R0 with a value is an ordinary error", ex: []exchange{{"R0=1", FormatError(nil, ErrInvalidParam, Usage("R0"))}},
			finals: []protocol.Kind{protocol.KindError}},
		{name: "accept before the answer", ex: append(append([]exchange(nil), server[:3]...),
			exchange{"P?", append(FormatEvent(AcceptedText("10.0.0.9", 4001)),
				FormatLines("0,10.0.0.2,80,10.0.0.9,4001,1,0,0,1,0,0,7200000")...)}),
			finals: kinds(4, protocol.KindOK),
			check: func(t *testing.T, lg turnLog) {
				last := lg.recs[lg.ends[3]]
				if last.Kind != protocol.KindPrompt || lg.ends[3] != len(lg.recs)-1 {
					t.Errorf("P? ended at record %d of %d", lg.ends[3], len(lg.recs))
				}
				want := []protocol.LinkUpdate{srvUp, seedUp(4001),
					{ID: 2, Present: true, Role: protocol.RoleServer, Proto: protocol.ProtoTCP, Parent: protocol.NoLink,
						Local: "10.0.0.2:80", State: protocol.StateListen, Snapshot: true},
					{ID: 6, Present: true, Role: protocol.RoleSeed, Proto: protocol.ProtoTCP, Parent: 2,
						Remote: "10.0.0.9:4001", State: protocol.StateEstablished, Snapshot: true}}
				if !reflect.DeepEqual(lg.ups, want) {
					t.Errorf("updates\n got %+v\nwant %+v", lg.ups, want)
				}
			}},
		{name: "accept before R0's answer", ex: append(append([]exchange(nil), server[:3]...),
			exchange{"R0", append(FormatEvent(AcceptedText("10.0.0.9", 4003)), FormatOK([]byte("hello"))...)},
			exchange{"R0", append(FormatEvent(AcceptedText("10.0.0.9", 4004)), FormatOK(nil)...)}),
			finals: kinds(5, protocol.KindOK),
			data: [][]byte{[]byte("[TCP SVR] Accepted 10.0.0.9:4003\r\n> \r\nhello"),
				[]byte("[TCP SVR] Accepted 10.0.0.9:4004\r\n> \r\n")},
			ups: []protocol.LinkUpdate{srvUp, seedUp(4003), {ID: 6, Parent: protocol.NoLink, RxBytes: 5}, seedUp(4004)}},
		{name: "R0 echoed", ex: append(append([]exchange(nil), server...),
			exchange{"R0", append([]byte("R0\r\n"), FormatOK([]byte("hi"))...)},
			exchange{"R0", append(FormatEvent(AcceptedText("10.0.0.9", 4005)), append([]byte("R0\r\n"), FormatOK([]byte("R0\r\n\r\n"))...)...)}),
			finals: kinds(5, protocol.KindOK),
			data:   [][]byte{[]byte("R0\r\n\r\nhi"), []byte("[TCP SVR] Accepted 10.0.0.9:4005\r\n> R0\r\n\r\nR0\r\n\r\n")},
			ups: []protocol.LinkUpdate{srvUp, seedUp(4000), {ID: 6, Parent: protocol.NoLink, RxBytes: 2},
				seedUp(4005), {ID: 6, Parent: protocol.NoLink, RxBytes: 6}}},
		{name: "accept inside the server's answer", ex: []exchange{{"P5=1",
			[]byte("\r\n[TCP SVR] Waiting on connection …\r\n[TCP SVR] Accepted 10.0.0.9:4002\r\nOK\r\n> ")}},
			finals: []protocol.Kind{protocol.KindOK},
			ups: []protocol.LinkUpdate{
				{ID: 0, Present: true, Role: protocol.RoleServer, Proto: protocol.ProtoTCP, Parent: protocol.NoLink, Local: "0.0.0.0:0", State: protocol.StateListen},
				{ID: 4, Present: true, Role: protocol.RoleSeed, Proto: protocol.ProtoTCP, Parent: 0, Remote: "10.0.0.9:4002", State: protocol.StateEstablished}}},
		{name: "S0 after S1", ex: []exchange{{"S0", FormatError(nil, ErrInvalidParam, Usage("S0"))},
			{"S1=10", FormatOK(nil)}, {"S0", FormatCount(10)}},
			finals: []protocol.Kind{protocol.KindError, protocol.KindOK, protocol.KindOK},
			check: func(t *testing.T, lg turnLog) {
				if lg.begins[0].Phase != protocol.Answering || lg.begins[2].Phase != protocol.AwaitingRaw || lg.begins[2].Raw != 10 || lg.begins[2].Link != 0 {
					t.Errorf("begins %+v", lg.begins)
				}
				if len(lg.ups) != 1 || lg.ups[0].ID != 0 || lg.ups[0].TxBytes != 10 {
					t.Errorf("updates %+v", lg.ups)
				}
			}},
		{name: "S3 too long still awaits its bytes", ex: []exchange{{"S3=2000", FormatError(nil, ErrInvalidParam, Usage("S3"))}},
			finals: []protocol.Kind{protocol.KindError},
			check: func(t *testing.T, lg turnLog) {
				if b := lg.begins[0]; b.Phase != protocol.AwaitingRaw || b.Raw != 2000 {
					t.Errorf("begin %+v", b)
				}
			}},
		{name: "empty line gets a prompt, not a result", ex: []exchange{{"CS", append([]byte("\r\n> "), FormatOK([]byte("0"))...)}},
			finals: []protocol.Kind{protocol.KindOK}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, bytewise := range []bool{false, true} {
				lg := converse(t, New(), tt.ex, bytewise)
				var fk []protocol.Kind
				for _, f := range lg.finals {
					fk = append(fk, f.Kind)
				}
				if !reflect.DeepEqual(fk, tt.finals) {
					t.Errorf("bytewise %v: results %v, want %v", bytewise, fk, tt.finals)
				}
				var data [][]byte
				for _, r := range lg.recs {
					if r.Kind == protocol.KindData {
						data = append(data, r.Payload)
					}
				}
				if len(data) != len(tt.data) {
					t.Errorf("bytewise %v: data %q, want %q", bytewise, data, tt.data)
				} else {
					for i := range data {
						if !bytes.Equal(data[i], tt.data[i]) {
							t.Errorf("bytewise %v: data %d %q, want %q", bytewise, i, data[i], tt.data[i])
						}
					}
				}
				if tt.ups != nil && !reflect.DeepEqual(lg.ups, tt.ups) {
					t.Errorf("bytewise %v: updates\n got %+v\nwant %+v", bytewise, lg.ups, tt.ups)
				}
				if tt.check != nil {
					tt.check(t, lg)
				}
			}
		})
	}
}

// kinds is n times k.
func kinds(n int, k protocol.Kind) []protocol.Kind {
	out := make([]protocol.Kind, n)
	for i := range out {
		out[i] = k
	}
	return out
}

// TestStateSnapshot: P? lists the selected socket as a snapshot and keeps
// the other sockets' links with bare snapshot marks.
func TestStateSnapshot(t *testing.T) {
	d := New()
	ex := []exchange{
		{"P5=11", FormatLines(MultiAcceptSetup, WaitingText)},
		{"", FormatEvent(AcceptedText("10.0.0.9", 4000))},
		{"P0=1", FormatOK(nil)}, {"P3=10.0.0.7", FormatOK(nil)}, {"P4=9000", FormatOK(nil)},
		{"P6=1", FormatLines(ConnectingText("10.0.0.7"))},
		{"P?", FormatLines("0,10.0.0.2,0,10.0.0.7,9000,0,0,0,0,0,1,60000")},
	}
	lg := converse(t, d, ex, false)
	if d.StateCommand() != "P?" {
		t.Fatalf("state command %q", d.StateCommand())
	}
	n := len(lg.ups)
	if n < 3 {
		t.Fatalf("updates %+v", lg.ups)
	}
	want := []protocol.LinkUpdate{
		{ID: 1, Present: true, Role: protocol.RoleClient, Proto: protocol.ProtoTCP, Parent: protocol.NoLink,
			Remote: "10.0.0.7:9000", State: protocol.StateEstablished, Snapshot: true},
		{ID: 0, Parent: protocol.NoLink, Snapshot: true},
		{ID: 4, Parent: protocol.NoLink, Snapshot: true},
	}
	if got := lg.ups[n-3:]; !reflect.DeepEqual(got, want) {
		t.Errorf("P? updates\n got %+v\nwant %+v", got, want)
	}
	wantSet := []protocol.Setting{{Name: "socket1.keepalive", Value: "1"}, {Name: "socket1.keepalive_ms", Value: "60000"}}
	if !reflect.DeepEqual(lg.settings, wantSet) {
		t.Errorf("settings %+v", lg.settings)
	}
	// The keepalive in force is the selected socket's: socket 1's, from P?.
	ka, ok := d.KeepaliveInForce(lg.settings)
	if !ok || !ka.Enabled || ka.Idle.Milliseconds() != 60000 || ka.Interval != KeepInterval || ka.Count != KeepCount {
		t.Errorf("keepalive in force %+v %v", ka, ok)
	}
}

// TestResultLinksOnlyOnce: what an answer established is handed over once,
// to the command that got it.
func TestResultLinksOnlyOnce(t *testing.T) {
	d := New().(*Dialect)
	converse(t, d, []exchange{{"PK=1,3000", FormatOK(nil)}, {"P5=1", FormatLines(WaitingText)}}, false)
	ok := protocol.Record{Kind: protocol.KindOK, Text: "OK", LinkID: protocol.NoLink}
	if ups := d.ResultLinks("P5=1", ok); ups != nil {
		t.Errorf("second ResultLinks: %+v", ups)
	}
	if ups := d.ResultLinks("P5=0", ok); ups != nil {
		t.Errorf("ResultLinks of another command: %+v", ups)
	}
	if set := d.Settings(protocol.Record{Kind: protocol.KindSent, Text: "PK=1,3000"}); set != nil {
		t.Errorf("settings of an older command: %+v", set)
	}
}

// TestDialectConcurrent drives a conversation while other goroutines ask
// the framing of R0, the keepalive in force and the one-line commands, as
// the session's reader and the screen do (run with -race).
func TestDialectConcurrent(t *testing.T) {
	d := New()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 2 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if a := d.FrameSpec().Answer("R0"); a == nil || len(a.DataUntil) == 0 {
					t.Error("no R0 framing")
					return
				}
				d.KeepaliveInForce([]protocol.Setting{{Name: "socket0.keepalive", Value: "1"}})
				_, _ = d.ReadCommand(4, 10)
				_, _ = d.CloseCommand(0)
			}
		})
	}
	for range 20 {
		converse(t, d, seedExchanges(), false)
	}
	close(stop)
	wg.Wait()
}

// TestStateKeepsLostSeed: P? still shows a client whose connection was
// lost; it stays closed until another client comes.
func TestStateKeepsLostSeed(t *testing.T) {
	row := func(port int) []byte {
		return FormatLines(fmt.Sprintf("0,10.0.0.2,80,10.0.0.9,%d,1,0,0,1,0,0,7200000", port))
	}
	lg := converse(t, New(), []exchange{
		{"P2=80", FormatOK(nil)}, {"P5=11", FormatLines(MultiAcceptSetup, WaitingText)},
		{"", FormatEvent(AcceptedText("10.0.0.9", 4000))},
		{"R0", FormatLost()},
		{"P?", row(4000)},
		{"", FormatEvent(AcceptedText("10.0.0.9", 4001))},
		{"P?", row(4001)},
	}, false)
	var seeds []protocol.LinkUpdate
	for _, u := range lg.ups {
		if u.ID == 4 {
			seeds = append(seeds, u)
		}
	}
	est := func(port int, snap bool) protocol.LinkUpdate {
		return protocol.LinkUpdate{ID: 4, Present: true, Role: protocol.RoleSeed, Proto: protocol.ProtoTCP, Parent: 0,
			Remote: fmt.Sprintf("10.0.0.9:%d", port), State: protocol.StateEstablished, Snapshot: snap}
	}
	want := []protocol.LinkUpdate{
		est(4000, false),
		{ID: 4, Parent: protocol.NoLink, State: protocol.StateClosed, Reason: "connection lost: keepalive or peer close (R0 answered -1)"},
		{ID: 4, Parent: protocol.NoLink, Snapshot: true},
		est(4001, false),
		est(4001, true),
	}
	if !reflect.DeepEqual(seeds, want) {
		t.Errorf("seed updates\n got %+v\nwant %+v", seeds, want)
	}
}
