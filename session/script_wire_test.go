package session

import (
	"strings"
	"testing"
	"time"
)

func TestParseKeepaliveAndCoAPVerbs(t *testing.T) {
	sc, err := ParseScript("k.at", strings.NewReader("keepalive 90s\nkeepalive 10m a\ncoap ping 0\ncoap keepalive 3 30s 2m\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	st := sc.Steps
	if len(st) != 4 || st[0].dur != 90*time.Second || st[0].link != "" || st[1].dur != 10*time.Minute || st[1].link != "a" ||
		st[2].coap != "ping" || st[2].link != "0" || st[3].coap != "keepalive" || st[3].link != "3" ||
		st[3].idle != 30*time.Second || st[3].dur != 2*time.Minute {
		t.Fatalf("steps: %+v", st)
	}
	for _, bad := range []string{"keepalive", "keepalive soon", "keepalive 90s 1 2", "coap", "coap ping",
		"coap pong 0", "coap keepalive 0 30s", "coap keepalive 0 x 2m", "coap keepalive 0 30s -1s"} {
		if _, err := ParseScript("bad.at", strings.NewReader(bad+"\n"), env(nil)); err == nil || !strings.Contains(err.Error(), "bad.at:1:") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
