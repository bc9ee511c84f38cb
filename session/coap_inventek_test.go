package session_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"atbench/device/emulator"
	invfw "atbench/device/emulator/inventek"
	"atbench/protocol"
	"atbench/protocol/inventek"
	"atbench/session"
)

// TestCoAPPingLibcoapInventek: on a module that holds received data until
// it is read (Inventek's R0), the ping reads the link when the emulator
// says bytes are waiting, and finds libcoap's answers in what R0 returns.
func TestCoAPPingLibcoapInventek(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	port := coapServer(t, ctx)
	s, _ := emulated(t, ctx, emulator.Config{Firmware: invfw.New}, inventek.New())

	for _, tc := range []struct {
		socket int
		p1     int // P1: 0 TCP, 1 UDP
		proto  protocol.Proto
		want   string
	}{
		{0, 1, protocol.ProtoUDP, "RST"},
		{1, 0, protocol.ProtoTCP, "Pong"},
	} {
		for _, line := range []string{fmt.Sprintf("P0=%d", tc.socket), fmt.Sprintf("P1=%d", tc.p1), "P3=127.0.0.1", fmt.Sprintf("P4=%d", port), "P6=1"} {
			if rec, err := s.Exec(ctx, line); err != nil || rec.Kind != protocol.KindOK {
				t.Fatalf("%s: %+v %v", line, rec, err)
			}
		}
		res, err := s.CoAPPing(ctx, tc.socket, session.CoAPOptions{})
		if err != nil {
			for _, r := range s.Records(0, 0) {
				t.Logf("%s %q % x", r.Kind, r.Text, r.Payload)
			}
			t.Fatalf("%s ping: %v", tc.proto, err)
		}
		if res.Proto != tc.proto || res.RTT <= 0 || !strings.Contains(res.Answer, tc.want) {
			t.Errorf("%s: %+v", tc.proto, res)
		}
		t.Logf("Inventek %s socket %d: %s, RTT %v (with the read)", tc.proto, tc.socket, res.Answer, res.RTT)
	}
}
