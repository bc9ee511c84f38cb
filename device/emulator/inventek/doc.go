// Package inventek is the Inventek eS-WiFi (ISM43362) AT firmware, over
// UART, for the emulated module of package device/emulator: commands of
// two characters ended by CR alone, answers "\r\n<data>\r\nOK\r\n> ",
// errors "\r\n<ERROR...>\r\nUsage: ...\r\n> ", the "> " prompt at
// power-up. The bytes come from package protocol/inventek's formatters;
// this package holds the module's state and behaviour on top of the
// network stack (package device/emulator/netcore).
//
// # Sockets and link ids
//
// Four sockets, selected with P0. A socket's server or client is the link
// whose id is the socket's number; the client a TCP server accepted is a
// seed whose id is normally 4+socket (inventek.SeedLink), as the host-side
// Tracker numbers it. The firmware claims ids 0..7 at power-up and keeps
// free exactly as many of 4..7 as servers wait for a client, each
// waiting server's own first, so an accepted client takes its server's
// id; only when two servers wait at once can a client take the other's
// (it is still served on its own socket). A server serves one client at
// a time: a client that comes while it serves one finds no free id and
// is closed at once (a real module would queue it in the P8 backlog; the
// stack has no way to pause accepting). Config.MaxLinks is not used: the
// module has four sockets.
//
// Data is read on request: seeds and clients buffer what they receive
// (up to Config.RecvBuffer, then the peer is held back) until R0 takes
// it. R0, S0 and S3 answer "-1" once the connection is gone (peer close,
// reset or keepalive timeout); the link is then closed with that reason,
// and stays in the table until P5=10, P5=0 or P6=0.
//
// PK=<on>,<ms> sets the keepalive of the socket's TCP connections: idle
// ms, then lwIP's 9 probes 75 s apart (protocol/inventek's KeepaliveFor),
// on the real socket through netcore's SocketOptions; a running server
// passes it to its next clients, and its current client gets it at once.
// The host socket takes the idle time in whole seconds (rounded up, as
// Linux counts it); the link table shows PK's own milliseconds.
//
// TCP-SSL (P1=3) uses certificate slot 1 of the Host: a server presents
// its server suite; a client checks the peer's chain against its CA (no
// host name: P3 is an address). UDP-Lite (P1=2) runs as UDP. A UDP
// server's S3 answers the sender of the last datagram R0 returned.
//
// # Choices where the documents are silent (UNCONFIRMED)
//   - The module starts joined to the simulated access point
//     "atbench-ap" (WPA2, passphrase "atbench123"), with C1-C3 set to it;
//     C0 joins a network of simulatedAPs whose SSID, security and
//     passphrase match, printing "[JOIN   ] <ssid>" and then
//     "[JOIN   ] <ssid>,<ip>,0,0", or "[JOIN   ] Failed" and
//     "ERROR: Unknown Error". CD leaves the network; P5 and P6=1 then
//     fail.
//   - P5=1 prints "[TCP SVR] Waiting on connection …" like P5=11 without
//     the Multi-Accept line; a UDP server answers a plain OK. P5=0 with no
//     server answers OK; P5=10 with none fails.
//   - A command that cannot run in the current state (P1-P4 or P8 while
//     the socket runs, P5 on a running socket, P6=1 with no remote port)
//     answers "ERROR: Unknown Error" and the command's usage.
//   - R0 while a server waits for its client answers no data; R0, S0 or
//     S3 on a socket that runs nothing answers -1. S0 before any S1 is
//     refused (its size is unknown) and reads no payload.
//   - An empty line is answered with "\r\n> ". Config.Echo echoes each
//     line and CR LF before its answer.
package inventek
