package netcore

import (
	"testing"
	"time"

	"atbench/protocol"
)

func TestKeepaliveProgress(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	k := protocol.Keepalive{Enabled: true, Idle: 60 * time.Second, Interval: 10 * time.Second, Count: 3}
	dead := t0.Add(90 * time.Second)
	tests := []struct {
		at    time.Duration
		sent  int
		probe time.Duration // 0: none
	}{
		{0, 0, 60 * time.Second},
		{59 * time.Second, 0, 60 * time.Second},
		{60 * time.Second, 1, 70 * time.Second},
		{75 * time.Second, 2, 80 * time.Second},
		{80 * time.Second, 3, 0},
		{200 * time.Second, 3, 0},
	}
	for _, tt := range tests {
		got := KeepaliveProgress(k, t0, t0.Add(tt.at))
		want := time.Time{}
		if tt.probe != 0 {
			want = t0.Add(tt.probe)
		}
		if got.ProbesSent != tt.sent || !got.NextProbe.Equal(want) || !got.DeadAt.Equal(dead) {
			t.Errorf("at %v: sent %d next %v dead %v; want %d %v %v", tt.at, got.ProbesSent, got.NextProbe, got.DeadAt, tt.sent, want, dead)
		}
	}
	if got := KeepaliveProgress(protocol.Keepalive{}, t0, t0); !got.NextProbe.IsZero() || !got.DeadAt.IsZero() {
		t.Fatalf("disabled keepalive scheduled: %+v", got)
	}
}

func TestKeepAliveConfigUnsetIsSystemDefault(t *testing.T) {
	if _, on := (SocketOptions{KeepIdle: time.Minute}).KeepAliveConfig(); on {
		t.Fatal("keepalive off, yet configured")
	}
	cfg, on := SocketOptions{KeepAlive: true, KeepCnt: 4}.KeepAliveConfig()
	if !on || cfg.Idle != -1 || cfg.Interval != -1 || cfg.Count != 4 {
		t.Fatalf("%+v", cfg)
	}
}

// TestKeepaliveProgressIdleZero: with Idle 0 the first probe goes out when
// the silence begins, and the link is dead Count × Interval after it (the
// seed's WizFi recipes: 8 × 75 s = 600 s, 1 × 75 s = 75 s).
func TestKeepaliveProgressIdleZero(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		count int
		at    time.Duration
		sent  int
		probe time.Duration // 0: none
	}{
		{8, 0, 1, 75 * time.Second},
		{8, 74 * time.Second, 1, 75 * time.Second},
		{8, 75 * time.Second, 2, 150 * time.Second},
		{8, 525 * time.Second, 8, 0},
		{8, 700 * time.Second, 8, 0},
		{1, 0, 1, 0},
		{1, 80 * time.Second, 1, 0},
	} {
		k := protocol.Keepalive{Enabled: true, Interval: 75 * time.Second, Count: tt.count}
		got := KeepaliveProgress(k, t0, t0.Add(tt.at))
		want := time.Time{}
		if tt.probe != 0 {
			want = t0.Add(tt.probe)
		}
		dead := t0.Add(time.Duration(tt.count) * 75 * time.Second)
		if got.ProbesSent != tt.sent || !got.NextProbe.Equal(want) || !got.DeadAt.Equal(dead) {
			t.Errorf("count %d at %v: sent %d next %v dead %v; want %d %v %v", tt.count, tt.at, got.ProbesSent, got.NextProbe, got.DeadAt, tt.sent, want, dead)
		}
	}
	if got := KeepaliveProgress(protocol.Keepalive{Enabled: true, Count: 3}, t0, t0); !got.DeadAt.IsZero() {
		t.Fatalf("idle and interval 0 scheduled: %+v", got)
	}
}

func TestKeepaliveInForceModel(t *testing.T) {
	model := protocol.Keepalive{Enabled: true, Interval: 75 * time.Second, Count: 1, ProbesSent: 3}
	o := SocketOptions{KeepAlive: true, KeepIdle: time.Second, KeepIntvl: 74 * time.Second, KeepCnt: 1, Model: model}
	got := o.KeepaliveInForce(fallbackKeepalive())
	if got.Idle != 0 || got.Interval != 75*time.Second || got.Count != 1 || got.ProbesSent != 0 {
		t.Fatalf("model not shown: %+v", got)
	}
	o.KeepAlive = false
	if got := o.KeepaliveInForce(fallbackKeepalive()); got.Enabled {
		t.Fatalf("keepalive off, yet %+v", got)
	}
}
