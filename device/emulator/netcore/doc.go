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
// kernel's defaults) and its progress: probes sent, next probe, the moment
// the peer is declared dead. On Linux with the real clock the progress
// follows the kernel's TCP_INFO (answered probes count as traffic);
// elsewhere, or with an injected Clock, it is modelled from the link's
// data. A firmware whose own keepalive numbers the kernel cannot take
// (WizFi's idle 0) sets SocketOptions.Model: the link shows the model,
// the socket runs kernel timers of the same detection time.
package netcore
