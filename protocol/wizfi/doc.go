// Package wizfi is the WizFi210 / GainSpan GS1011 Serial-to-WiFi (S2W)
// command set as pure functions and data (dialects.md section C, the seed
// seeds/wizfi210-keepalive.txt): the catalogue, the classification of the
// module's lines, parsers of its answers and events into link facts and
// settings, formatters of its answers (for the emulator firmware), the
// module-side command parser with its field checks, the host-side builders
// of sends, closes and keepalive policies, the keepalive rules of
// AT+SETSOCKOPT, and an incremental decoder and the encoders of the ESC
// data frames. It does no I/O and never reads the clock.
//
// # The conversation
//
// Commands are "AT…" lines ended by CR (LineEnding). Answers end with a
// bracketed status word, "\r\n[OK]\r\n" or "\r\n[ERROR: …]\r\n"; stock
// GainSpan prints the same words bare, and every parser here reads both.
// Sockets are CIDs, one hex digit 0–f (FormatCID). Data does not travel
// in command lines: both ways it is framed as ESC 'S' <cid> <data> ESC 'E'
// with each ESC inside doubled, or in bulk mode as ESC 'Z' <cid> <4-digit
// length> <data>; UDP servers use ESC 'u'/'y' (received) and ESC 'U'
// (sent). Decoder separates such frames from the text lines around them.
//
// # Keepalive (the seed)
//
// AT+SETSOCKOPT=<cid>,<type>,<param hex>,<value>,<length> sets SO_KEEPALIVE
// (65535, 8), TCP_KEEPALIVE (6, 4001, seconds), TCP_KEEPALIVE_CNT (6, 4005)
// and TCP_MAXRT (6, 10). Probes go 75 s apart and 8 of them by default; the
// TCP_KEEPALIVE value is the whole detection time and cannot be below
// count × 75 s. So the seed's recipes give exactly 600 s (enable, then
// 600) and 75 s (count 1, then 75) — see SocketKeepalive and
// KeepaliveInForce. As a protocol.Keepalive this is Interval 75 s, Count
// the probe count and Idle the rest of the detection time: 0 in both
// recipes, meaning the first probe goes as soon as the link falls silent.
//
// # Choices where the documents are silent (UNCONFIRMED)
//   - DISASSOCIATED, "Disassociation Event", CONNECT and DISCONNECT are
//     printed bare, as dialects.md writes them; their bracketed forms
//     ("[CONNECT 1]", seen on WizFi310) are read too. ERROR: INVALID CID
//     and ERROR: NOT SUPPORTED are bracketed like the documented codes.
//   - DISASSOCIATED is a final error (a connect command's answer with
//     Wi-Fi down), even when it arrives unasked.
//   - Numeric (non-verbose, ATV0) results are not read: a bare "0" is
//     information, not OK.
//   - CIDs are printed in lower case ("CONNECT a"), read in either case.
//   - AT+NSTCP answers "CONNECT <server cid>" then OK, like AT+NCTCP.
//   - In the AT+CID=? table a SERVER row with remote port 0 is the
//     listening socket and one with a peer is a connection it accepted;
//     local addresses are shown as 0.0.0.0:<port>.
//   - AT+NSTAT=?, AT+VER=? and AT+WA's address lines follow stock
//     GainSpan's layouts; ParseNStatLine takes runs of two or more spaces
//     between pairs.
//   - Commands are taken in either case; spaces around the name and the
//     '=' are allowed (the seed writes "AT+SETSOCKOPT =0,…" and
//     "AT+SETSOCKOPT= 0,…" and calls them working). An unknown command and
//     any bad field answer [ERROR: INVALID INPUT]. Lines are at most
//     MaxLine (512) bytes.
//   - AT+SETSOCKOPT's <param> may carry a "0x" prefix (C's strtoul with
//     base 16 takes one); a CID is exactly one hex digit.
//   - AT+SETSOCKOPT: an option documented for another level, or any option
//     at level 0, is INVALID INPUT; SO_KEEPALIVE takes 0 or 1;
//     TCP_KEEPALIVE_CNT 1..255; the value must fit its length in bytes;
//     TCP_KEEPALIVE below count × 75 s is refused rather than raised (the
//     forum sets the count first, which only matters if it is refused);
//     raising the count later raises the detection time to count × 75 s.
//     With SO_KEEPALIVE on and no TCP_KEEPALIVE the timeout is 7200 s.
//   - The 75 s probe spacing cannot be changed (KeepaliveCommands refuses
//     another interval).
//   - ESC inside 'u' and 'U' frames is doubled as in 'S'. The 'H' length
//     has four digits like 'Z'; the 'R' length one to five digits.
//   - A data frame cut by an escape other than ESC ESC or ESC 'E' ends
//     there (Frame.Broken) and the escape starts the next frame; a
//     malformed header is passed on as text, so no byte is lost.
//   - Bulk frames carry at most 9999 bytes (the four-digit length field);
//     the module's own buffer limit is not documented.
package wizfi
