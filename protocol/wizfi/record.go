package wizfi

import (
	"atbench/protocol"
)

// Links extracts link facts from one record:
//   - a CONNECT event: the CID exists; an accept names its server and peer
//     (ConnectUpdate);
//   - a DISCONNECT event: the CID is gone (DisconnectUpdate);
//   - an AT+CID=? row: a snapshot update of its CID (CIDEntry.Update);
//   - a KindData record with a link: the payload bytes received on it;
//   - a KindSent record of AT+NCLOSE or AT+NCLOSEALL, which the session
//     passes only once the command got OK: the CIDs are gone (ClosedLinks).
//
// What needs the command and its answer together is left to the caller:
// the CID an AT+NCTCP/NSTCP/NCUDP/NSUDP got comes in its "CONNECT <cid>"
// answer (OpenedLink), and " No valid Cids" means that no CID is in use.
// "Disassociation Event" names no CID. It returns nil when the record says
// nothing about a link.
func Links(r protocol.Record) []protocol.LinkUpdate {
	switch r.Kind {
	case protocol.KindEvent:
		if c, ok := ParseConnect(r.Text); ok {
			return []protocol.LinkUpdate{ConnectUpdate(c)}
		}
		if cid, ok := ParseDisconnect(r.Text); ok {
			return []protocol.LinkUpdate{DisconnectUpdate(cid)}
		}
	case protocol.KindInfo:
		if e, ok := ParseCIDRow(r.Text); ok {
			return []protocol.LinkUpdate{e.Update()}
		}
	case protocol.KindData:
		if r.LinkID >= 0 && r.LinkID < MaxCIDs && len(r.Payload) > 0 {
			return []protocol.LinkUpdate{{ID: r.LinkID, Parent: protocol.NoLink, RxBytes: len(r.Payload)}}
		}
	case protocol.KindSent:
		return ClosedLinks(r.Text)
	}
	return nil
}

// Settings extracts settings from one record: the pairs of an AT+NSTAT=?
// answer line (ParseNStatLine), or what a confirmed command line sets
// (CommandSettings). It returns nil when the record sets nothing.
func Settings(r protocol.Record) []protocol.Setting {
	switch r.Kind {
	case protocol.KindInfo:
		return ParseNStatLine(r.Text)
	case protocol.KindSent:
		return CommandSettings(r.Text)
	}
	return nil
}
