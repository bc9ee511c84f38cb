package session

import (
	"strings"
	"testing"
	"time"

	"atbench/protocol"
)

// TestDeathComparedWithThePredictedKeepalive: a death on a link that ran
// a predicted keepalive says whether it came on schedule.
func TestDeathComparedWithThePredictedKeepalive(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	l := protocol.LinkInfo{ID: 5, Role: protocol.RoleClient, Opened: t0, LastRx: t0.Add(10 * time.Second),
		Keepalive: protocol.Keepalive{Enabled: true, Idle: 60 * time.Second, Interval: 10 * time.Second, Count: 3, Source: protocol.KeepalivePredicted}}
	due := t0.Add(10*time.Second + 90*time.Second) // last traffic + 60 + 3 × 10
	for _, tc := range []struct {
		c    protocol.Closed
		want string
	}{
		{protocol.Closed{At: due.Add(time.Second)}, "on schedule: the predicted keepalive deadline 12:01:40 (last traffic 12:00:10 + 1m0s + 3 × 10s)"},
		{protocol.Closed{At: due.Add(-30 * time.Second)}, "30s before the predicted keepalive deadline 12:01:40"},
		{protocol.Closed{At: due.Add(75 * time.Second)}, "1m15s after the predicted keepalive deadline"},
		{protocol.Closed{At: due.Add(time.Hour), Seen: true}, "seen dead after the predicted keepalive deadline 12:01:40"},
		{protocol.Closed{At: due.Add(-time.Minute), Seen: true}, "not a keepalive timeout"},
	} {
		if got := schedule(l, &tc.c); !strings.Contains(got, tc.want) {
			t.Errorf("death at %s (seen %v): %q; want %q", tc.c.At.Format("15:04:05"), tc.c.Seen, got, tc.want)
		}
	}
	off := l
	off.Keepalive.Enabled = false
	if got := schedule(off, &protocol.Closed{At: due}); got != "" {
		t.Errorf("no keepalive: %q", got)
	}
	read := l
	read.Keepalive.Source = protocol.KeepaliveRead
	if got := schedule(read, &protocol.Closed{At: due}); got != "" {
		t.Errorf("emulator truth: %q", got)
	}
}

// TestDeathCauseDecidesTheKeepaliveComparison: a death whose cause says
// what ended the link (the host's own close, on any command set) is not
// compared with the keepalive; one that could be a keepalive timeout is.
func TestDeathCauseDecidesTheKeepaliveComparison(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		u       protocol.LinkUpdate
		compare bool
	}{
		{protocol.LinkUpdate{ID: 2, Gone: true, Parent: protocol.NoLink, Reason: "closed by the host (P6=0)", Cause: protocol.CauseHost}, false},
		{protocol.LinkUpdate{ID: 2, Gone: true, Parent: protocol.NoLink, Reason: "Wi-Fi lost", Cause: protocol.CauseNetwork}, false},
		{protocol.LinkUpdate{ID: 2, Gone: true, Parent: protocol.NoLink, Reason: "DISCONNECT 2"}, true},
		{protocol.LinkUpdate{ID: 2, Gone: true, Parent: protocol.NoLink, Reason: "closed (AT+ but no cause)"}, true},
	} {
		lt := newLinkTable()
		lt.apply(protocol.LinkUpdate{ID: 2, Present: true, Role: protocol.RoleClient, Proto: protocol.ProtoTCP, Parent: protocol.NoLink, State: protocol.StateEstablished}, t0)
		lt.live[2].Keepalive = protocol.Keepalive{Enabled: true, Idle: time.Minute, Interval: 10 * time.Second, Count: 3, Source: protocol.KeepalivePredicted}
		lt.apply(tc.u, t0.Add(2*time.Minute))
		closed := lt.list(t0.Add(2 * time.Minute))
		if len(closed) != 1 || closed[0].Closed == nil {
			t.Fatalf("%q: links %+v, want one closed", tc.u.Reason, closed)
		}
		got := closed[0].Closed.Reason
		if compared := strings.Contains(got, "keepalive deadline"); compared != tc.compare {
			t.Errorf("%q (cause %d): reason %q; compared with the keepalive: %v, want %v", tc.u.Reason, tc.u.Cause, got, compared, tc.compare)
		}
	}
}
