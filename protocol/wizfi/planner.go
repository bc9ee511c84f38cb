package wizfi

import (
	"fmt"
	"time"

	"atbench/protocol"
)

// PlanKeepalive proposes the AT+SETSOCKOPT lines that declare a silent peer
// on a CID dead within target (whole seconds): SO_KEEPALIVE on, then
// TCP_KEEPALIVE_CNT, then TCP_KEEPALIVE (the count first: the firmware
// refuses a time below count × 75 s). The probes are 75 s apart, as many
// as fit in the target, the rest being idle time: 600 s gives 8 probes and
// no idle, 90 s one probe after 15 s. A target under 75 s is refused: one
// probe takes 75 s and the spacing cannot change.
func (d *Dialect) PlanKeepalive(link int, target time.Duration) (protocol.KeepalivePlan, error) {
	t := int(target / time.Second)
	step := int(ProbeInterval / time.Second)
	if t < step {
		return protocol.KeepalivePlan{}, fmt.Errorf("keepalive plan: %v is too short: the module probes every 75 s and needs at least one probe, so detection takes at least 1 × 75 = 75 s", target)
	}
	n := min(t/step, MaxProbeCount)
	idle := t - n*step
	ka := protocol.Keepalive{Enabled: true, Idle: time.Duration(idle) * time.Second, Interval: ProbeInterval, Count: n}
	cmds, err := KeepaliveCommands(link, ka)
	if err != nil {
		return protocol.KeepalivePlan{}, fmt.Errorf("keepalive plan: %w", err)
	}
	return protocol.KeepalivePlan{
		Target:     target,
		Keepalive:  ka,
		Detection:  time.Duration(t) * time.Second,
		Arithmetic: fmt.Sprintf("idle %d + %d × %d = %d s (TCP_KEEPALIVE %d)", idle, n, step, t, t),
		Commands:   cmds,
		Note:       "the options are per socket: set them on the open CID; they are lost when it closes",
	}, nil
}
