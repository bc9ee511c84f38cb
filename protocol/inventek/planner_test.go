package inventek

import (
	"strings"
	"testing"
	"time"

	"atbench/protocol"
)

func TestPlanKeepalive(t *testing.T) {
	planner, ok := New().(protocol.KeepalivePlanner)
	if !ok {
		t.Fatal("the dialect is no KeepalivePlanner")
	}
	for _, tc := range []struct {
		link   int
		target time.Duration
		cmds   []string
		sum    string
		refuse string
	}{
		{0, 690 * time.Second, []string{"P0=0", "PK=1,15000"}, "idle 15 + 9 × 75 = 690 s (PK in ms)", ""},
		{1, 675500 * time.Millisecond, []string{"P0=1", "PK=1,500"}, "idle 0.5 + 9 × 75 = 675.5 s (PK in ms)", ""},
		{0, 7875 * time.Second, []string{"P0=0", "PK=1,7200000"}, "idle 7200 + 9 × 75 = 7875 s (PK in ms)", ""},
		{0, 90 * time.Second, nil, "", "take 11m15s"},
		{0, 675 * time.Second, nil, "", "too short"},
		{0, 7876 * time.Second, nil, "", "at most idle 7200 + 9 × 75 = 7875 s"},
	} {
		p, err := planner.PlanKeepalive(tc.link, tc.target)
		if tc.refuse != "" {
			if err == nil || !strings.Contains(err.Error(), tc.refuse) {
				t.Errorf("%v: %+v, %v; want a refusal with %q", tc.target, p, err, tc.refuse)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", tc.target, err)
			continue
		}
		if strings.Join(p.Commands, "|") != strings.Join(tc.cmds, "|") || p.Arithmetic != tc.sum {
			t.Errorf("%v: %q %q, want %q %q", tc.target, p.Commands, p.Arithmetic, tc.cmds, tc.sum)
		}
		k := p.Keepalive
		if got := k.Idle + time.Duration(k.Count)*k.Interval; got != p.Detection || got > tc.target {
			t.Errorf("%v: detection %v, plan %v", tc.target, got, p.Detection)
		}
	}
}
