// Package realtek is the Realtek Ameba AT firmware on the emulated module:
// its line assembly, command handlers, bytes and error numbers, on the
// network stack of package netcore. New is its emulator.NewFirmware.
//
// # Fidelity
//
// The answers follow the seed document and the current ameba-rtos code
// (component/at_cmd/atcmd_sockets.c, atcmd_sys_common.c, atcmd_wifi.c):
//   - AT+SKTREAD prints "+SKTREAD:<id>,<len>,<data>" and then "\r\nOK\r\n"
//     with no line ending of its own between the data and the OK.
//   - No event is printed when a peer closes. The link keeps its id, is
//     shown by AT+SKTSTATE with socket_fd:-1, refuses AT+SKTSEND/AT+SKTREAD
//     with ERROR: 1 and blocks its id until AT+SKTDEL, as in the firmware.
//     Snapshot records why (Closed.Reason: "peer closed (FIN)", "peer reset
//     (RST)", "keepalive timeout", "read error: ...").
//   - With auto_rcv=0 a peer close shows on the next AT+SKTREAD, which
//     answers ERROR: 4 once the buffered data is read; the link is then
//     closed the same way.
//   - AT+SKTSTATE lists links by id, each server followed by its seeds in
//     accept order; seeds show src 0.0.0.0:0 and TLS shows as "ssl";
//     socket_fd is the lowest free small number, like lwIP.
//   - The accept event comes after the TLS handshake; a client that fails
//     it (conn_type 3 without a certificate the slot's CA verifies) leaves
//     no event and frees its id. TLS clients verify the chain only (the
//     firmware sets no host name).
//   - The link id named in AT+SKTSERVER or AT+SKTCLIENT is claimed when the
//     command is taken, before the connect: a seed accepted meanwhile takes
//     another id.
//   - AT+GMR's first line ends with a bare "\n"; AT+TEST=0 echoes with the
//     firmware's trailing spaces; AT+WLSCAN lines end with " \r\n".
//
// # Choices where the documents are silent (UNCONFIRMED)
//   - Unknown command: "\r\nunknown command '<name>'\r\n" (the LogUART
//     shell's text, without its "#" prompt). A line not starting with "AT"
//     gets the same answer. Empty lines are ignored.
//   - A line longer than 2000 bytes (ending not counted) is answered with
//     "\r\nERROR: 1\r\n" and dropped; the next line works.
//   - Echo is off unless emulator.Config.Echo.
//   - A line ends with CR, LF or CR LF; a LF right after the CR that ended
//     a line belongs to that ending.
//   - AT+SKTSEND goes through the firmware's escaping "advance" parser: a
//     comma in <data> is sent as "\," and a backslash as "\\"; a bare
//     comma makes a sixth field and ERROR: 1. data_size counts the bytes
//     after unescaping (see realtek.UsesAdvanceParser). Data with CR or LF
//     needs AT+SKTSENDRAW.
//   - Auto-received TCP/TLS data comes in frames of at most 1460 bytes; a
//     UDP datagram is one frame whatever its size.
//   - auto_rcv=0 links buffer emulator.Config.RecvBuffer bytes; when full
//     the socket is not read, so the TCP peer is held back; nothing is
//     dropped. AT+SKTREAD on an auto_rcv=1 link finds nothing and answers
//     length 0.
//   - An empty certificate slot gives ERROR: 6 (the seed's "failed to get
//     ... from flash"); a cert_index outside 1..10 gives ERROR: 1.
//   - A TLS server whose port is in use answers ERROR: 11 (bind failed), a
//     TCP server ERROR: 2, a UDP server or client ERROR: 4.
//   - AT+STATE, AT+LOG, AT+WLSTATE and the Wi-Fi messages' line endings
//     were not captured exactly; their layouts are plausible stand-ins.
//     AT+LOG checks its arguments as the vendor code does (ERROR: 1 for
//     none or out of range) and prints only OK.
//   - AT+WLDISCONN prints only OK: "[$]wifi disconnected" is for a lost
//     link, which the emulator never loses by itself.
//   - The soft AP (AT+WLSTARTAP/AT+WLSTOPAP) is 192.168.43.1; one
//     simulated station (02:00:00:5a:7e:01) joins 2 s after the AP starts
//     on the module's clock and is given 192.168.43.2, with A.4's
//     "[$]client connected", "[$]assign client ip" and, when the AP stops,
//     "[$]client disconnected" messages. AT+WLRECONN and AT+WLPS check
//     their arguments and keep the switches, which change nothing else.
//   - Transparent transmission stops early (A.8) when the last three bytes
//     the host sent are '<' and 30 ms of quiet follow on the module's
//     clock; the bytes before them are sent, the three '<' are not, and
//     the module answers OK. The firmware wants each '<' as its own UART
//     read; a pty or USB adapter may merge them, so the emulator does not
//     ask for that. Three '<' that complete the announced size are data.
//   - The TT watermark messages are not emulated.
//
// # Socket options
//
// AT+SKTCFG applies to sockets created afterwards (seeds take their
// server's), through netcore.SocketOptions: tcp_nodelay sets TCP_NODELAY
// both ways; so_keepalive with tcp_keepidle/intvl/cnt becomes the
// socket's keepalive, where the module's 0 ("not set") is the OS default,
// never Go's 15 s; so_sndtimeo bounds each send like SO_SNDTIMEO (a write
// that cannot finish in time answers ERROR: 2). so_rcvtimeo is kept and
// shown but has no effect: the firmware waits in select() before every
// read, so a read never blocks long enough for it to fire, and neither
// does the emulator's. The TCP backlog is the system's, not the
// firmware's 5.
package realtek
