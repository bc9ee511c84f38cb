package netcore

import "time"

// TCPInfo is the kernel's own view of a socket (TCP_INFO on Linux;
// ReadTCPInfo returns ErrUnimplemented elsewhere).
type TCPInfo struct {
	Probes int           // keepalive probes sent without an answer
	Heard  time.Duration // since the peer last sent anything, data or ACK
	// State is the kernel's TCP state (Linux names: "ESTABLISHED",
	// "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT",
	// "LAST_ACK", "CLOSING", ...).
	State       string
	Retransmits int
	RTT         time.Duration
	LastDataRx  time.Duration
	LastAckRx   time.Duration
}

// kernelStates are Linux's TCP states by number (include/net/tcp_states.h).
var kernelStates = [...]string{
	1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1", 5: "FIN_WAIT2",
	6: "TIME_WAIT", 7: "CLOSE", 8: "CLOSE_WAIT", 9: "LAST_ACK", 10: "LISTEN", 11: "CLOSING",
	12: "NEW_SYN_RECV",
}

// kernelStateName names Linux TCP state n.
func kernelStateName(n uint8) string {
	if int(n) < len(kernelStates) && kernelStates[n] != "" {
		return kernelStates[n]
	}
	return "state " + string(rune('0'+n/100%10)) + string(rune('0'+n/10%10)) + string(rune('0'+n%10))
}
