package session

import (
	"sort"
	"strings"
	"time"

	"atbench/protocol"
)

// maxClosedLinks bounds the history of closed links kept for display.
const maxClosedLinks = 32

// linkTable is the link table inferred from a real module's answers.
type linkTable struct {
	live   map[int]*protocol.LinkInfo
	closed []protocol.LinkInfo // newest first
	// seen collects the ids listed by a state command in progress.
	seen       map[int]bool
	inSnapshot bool
}

func newLinkTable() linkTable {
	return linkTable{live: map[int]*protocol.LinkInfo{}}
}

// beginCommand notes that a command is starting; a state command opens a
// snapshot whose end removes the links it did not list.
func (t *linkTable) beginCommand(line, stateCmd string) {
	t.inSnapshot = stateCmd != "" && strings.EqualFold(protocol.CommandName(line), stateCmd)
	t.seen = nil
	if t.inSnapshot {
		t.seen = map[int]bool{}
	}
}

// endSnapshot closes links a complete listing no longer shows.
func (t *linkTable) endSnapshot(at time.Time) {
	if !t.inSnapshot {
		return
	}
	for id := range t.live {
		if !t.seen[id] {
			t.close(id, at, "no longer listed by the module")
		}
	}
	t.inSnapshot = false
	t.seen = nil
}

// apply takes one update. An update of NoLink marked Snapshot is a
// complete listing that shows no link at all (WizFi's " No valid Cids"):
// every live link is gone.
func (t *linkTable) apply(u protocol.LinkUpdate, at time.Time) {
	if u.ID == protocol.NoLink {
		if u.Snapshot {
			reason := u.Reason
			if reason == "" {
				reason = "no longer listed by the module"
			}
			for id := range t.live {
				t.close(id, at, reason)
			}
		}
		return
	}
	if u.Gone {
		reason := u.Reason
		if reason == "" {
			reason = "closed"
		}
		t.close(u.ID, at, reason)
		for id, l := range t.live {
			if l.Role == protocol.RoleSeed && l.Parent == u.ID {
				t.close(id, at, "server closed")
			}
		}
		return
	}
	l := t.live[u.ID]
	if l != nil && l.Closed != nil && u.Present && u.State != "" && u.State != protocol.StateClosed {
		// A new link on an id a dead one held: the old one was deleted
		// without our seeing it (another host, a missed answer).
		t.close(u.ID, at, l.Closed.Reason)
		l = nil
	}
	if l == nil {
		if !u.Present && u.RxBytes == 0 && u.TxBytes == 0 && u.State == "" {
			return
		}
		l = &protocol.LinkInfo{ID: u.ID, Parent: protocol.NoLink, Opened: at}
		t.live[u.ID] = l
	}
	if u.Snapshot && t.seen != nil {
		t.seen[u.ID] = true
	}
	if u.Role != "" {
		l.Role = u.Role
	}
	if u.Proto != "" {
		l.Proto = u.Proto
	}
	if u.Role == protocol.RoleSeed && u.Parent != protocol.NoLink {
		l.Parent = u.Parent // a state line does not name the server: keep what the accept said
	}
	if u.Local != "" {
		l.Local = u.Local
	}
	if u.Remote != "" {
		l.Remote = u.Remote
	}
	if u.State != "" {
		l.State = u.State
	}
	if u.State == protocol.StateClosed && l.Closed == nil {
		// The socket is closed but the module still holds the id until it
		// is deleted (Realtek: socket_fd:-1 until AT+SKTDEL).
		reason := u.Reason
		if reason == "" {
			reason = "socket closed"
		}
		l.Closed = &protocol.Closed{At: at, Reason: reason}
	}
	if u.RxBytes > 0 {
		l.BytesIn += uint64(u.RxBytes)
		l.LastRx = at
	}
	if u.TxBytes > 0 {
		l.BytesOut += uint64(u.TxBytes)
		l.LastTx = at
	}
}

// close moves a link to the closed list. A link already dead (its socket
// closed while it held its id) keeps the reason and time it died with.
func (t *linkTable) close(id int, at time.Time, reason string) {
	l := t.live[id]
	if l == nil {
		return
	}
	delete(t.live, id)
	l.State = protocol.StateClosed
	if l.Closed == nil {
		l.Closed = &protocol.Closed{At: at, Reason: reason}
	}
	t.closed = append([]protocol.LinkInfo{*l}, t.closed...)
	if len(t.closed) > maxClosedLinks {
		t.closed = t.closed[:maxClosedLinks]
	}
}

// list returns the links holding an id, by id (dead ones among them carry
// Closed), then the closed ones, newest first.
func (t *linkTable) list() []protocol.LinkInfo {
	out := make([]protocol.LinkInfo, 0, len(t.live)+len(t.closed))
	for _, l := range t.live {
		out = append(out, *l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return append(out, t.closed...)
}

// settingTable keeps module-wide settings in the order first seen.
type settingTable struct {
	items []protocol.Setting
}

func (t *settingTable) set(s protocol.Setting) {
	for i := range t.items {
		if t.items[i].Name == s.Name {
			t.items[i].Value = s.Value
			return
		}
	}
	t.items = append(t.items, s)
}

func (t *settingTable) list() []protocol.Setting {
	return append([]protocol.Setting(nil), t.items...)
}
