package realtek

import (
	"fmt"
	"time"

	"atbench/protocol"
)

// The ranges AT+SKTCFG accepts (dialects.md A.6). Zero means "not set"
// (lwIP's default applies), so a plan never uses it.
const (
	maxKeepIdle  = 7200
	maxKeepIntvl = 75
	maxKeepCnt   = 10
)

// PlanKeepalive proposes AT+SKTCFG values that declare a silent peer dead
// within target (whole seconds; the rest is dropped): up to 3 probes about
// a ninth of the target apart, the idle time taking the rest, so that idle
// + count × interval is the target (90 s gives idle 60 + 3 × 10). It refuses
// a target under 2 s (idle and interval are at least 1 s) or over
// 7200 + 10 × 75 = 7950 s.
func (d Dialect) PlanKeepalive(link int, target time.Duration) (protocol.KeepalivePlan, error) {
	t := int(target / time.Second)
	const longest = maxKeepIdle + maxKeepCnt*maxKeepIntvl
	switch {
	case t < 2:
		return protocol.KeepalivePlan{}, fmt.Errorf("keepalive plan: %v is too short: AT+SKTCFG takes whole seconds and at least idle 1 + 1 × 1 = 2 s (0 means lwIP's default, not 0 s)", target)
	case t > longest:
		return protocol.KeepalivePlan{}, fmt.Errorf("keepalive plan: %v is too long: AT+SKTCFG reaches at most idle 7200 + 10 × 75 = %d s", target, longest)
	}
	cnt := min(3, t-1)
	intvl := min(maxKeepIntvl, max(1, t/9))
	if intvl*cnt >= t { // small targets: leave at least 1 s of idle
		intvl = 1
	}
	idle := t - cnt*intvl
	for idle > maxKeepIdle { // long targets: more probes at the longest spacing
		cnt++
		intvl = maxKeepIntvl
		idle = t - cnt*intvl
	}
	ka := protocol.Keepalive{Enabled: true, Idle: time.Duration(idle) * time.Second,
		Interval: time.Duration(intvl) * time.Second, Count: cnt}
	cmds, err := d.KeepaliveCommands(link, ka)
	if err != nil {
		return protocol.KeepalivePlan{}, fmt.Errorf("keepalive plan: %w", err)
	}
	return protocol.KeepalivePlan{
		Target:     target,
		Keepalive:  ka,
		Detection:  time.Duration(t) * time.Second,
		Arithmetic: fmt.Sprintf("idle %d + %d × %d = %d s", idle, cnt, intvl, t),
		Commands:   cmds,
		Note:       "AT+SKTCFG applies to sockets created after it: open the link again for it to take effect",
	}, nil
}
