package session_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"atbench/device/emulator"
	wzfw "atbench/device/emulator/wizfi"
	"atbench/protocol"
	"atbench/protocol/wizfi"
	"atbench/session"
)

// TestCoAPPingLibcoapWizFi: the same pings through another command set's
// own send steps (WizFi's ESC S <cid> … ESC E frames) reach libcoap over
// UDP and TCP, and the answers are found in its ESC-framed data.
func TestCoAPPingLibcoapWizFi(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	port := coapServer(t, ctx)
	s, _ := emulated(t, ctx, emulator.Config{Firmware: wzfw.New}, wizfi.New())

	for _, tc := range []struct {
		open  string
		proto protocol.Proto
	}{
		{fmt.Sprintf("AT+NCUDP=127.0.0.1,%d", port), protocol.ProtoUDP},
		{fmt.Sprintf("AT+NCTCP=127.0.0.1,%d", port), protocol.ProtoTCP},
	} {
		rec, err := s.Exec(ctx, tc.open)
		if err != nil || rec.Kind != protocol.KindOK || rec.LinkID == protocol.NoLink {
			t.Fatalf("%s: %+v %v", tc.open, rec, err)
		}
		res, err := s.CoAPPing(ctx, rec.LinkID, session.CoAPOptions{})
		if err != nil {
			for _, r := range s.Records(0, 0) {
				t.Logf("%s %q % x", r.Kind, r.Text, r.Payload)
			}
			t.Fatalf("%s ping on CID %d: %v", tc.proto, rec.LinkID, err)
		}
		if res.Proto != tc.proto || res.RTT <= 0 || !strings.Contains(res.Answer, map[protocol.Proto]string{protocol.ProtoUDP: "RST", protocol.ProtoTCP: "Pong"}[tc.proto]) {
			t.Errorf("%s: %+v", tc.proto, res)
		}
		t.Logf("WizFi %s CID %d: %s, RTT %v", tc.proto, rec.LinkID, res.Answer, res.RTT)
	}
}
