// Package wizfi is the WizFi210 (GainSpan GS1011 Serial-to-WiFi) firmware
// of the emulated module (dialects.md section C, the seed
// seeds/wizfi210-keepalive.txt), on the network stack of package netcore
// and the pure command set of package protocol/wizfi.
//
// Commands are AT lines ended by CR (or LF, or CR LF); answers end with a
// bracketed status word, "\r\n[OK]\r\n" or "\r\n[ERROR: …]\r\n". CIDs are
// one hex digit, 0..f, the lowest free one taken at each open. Data
// travels in ESC frames both ways: ESC S <cid> … ESC E with ESC doubled,
// ESC Z <cid> <4-digit length> … (bulk, and what the module sends after
// AT+BDATA=1), and for a UDP server ESC u / ESC y (received, with the
// peer) and ESC U (sent, to the peer named in it). Events: "CONNECT
// <cid>" after each open, "CONNECT <server> <new> <ip> <port>" for an
// accepted client, "DISCONNECT <cid>" when the network closes a CID (peer
// close, reset, keepalive timeout: the CID is freed), and
// "Disassociation Event" (Firmware.Disassociate, a fault).
//
// # Keepalive
//
// AT+SETSOCKOPT keeps each CID's options (protocol/wizfi SocketKeepalive:
// probes 75 s apart, 8 by default, the TCP_KEEPALIVE value being the whole
// detection time) and applies them to the real socket. The firmware's
// numbers (Idle = detection − count × 75 s, 0 in both of the seed's
// recipes) are what the link's keepalive shows; the kernel gets timers of
// the same detection time, since Linux needs an idle of at least 1 s
// (kernelKeepalive: idle 75 s and count−1 probes, or for a count of 1
// idle 1 s and one probe 74 s later). So the seed's recipes detect a dead
// peer after exactly 600 s and 75 s. TCP_MAXRT becomes TCP_USER_TIMEOUT
// on Linux (which also bounds keepalive probing there).
//
// # Choices where the documents are silent (UNCONFIRMED)
//   - The power-on banner is "\r\nSerial2WiFi APP\r\n"; echo starts as
//     emulator.Config.Echo (off by default) and echoes command text as it
//     arrives, never data frames.
//   - The module starts associated with the simulated access point
//     "atbench" (WPA2, passphrase "atbench-pass"; "atbench-open" is open);
//     AT+WA to another name or with a wrong AT+WWPA passphrase answers
//     [ERROR]. Opens while not associated answer DISASSOCIATED. AT+WD and
//     a Disassociation Event close every CID without DISCONNECT lines.
//   - Opens answer "CONNECT <cid>" then [OK] (AT+NSTCP and the UDP opens
//     too); a port in use is [ERROR: SOCKET FAILURE], a failed connect
//     [ERROR], no free CID [ERROR: NO CID].
//   - A client over a server's max_conn is closed at once, silently.
//     AT+NCLOSE of a server CID closes the clients it accepted too, with
//     no DISCONNECT lines.
//   - AT+NCLOSE and AT+SETSOCKOPT on a CID not in use answer
//     [ERROR: INVALID CID]; other bad fields [ERROR: INVALID INPUT].
//   - A data frame to a CID not in use answers [ERROR: INVALID CID], a
//     failed send [ERROR: SOCKET FAILURE]; a send that went out prints
//     nothing. ESC S to a UDP server (no peer) is a send failure.
//   - A host frame longer than 16 KiB goes out in 16 KiB pieces. The
//     module sends no ESC O / ESC F acknowledgements, and no HTTP (ESC H)
//     or raw (ESC R) frames: those modes are not emulated.
//   - AT+VER=? prints made-up versions; AT+NSTAT=? counts bytes.
package wizfi
