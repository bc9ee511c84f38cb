package wizfi

import (
	"fmt"
	"net/netip"
)

// The module's answers and events as bytes, as WizFi210 prints them (the
// emulator writes them; tests check the parsers against them). Stock
// GainSpan prints the same lines without the brackets.

// FormatStatus is a final result: "\r\n[OK]\r\n", "\r\n[ERROR: NO CID]\r\n",
// and so on, bracketed for codes 0 to 6. DISASSOCIATED and the events are
// printed bare, as dialects.md C.2 and C.4 write them (UNCONFIRMED for
// WizFi210).
func FormatStatus(s Status) []byte {
	if s <= StatusNotSupported {
		return fmt.Appendf(nil, "\r\n[%s]\r\n", s)
	}
	return fmt.Appendf(nil, "\r\n%s\r\n", s)
}

// FormatOK is "\r\n[OK]\r\n".
func FormatOK() []byte { return FormatStatus(StatusOK) }

// FormatError is the final result of an error: StatusOf(err)'s status
// word. The reason in err is for the workbench and is not printed.
func FormatError(err error) []byte { return FormatStatus(StatusOf(err)) }

// FormatConnect is "\r\nCONNECT <cid>\r\n": a client, UDP socket or
// server got its CID (printed before the command's OK).
func FormatConnect(cid int) []byte { return fmt.Appendf(nil, "\r\nCONNECT %s\r\n", FormatCID(cid)) }

// FormatAccept is "\r\nCONNECT <server> <new> <ip> <port>\r\n": a TCP
// server accepted a client into a new CID.
func FormatAccept(server, cid int, ip string, port int) []byte {
	return fmt.Appendf(nil, "\r\nCONNECT %s %s %s %d\r\n", FormatCID(server), FormatCID(cid), ip, port)
}

// FormatDisconnect is "\r\nDISCONNECT <cid>\r\n": the peer closed or the
// connection was lost, and the CID is free again.
func FormatDisconnect(cid int) []byte {
	return fmt.Appendf(nil, "\r\nDISCONNECT %s\r\n", FormatCID(cid))
}

// FormatDisassociationEvent is "\r\nDisassociation Event\r\n": the module
// lost its access point.
func FormatDisassociationEvent() []byte { return FormatStatus(StatusDisassociationEvent) }

// FormatCIDTable is AT+CID=?'s answer before OK: the header and one row a
// CID, or " No valid Cids" when entries is empty. Each row is the CID in
// hex, a tab, the type ("TCP\t", "UDP\t", "HTTP\t" or "TCP-SSL " with a
// space), the mode and a tab, then "%4d\t\t%4d\t\t%3d.%3d.%3d.%3d".
func FormatCIDTable(entries []CIDEntry) []byte {
	if len(entries) == 0 {
		return []byte("\r\n" + NoCIDs + "\r\n")
	}
	b := []byte("\r\n" + CIDHeader + "\r\n")
	for _, e := range entries {
		sep := "\t"
		if e.Type == "TCP-SSL" {
			sep = " "
		}
		var o [4]byte
		if a, err := netip.ParseAddr(e.RemoteIP); err == nil && a.Is4() {
			o = a.As4()
		}
		b = fmt.Appendf(b, "%s\t%s%s%s\t%4d\t\t%4d\t\t%3d.%3d.%3d.%3d\r\n",
			FormatCID(e.CID), e.Type, sep, e.Mode, e.LocalPort, e.RemotePort, o[0], o[1], o[2], o[3])
	}
	return b
}

// FormatVersion is AT+VER=?'s answer before OK, in stock GainSpan's layout
// (UNCONFIRMED for WizFi210).
func FormatVersion(app, geps, wlan string) []byte {
	return fmt.Appendf(nil, "\r\nS2W APP VERSION=%s\r\nS2W GEPS VERSION=%s\r\nS2W WLAN VERSION=%s\r\n", app, geps, wlan)
}

// FormatAddress is what AT+WA prints before OK once DHCP gave an address,
// in stock GainSpan's layout (UNCONFIRMED spacing).
func FormatAddress(ip, mask, gateway string) []byte {
	return fmt.Appendf(nil, "\r\n    IP              SubNet         Gateway   \r\n %s: %s: %s\r\n", ip, mask, gateway)
}

// NetStatus is what AT+NSTAT=? reports.
type NetStatus struct {
	MAC       string
	Connected bool
	BSSID     string
	SSID      string
	Channel   int
	Security  string // "WPA2-PERSONAL", "NONE", ...
	RSSI      int    // dBm
	IP        string
	Mask      string
	Gateway   string
	DNS1      string
	DNS2      string
	RxCount   int
	TxCount   int
}

// FormatNStat is AT+NSTAT=?'s answer before OK, in stock GainSpan's layout
// (UNCONFIRMED for WizFi210; ParseNStatLine reads it).
func FormatNStat(s NetStatus) []byte {
	state := "NOT CONNECTED"
	if s.Connected {
		state = "CONNECTED"
	}
	return fmt.Appendf(nil, "\r\nMAC=%s\r\nWSTATE=%s     MODE=INFRA\r\n"+
		"BSSID=%s    SSID=\"%s\"   CHANNEL=%d    SECURITY=%s\r\nRSSI=%d\r\n"+
		"IP addr=%s   SubNet=%s   Gateway=%s\r\nDNS1=%s       DNS2=%s\r\nRx Count=%d     Tx Count=%d\r\n",
		s.MAC, state, s.BSSID, s.SSID, s.Channel, s.Security, s.RSSI,
		s.IP, s.Mask, s.Gateway, s.DNS1, s.DNS2, s.RxCount, s.TxCount)
}
