package emulator

import (
	"net"
	"time"

	"atbench/protocol"
	rtk "atbench/protocol/realtek"
)

// osKeepalive is the kernel's keepalive configuration used when a socket
// does not set its own (Linux: /proc/sys/net/ipv4/tcp_keepalive_*).
type osKeepalive struct {
	Idle     time.Duration
	Interval time.Duration
	Count    int
}

// fallbackKeepalive is the classic BSD/Linux default, used where the kernel
// values cannot be read.
func fallbackKeepalive() osKeepalive {
	return osKeepalive{Idle: 7200 * time.Second, Interval: 75 * time.Second, Count: 9}
}

// keepaliveConfig maps AT+SKTCFG to Go's keepalive settings. The module's 0
// means "not set", which becomes -1 (leave the OS default), never Go's 0
// (which would mean 15 s / 9). With so_keepalive 0 keepalive stays off.
func keepaliveConfig(o rtk.SocketOptions) (net.KeepAliveConfig, bool) {
	if o.KeepAlive != 1 {
		return net.KeepAliveConfig{}, false
	}
	cfg := net.KeepAliveConfig{Enable: true, Idle: -1, Interval: -1, Count: -1}
	if o.KeepIdle > 0 {
		cfg.Idle = time.Duration(o.KeepIdle) * time.Second
	}
	if o.KeepIntvl > 0 {
		cfg.Interval = time.Duration(o.KeepIntvl) * time.Second
	}
	if o.KeepCnt > 0 {
		cfg.Count = o.KeepCnt
	}
	return cfg, true
}

// keepaliveInForce is the keepalive configuration a socket created with o
// runs with: the module's values where set, else the OS defaults.
func keepaliveInForce(o rtk.SocketOptions, def osKeepalive) protocol.Keepalive {
	if o.KeepAlive != 1 {
		return protocol.Keepalive{}
	}
	k := protocol.Keepalive{Enabled: true, Idle: def.Idle, Interval: def.Interval, Count: def.Count}
	if o.KeepIdle > 0 {
		k.Idle = time.Duration(o.KeepIdle) * time.Second
	}
	if o.KeepIntvl > 0 {
		k.Interval = time.Duration(o.KeepIntvl) * time.Second
	}
	if o.KeepCnt > 0 {
		k.Count = o.KeepCnt
	}
	return k
}

// keepaliveProgress fills ProbesSent, NextProbe and DeadAt of k for a link
// whose last traffic was at last, as seen at now: the first probe goes out
// after Idle of silence, the next ones every Interval, and the link is dead
// when Count probes went unanswered (last + Idle + Count×Interval). Traffic
// restarts the schedule. A disabled k is returned unchanged.
func keepaliveProgress(k protocol.Keepalive, last, now time.Time) protocol.Keepalive {
	k.ProbesSent, k.NextProbe, k.DeadAt = 0, time.Time{}, time.Time{}
	if !k.Enabled || k.Idle <= 0 {
		return k
	}
	first := last.Add(k.Idle)
	k.DeadAt = first.Add(time.Duration(k.Count) * k.Interval)
	if now.Before(first) {
		k.NextProbe = first
		return k
	}
	sent := k.Count
	if k.Interval > 0 {
		sent = min(k.Count, 1+int(now.Sub(first)/k.Interval))
	}
	k.ProbesSent = sent
	if sent < k.Count {
		k.NextProbe = first.Add(time.Duration(sent) * k.Interval)
	}
	return k
}
