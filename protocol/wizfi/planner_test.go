package wizfi

import (
	"strings"
	"testing"
	"time"

	"atbench/protocol"
)

// TestPlanKeepalive: the plan's lines, replayed as the settings a session
// keeps from confirmed commands, give the detection time asked for; the
// seed's recipes (600 s, 75 s) come out as the forum writes them.
func TestPlanKeepalive(t *testing.T) {
	planner, ok := New().(protocol.KeepalivePlanner)
	if !ok {
		t.Fatal("the dialect is no KeepalivePlanner")
	}
	for _, tc := range []struct {
		target time.Duration
		cmds   []string
		sum    string
		refuse string
	}{
		{600 * time.Second, []string{"AT+SETSOCKOPT=0,65535,8,1,4", "AT+SETSOCKOPT=0,6,4005,8,4", "AT+SETSOCKOPT=0,6,4001,600,4"},
			"idle 0 + 8 × 75 = 600 s (TCP_KEEPALIVE 600)", ""},
		{75 * time.Second, []string{"AT+SETSOCKOPT=0,65535,8,1,4", "AT+SETSOCKOPT=0,6,4005,1,4", "AT+SETSOCKOPT=0,6,4001,75,4"},
			"idle 0 + 1 × 75 = 75 s (TCP_KEEPALIVE 75)", ""},
		{90 * time.Second, []string{"AT+SETSOCKOPT=0,65535,8,1,4", "AT+SETSOCKOPT=0,6,4005,1,4", "AT+SETSOCKOPT=0,6,4001,90,4"},
			"idle 15 + 1 × 75 = 90 s (TCP_KEEPALIVE 90)", ""},
		{2 * time.Hour, []string{"AT+SETSOCKOPT=0,65535,8,1,4", "AT+SETSOCKOPT=0,6,4005,96,4", "AT+SETSOCKOPT=0,6,4001,7200,4"},
			"idle 0 + 96 × 75 = 7200 s (TCP_KEEPALIVE 7200)", ""},
		{74 * time.Second, nil, "", "at least 1 × 75 = 75 s"},
		{30 * time.Second, nil, "", "at least 1 × 75 = 75 s"},
	} {
		p, err := planner.PlanKeepalive(0, tc.target)
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
		var settings []protocol.Setting
		for _, c := range p.Commands {
			settings = append(settings, CommandSettings(c)...)
		}
		ka := KeepaliveInForce(0, settings)
		if got := ka.Idle + time.Duration(ka.Count)*ka.Interval; !ka.Enabled || got != p.Detection || got > tc.target {
			t.Errorf("%v: the lines give %+v, detection %v; the plan says %v", tc.target, ka, got, p.Detection)
		}
		// In the other order the firmware refuses the time (count 8 × 75 s).
		if tc.target < 600*time.Second {
			var s SocketKeepalive
			o, _ := ParseSetSockOpt(strings.TrimPrefix(p.Commands[2], "AT+SETSOCKOPT="))
			if err := s.Apply(o); err == nil {
				t.Errorf("%v: the time alone was accepted before the count", tc.target)
			}
		}
	}
	if _, err := planner.PlanKeepalive(16, 600*time.Second); err == nil {
		t.Error("CID 16 was planned")
	}
}
