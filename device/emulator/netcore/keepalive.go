package netcore

import (
	"fmt"
	"net"
	"time"

	"atbench/protocol"
)

// SocketOptions are the per-socket options a firmware sets on a new TCP
// or TLS socket (a seed takes its server's). A zero keepalive value means
// "not set": the operating system's default applies, never Go's 15 s.
type SocketOptions struct {
	NoDelay bool // TCP_NODELAY; false means Nagle on (set explicitly: Go's default is on)
	// KeepAlive enables SO_KEEPALIVE with the timers below.
	KeepAlive bool
	KeepIdle  time.Duration // TCP_KEEPIDLE; 0: the system's
	KeepIntvl time.Duration // TCP_KEEPINTVL; 0: the system's
	KeepCnt   int           // TCP_KEEPCNT; 0: the system's
	// SendTimeout bounds each send like SO_SNDTIMEO; 0: none.
	SendTimeout time.Duration
	// Model, when Enabled (and KeepAlive is on), is the keepalive the
	// firmware itself runs, reported in place of the kernel timers above:
	// a firmware whose own numbers the kernel cannot take (WizFi's idle 0)
	// maps them to kernel timers of the same detection time and shows its
	// own. Its progress fields are ignored.
	Model protocol.Keepalive
}

// SystemKeepalive is the kernel's keepalive configuration used where a
// socket sets no value of its own (Linux: /proc/sys/net/ipv4/tcp_keepalive_*).
type SystemKeepalive struct {
	Idle     time.Duration
	Interval time.Duration
	Count    int
}

// fallbackKeepalive is the classic BSD/Linux default, used where the kernel
// values cannot be read.
func fallbackKeepalive() SystemKeepalive {
	return SystemKeepalive{Idle: 7200 * time.Second, Interval: 75 * time.Second, Count: 9}
}

// KeepAliveConfig maps o to Go's keepalive settings: an unset value becomes
// -1 (leave the OS default), never Go's 0 (which would mean 15 s / 9). ok
// is false when keepalive is off.
func (o SocketOptions) KeepAliveConfig() (cfg net.KeepAliveConfig, ok bool) {
	if !o.KeepAlive {
		return net.KeepAliveConfig{}, false
	}
	cfg = net.KeepAliveConfig{Enable: true, Idle: -1, Interval: -1, Count: -1}
	if o.KeepIdle > 0 {
		cfg.Idle = o.KeepIdle
	}
	if o.KeepIntvl > 0 {
		cfg.Interval = o.KeepIntvl
	}
	if o.KeepCnt > 0 {
		cfg.Count = o.KeepCnt
	}
	return cfg, true
}

// KeepaliveInForce is the keepalive a socket created with o runs with: o's
// values where set, else the system's.
func (o SocketOptions) KeepaliveInForce(def SystemKeepalive) protocol.Keepalive {
	if !o.KeepAlive {
		return protocol.Keepalive{}
	}
	if o.Model.Enabled {
		m := o.Model
		m.ProbesSent, m.NextProbe, m.DeadAt = 0, time.Time{}, time.Time{}
		return m
	}
	k := protocol.Keepalive{Enabled: true, Idle: def.Idle, Interval: def.Interval, Count: def.Count}
	if o.KeepIdle > 0 {
		k.Idle = o.KeepIdle
	}
	if o.KeepIntvl > 0 {
		k.Interval = o.KeepIntvl
	}
	if o.KeepCnt > 0 {
		k.Count = o.KeepCnt
	}
	return k
}

// apply sets o on a TCP socket, new or open (SetOptions). Go turns Nagle
// off by default, so TCP_NODELAY is set explicitly both ways; keepalive
// off is set explicitly too, for a socket that had it on.
func (o SocketOptions) apply(c *net.TCPConn) error {
	if err := c.SetNoDelay(o.NoDelay); err != nil {
		return err
	}
	if cfg, on := o.KeepAliveConfig(); on {
		return c.SetKeepAliveConfig(cfg)
	}
	return c.SetKeepAlive(false)
}

// KeepaliveProgress fills ProbesSent, NextProbe and DeadAt of k for a link
// whose last traffic was at last, as seen at now: the first probe goes out
// after Idle of silence, the next ones every Interval, and the link is dead
// when Count probes went unanswered (last + Idle + Count×Interval). Traffic
// restarts the schedule. Idle 0 with an Interval is a schedule too: the
// first probe goes out as soon as the silence begins (WizFi's recipes,
// where the detection time is Count × 75 s). A disabled k, or one with no
// timers, is returned unchanged.
func KeepaliveProgress(k protocol.Keepalive, last, now time.Time) protocol.Keepalive {
	k.ProbesSent, k.NextProbe, k.DeadAt = 0, time.Time{}, time.Time{}
	if !k.Enabled || k.Idle < 0 || (k.Idle == 0 && k.Interval <= 0) {
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

// SetOptions changes the socket options of link id while it is open (a
// firmware with a per-socket option command): a TCP socket gets them at
// once and its keepalive in force follows; a server passes them to the
// seeds it accepts from now on.
func (s *Stack) SetOptions(id int, o SocketOptions) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, err := s.usableLocked(id)
	if err != nil {
		return err
	}
	if l.tcp != nil {
		if err := o.apply(l.tcp); err != nil {
			return fmt.Errorf("link %d: set socket options: %w", id, err)
		}
		l.ka = o.KeepaliveInForce(s.sysKA)
	}
	l.opts = o
	return nil
}
