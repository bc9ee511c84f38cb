package wizfi

import (
	"bytes"

	"atbench/protocol"
)

// eventLines are unsolicited messages from the status table's later
// entries (dialects.md C.1) that are not results: matched as line starts.
var eventLines = [...]string{
	"Disassociation Event",
	"Serial2WiFi APP",
	"NWCONN-SUCCESS",
	"IP CONFIG-NEW IP",
	"APP Reset",
	"Out of StandBy",
	"Out of Deep Sleep",
}

// Classify gives the kind of one complete line of module output and the
// CID it belongs to (protocol.NoLink when none). Status words are read
// bracketed (WizFi210, "[OK]") or bare (stock GainSpan, "OK"):
//   - "OK" is KindOK; "ERROR", any "ERROR: …" and "DISASSOCIATED" (a
//     connect command's answer when Wi-Fi is down) are KindError;
//   - "CONNECT <cid>" and "DISCONNECT <cid>" are events of that CID,
//     "CONNECT <server> <new> <ip> <port>" an event of the new CID;
//     "Disassociation Event" and the boot and network messages are events;
//   - an AT+CID=? row is information of its CID; the rest is information.
//
// Ordinary lines do not allocate.
func Classify(line []byte) (protocol.Kind, int) {
	line = trimEOL(line)
	inner, _ := unbracket(line)
	switch {
	case string(inner) == "OK":
		return protocol.KindOK, protocol.NoLink
	case string(inner) == "ERROR", string(inner) == "DISASSOCIATED", bytes.HasPrefix(inner, []byte("ERROR:")):
		return protocol.KindError, protocol.NoLink
	case bytes.HasPrefix(inner, []byte(connectPrefix)):
		return protocol.KindEvent, connectLink(inner[len(connectPrefix):])
	case bytes.HasPrefix(inner, []byte(disconnectPrefix)):
		cid, _ := cidOf(inner[len(disconnectPrefix):])
		return protocol.KindEvent, cid
	}
	for _, e := range eventLines {
		if bytes.HasPrefix(inner, []byte(e)) {
			return protocol.KindEvent, protocol.NoLink
		}
	}
	return protocol.KindInfo, rowLink(line)
}

// rowLink returns the CID of a line shaped like an AT+CID=? row (a hex
// digit, a tab, then a known type), or NoLink. It does not allocate.
func rowLink(line []byte) int {
	if len(line) < 3 || line[1] != '\t' {
		return protocol.NoLink
	}
	cid, ok := cidOf(line[:1])
	if !ok {
		return protocol.NoLink
	}
	rest := line[2:]
	for _, t := range [...]string{"TCP\t", "UDP\t", "TCP-SSL ", "HTTP\t"} {
		if bytes.HasPrefix(rest, []byte(t)) {
			return cid
		}
	}
	return protocol.NoLink
}
