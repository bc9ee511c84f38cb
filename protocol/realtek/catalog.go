package realtek

import (
	"strings"

	"atbench/protocol"
)

// MaxLinks is the number of link ids, 0..MaxLinks-1 (lwIP's default
// MEMP_NUM_NETCONN).
const MaxLinks = 20

// MaxLine is the Host Control Mode command buffer (UART_LOG_CMD_BUFLEN with
// "Enable Longer CMD"), in bytes.
const MaxLine = 2000

// Catalog returns the documented commands: the common group, the Wi-Fi
// commands a socket session needs and the socket group. It builds a new
// slice on each call, so callers may change it.
func Catalog() []protocol.CommandSpec {
	cat := commonCommands()
	cat = append(cat, wifiCommands()...)
	return append(cat, socketCommands()...)
}

func commonCommands() []protocol.CommandSpec {
	return []protocol.CommandSpec{
		{
			Name:   "AT+TEST",
			Group:  "common",
			Syntax: "AT+TEST[=<mode>,<arg>]",
			Help:   "Liveness probe (OK); with parameters, an echo test or a TT throughput test",
			Params: []protocol.ParamSpec{
				{Name: "mode", Type: protocol.ParamInt, Optional: true, Min: 0, Max: 2,
					Values: []string{"0: echo <arg> back", "1: uplink TT throughput test of <arg> bytes", "2: downlink TT test of <arg> bytes"},
					Help:   "test to run; none just answers OK"},
				{Name: "arg", Type: protocol.ParamString, Optional: true,
					Help: "the text to echo (mode 0) or the byte count (modes 1 and 2)"},
			},
			Example: "AT+TEST",
			Reply:   "OK",
		},
		{
			Name:    "AT+LIST",
			Group:   "common",
			Syntax:  "AT+LIST",
			Help:    "Lists the supported commands group by group (layout after the first header not documented)",
			Example: "AT+LIST",
			Reply:   "Common AT Command:\nAT+TEST\nAT+LIST\nAT+RST\nAT+GMR\nAT+STATE\nAT+LOG\nOK",
		},
		{
			Name:    "AT+RST",
			Group:   "common",
			Syntax:  "AT+RST",
			Help:    "Restarts the chip: OK first, then ATCMD READY once it is up again",
			Example: "AT+RST",
			Reply:   "OK\nATCMD READY",
		},
		{
			Name:    "AT+GMR",
			Group:   "common",
			Syntax:  "AT+GMR",
			Help:    "Prints the SDK, AT command and image versions and the build details",
			Example: "AT+GMR",
			Reply: "AMEBA-RTOS SDK VERSION: <v>\nATCMD VERSION: <v>\nIMAGE VERSION: <v>\n<chip>: <info>\n" +
				"COMPILE TIME: <t>\nCOMPILE USER: <u>\nCOMPILE ENV : <e>\nOK",
		},
		{
			Name:    "AT+STATE",
			Group:   "common",
			Syntax:  "AT+STATE",
			Help:    "Prints the heap state and the task list (format not documented)",
			Example: "AT+STATE",
			Reply:   "<heap and task list>\nOK",
		},
		{
			Name:   "AT+LOG",
			Group:  "common",
			Syntax: "AT+LOG=<get_set>,<module>[,<log_level>]",
			Help:   "Gets or sets the log level of one module or of all of them",
			Params: []protocol.ParamSpec{
				{Name: "get_set", Type: protocol.ParamInt, Min: 0, Max: 3,
					Values: []string{"0: get", "1: set", "2: print all", "3: clear all"},
					Help:   "what to do"},
				{Name: "module", Type: protocol.ParamString, Optional: true,
					Help: "module tag, or * for every module (get and set only)"},
				{Name: "log_level", Type: protocol.ParamInt, Optional: true, Min: 0, Max: 5,
					Help: "new level (set only)"},
			},
			Errors: []protocol.ErrorCode{
				{Code: "1", Meaning: "parameter error"},
				{Code: "2", Meaning: "setting the level failed"},
			},
			Example: "AT+LOG=1,*,4",
			Reply:   "OK",
		},
	}
}

// wifiErrors are the error codes shared by every Wi-Fi command.
func wifiErrors() []protocol.ErrorCode {
	return []protocol.ErrorCode{
		{Code: "1", Meaning: "required parameter missing"},
		{Code: "2", Meaning: "invalid parameter value"},
		{Code: "3", Meaning: "wrong number of parameters"},
		{Code: "4", Meaning: "out of memory"},
		{Code: "5", Meaning: "not supported"},
		{Code: "6", Meaning: "unknown error"},
		{Code: "17", Meaning: "connect error"},
		{Code: "18", Meaning: "result retrieval failed"},
		{Code: "19", Meaning: "invalid Wi-Fi state"},
		{Code: "20", Meaning: "invalid scan parameters"},
		{Code: "21", Meaning: "AP start failed"},
		{Code: "22", Meaning: "AP start timeout"},
	}
}

func wifiCommands() []protocol.CommandSpec {
	return []protocol.CommandSpec{
		{
			Name:   "AT+WLCONN",
			Group:  "wifi",
			Syntax: "AT+WLCONN=ssid,<ssid>[,pw,<password>][,bssid,<mac>][,ch,<n>][,key_id,<n>]",
			Help:   "Joins an AP (name/value pairs in any order); blocks through association and DHCP",
			Params: []protocol.ParamSpec{
				{Name: "ssid", Type: protocol.ParamString, Help: "network name, up to 32 characters"},
				{Name: "pw", Type: protocol.ParamString, Optional: true,
					Help: "password: 8..64 characters for WPA/WPA2, 5 or 13 for WEP; none for an open AP"},
				{Name: "bssid", Type: protocol.ParamString, Optional: true,
					Help: "AP MAC address, colon-separated hex such as 1a:2b:3c:4d:5e:6f"},
				{Name: "ch", Type: protocol.ParamInt, Optional: true, Min: 0, Default: "0",
					Help: "channel; 0 picks it automatically"},
				{Name: "key_id", Type: protocol.ParamInt, Optional: true, Min: 0, Max: 3, Default: "0",
					Help: "WEP key index"},
			},
			Errors:  wifiErrors(),
			Example: "AT+WLCONN=ssid,MyAP,pw,12345678",
			Reply:   "[$]wifi connected\n[$]wifi got ip:\"192.168.1.100\"\nOK",
		},
		{
			Name:    "AT+WLDISCONN",
			Group:   "wifi",
			Syntax:  "AT+WLDISCONN",
			Help:    "Leaves the AP",
			Errors:  wifiErrors(),
			Example: "AT+WLDISCONN",
			Reply:   "OK",
		},
		{
			Name:    "AT+WLSTATE",
			Group:   "wifi",
			Syntax:  "AT+WLSTATE",
			Help:    "Prints the WLAN status, its settings and the interface addresses (layout not documented)",
			Errors:  wifiErrors(),
			Example: "AT+WLSTATE",
			Reply:   "WLAN0 Status: Running\n==============================\n<settings, then Interface (0): MAC, IP, GW, mask>\nOK",
		},
		{
			Name:   "AT+WLSTATICIP",
			Group:  "wifi",
			Syntax: "AT+WLSTATICIP=<ip>[,<gw>,<mask>]",
			Help:   "Sets a static IPv4 address to use instead of DHCP",
			Params: []protocol.ParamSpec{
				{Name: "ip", Type: protocol.ParamIP, Help: "the module's address"},
				{Name: "gw", Type: protocol.ParamIP, Optional: true, Help: "gateway; give it together with mask"},
				{Name: "mask", Type: protocol.ParamIP, Optional: true, Help: "netmask; give it together with gw"},
			},
			Errors:  wifiErrors(),
			Example: "AT+WLSTATICIP=192.168.1.50,192.168.1.1,255.255.255.0",
			Reply:   "OK",
		},
		{
			Name:   "AT+WLSCAN",
			Group:  "wifi",
			Syntax: "AT+WLSCAN[=ssid,<ssid>][,ch,<c1:c2:...>]",
			Help:   "Scans for APs: one line per AP, then OK",
			Params: []protocol.ParamSpec{
				{Name: "ssid", Type: protocol.ParamString, Optional: true, Help: "scan for this network only"},
				{Name: "ch", Type: protocol.ParamString, Optional: true,
					Help: "channels separated by ':', such as 1:6:11"},
			},
			Errors:  wifiErrors(),
			Example: "AT+WLSCAN",
			Reply:   "1, 1a:2b:3c:4d:5e:6f, -45, 6, <mode>, \"WPA2 AES\", \"MyAP\"\nOK",
		},
		{
			Name:    "AT+WLRSSI",
			Group:   "wifi",
			Syntax:  "AT+WLRSSI",
			Help:    "Prints the signal strength of the current AP",
			Errors:  wifiErrors(),
			Example: "AT+WLRSSI",
			Reply:   "RSSI = -45\nDATA_RSSI = -46\nBEACON_RSSI = -44\nOK",
		},
		{
			Name:   "AT+WLSTARTAP",
			Group:  "wifi",
			Syntax: "AT+WLSTARTAP=ssid,<ssid>[,pw,<password>][,sec,<sec>][,ch,<ch>]",
			Help:   "Starts a soft AP (name/value pairs in any order)",
			Params: []protocol.ParamSpec{
				{Name: "ssid", Type: protocol.ParamString, Help: "network name, not empty"},
				{Name: "pw", Type: protocol.ParamString, Optional: true, Help: "password, 8..64 characters"},
				{Name: "sec", Type: protocol.ParamEnum, Optional: true,
					Values: []string{"open", "wep", "tkip", "wpa2", "wpa3"}, Help: "security"},
				{Name: "ch", Type: protocol.ParamInt, Optional: true, Min: 1, Max: 11, Default: "1",
					Help: "channel"},
			},
			Errors:  wifiErrors(),
			Example: "AT+WLSTARTAP=ssid,test_ssid,pw,12345678,sec,wpa2",
			Reply:   "OK",
		},
		{
			Name:    "AT+WLSTOPAP",
			Group:   "wifi",
			Syntax:  "AT+WLSTOPAP",
			Help:    "Stops the soft AP",
			Errors:  wifiErrors(),
			Example: "AT+WLSTOPAP",
			Reply:   "OK",
		},
		{
			Name:   "AT+WLRECONN",
			Group:  "wifi",
			Syntax: "AT+WLRECONN=<command>,<enable>",
			Help:   "Turns automatic or fast reconnection on or off",
			Params: []protocol.ParamSpec{
				{Name: "command", Type: protocol.ParamEnum, Values: []string{"auto", "fast"},
					Help: "auto: reconnect after a loss; fast: reconnect at power-on"},
				{Name: "enable", Type: protocol.ParamInt, Min: 0, Max: 1,
					Values: []string{"0: off", "1: on"}, Help: "off or on"},
			},
			Errors:  wifiErrors(),
			Example: "AT+WLRECONN=auto,1",
			Reply:   "OK",
		},
		{
			Name:   "AT+WLPS",
			Group:  "wifi",
			Syntax: "AT+WLPS=<mode>,<enable>[,<mode>,<enable>]",
			Help:   "Turns Wi-Fi power saving (LPS, IPS) on or off",
			Params: []protocol.ParamSpec{
				{Name: "mode", Type: protocol.ParamEnum, Values: []string{"lps", "ips"},
					Help: "lps: leisure power save; ips: inactive power save"},
				{Name: "enable", Type: protocol.ParamInt, Min: 0, Max: 1,
					Values: []string{"0: off", "1: on"}, Help: "off or on"},
			},
			Errors:  wifiErrors(),
			Example: "AT+WLPS=lps,0",
			Reply:   "OK",
		},
	}
}

// linkParam documents a link_id parameter naming an existing link.
func linkParam(help string) protocol.ParamSpec {
	return protocol.ParamSpec{Name: "link_id", Type: protocol.ParamInt, Link: protocol.LinkExisting, Min: 0, Max: MaxLinks - 1, Help: help}
}

// newLinkParam documents the link_id a command gives the link it opens.
func newLinkParam(help string) protocol.ParamSpec {
	p := linkParam(help)
	p.Link = protocol.LinkNew
	return p
}

// portParam documents a port parameter.
func portParam(name string, optional bool, help string) protocol.ParamSpec {
	return protocol.ParamSpec{Name: name, Type: protocol.ParamInt, Optional: optional, Min: 1, Max: 65535, Help: help}
}

// autoRcvParam documents the auto_rcv flag of AT+SKTSERVER and AT+SKTCLIENT.
func autoRcvParam() protocol.ParamSpec {
	return protocol.ParamSpec{Name: "auto_rcv", Type: protocol.ParamInt, Min: 0, Max: 1,
		Values: []string{"0: hold data for AT+SKTREAD", "1: push data as [$][SKT][DATA] messages"},
		Help:   "auto-receive"}
}

// certParam documents the cert_index parameter: the field is always there
// (A.6: "always 5 fields; the cert field may be empty"), empty for UDP and
// TCP, and a TLS link needs it: the firmware reads the certificate suite
// it names from flash (error 6 when it cannot).
func certParam(help string, tls ...string) protocol.ParamSpec {
	return protocol.ParamSpec{Name: "cert_index", Type: protocol.ParamInt, Optional: true, Min: 1, Max: 10, Help: help,
		RequiredIf: protocol.Requirement{Param: "conn_type", Values: tls,
			When: "for conn_type " + orList(tls) + ", empty otherwise"}}
}

// orList writes "2 or 3", "3, 4 or 5".
func orList(vs []string) string {
	switch len(vs) {
	case 0:
		return ""
	case 1:
		return vs[0]
	}
	return strings.Join(vs[:len(vs)-1], ", ") + " or " + vs[len(vs)-1]
}

func socketCommands() []protocol.CommandSpec {
	return []protocol.CommandSpec{
		{
			Name:   "AT+SKTCFG",
			Group:  "socket",
			Syntax: "AT+SKTCFG=[<so_sndtimeo>],[<so_rcvtimeo>],[<tcp_nodelay>],[<so_keepalive>],[<tcp_keepidle>],[<tcp_keepintvl>],[<tcp_keepcnt>]",
			Help:   "Sets global socket options for sockets created later; an omitted field resets to 0",
			Params: []protocol.ParamSpec{
				{Name: "so_sndtimeo", Type: protocol.ParamInt, Optional: true, Min: 0, Default: "0",
					Help: "send timeout in ms (SO_SNDTIMEO); 0 waits forever"},
				{Name: "so_rcvtimeo", Type: protocol.ParamInt, Optional: true, Min: 0, Default: "0",
					Help: "receive timeout in ms (SO_RCVTIMEO); 0 waits forever"},
				{Name: "tcp_nodelay", Type: protocol.ParamInt, Optional: true, Min: 0, Max: 1, Default: "0",
					Values: []string{"0: Nagle's algorithm on", "1: TCP_NODELAY, Nagle off"}, Help: "TCP_NODELAY"},
				{Name: "so_keepalive", Type: protocol.ParamInt, Optional: true, Min: 0, Max: 1, Default: "0",
					Values: []string{"0: keepalive off", "1: keepalive on"}, Help: "SO_KEEPALIVE"},
				{Name: "tcp_keepidle", Type: protocol.ParamInt, Optional: true, Min: 0, Max: 7200, Default: "0",
					Help: "idle seconds before the first probe (TCP_KEEPIDLE)"},
				{Name: "tcp_keepintvl", Type: protocol.ParamInt, Optional: true, Min: 0, Max: 75, Default: "0",
					Help: "seconds between unanswered probes (TCP_KEEPINTVL)"},
				{Name: "tcp_keepcnt", Type: protocol.ParamInt, Optional: true, Min: 0, Max: 10, Default: "0",
					Help: "unanswered probes before the link is dead (TCP_KEEPCNT)"},
			},
			Errors:  []protocol.ErrorCode{{Code: "1", Meaning: "parameter error"}},
			Example: "AT+SKTCFG=2000,2000,,1,60,10,3",
			Reply:   "OK",
		},
		{
			Name:    "AT+SKTQUERY",
			Group:   "socket",
			Syntax:  "AT+SKTQUERY",
			Help:    "Prints the global socket options set by AT+SKTCFG",
			Errors:  []protocol.ErrorCode{{Code: "1", Meaning: "a parameter was given (the command takes none)"}},
			Example: "AT+SKTQUERY",
			Reply: "Global SOCKET configuration:\nso_sndtimeo: 0\nso_rcvtimeo: 0\ntcp_nodelay: 0\nso_keepalive: 0\n" +
				"tcp_keepidle: 0\ntcp_keepintvl: 0\ntcp_keepcnt: 0\nOK",
		},
		{
			Name:   "AT+SKTSERVER",
			Group:  "socket",
			Syntax: "AT+SKTSERVER=<link_id>,<conn_type>,[<cert_index>],<src_port>,<auto_rcv>",
			Help:   "Starts a UDP, TCP or TLS server; accepted connections become seeds on the lowest free link_id",
			Params: []protocol.ParamSpec{
				newLinkParam("link id for the server, chosen by the host"),
				{Name: "conn_type", Type: protocol.ParamInt, Min: 0, Max: 3,
					Values: []string{"0: UDP", "1: TCP", "2: TLS", "3: TLS, verifying the client's certificate"},
					Help:   "transport"},
				certParam("certificate suite in flash (server certificate, key and CA)", "2", "3"),
				portParam("src_port", false, "local port to listen on"),
				autoRcvParam(),
			},
			Errors: []protocol.ErrorCode{
				{Code: "1", Meaning: "parameter error (also: link_id in use)"},
				{Code: "2", Meaning: "failed to create the TCP server"},
				{Code: "3", Meaning: "failed to create the task that auto-receives TCP clients and data"},
				{Code: "4", Meaning: "failed to create the UDP server"},
				{Code: "5", Meaning: "failed to create the task that auto-receives UDP clients and data"},
				{Code: "6", Meaning: "failed to get SERVER_CERT/SERVER_KEY/SERVER_CA from flash"},
				{Code: "7", Meaning: "memory allocation failed"},
				{Code: "8", Meaning: "mbedtls_ssl_config_defaults() failed"},
				{Code: "9", Meaning: "mbedtls_x509_crt_parse() failed"},
				{Code: "10", Meaning: "mbedtls_ssl_conf_own_cert() failed"},
				{Code: "11", Meaning: "mbedtls_net_bind() failed"},
				{Code: "12", Meaning: "failed to create the task that auto-receives TLS clients and data"},
			},
			Example: "AT+SKTSERVER=1,1,,1234,1",
			Reply:   "OK",
		},
		{
			Name:   "AT+SKTCLIENT",
			Group:  "socket",
			Syntax: "AT+SKTCLIENT=<link_id>,<conn_type>,[<cert_index>],<dst_host>,<dst_port>,[<src_port>],<auto_rcv>",
			Help:   "Opens a UDP, TCP or TLS client; blocks until the connect or handshake is done",
			Params: []protocol.ParamSpec{
				newLinkParam("link id for the client, chosen by the host"),
				{Name: "conn_type", Type: protocol.ParamInt, Min: 0, Max: 5,
					Values: []string{"0: UDP", "1: TCP", "2: TLS, no verification", "3: TLS, verifying the server",
						"4: TLS with a client certificate", "5: TLS, both 3 and 4"},
					Help: "transport"},
				certParam("certificate suite in flash (CA and client certificate)", "3", "4", "5"),
				{Name: "dst_host", Type: protocol.ParamHost, Help: "server IPv4 address or domain name (up to 255 characters)"},
				portParam("dst_port", false, "server port"),
				portParam("src_port", true, "local port; required for UDP, unused otherwise"),
				autoRcvParam(),
			},
			Errors: []protocol.ErrorCode{
				{Code: "1", Meaning: "parameter error (also: link_id in use)"},
				{Code: "2", Meaning: "failed to create the TCP client (connect failed)"},
				{Code: "3", Meaning: "failed to create the task that auto-receives TCP data"},
				{Code: "4", Meaning: "failed to create the UDP client"},
				{Code: "5", Meaning: "failed to create the task that auto-receives UDP data"},
				{Code: "6", Meaning: "failed to get CLIENT_CERT/CLIENT_KEY/CLIENT_CA from flash"},
				{Code: "7", Meaning: "memory allocation failed"},
				{Code: "8", Meaning: "mbedtls_ssl_config_defaults() failed"},
				{Code: "9", Meaning: "mbedtls_x509_crt_parse() failed"},
				{Code: "10", Meaning: "mbedtls_ssl_conf_own_cert() failed"},
				{Code: "11", Meaning: "mbedtls_ssl_setup() failed"},
				{Code: "12", Meaning: "inet_ntoa_r() failed"},
				{Code: "13", Meaning: "mbedtls_net_connect() failed"},
				{Code: "14", Meaning: "mbedtls_ssl_handshake() failed"},
				{Code: "15", Meaning: "failed to create the task that auto-receives TLS data"},
			},
			Example: "AT+SKTCLIENT=1,1,,192.168.0.100,6666,,1",
			Reply:   "OK",
		},
		{
			Name:   "AT+SKTSEND",
			Group:  "socket",
			Syntax: "AT+SKTSEND=<link_id>,<data_size>,[<dst_ip>],[<dst_port>],<data>",
			Help:   "Sends data on a link; for a TCP/TLS server, send on the seed",
			Params: []protocol.ParamSpec{
				linkParam("link to send on"),
				{Name: "data_size", Type: protocol.ParamInt, Min: 1, Max: MaxLine - 1,
					Help: "must equal the length of <data>; the whole line must fit in 2000 bytes"},
				{Name: "dst_ip", Type: protocol.ParamIP, Optional: true, Help: "destination; UDP server only"},
				portParam("dst_port", true, "destination port; UDP server only"),
				{Name: "data", Type: protocol.ParamString,
					Help: `the bytes to send; write ',' as \, and '\' as \\; no CR or LF (use AT+SKTSENDRAW)`},
			},
			Errors: []protocol.ErrorCode{
				{Code: "1", Meaning: "parameter error (also: data_size differs from the data)"},
				{Code: "2", Meaning: "failed to send data"},
			},
			Example: "AT+SKTSEND=0,6,,,Hello!",
			Reply:   "OK",
		},
		{
			Name:   "AT+SKTREAD",
			Group:  "socket",
			Syntax: "AT+SKTREAD=<link_id>,<data_size>",
			Help:   "Reads buffered data from a link opened with auto_rcv 0 (waits 20 ms; 0 bytes if none)",
			Params: []protocol.ParamSpec{
				linkParam("link to read from; for a TCP/TLS server, the seed"),
				{Name: "data_size", Type: protocol.ParamInt, Min: 1, Help: "most bytes to read"},
			},
			Errors: []protocol.ErrorCode{
				{Code: "1", Meaning: "parameter error (also: a TCP/TLS server's link_id)"},
				{Code: "2", Meaning: "memory allocation failed"},
				{Code: "3", Meaning: "select() failed"},
				{Code: "4", Meaning: "failed to read data (also: the peer closed; the socket is closed)"},
			},
			Example: "AT+SKTREAD=1,10",
			Reply:   "+SKTREAD:1,6,Hello!\nOK",
		},
		{
			Name:   "AT+SKTSENDRAW",
			Group:  "socket",
			Syntax: "AT+SKTSENDRAW=<link_id>,<data_size>[,<dst_ip>,<dst_port>]",
			Help:   "Sends raw bytes in transparent transmission: after >>> send exactly data_size bytes",
			Params: []protocol.ParamSpec{
				linkParam("link to send on"),
				{Name: "data_size", Type: protocol.ParamInt, Min: 1, Help: "bytes the host sends after >>>"},
				{Name: "dst_ip", Type: protocol.ParamIP, Optional: true, Help: "destination; UDP server only"},
				portParam("dst_port", true, "destination port; UDP server only"),
			},
			Errors: []protocol.ErrorCode{
				{Code: "1", Meaning: "parameter error"},
				{Code: "2", Meaning: "failed to send data"},
				{Code: "3", Meaning: "memory allocation failed"},
				{Code: "4", Meaning: "failed to get data in TT mode"},
			},
			Example: "AT+SKTSENDRAW=0,6",
			Reply:   ">>>\nHello!\nOK",
		},
		{
			Name:    "AT+SKTSTATE",
			Group:   "socket",
			Syntax:  "AT+SKTSTATE",
			Help:    "Lists every link: id, role, protocol, addresses and socket fd; seeds follow their server",
			Example: "AT+SKTSTATE",
			Reply: "link_id:0,server,tcp,src_address:192.168.0.109,src_port:6666,dst_address:0.0.0.0,dst_port:0,socket_fd:0\n" +
				"link_id:3,seed,tcp,src_address:0.0.0.0,src_port:0,dst_address:192.168.0.103,dst_port:49941,socket_fd:3\n" +
				"link_id:1,server,udp,src_address:192.168.0.109,src_port:12345,dst_address:0.0.0.0,dst_port:0,socket_fd:1\n" +
				"link_id:2,client,ssl,src_address:0.0.0.0,src_port:0,dst_address:192.168.0.103,dst_port:4433,socket_fd:2\n" +
				"OK",
		},
		{
			Name:   "AT+SKTDEL",
			Group:  "socket",
			Syntax: "AT+SKTDEL=<link_id>",
			Help:   "Closes a link; closing a server also closes its seeds",
			Params: []protocol.ParamSpec{
				linkParam("link to close"),
			},
			Errors:  []protocol.ErrorCode{{Code: "1", Meaning: "parameter error (also: no such link)"}},
			Example: "AT+SKTDEL=0",
			Reply:   "OK",
		},
	}
}

// The catalogue explains errors and warns about lines the firmware will
// not take.
var (
	_ protocol.ErrorExplainer = Dialect{}
	_ protocol.Adviser        = Dialect{}
)

// ExplainError says what a final "ERROR: <n>" (or the other firmware
// generation's "+<NAME>:ERROR: <n>", A.4) means for command, from the
// command's error table.
func (Dialect) ExplainError(command string, final protocol.Record) string {
	if final.Kind != protocol.KindError {
		return ""
	}
	_, rest, ok := strings.Cut(final.Text, "ERROR:")
	if !ok {
		return ""
	}
	code := strings.TrimSpace(rest)
	if code == "" || strings.Trim(code, "0123456789") != "" {
		return ""
	}
	cat := Catalog()
	spec, found := protocol.Lookup(cat, strings.TrimSpace(command))
	if !found {
		return ""
	}
	if meaning, ok := protocol.CodeMeaning(spec, code); ok {
		return spec.Name + " error " + code + ": " + meaning
	}
	return spec.Name + " documents no error " + code
}

// Advise warns about a line the firmware will not take as typed: it
// matches "AT" and the command name case-sensitively and has no bare AT
// (A.2).
func (Dialect) Advise(line string) string {
	t := strings.TrimSpace(line)
	name := protocol.CommandName(t)
	switch {
	case t == "":
		return ""
	case strings.EqualFold(name, "AT"):
		return "this module has no bare AT command: try AT+TEST"
	case name != strings.ToUpper(name) && strings.HasPrefix(strings.ToUpper(name), "AT"):
		return "this module takes command names in upper case only: type " + strings.ToUpper(name)
	}
	return ""
}
