package wizfi

import "atbench/protocol"

// Catalog returns the documented commands: the common group, the Wi-Fi
// commands a socket session needs and the socket group (dialects.md C).
// Replies are shown as WizFi210 prints them, with bracketed status words.
// It builds a new slice on each call, so callers may change it.
func Catalog() []protocol.CommandSpec {
	cat := commonCommands()
	cat = append(cat, wifiCommands()...)
	return append(cat, socketCommands()...)
}

// Error forms, as ParseError returns their codes.
func errGeneric() protocol.ErrorCode {
	return protocol.ErrorCode{Code: "ERROR", Meaning: "the command failed"}
}

func errInvalidInput() protocol.ErrorCode {
	return protocol.ErrorCode{Code: "INVALID INPUT", Meaning: "unknown command, or a parameter missing, malformed or out of range"}
}

func errSocketFailure() protocol.ErrorCode {
	return protocol.ErrorCode{Code: "SOCKET FAILURE", Meaning: "the socket could not be created, bound or connected"}
}

func errNoCID() protocol.ErrorCode {
	return protocol.ErrorCode{Code: "NO CID", Meaning: "all 16 CIDs are in use"}
}

func errInvalidCID() protocol.ErrorCode {
	return protocol.ErrorCode{Code: "INVALID CID", Meaning: "no connection has this CID"}
}

func errDisassociated() protocol.ErrorCode {
	return protocol.ErrorCode{Code: "DISASSOCIATED", Meaning: "not associated with an access point: join with AT+WA first"}
}

// cidParam is a CID of an existing connection: one hex digit.
func cidParam(help string) protocol.ParamSpec {
	return protocol.ParamSpec{Name: "cid", Type: protocol.ParamHex, Link: protocol.LinkExisting,
		Min: 0, Max: MaxCIDs - 1, Help: help}
}

func portParam(name, help string, optional bool) protocol.ParamSpec {
	return protocol.ParamSpec{Name: name, Type: protocol.ParamInt, Min: 1, Max: 65535, Optional: optional, Help: help}
}

func commonCommands() []protocol.CommandSpec {
	return []protocol.CommandSpec{
		{
			Name: "AT", Group: "common", Syntax: "AT",
			Help:    "Liveness probe: answers OK",
			Example: "AT", Reply: "[OK]",
		},
		{
			Name: "ATE0", Group: "common", Syntax: "ATE0",
			Help:    "Turns the echo of command characters off",
			Example: "ATE0", Reply: "[OK]",
		},
		{
			Name: "ATE1", Group: "common", Syntax: "ATE1",
			Help:    "Turns the echo of command characters on",
			Example: "ATE1", Reply: "[OK]",
		},
		{
			Name: "AT+VER", Group: "common", Syntax: "AT+VER=?",
			Help:    "Prints the firmware versions (layout UNCONFIRMED for WizFi210)",
			Example: "AT+VER=?",
			Reply:   "S2W APP VERSION=1.0.0\nS2W GEPS VERSION=1.0.0\nS2W WLAN VERSION=1.0.0\n[OK]",
		},
		{
			Name: "AT+BDATA", Group: "common", Syntax: "AT+BDATA=<mode>",
			Help: "Turns bulk data mode on or off: with it on, data travels as ESC Z <cid> <len> frames",
			Params: []protocol.ParamSpec{
				{Name: "mode", Type: protocol.ParamEnum, Values: []string{"0: off (ESC S ... ESC E frames)", "1: on (ESC Z <cid> <4-digit length> frames)"},
					Help: "bulk mode"},
			},
			Errors:  []protocol.ErrorCode{errInvalidInput()},
			Example: "AT+BDATA=1", Reply: "[OK]",
		},
	}
}

func wifiCommands() []protocol.CommandSpec {
	return []protocol.CommandSpec{
		{
			Name: "AT+WWPA", Group: "wifi", Syntax: "AT+WWPA=<passphrase>",
			Help: "Sets the WPA/WPA2 passphrase used by the next AT+WA",
			Params: []protocol.ParamSpec{
				{Name: "passphrase", Type: protocol.ParamString, Help: "8 to 63 characters"},
			},
			Errors:  []protocol.ErrorCode{errInvalidInput()},
			Example: "AT+WWPA=12345678", Reply: "[OK]",
		},
		{
			Name: "AT+WA", Group: "wifi", Syntax: "AT+WA=<ssid>[,<bssid>][,<channel>]",
			Help: "Associates with an access point; with DHCP on, prints the address it got",
			Params: []protocol.ParamSpec{
				{Name: "ssid", Type: protocol.ParamString, Help: "network name, up to 32 characters"},
				{Name: "bssid", Type: protocol.ParamString, Optional: true, Help: "AP MAC address, colon-separated hex"},
				{Name: "channel", Type: protocol.ParamInt, Optional: true, Min: 0, Max: 14, Help: "channel; 0 or none scans every channel"},
			},
			Errors:  []protocol.ErrorCode{errGeneric(), errInvalidInput()},
			Example: "AT+WA=MyAP",
			Reply:   "    IP              SubNet         Gateway   \n 192.168.3.100: 255.255.255.0: 192.168.3.1\n[OK]",
		},
		{
			Name: "AT+WD", Group: "wifi", Syntax: "AT+WD",
			Help:    "Leaves the access point; open connections are lost",
			Example: "AT+WD", Reply: "[OK]",
		},
		{
			Name: "AT+NDHCP", Group: "wifi", Syntax: "AT+NDHCP=<mode>",
			Help: "Turns the DHCP client on or off for the next association",
			Params: []protocol.ParamSpec{
				{Name: "mode", Type: protocol.ParamEnum, Values: []string{"0: off (static address from AT+NSET)", "1: on"}, Help: "DHCP client"},
			},
			Errors:  []protocol.ErrorCode{errInvalidInput()},
			Example: "AT+NDHCP=1", Reply: "[OK]",
		},
		{
			Name: "AT+NSET", Group: "wifi", Syntax: "AT+NSET=<ip>,<mask>,<gateway>",
			Help: "Sets a static address (used with AT+NDHCP=0)",
			Params: []protocol.ParamSpec{
				{Name: "ip", Type: protocol.ParamIP, Help: "the module's address"},
				{Name: "mask", Type: protocol.ParamIP, Help: "subnet mask"},
				{Name: "gateway", Type: protocol.ParamIP, Help: "default gateway"},
			},
			Errors:  []protocol.ErrorCode{errInvalidInput()},
			Example: "AT+NSET=192.168.3.100,255.255.255.0,192.168.3.1", Reply: "[OK]",
		},
		{
			Name: "AT+NSTAT", Group: "wifi", Syntax: "AT+NSTAT=?",
			Help:    "Prints the network status: MAC, association, address, counters (GainSpan layout)",
			Example: "AT+NSTAT=?",
			Reply: "MAC=00:08:dc:00:00:01\nWSTATE=CONNECTED     MODE=INFRA\n" +
				"BSSID=00:24:01:ad:77:a2    SSID=\"MyAP\"   CHANNEL=6    SECURITY=WPA2-PERSONAL\nRSSI=-48\n" +
				"IP addr=192.168.3.100   SubNet=255.255.255.0   Gateway=192.168.3.1\n" +
				"DNS1=192.168.3.1       DNS2=0.0.0.0\nRx Count=13     Tx Count=12\n[OK]",
		},
	}
}

func socketCommands() []protocol.CommandSpec {
	return []protocol.CommandSpec{
		{
			Name: "AT+NCTCP", Group: "socket", Syntax: "AT+NCTCP=<ip>,<port>",
			Help: "Opens a TCP client connection; prints CONNECT <cid> on success",
			Params: []protocol.ParamSpec{
				{Name: "ip", Type: protocol.ParamIP, Help: "the server's address"},
				portParam("port", "the server's port", false),
			},
			Errors:  []protocol.ErrorCode{errGeneric(), errInvalidInput(), errSocketFailure(), errNoCID(), errDisassociated()},
			Example: "AT+NCTCP=192.168.3.2,5000", Reply: "CONNECT 0\n[OK]",
		},
		{
			Name: "AT+NSTCP", Group: "socket", Syntax: "AT+NSTCP=<port>[,<max_conn>]",
			Help: "Starts a TCP server; each accepted client prints CONNECT <server> <new> <ip> <port>",
			Params: []protocol.ParamSpec{
				portParam("port", "local port to listen on", false),
				{Name: "max_conn", Type: protocol.ParamInt, Optional: true, Min: 1, Max: 15, Default: "15",
					Help: "most clients accepted at once"},
			},
			Errors:  []protocol.ErrorCode{errGeneric(), errInvalidInput(), errSocketFailure(), errNoCID(), errDisassociated()},
			Example: "AT+NSTCP=5000", Reply: "CONNECT 0\n[OK]",
		},
		{
			Name: "AT+NCUDP", Group: "socket", Syntax: "AT+NCUDP=<ip>,<rport>[,<lport>]",
			Help: "Opens a UDP client socket to one peer; prints CONNECT <cid>",
			Params: []protocol.ParamSpec{
				{Name: "ip", Type: protocol.ParamIP, Help: "the peer's address"},
				portParam("rport", "the peer's port", false),
				portParam("lport", "local port; a free one when omitted", true),
			},
			Errors:  []protocol.ErrorCode{errGeneric(), errInvalidInput(), errSocketFailure(), errNoCID(), errDisassociated()},
			Example: "AT+NCUDP=192.168.3.2,5001,5002", Reply: "CONNECT 1\n[OK]",
		},
		{
			Name: "AT+NSUDP", Group: "socket", Syntax: "AT+NSUDP=<port>",
			Help: "Opens a UDP server socket; data arrives as ESC u <cid> <ip> <port> frames",
			Params: []protocol.ParamSpec{
				portParam("port", "local port", false),
			},
			Errors:  []protocol.ErrorCode{errGeneric(), errInvalidInput(), errSocketFailure(), errNoCID(), errDisassociated()},
			Example: "AT+NSUDP=5003", Reply: "CONNECT 2\n[OK]",
		},
		{
			Name: "AT+NCLOSE", Group: "socket", Syntax: "AT+NCLOSE=<cid>",
			Help: "Closes one connection and frees its CID",
			Params: []protocol.ParamSpec{
				cidParam("the connection to close"),
			},
			Errors:  []protocol.ErrorCode{errInvalidInput(), errInvalidCID()},
			Example: "AT+NCLOSE=1", Reply: "[OK]",
		},
		{
			Name: "AT+NCLOSEALL", Group: "socket", Syntax: "AT+NCLOSEALL",
			Help:    "Closes every connection and frees every CID",
			Example: "AT+NCLOSEALL", Reply: "[OK]",
		},
		{
			Name: "AT+CID", Group: "socket", Syntax: "AT+CID=?",
			Help:    "Lists the CIDs in use: type, mode, local and remote port, remote address",
			Example: "AT+CID=?",
			Reply: CIDHeader + "\n" +
				"0\tTCP\tSERVER\t5000\t\t   0\t\t  0.  0.  0.  0\n" +
				"1\tTCP\tSERVER\t5000\t\t65535\t\t192.168.100.200\n" +
				"2\tUDP\tCLIENT\t5002\t\t5001\t\t192.168.  3.  2\n[OK]",
		},
		{
			Name: "AT+SETSOCKOPT", Group: "socket", Syntax: "AT+SETSOCKOPT=<cid>,<type>,<param>,<value>,<length>",
			Help: "Sets a socket option on a CID: keepalive on, its timeout and probe count, the retransmission limit",
			Params: []protocol.ParamSpec{
				cidParam("the connection whose socket takes the option"),
				{Name: "type", Type: protocol.ParamEnum, Help: "option level, decimal",
					Values: []string{"65535: SOL_SOCKET (SO_KEEPALIVE)", "0: IP", "6: TCP (TCP_KEEPALIVE, TCP_KEEPALIVE_CNT, TCP_MAXRT)"}},
				{Name: "param", Type: protocol.ParamHex, Min: 0, Max: 0xffff, Help: "option name, hexadecimal",
					Values: []string{"8: SO_KEEPALIVE (level 65535), 1 on, 0 off; TCP_KEEPALIVE needs it",
						"4001: TCP_KEEPALIVE (level 6), keepalive timeout in s, at least count × 75 s",
						"4005: TCP_KEEPALIVE_CNT (level 6), unanswered probes before the link is dead (8 by default)",
						"10: TCP_MAXRT (level 6), maximum retransmission time in s"}},
				{Name: "value", Type: protocol.ParamInt, Min: 0, Max: 1<<31 - 1, Help: "the option's value (seconds for the time options)"},
				{Name: "length", Type: protocol.ParamEnum, Help: "bytes of the value",
					Values: []string{"4: integer", "2: short", "1: char"}},
			},
			Errors:  []protocol.ErrorCode{errInvalidInput(), errInvalidCID()},
			Example: "AT+SETSOCKOPT=0,65535,8,1,4", Reply: "[OK]",
		},
	}
}
