package netcore

import "time"

// TCPInfo is the kernel's own view of a socket's keepalive (TCP_INFO on
// Linux; ReadTCPInfo returns ErrUnimplemented elsewhere).
type TCPInfo struct {
	Probes int           // keepalive probes sent without an answer
	Heard  time.Duration // since the peer last sent anything, data or ACK
}
