package protocol

import "time"

// Role is the part a link plays.
type Role string

// Link roles, as the modules name them.
const (
	RoleServer Role = "server"
	RoleClient Role = "client"
	RoleSeed   Role = "seed" // a connection accepted by a server
)

// Proto is a link's transport.
type Proto string

// Link transports.
const (
	ProtoTCP Proto = "tcp"
	ProtoUDP Proto = "udp"
	ProtoTLS Proto = "tls"
)

// LinkState is a link's connection state. The TCP names follow RFC 793.
type LinkState string

// Link states.
const (
	StateListen      LinkState = "LISTEN"
	StateConnecting  LinkState = "SYN_SENT"
	StateEstablished LinkState = "ESTABLISHED"
	StateCloseWait   LinkState = "CLOSE_WAIT"
	StateFinWait1    LinkState = "FIN_WAIT_1"
	StateFinWait2    LinkState = "FIN_WAIT_2"
	StateTimeWait    LinkState = "TIME_WAIT"
	StateClosed      LinkState = "CLOSED"
	StateBound       LinkState = "BOUND" // a UDP socket
)

// Keepalive is the keepalive configuration of one link and its progress.
// Zero durations mean "not set"; they are never replaced by a library default.
type Keepalive struct {
	Enabled    bool
	Idle       time.Duration // silence before the first probe
	Interval   time.Duration // gap between unanswered probes
	Count      int           // unanswered probes before the link is dead
	ProbesSent int           // probes sent since the last traffic
	NextProbe  time.Time     // zero when no probe is scheduled
	DeadAt     time.Time     // when the link is declared dead if the peer stays silent
	// Source says where these facts come from: the module's own sockets,
	// or a prediction from the commands it accepted.
	Source KeepaliveSource
	// Heard is when the peer was last heard (data, or an answered
	// probe): the idle countdown runs from it. Zero when not known.
	Heard time.Time
	// ProbesAnswered counts probes the peer answered on this link; each
	// answer restarts the schedule from LastAnswer.
	ProbesAnswered int
	LastAnswer     time.Time
	// Silenced: the model counts the peer as silent (a modelled
	// blackhole): probes go unanswered and the model declares the death.
	Silenced bool
}

// KeepaliveSource says where a link's keepalive facts come from.
type KeepaliveSource uint8

// Keepalive sources. The zero value is first-hand knowledge, as the
// emulator has.
const (
	// KeepaliveRead: read from the module's own sockets (the emulator).
	KeepaliveRead KeepaliveSource = iota
	// KeepalivePredicted: predicted from the settings the module accepted
	// before the link opened; the timers run from the traffic seen on the
	// AT port, not from the module's TCP stack.
	KeepalivePredicted
	// KeepaliveUnknown: no setting was seen before the link opened (it was
	// first seen in a listing, or opened before the settings were known).
	KeepaliveUnknown
)

// Closed tells when and why a link ended.
type Closed struct {
	// At is when the link died, or, when Seen is set, when its death was
	// first seen (a listing showed it dead or left it out).
	At     time.Time
	Reason string
	Cause  Cause
	// Seen marks a death revealed by a listing: it happened between
	// AliveAt (when the link was last known alive; zero if never) and At.
	Seen    bool
	AliveAt time.Time
}

// LinkInfo is a snapshot of one link. The emulator fills every field from
// its own sockets; for a real module it is inferred from answers and events.
type LinkInfo struct {
	ID        int
	Role      Role
	Proto     Proto
	Parent    int // the server of a seed, or NoLink
	Local     string
	Remote    string
	State     LinkState
	AutoRecv  bool
	BytesIn   uint64
	BytesOut  uint64
	Buffered  int // bytes waiting to be read with the dialect's read command
	Opened    time.Time
	LastRx    time.Time
	LastTx    time.Time
	Keepalive Keepalive
	Closed    *Closed // nil while the link is alive
	// Close is the TCP close sequence after a close (nil before one, and
	// for UDP links and servers).
	Close *CloseState
	// Kernel is the host kernel's view of the socket (Linux), nil where
	// it cannot be read.
	Kernel *KernelTCP
}

// Cause is what ended a link, as far as the record that told of its end
// knows.
type Cause uint8

const (
	// CauseUnknown: nothing says what, or it could be a keepalive timeout:
	// a listing that no longer shows the link, a disconnect event, a closed
	// socket.
	CauseUnknown Cause = iota
	// CauseHost: the host's own command closed or deleted it.
	CauseHost
	// CausePeer: the module reported that the peer closed it.
	CausePeer
	// CauseNetwork: the module lost or left its network (Wi-Fi).
	CauseNetwork
	// CauseRestart: the module restarted, resetting every link.
	CauseRestart
	// CauseParent: its server closed, and the seeds with it.
	CauseParent
)

// Explains reports whether the cause says what ended the link, so that a
// comparison with the keepalive it ran would add nothing.
func (c Cause) Explains() bool { return c != CauseUnknown }

// LinkUpdate is what one record says about one link: the fields it knows
// are set, the rest are left zero. Parsers of answers and events return it.
type LinkUpdate struct {
	ID      int
	Present bool // the link exists (an accept, a state line)
	Gone    bool // the link was closed or deleted
	Reason  string
	Cause   Cause // what ended it, when the record says (with Gone or a closed State)
	Role    Role
	Proto   Proto
	Parent  int
	Local   string
	Remote  string
	State   LinkState
	RxBytes int // payload bytes received with this record
	TxBytes int // payload bytes a confirmed send command carried
	// Snapshot marks an update from a full listing (e.g. AT+SKTSTATE): links
	// absent from a complete snapshot are gone.
	Snapshot bool
}

// ModuleEvent is what a record says about the module as a whole.
type ModuleEvent uint8

// Module events.
const (
	ModuleNone ModuleEvent = iota
	// ModuleRestart: the module started up (Realtek "ATCMD READY"): every
	// link it had is gone.
	ModuleRestart
	// ModuleWifiLost: the module lost its Wi-Fi link (Realtek
	// "[$]wifi disconnected"); its links may not survive.
	ModuleWifiLost
	// ModuleWifiBack: the module has its Wi-Fi link again.
	ModuleWifiBack
)

// ModuleEventer is implemented by dialects whose module announces
// restarts and Wi-Fi changes.
type ModuleEventer interface {
	ModuleEvent(r Record) ModuleEvent
}

// Setting is one module-wide option in force, such as "so_keepalive" = "1".
type Setting struct {
	Name  string
	Value string
}

// Snapshot is the module's own view of its links and settings, offered by
// devices that know them first-hand (the emulator).
type Snapshot struct {
	Links    []LinkInfo // live links, then recently closed ones (Closed != nil)
	Settings []Setting
	// ClockSpeed is how many times faster than real time the module's
	// modelled timers run (keepalive model, close states, faults); 0 or
	// 1: real time. Real-socket timers are never sped up.
	ClockSpeed float64
}

// More link states, for the close sequence (RFC 793 names, as µTasker's).
const (
	StateClosing LinkState = "CLOSING"
	StateLastAck LinkState = "LAST_ACK"
)

// CloseState is where a TCP link is in its stack's close sequence
// (FIN_WAIT_1, FIN_WAIT_2, CLOSING, CLOSE_WAIT, LAST_ACK, TIME_WAIT, then
// CLOSED) and when its timer runs out.
type CloseState struct {
	State LinkState
	Since time.Time // when the link entered State
	Until time.Time // when State's timer runs out; zero: no timer (CLOSE_WAIT, CLOSED)
	// OnTimeout says what happens when Until passes, e.g. "RST, CLOSED"
	// or "CLOSED, id free".
	OnTimeout string
	// Note says how the sequence ended or what it waits for, e.g.
	// "FIN_WAIT_2 timeout: RST sent".
	Note string
	// Free is set once the link's id is free again.
	Free bool
}

// KernelTCP is the host kernel's own view of a link's TCP socket (Linux
// TCP_INFO), read beside the module's keepalive model.
type KernelTCP struct {
	At          time.Time     // when it was read, on the module's clock
	State       string        // the kernel's TCP state, e.g. "ESTABLISHED", "FIN_WAIT2"
	Probes      int           // keepalive probes out without an answer
	Retransmits int           // retransmissions of the current segment
	RTT         time.Duration // smoothed round-trip time
	LastDataRx  time.Duration // since the last data received
	LastAckRx   time.Duration // since the last ACK received (answered probes included)
	// Disagree, when set, says where the kernel and the model differ and
	// which is which, e.g. "kernel: peer answered 0.4s ago; model: probes
	// unanswered (modelled blackhole)". Empty when they agree.
	Disagree string
}
