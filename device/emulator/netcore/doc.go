// Package netcore is the emulated module's network stack on real host
// sockets, knowing no command set: it never prints and formats no AT text.
//
// A firmware names link ids by its own rules: it claims an id before a
// slow open (Claim, ClaimLowest), so that a seed accepted meanwhile cannot
// take it, and opens servers (Listen) and clients (Dial) on it. Seeds take
// the lowest free id below the server's ListenOptions.SeedIDs. Each link
// gets an lwIP-style socket number (the lowest free small number). A link
// whose socket closes keeps its id (shown closed, with the reason) until
// the firmware removes it; removed links stay in a history of 32.
//
// What happens on the network reaches the firmware as events (accepted,
// data, datagram, closed with why, refused), delivered on the goroutine
// that saw it after the table shows it; data events carry a reader's
// buffer, so a slow handler holds the peer back. Failures are typed
// errors (ErrInUse, ErrBind, ErrConnect, ErrHandshake, ErrNoFreeID, ...)
// for errors.Is.
//
// # Host sockets
//
// Servers and UDP sockets bind Config.Addr; TCP/TLS clients bind it too
// unless it is a loopback address. TCP listeners use Go's defaults
// (SO_REUSEADDR on Unix; the backlog is the system's). SocketOptions apply
// to a new TCP socket (seeds take their server's): NoDelay sets
// TCP_NODELAY both ways (Go's default is on); KeepAlive with its timers
// becomes net.KeepAliveConfig where an unset value is -1 (the OS default),
// never Go's 0 (15 s); SendTimeout bounds each send like SO_SNDTIMEO.
// Push links deliver stream data in chunks of at most RxChunk (1460)
// bytes and each UDP datagram whole; other links buffer up to
// Config.RecvBuffer bytes for Read and then stop reading the socket, so
// the TCP peer is held back; nothing is dropped.
//
// Close reasons: "peer closed (FIN)", "peer reset (RST)", "keepalive
// timeout", "read error: ...", "TLS handshake failed: ...", "server
// deleted" (a seed whose server was removed), "module closed", or the
// firmware's own.
//
// # Keepalive
//
// Each TCP link carries the keepalive in force (its options, else the
// kernel's defaults) and the module's model of it: when the peer was last
// heard (Keepalive.Heard; the idle countdown runs from it), probes sent
// and answered, next probe, the moment the peer is declared dead. On Linux
// with the real clock an answered probe is read from the kernel's
// TCP_INFO (a sign of the peer after a probe fell due, with no data), and
// the schedule restarts from it; with a sped-up clock (PeerAnswers) the
// modelled peer answers each probe; with another injected Clock progress
// follows the link's data alone. Silence makes the model count a peer
// silent (a modelled blackhole): its probes go unanswered and at heard +
// idle + count × interval the model resets the host socket and closes the
// link ("keepalive timeout"). Where it can, LinkInfo.Kernel shows the
// kernel's own view beside the model (state, probes out, retransmits,
// RTT, last data and ACK received), with Disagree saying where the two
// differ. A firmware whose own keepalive numbers the kernel cannot take
// (WizFi's idle 0) sets SocketOptions.Model: the link shows the model,
// the socket runs kernel timers of the same detection time.
//
// # Close states
//
// A TCP link that the module closes, or whose peer sends a FIN, runs
// µTasker's close sequence (dialects.md E) in LinkInfo.Close:
// FIN_WAIT_1, FIN_WAIT_2 (an RST when CloseConfig.FinWait2Timeout runs
// out), CLOSING, CLOSE_WAIT (a buffering link the peer closed, until the
// firmware closes it), LAST_ACK, TIME_WAIT (2×MSL), CLOSED. The host
// socket only half-closes (FIN) and stays open until CLOSED, so the
// kernel's state is shown beside the model's; the moves that wait for
// the peer's ACK follow the kernel (polled, as no event reports an ACK)
// or, where it cannot be read, happen at once. Timers run on the stack's
// clock. A removed link leaves the firmware's view at once; its id is
// free at once too (lwIP), or, with CloseConfig.HoldID, only when the
// sequence ends, E.7 letting a listen take it from TIME_WAIT and a
// connect from FIN_WAIT_2 or TIME_WAIT (REUSE_TIME_WAIT_SOCKETS).
package netcore
