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
