package wizfi

import (
	"reflect"
	"testing"

	"atbench/protocol"
)

func TestLinksAndSettings(t *testing.T) {
	no := protocol.NoLink
	rec := func(line string) protocol.Record {
		k, link := Classify([]byte(line))
		return protocol.Record{Kind: k, Text: line, LinkID: link}
	}
	tests := []struct {
		r        protocol.Record
		links    []protocol.LinkUpdate
		settings []protocol.Setting
	}{
		{rec("CONNECT 0 1 192.168.100.200 65535"), []protocol.LinkUpdate{{ID: 1, Present: true, Role: protocol.RoleSeed,
			Proto: protocol.ProtoTCP, Parent: 0, Remote: "192.168.100.200:65535", State: protocol.StateEstablished}}, nil},
		{rec("[CONNECT 2]"), []protocol.LinkUpdate{{ID: 2, Present: true, Parent: no}}, nil},
		{rec("DISCONNECT 1"), []protocol.LinkUpdate{DisconnectUpdate(1)}, nil},
		{rec("0\tTCP\tSERVER\t  80\t\t   0\t\t  0.  0.  0.  0"), []protocol.LinkUpdate{{ID: 0, Present: true, Snapshot: true,
			Parent: no, Role: protocol.RoleServer, Proto: protocol.ProtoTCP, State: protocol.StateListen, Local: "0.0.0.0:80"}}, nil},
		{rec(NoCIDs), nil, nil},
		{rec("Disassociation Event"), nil, nil},
		{rec("[OK]"), nil, nil},
		{rec("AT+NCTCP=192.168.3.2,5000"), nil, nil}, // an echo is information, not status
		{rec("RSSI=-48"), nil, []protocol.Setting{{Name: "rssi", Value: "-48"}}},
		{protocol.Record{Kind: protocol.KindData, LinkID: 3, Payload: []byte("abc")},
			[]protocol.LinkUpdate{{ID: 3, Parent: no, RxBytes: 3}}, nil},
		{protocol.Record{Kind: protocol.KindData, LinkID: no, Payload: []byte("abc")}, nil, nil},
		{protocol.Record{Kind: protocol.KindSent, Text: "AT+NCLOSE=3"}, ClosedLinks("AT+NCLOSE=3"), nil},
		{protocol.Record{Kind: protocol.KindSent, Text: "AT+SETSOCKOPT= 0,6,4001,600,4"}, nil,
			[]protocol.Setting{{Name: "cid0.tcp_keepalive", Value: "600"}}},
		// A command echoed by the module is not a confirmed command.
		{protocol.Record{Kind: protocol.KindEcho, Text: "AT+NCLOSE=3"}, nil, nil},
	}
	for _, tt := range tests {
		if got := Links(tt.r); !reflect.DeepEqual(got, tt.links) {
			t.Errorf("Links(%+v) = %+v\nwant %+v", tt.r, got, tt.links)
		}
		if got := Settings(tt.r); !reflect.DeepEqual(got, tt.settings) {
			t.Errorf("Settings(%+v) = %+v\nwant %+v", tt.r, got, tt.settings)
		}
	}
}

// TestSectionExamples walks through the examples of dialects.md C as the
// firmware will: each command line parsed and checked, each answer
// formatted, byte for byte.
func TestSectionExamples(t *testing.T) {
	answer := func(line string) string {
		c, err := ParseCommand([]byte(line))
		if err == nil {
			_, err = Validate(c)
		}
		if err != nil {
			return string(FormatError(err))
		}
		return string(FormatOK())
	}
	// C.1: at\r → \r\n[OK]\r\n.
	if got := answer("at\r"); got != "\r\n[OK]\r\n" {
		t.Errorf("at: %q", got)
	}
	// C.3: each recipe line answers [OK]; bad arguments [ERROR: INVALID INPUT].
	for _, l := range []string{"AT+SETSOCKOPT=0,65535,8,1,4\r", "AT+SETSOCKOPT=0,6,4001,600,4\r",
		"AT+SETSOCKOPT=0,6,4005,1,4\r", "AT+SETSOCKOPT=0,6,4001,75,4\r"} {
		if got := answer(l); got != "\r\n[OK]\r\n" {
			t.Errorf("%q: %q", l, got)
		}
	}
	if got := answer("AT+SETSOCKOPT=0,6,4001,75\r"); got != "\r\n[ERROR: INVALID INPUT]\r\n" {
		t.Errorf("bad SETSOCKOPT: %q", got)
	}
	// C.2: AT+CID=? with no CID.
	if got := answer("AT+CID=?\r"); got != "\r\n[OK]\r\n" {
		t.Errorf("AT+CID=?: %q", got)
	}
	if got := string(FormatCIDTable(nil)) + string(FormatOK()); got != "\r\n No valid Cids\r\n\r\n[OK]\r\n" {
		t.Errorf("empty table %q", got)
	}
	// C.4: the accept example reads back.
	line := "CONNECT 0 1 192.168.100.200 65535"
	if c, ok := ParseConnect(line); !ok || string(FormatAccept(c.Server, c.CID, c.IP, c.Port)) != "\r\n"+line+"\r\n" {
		t.Errorf("accept example: %+v %v", c, ok)
	}
}
