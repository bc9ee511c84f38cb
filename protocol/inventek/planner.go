package inventek

import (
	"fmt"
	"strconv"
	"time"

	"atbench/protocol"
)

// PlanKeepalive proposes P0 and PK for a detection target: PK sets only the
// idle time (ms, 1..7200000); the module then sends KeepCount probes
// KeepInterval apart (9 × 75 s = 675 s), so the target must be above 675 s
// and at most 7200 + 675 = 7875 s, or the plan is refused.
func (d *Dialect) PlanKeepalive(link int, target time.Duration) (protocol.KeepalivePlan, error) {
	probes := KeepCount * KeepInterval
	longest := KeepDefault*time.Millisecond + probes
	idle := (target - probes).Truncate(time.Millisecond)
	switch {
	case idle < time.Millisecond:
		return protocol.KeepalivePlan{}, fmt.Errorf("keepalive plan: %v is too short: PK sets only the idle time, and the module's %d probes %v apart take %v, so detection takes longer than %v",
			target, KeepCount, KeepInterval, probes, probes)
	case target > longest:
		return protocol.KeepalivePlan{}, fmt.Errorf("keepalive plan: %v is too long: PK reaches at most idle 7200 + %d × %d = %d s",
			target, KeepCount, int(KeepInterval/time.Second), int(longest/time.Second))
	}
	ka := protocol.Keepalive{Enabled: true, Idle: idle, Interval: KeepInterval, Count: KeepCount}
	cmds, err := d.KeepaliveCommands(link, ka)
	if err != nil {
		return protocol.KeepalivePlan{}, fmt.Errorf("keepalive plan: %w", err)
	}
	det := idle + probes
	return protocol.KeepalivePlan{
		Target:    target,
		Keepalive: ka,
		Detection: det,
		Arithmetic: fmt.Sprintf("idle %s + %d × %d = %s s (PK in ms)", secs(idle), KeepCount,
			int(KeepInterval/time.Second), secs(det)),
		Commands: cmds,
		Note:     "PK is per socket: its connections get it; the 75 s spacing and 9 probes are fixed",
	}, nil
}

// secs writes a duration in seconds, with the milliseconds when there are
// any ("15", "15.5").
func secs(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
}
