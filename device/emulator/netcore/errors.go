package netcore

import "errors"

// Errors of the stack. Operations wrap them with the cause, so a firmware
// maps them to its own error numbers with errors.Is.
var (
	// ErrInUse: the link id is taken (by a link or a claim).
	ErrInUse = errors.New("netcore: link id in use")
	// ErrNoFreeID: no link id is free below the limit.
	ErrNoFreeID = errors.New("netcore: no free link id")
	// ErrNoLink: no link holds the id.
	ErrNoLink = errors.New("netcore: no such link")
	// ErrLinkClosed: the link's socket is closed (it keeps its id).
	ErrLinkClosed = errors.New("netcore: link closed")
	// ErrBind: a socket could not bind its local address (port in use).
	ErrBind = errors.New("netcore: bind failed")
	// ErrConnect: a TCP connect failed or timed out.
	ErrConnect = errors.New("netcore: connect failed")
	// ErrHandshake: a TLS handshake failed or timed out.
	ErrHandshake = errors.New("netcore: TLS handshake failed")
	// ErrResolve: a host name could not be resolved to an IPv4 address.
	ErrResolve = errors.New("netcore: host not found")
	// ErrNotStream: the operation needs a connected TCP/TLS link.
	ErrNotStream = errors.New("netcore: not a connected stream")
	// ErrNoDest: a UDP server send without a destination.
	ErrNoDest = errors.New("netcore: no destination")
	// ErrEnded: a buffered link's peer ended the stream and every byte
	// before the end has been read.
	ErrEnded = errors.New("netcore: stream ended")
	// ErrStackClosed: the stack is shutting down; nothing new opens.
	ErrStackClosed = errors.New("netcore: stack closed")
	// ErrUnimplemented: not available on this system.
	ErrUnimplemented = errors.New("netcore: not implemented on this system")
)
