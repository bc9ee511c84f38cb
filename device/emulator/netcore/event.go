package netcore

import (
	"net/netip"

	"atbench/protocol"
)

// EventKind says what happened on the network.
type EventKind int

// The events the stack delivers to its firmware.
const (
	// EventAccepted: a server accepted a client into a seed (after its
	// TLS handshake). ID is the seed, Server its server, Remote the peer.
	EventAccepted EventKind = iota + 1
	// EventData: a push link received stream data. Data is valid only
	// during the call; the reader waits for the handler (backpressure).
	EventData
	// EventDatagram: a push UDP link received a datagram from Remote.
	EventDatagram
	// EventClosed: a link's socket closed. Reason says why ("peer closed
	// (FIN)", "peer reset (RST)", "keepalive timeout", ...); Err is the
	// cause when the network closed it, nil when the firmware did. Ready
	// is false for a seed that was never announced (a failed handshake).
	EventClosed
	// EventRefused: a server turned a client away (Err: ErrNoFreeID,
	// ErrStackClosed, ErrLinkClosed) or its accept failed and it stopped
	// accepting (Err wraps the cause).
	EventRefused
)

// Event is one thing that happened on the network, delivered to the
// handler of the stack's Config on the goroutine that saw it, after the
// link table shows it.
type Event struct {
	Kind   EventKind
	ID     int // the link; for EventRefused, protocol.NoLink
	Server int // the server of an accepted or refused client
	Proto  protocol.Proto
	Remote netip.AddrPort
	Data   []byte
	Reason string
	Err    error
	Ready  bool
}
