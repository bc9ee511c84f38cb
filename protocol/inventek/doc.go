// Package inventek is the Inventek eS-WiFi (ISM43362/ISM43340) command set
// as both sides see it, in pure functions and data: its catalogue, the
// classification of its output lines, parsers of its answers and messages
// into link facts and settings, formatters of its answers byte for byte
// (for the emulator firmware), the module-side command parser and the
// host-side builders of sends, reads, closes and keepalive policies.
//
// # The conversation
//
// A command is two characters, optionally '=' and comma-separated values,
// ended by CR alone (LineEnding). Every answer is
// "\r\n<data>\r\nOK\r\n> " or "\r\n<ERROR...>\r\n<Usage: ...>\r\n> ": the
// "> " prompt (no line ending) ends it, and the host waits for it before
// the next command. S3=<n> and S0 take raw payload bytes right after the
// CR. R0's data has no length header: it is every byte up to the final
// "\r\nOK\r\n> " (ReadEnd finds it in a stream, SplitRead cuts it out). R0, S0 and S3 answer "-1" (with OK) once the
// socket's connection is gone, lost by the keepalive or closed by the peer.
//
// Commands act on the socket selected with P0; no output line names a
// socket. Tracker follows the selection and each socket's settings so that
// answers and messages become link facts. A socket's link id is its number;
// the client a server socket accepted is a seed on SeedLink(socket), a
// workbench id (4..7), whose sends and reads select its socket.
//
// # Sources
//
// dialects.md section B (ST's es_wifi.c, Zephyr's and Mbed's drivers, an
// embassy example, a real capture of a failed join) and the seed transcript
// inventek-multi-accept.txt (Inventek's multi-accept how-to), which is the
// first truth where they differ.
//
// # Choices where the documents are silent (UNCONFIRMED)
//   - "[TCP SVR] Waiting on connection" ends with U+2026 "…" as the seed
//     shows it (Ellipsis); the page may have typeset "..." that way. Parsers
//     accept both.
//   - An answer with no data is "\r\n\r\nOK\r\n> " (FormatOK(nil)), as a
//     Rust driver parses P6=0 and CD; SplitRead also takes "\r\nOK\r\n> "
//     and a bare "OK\r\n> " as an empty read.
//   - Error lines: only "ERROR: Unknown Error" was captured (a failed C0).
//     The emulator answers an unknown command with "ERROR: Unknown Command"
//     and a bad or missing value (an S3 over 1460 bytes, a P5 outside 0, 1,
//     10, 11) with "ERROR: Invalid Parameter". The usage line is "Usage: "
//     and the command's syntax and a space, after the captured "Usage: C0 ".
//   - The payload of a refused S3 (a length over 1460) is still read and
//     dropped (CommandError.Discard), so that it is never taken for
//     commands; the module keeps answering.
//   - The accept message comes between answers as
//     "\r\n[TCP SVR] Accepted <ip>:<port>\r\n> " (FormatEvent): the seed
//     shows the prompt after it. Over SPI, MR wraps it in [SOMA]...[EOMA];
//     ParseAccept takes both.
//   - P? prints twelve fields: ST's ten (protocol, local ip, local port,
//     remote ip, remote port, TCP server, UDP server, backlog, accept loop,
//     read mode) and then PK's enable and time, as a P? answer quoted in a
//     Rust driver's tests ends with "0,7200000". ParseTransport takes ten or
//     twelve.
//   - PK=<enable>,<ms>: the time is the idle time before the first probe;
//     7200000 ms (lwIP's TCP_KEEPIDLE_DEFAULT) is what P? shows before any
//     PK. Probes are then KeepInterval (75 s) apart and KeepCount (9) end
//     the link, lwIP's defaults, so PK=1,3000 detects a silent peer after
//     3 s + 9 × 75 s = 678 s.
//   - P8's backlog is 0..6 as the seed says (the embassy example used 8).
//     PK's time is taken in 1..7200000 ms.
//   - A LF right after the CR that ended a line is dropped when it starts
//     the next command line (ParseCommand), never when it starts S3's or
//     S0's payload: after the CR of such a command the next PayloadLength
//     bytes are raw, whatever they are.
//   - Names are taken without case; an empty line is answered with a new
//     prompt; a line over MaxLine (256) bytes is refused.
//   - The S2 and R2 timeouts are bounded by ST's MAX_SO_TIMEOUT (30000 ms);
//     R1 and S1 by 1460. Defaults: R1 1460, R2 1 ms.
//   - F0's rate, mode and band tokens, I?'s product string, Z5's MAC layout
//     and R?'s "<R1>,<R2>" are plausible stand-ins.
package inventek
