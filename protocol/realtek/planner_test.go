package realtek

import (
	"strings"
	"testing"
	"time"

	"atbench/protocol"
)

func TestPlanKeepalive(t *testing.T) {
	var _ protocol.KeepalivePlanner = Dialect{}
	for _, tc := range []struct {
		target time.Duration
		cmd    string
		sum    string
		refuse string
	}{
		{90 * time.Second, "AT+SKTCFG=,,,1,60,10,3", "idle 60 + 3 × 10 = 90 s", ""},
		{5 * time.Second, "AT+SKTCFG=,,,1,2,1,3", "idle 2 + 3 × 1 = 5 s", ""},
		{2 * time.Second, "AT+SKTCFG=,,,1,1,1,1", "idle 1 + 1 × 1 = 2 s", ""},
		{2900 * time.Millisecond, "AT+SKTCFG=,,,1,1,1,1", "idle 1 + 1 × 1 = 2 s", ""},
		{3 * time.Second, "AT+SKTCFG=,,,1,1,1,2", "idle 1 + 2 × 1 = 3 s", ""},
		{10 * time.Minute, "AT+SKTCFG=,,,1,402,66,3", "idle 402 + 3 × 66 = 600 s", ""},
		{2 * time.Hour, "AT+SKTCFG=,,,1,6975,75,3", "idle 6975 + 3 × 75 = 7200 s", ""},
		{7950 * time.Second, "AT+SKTCFG=,,,1,7200,75,10", "idle 7200 + 10 × 75 = 7950 s", ""},
		{7500 * time.Second, "AT+SKTCFG=,,,1,7200,75,4", "idle 7200 + 4 × 75 = 7500 s", ""},
		{1999 * time.Millisecond, "", "", "too short"},
		{0, "", "", "too short"},
		{7951 * time.Second, "", "", "at most idle 7200 + 10 × 75 = 7950 s"},
	} {
		p, err := Dialect{}.PlanKeepalive(0, tc.target)
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
		if len(p.Commands) != 1 || p.Commands[0] != tc.cmd || p.Arithmetic != tc.sum {
			t.Errorf("%v: %q %q, want %q %q", tc.target, p.Commands, p.Arithmetic, tc.cmd, tc.sum)
		}
		k := p.Keepalive
		if got := k.Idle + time.Duration(k.Count)*k.Interval; got != p.Detection || p.Detection > tc.target {
			t.Errorf("%v: idle + count × interval = %v, detection %v", tc.target, got, p.Detection)
		}
		// The firmware takes it: every value in its range, none 0.
		if k.Idle < time.Second || k.Idle > 7200*time.Second || k.Interval < time.Second || k.Interval > 75*time.Second || k.Count < 1 || k.Count > 10 {
			t.Errorf("%v: out of AT+SKTCFG's ranges: %+v", tc.target, k)
		}
	}
	if _, err := (Dialect{}).PlanKeepalive(20, 90*time.Second); err == nil {
		t.Error("link 20 was planned")
	}
}
