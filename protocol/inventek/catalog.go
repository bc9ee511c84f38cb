package inventek

import (
	"strings"

	"atbench/protocol"
)

// MaxSockets is the number of sockets, selected with P0=0..MaxSockets-1.
const MaxSockets = 4

// MaxPayload is the most bytes one S0 or S3 sends (the Inventek how-to:
// "1-1460 bytes"); a longer send is refused with the usage text.
const MaxPayload = 1460

// MaxLine bounds one command line, CR excluded. The documents give no
// limit (UNCONFIRMED); the longest lines in use carry a 63-character
// passphrase (C2) or an SSID (C1), far below it.
const MaxLine = 256

// Printed error lines. Only ErrUnknownError was captured from a real module
// (a failed C0); the other two are the emulator's choice (UNCONFIRMED).
const (
	ErrUnknownError   = "ERROR: Unknown Error"
	ErrUnknownCommand = "ERROR: Unknown Command"
	ErrInvalidParam   = "ERROR: Invalid Parameter"
)

// Lost is the data of an R0, S0 or S3 answer (with OK) once the socket's
// connection is gone, lost by the TCP keepalive or closed by the peer.
const Lost = "-1"

// Catalog returns the documented commands: Wi-Fi and system (C, F, I, Z),
// transport (P), send (S) and receive (R). It builds a new slice on each
// call, so callers may change it.
func Catalog() []protocol.CommandSpec {
	cat := wifiCommands()
	cat = append(cat, transportCommands()...)
	return append(cat, dataCommands()...)
}

// Lookup finds a command by name, ignoring case. The line may carry "=..."
// after the name. Unlike protocol.Lookup it finds the queries whose name
// ends in '?' ("P?", "I?", "R?").
func Lookup(cat []protocol.CommandSpec, line string) (protocol.CommandSpec, bool) {
	name := commandName(line)
	for _, c := range cat {
		if strings.EqualFold(c.Name, name) {
			return c, true
		}
	}
	return protocol.CommandSpec{}, false
}

// specFor finds a command by its upper-case name, building only the group
// its first letter belongs to (the module's parser runs it per line).
func specFor(name string) (protocol.CommandSpec, bool) {
	if name == "" {
		return protocol.CommandSpec{}, false
	}
	var group []protocol.CommandSpec
	switch name[0] {
	case 'P':
		group = transportCommands()
	case 'S', 'R':
		group = dataCommands()
	default:
		group = wifiCommands()
	}
	for _, c := range group {
		if c.Name == name {
			return c, true
		}
	}
	return protocol.CommandSpec{}, false
}

// commandName is the name part of a command line: up to '=' or a line
// ending; a '?' in second place belongs to the name.
func commandName(line string) string {
	if i := strings.IndexAny(line, "=\r\n"); i >= 0 {
		line = line[:i]
	}
	return line
}

// generalErrors are the error lines any command may print.
func generalErrors() []protocol.ErrorCode {
	return []protocol.ErrorCode{
		{Code: ErrInvalidParam, Meaning: "a parameter is missing, malformed or out of range (the usage line follows)"},
		{Code: ErrUnknownError, Meaning: "the module could not do it (a failed join, a refused connect, a port in use)"},
	}
}

// lostErrors adds the "-1" answer of the data commands.
func lostErrors() []protocol.ErrorCode {
	return append(generalErrors(), protocol.ErrorCode{Code: Lost,
		Meaning: "answered with OK: the connection is gone, lost by the TCP keepalive or closed by the peer"})
}

// socketParam documents P0's socket number.
func socketParam() protocol.ParamSpec {
	return protocol.ParamSpec{Name: "socket", Type: protocol.ParamInt, Link: protocol.LinkExisting,
		Min: 0, Max: MaxSockets - 1, Default: "0",
		Help: "socket the following P, S and R commands act on"}
}

func wifiCommands() []protocol.CommandSpec {
	return []protocol.CommandSpec{
		{
			Name: "C1", Group: "wifi", Syntax: "C1=<ssid>",
			Help: "Sets the SSID of the network C0 joins",
			Params: []protocol.ParamSpec{
				{Name: "ssid", Type: protocol.ParamString, Help: "network name, up to 32 characters"},
			},
			Errors: generalErrors(), Example: "C1=MyAP", Reply: "OK\n> ",
		},
		{
			Name: "C2", Group: "wifi", Syntax: "C2=<passphrase>",
			Help: "Sets the passphrase of the network C0 joins",
			Params: []protocol.ParamSpec{
				{Name: "passphrase", Type: protocol.ParamString, Help: "WPA passphrase, 8 to 63 characters; empty for an open network"},
			},
			Errors: generalErrors(), Example: "C2=12345678", Reply: "OK\n> ",
		},
		{
			Name: "C3", Group: "wifi", Syntax: "C3=<security>",
			Help: "Sets the security type of the network C0 joins",
			Params: []protocol.ParamSpec{
				{Name: "security", Type: protocol.ParamInt, Min: 0, Max: 5,
					Values: []string{"0: open", "1: WEP", "2: WPA", "3: WPA2", "4: WPA/WPA2 mixed", "5: WPA2-TKIP"},
					Help:   "security type"},
			},
			Errors: generalErrors(), Example: "C3=4", Reply: "OK\n> ",
		},
		{
			Name: "C0", Group: "wifi", Syntax: "C0",
			Help:   "Joins the network set by C1-C3: [JOIN   ] progress lines, then OK, or [JOIN   ] Failed and an error",
			Errors: generalErrors(), Example: "C0",
			Reply: "[JOIN   ] MyAP,192.168.2.18,0,0\nOK\n> ",
		},
		{
			Name: "CS", Group: "wifi", Syntax: "CS",
			Help:   "Connection status: 1 joined, 0 not",
			Errors: generalErrors(), Example: "CS", Reply: "1\nOK\n> ",
		},
		{
			Name: "CD", Group: "wifi", Syntax: "CD",
			Help:   "Leaves the network",
			Errors: generalErrors(), Example: "CD", Reply: "OK\n> ",
		},
		{
			Name: "CR", Group: "wifi", Syntax: "CR",
			Help:   "Signal strength of the joined network, in dBm",
			Errors: generalErrors(), Example: "CR", Reply: "-67\nOK\n> ",
		},
		{
			Name: "F0", Group: "wifi", Syntax: "F0",
			Help:   "Scans: one #<n>,\"<ssid>\",<mac>,<rssi>,<rate>,<mode>,<security>,<band>,<channel> line per network",
			Errors: generalErrors(), Example: "F0",
			Reply: "#001,\"MyAP\",C4:7F:51:8E:2A:10,-45,72.2,Infrastructure,WPA2,2.4GHz,6\nOK\n> ",
		},
		{
			Name: "I?", Group: "system", Syntax: "I?",
			Help:   "Module information: product, firmware, API, stack and RTOS revisions, CPU clock, name",
			Errors: generalErrors(), Example: "I?",
			Reply: "ISM43362-M3G-L44-UART,C3.5.2.5.STM,v3.5.2,v1.4.0.rc1,v8.2.1,120000000,Inventek eS-WiFi\nOK\n> ",
		},
		{
			Name: "Z5", Group: "system", Syntax: "Z5",
			Help:   "The module's MAC address",
			Errors: generalErrors(), Example: "Z5", Reply: "C4:7F:51:8E:2A:10\nOK\n> ",
		},
	}
}

func transportCommands() []protocol.CommandSpec {
	return []protocol.CommandSpec{
		{
			Name: "P0", Group: "socket", Syntax: "P0=<socket>",
			Help:   "Selects the socket the other P, S and R commands act on",
			Params: []protocol.ParamSpec{socketParam()},
			Errors: generalErrors(), Example: "P0=0", Reply: "OK\n> ",
		},
		{
			Name: "P1", Group: "socket", Syntax: "P1=<protocol>",
			Help: "Sets the selected socket's transport",
			Params: []protocol.ParamSpec{
				{Name: "protocol", Type: protocol.ParamInt, Min: 0, Max: 3, Default: "0",
					Values: []string{"0: TCP", "1: UDP", "2: UDP-Lite", "3: TCP-SSL"}, Help: "transport"},
			},
			Errors: generalErrors(), Example: "P1=0", Reply: "OK\n> ",
		},
		{
			Name: "P2", Group: "socket", Syntax: "P2=<port>",
			Help: "Sets the selected socket's local port (the port a server listens on)",
			Params: []protocol.ParamSpec{
				{Name: "port", Type: protocol.ParamInt, Min: 0, Max: 65535, Help: "local port: the one a server listens on; optional for a client"},
			},
			Errors: generalErrors(), Example: "P2=5024", Reply: "OK\n> ",
		},
		{
			Name: "P3", Group: "socket", Syntax: "P3=<ip>",
			Help: "Sets the remote host a client connects to",
			Params: []protocol.ParamSpec{
				{Name: "ip", Type: protocol.ParamIP, Help: "remote IPv4 address"},
			},
			Errors: generalErrors(), Example: "P3=192.168.1.2", Reply: "OK\n> ",
		},
		{
			Name: "P4", Group: "socket", Syntax: "P4=<port>",
			Help: "Sets the remote port a client connects to",
			Params: []protocol.ParamSpec{
				{Name: "port", Type: protocol.ParamInt, Min: 1, Max: 65535, Help: "remote port"},
			},
			Errors: generalErrors(), Example: "P4=5024", Reply: "OK\n> ",
		},
		{
			Name: "P5", Group: "socket", Syntax: "P5=<mode>",
			Help: "Controls the selected socket's server: start, multi-accept, next client, stop",
			Params: []protocol.ParamSpec{
				{Name: "mode", Type: protocol.ParamInt, Min: 0, Max: 11,
					Values: []string{"0: stop the server and free the port ([TCP TSK] Killed)", "1: start the server",
						"10: close the current client and wait for the next", "11: start the multi-accept server"},
					Help: "what to do"},
			},
			Errors: generalErrors(), Example: "P5=11",
			Reply: "[TCP TSK] Multi-Accept Setup\n[TCP SVR] Waiting on connection " + Ellipsis + "\nOK\n> ",
		},
		{
			Name: "P6", Group: "socket", Syntax: "P6=<action>",
			Help: "Starts or stops the selected socket's client (connects to P3:P4)",
			Params: []protocol.ParamSpec{
				{Name: "action", Type: protocol.ParamInt, Min: 0, Max: 1,
					Values: []string{"0: stop the client (close)", "1: start the client (connect)"}, Help: "start or stop"},
			},
			Errors: generalErrors(), Example: "P6=1",
			Reply: "[TCP  RC] Connecting to 192.168.1.2\nOK\n> ",
		},
		{
			Name: "P7", Group: "socket", Syntax: "P7=<action>",
			Help: "Multi-connection control of a server started with P5=1",
			Params: []protocol.ParamSpec{
				{Name: "action", Type: protocol.ParamInt, Min: 1, Max: 3,
					Values: []string{"1: enable multi-connection", "2: close the current request", "3: move to the next request"},
					Help:   "what to do"},
			},
			Errors: generalErrors(), Example: "P7=1", Reply: "OK\n> ",
		},
		{
			Name: "P8", Group: "socket", Syntax: "P8=<backlog>",
			Help: "Sets the listen backlog of the selected socket's server",
			Params: []protocol.ParamSpec{
				{Name: "backlog", Type: protocol.ParamInt, Min: 0, Max: 6, Help: "connections queued while one is served"},
			},
			Errors: generalErrors(), Example: "P8=6", Reply: "OK\n> ",
		},
		{
			Name: "P?", Group: "socket", Syntax: "P?",
			Help:   "Shows the selected socket: protocol, local ip and port, remote ip and port, server flags, backlog, keepalive",
			Errors: generalErrors(), Example: "P?",
			Reply: "0,192.168.2.18,5024,192.168.10.100,34489,1,0,6,1,0,1,3000\nOK\n> ",
		},
		{
			Name: "PK", Group: "socket", Syntax: "PK=<enable>,<time>",
			Help: "TCP keepalive on the selected socket's connections",
			Params: []protocol.ParamSpec{
				{Name: "enable", Type: protocol.ParamInt, Min: 0, Max: 1,
					Values: []string{"0: keepalive off", "1: keepalive on"}, Help: "off or on"},
				{Name: "time", Type: protocol.ParamInt, Min: 1, Max: 7200000,
					Help: "idle milliseconds before the first probe"},
			},
			Errors: generalErrors(), Example: "PK=1,3000", Reply: "OK\n> ",
		},
	}
}

func dataCommands() []protocol.CommandSpec {
	return []protocol.CommandSpec{
		{
			Name: "S0", Group: "data", Syntax: "S0",
			Help:   "Sends S1 raw bytes that follow the CR on the selected socket; answers the count, or -1",
			Errors: lostErrors(), Example: "S0", Reply: "10\nOK\n> ",
		},
		{
			Name: "S1", Group: "data", Syntax: "S1=<size>",
			Help: "Sets how many bytes S0 sends",
			Params: []protocol.ParamSpec{
				{Name: "size", Type: protocol.ParamInt, Min: 1, Max: MaxPayload, Help: "bytes per S0"},
			},
			Errors: generalErrors(), Example: "S1=10", Reply: "OK\n> ",
		},
		{
			Name: "S2", Group: "data", Syntax: "S2=<timeout>",
			Help: "Sets the send timeout",
			Params: []protocol.ParamSpec{
				{Name: "timeout", Type: protocol.ParamInt, Min: 0, Max: 30000, Help: "milliseconds"},
			},
			Errors: generalErrors(), Example: "S2=100", Reply: "OK\n> ",
		},
		{
			Name: "S3", Group: "data", Syntax: "S3=<length>",
			Help: "Sends the <length> raw bytes that follow the CR on the selected socket; answers the count, or -1",
			Params: []protocol.ParamSpec{
				{Name: "length", Type: protocol.ParamInt, Min: 1, Max: MaxPayload, Help: "bytes that follow the CR"},
			},
			Errors: lostErrors(), Example: "S3=1", Reply: "1\nOK\n> ",
		},
		{
			Name: "R0", Group: "data", Syntax: "R0",
			Help:   "Reads up to R1 bytes from the selected socket: the raw data, then OK; -1 once the connection is gone",
			Errors: lostErrors(), Example: "R0", Reply: "Data from 192.168.10.100\nOK\n> ",
		},
		{
			Name: "R1", Group: "data", Syntax: "R1=<size>",
			Help: "Sets the most bytes one R0 returns",
			Params: []protocol.ParamSpec{
				{Name: "size", Type: protocol.ParamInt, Min: 1, Max: MaxPayload, Default: "1460", Help: "bytes per R0"},
			},
			Errors: generalErrors(), Example: "R1=1460", Reply: "OK\n> ",
		},
		{
			Name: "R2", Group: "data", Syntax: "R2=<timeout>",
			Help: "Sets how long R0 waits for data",
			Params: []protocol.ParamSpec{
				{Name: "timeout", Type: protocol.ParamInt, Min: 0, Max: 30000, Default: "1", Help: "milliseconds; 1 is effectively non-blocking"},
			},
			Errors: generalErrors(), Example: "R2=1", Reply: "OK\n> ",
		},
		{
			Name: "R?", Group: "data", Syntax: "R?",
			Help:   "Shows the read settings: packet size (R1) and timeout (R2)",
			Errors: generalErrors(), Example: "R?", Reply: "1460,1\nOK\n> ",
		},
	}
}
