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
