package wizfi

import (
	"bytes"

	"atbench/protocol"
)

// Answer returns the rules of the answer to command: the first final
// status word ends it ("[OK]", "[ERROR…]", or DISASSOCIATED when a connect
// finds Wi-Fi down), and the module never awaits raw bytes after a command
// line (data goes in ESC frames, outside any command). The answer of an
// open (AT+NCTCP, AT+NSTCP, AT+NCUDP, AT+NSUDP) carries the new CID in its
// "CONNECT <cid>" line: a final "[OK]" after it comes with that CID as its
// LinkID, the link of the answer (ResultLinks reads it). An accept
// ("CONNECT <server> <new> <ip> <port>") that arrives meanwhile is an
// event of its own, not the answer.
func (*Dialect) Answer(command string) protocol.Answer {
	return &answer{open: opens(command), cid: protocol.NoLink}
}

// answer follows one WizFi answer.
type answer struct {
	open bool // the command opens a CID
	cid  int  // the CID its CONNECT line gave, or NoLink
}

// Begin says the answer has not begun.
func (a *answer) Begin() protocol.Turn {
	return protocol.Turn{Phase: protocol.Answering, Link: protocol.NoLink}
}

// Take notes the CID of an open's CONNECT line and ends the answer at a
// final status word.
func (a *answer) Take(r protocol.Record) protocol.Turn {
	if a.open && r.Kind == protocol.KindEvent && a.cid == protocol.NoLink {
		if c, ok := ParseConnect(r.Text); ok && c.Server == protocol.NoLink {
			a.cid = c.CID
		}
	}
	if !r.Kind.Final() {
		return protocol.Turn{Phase: protocol.Answering, Link: protocol.NoLink}
	}
	final := r
	if r.Kind == protocol.KindOK && a.cid != protocol.NoLink {
		final.LinkID = a.cid
	}
	return protocol.Turn{Phase: protocol.Ended, Link: protocol.NoLink, Final: final}
}

// SendPlan sends payload on a CID as raw bytes with no command line before
// them, which the module takes at any time it is not in the middle of a
// command line:
//   - ESC S <cid> <data> ESC E (SendFrame) for data with no ESC byte and at
//     most MaxBulk bytes;
//   - otherwise bulk frames, ESC Z <cid> <4-digit length> <data>, of at most
//     MaxBulk bytes each (BulkFrame), which carry every byte as it is;
//   - on a UDP server CID that has received a datagram (Links saw its ESC u
//     or ESC y frame), one ESC U <cid> <ip>:<port>:<data> ESC E frame to
//     that sender (SendToPlan). Without one, the module has no peer to send
//     to and answers "[ERROR: SOCKET FAILURE]" to the ESC S frame.
//
// UNCONFIRMED: the documents say that ESC is doubled inside ESC S data the
// module sends, not whether the module undoes a doubled ESC from the host,
// so data holding ESC goes in bulk form; the longest ESC S frame the
// module takes is not documented either. A send that goes out prints
// nothing; a CID not in use answers "[ERROR: INVALID CID]" by itself.
func (d *Dialect) SendPlan(link int, payload []byte) (protocol.Plan, error) {
	if err := checkPayload(link, payload); err != nil {
		return nil, err
	}
	if p, ok := d.peer(link); ok {
		return d.SendToPlan(link, p.ip, p.port, payload)
	}
	if len(payload) <= MaxBulk && bytes.IndexByte(payload, ESC) < 0 {
		frame, err := SendFrame(link, payload)
		if err != nil {
			return nil, err
		}
		return protocol.Plan{protocol.RawStep(frame)}, nil
	}
	plan := make(protocol.Plan, 0, (len(payload)+MaxBulk-1)/MaxBulk)
	for rest := payload; len(rest) > 0; {
		n := min(len(rest), MaxBulk)
		frame, err := BulkFrame(link, rest[:n])
		if err != nil {
			return nil, err
		}
		plan = append(plan, protocol.RawStep(frame))
		rest = rest[n:]
	}
	return plan, nil
}

// SendToPlan sends a datagram from a UDP server CID (AT+NSUDP) to one
// peer: an ESC U <cid> <ip>:<port>:<data> ESC E frame written as raw
// bytes (UDPSendFrame), each ESC in the data doubled (UNCONFIRMED, as for
// ESC S; the form has no bulk variant).
func (*Dialect) SendToPlan(link int, ip string, port int, payload []byte) (protocol.Plan, error) {
	if err := checkPayload(link, payload); err != nil {
		return nil, err
	}
	frame, err := UDPSendFrame(link, ip, port, payload)
	if err != nil {
		return nil, err
	}
	return protocol.Plan{protocol.RawStep(frame)}, nil
}
