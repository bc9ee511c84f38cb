package netcore

import (
	"context"
	"net/netip"
	"sync"
	"testing"
	"time"

	"atbench/protocol"
)

// manualClock stands still; its timers fire when the test says so.
type manualClock struct {
	mu     sync.Mutex
	now    time.Time
	timers chan chan time.Time // each NewTimer's channel, for the test to fire
}

type manualTimer struct{}

func (manualTimer) Stop() bool               { return true }
func (manualTimer) Reset(time.Duration) bool { return true }

func (c *manualClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *manualClock) NewTimer(time.Duration) (Timer, <-chan time.Time) {
	ch := make(chan time.Time, 1)
	c.timers <- ch
	return manualTimer{}, ch
}
func (c *manualClock) AfterFunc(time.Duration, func()) Timer { return manualTimer{} }

// TestReadWaitsOnTheStacksClock: a read's wait for data is a timer of the
// injected clock, and link times are the clock's.
func TestReadWaitsOnTheStacksClock(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	clk := &manualClock{now: t0, timers: make(chan chan time.Time, 1)}
	s, err := New(Config{Addr: netip.MustParseAddr("127.0.0.1"), RecvBuffer: 64, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ln, addr := peerListener(t)
	if err := s.Dial(context.Background(), 0, DialOptions{Proto: protocol.ProtoTCP, Remote: addr}); err != nil {
		t.Fatal(err)
	}
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	type result struct {
		data []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		d, err := s.Read(0, 10, time.Hour) // an hour of the real clock would time the test out
		done <- result{d, err}
	}()
	var fire chan time.Time
	select {
	case fire = <-clk.timers:
	case <-time.After(waitLimit):
		t.Fatal("Read set no timer on the stack's clock")
	}
	fire <- t0
	select {
	case r := <-done:
		if r.err != nil || len(r.data) != 0 {
			t.Fatalf("Read = %q, %v", r.data, r.err)
		}
	case <-time.After(waitLimit):
		t.Fatal("Read did not return when its timer fired")
	}
	table, _ := s.Links()
	if len(table) != 1 || !table[0].Opened.Equal(t0) {
		t.Fatalf("link times are not the clock's: %+v", table)
	}
}
