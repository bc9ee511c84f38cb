package session

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"atbench/protocol"
)

// maxClosedLinks bounds the history of closed links kept for display.
const maxClosedLinks = 32

// lwIP's keepalive defaults (lwip/opt.h), which a module uses for a field
// its settings leave at 0.
const (
	lwipKeepIdle  = 7200 * time.Second
	lwipKeepIntvl = 75 * time.Second
	lwipKeepCnt   = 9
)

// linkTable is the link table inferred from a real module's answers.
type linkTable struct {
	live   map[int]*protocol.LinkInfo
	closed []protocol.LinkInfo // newest first
	// alive is when each live link was last known alive: opened, listed
	// alive, or traffic seen.
	alive map[int]time.Time
	// seen collects the ids listed by a state command in progress.
	seen       map[int]bool
	inSnapshot bool
	// wifiLost is when the module said it lost Wi-Fi, zero once back: a
	// death seen meanwhile says so.
	wifiLost time.Time
	// inForce is the keepalive that sockets created now get, as far as
	// the settings seen say (ok false: unknown).
	inForce func() (protocol.Keepalive, bool)
	// format writes a link id as the command set does.
	format func(int) string
	// notes are atbench's words on what changed, for the transcript and
	// the log; the session takes them after each change.
	notes []string
}

func newLinkTable() linkTable {
	return linkTable{
		live:    map[int]*protocol.LinkInfo{},
		alive:   map[int]time.Time{},
		inForce: func() (protocol.Keepalive, bool) { return protocol.Keepalive{}, false },
		format:  func(id int) string { return fmt.Sprint(id) },
	}
}

// notef records a note on a change.
func (t *linkTable) notef(format string, args ...any) {
	t.notes = append(t.notes, fmt.Sprintf(format, args...))
}

// takeNotes returns the notes gathered since the last call.
func (t *linkTable) takeNotes() []string {
	n := t.notes
	t.notes = nil
	return n
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

// endSnapshot closes links a complete listing no longer shows: their
// death was seen now, and happened after they were last known alive.
func (t *linkTable) endSnapshot(at time.Time) {
	if !t.inSnapshot {
		return
	}
	for _, id := range t.ids() {
		if !t.seen[id] {
			t.closeSeen(id, at, "no longer listed by the module")
		}
	}
	t.inSnapshot = false
	t.seen = nil
}

// ids returns the live ids in order, so notes come in a stable order.
func (t *linkTable) ids() []int {
	ids := make([]int, 0, len(t.live))
	for id := range t.live {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	return ids
}

// reset ends every link at once: the module restarted.
func (t *linkTable) reset(at time.Time, reason string) {
	for _, id := range t.ids() {
		t.close(id, at, reason, protocol.CauseRestart)
	}
	t.inSnapshot, t.seen = false, nil
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
				t.close(id, at, reason, u.Cause)
			}
		}
		return
	}
	if u.Gone {
		reason := u.Reason
		if reason == "" {
			reason = "closed"
		}
		t.close(u.ID, at, reason, u.Cause)
		for _, id := range t.ids() {
			if l := t.live[id]; l.Role == protocol.RoleSeed && l.Parent == u.ID {
				t.close(id, at, "server closed", protocol.CauseParent)
			}
		}
		return
	}
	l := t.live[u.ID]
	if l != nil && l.Closed != nil && u.Present && u.State != "" && u.State != protocol.StateClosed {
		// A new link on an id a dead one held: the old one was deleted
		// without our seeing it (another host, a missed answer).
		t.close(u.ID, at, l.Closed.Reason, l.Closed.Cause)
		l = nil
	}
	created := false
	if l == nil {
		if !u.Present && u.RxBytes == 0 && u.TxBytes == 0 && u.State == "" {
			return
		}
		l = &protocol.LinkInfo{ID: u.ID, Parent: protocol.NoLink, Opened: at}
		t.live[u.ID] = l
		created = true
	}
	if t.seen != nil && (u.Snapshot || u.Present) {
		// A link announced while a listing runs (an accept between its
		// lines and its OK) exists at its end, listed or not.
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
	if created {
		l.Keepalive = t.predict(u, l)
		t.notef("link %s opened: %s", t.format(l.ID), t.describe(l, u))
	}
	if u.State == protocol.StateClosed && l.Closed == nil {
		// The socket is closed but the module still holds the id until it
		// is deleted (Realtek: socket_fd:-1 until AT+SKTDEL). A listing
		// only shows that it died since the link was last known alive.
		reason := u.Reason
		if reason == "" {
			reason = "socket closed"
		}
		c := &protocol.Closed{At: at, Reason: t.why(reason), Cause: u.Cause}
		if u.Snapshot {
			c.Seen = true
			if a := t.alive[u.ID]; !created {
				c.AliveAt = a
			}
		}
		l.Closed = c
		t.noteDeath(l, "dead")
	}
	if l.Closed == nil && (u.Present || created) {
		t.alive[u.ID] = at
	}
	if u.RxBytes > 0 {
		l.BytesIn += uint64(u.RxBytes)
		l.LastRx = at
		t.alive[u.ID] = at
	}
	if u.TxBytes > 0 {
		l.BytesOut += uint64(u.TxBytes)
		l.LastTx = at
	}
}

// predict is a new link's keepalive: a link the module opened on our
// command gets the settings in force then; a seed gets its server's (lwIP
// copies the listening socket's options to the accepted one); a link first
// seen in a listing may have been opened before any setting we saw.
func (t *linkTable) predict(u protocol.LinkUpdate, l *protocol.LinkInfo) protocol.Keepalive {
	unknown := protocol.Keepalive{Source: protocol.KeepaliveUnknown}
	switch {
	case u.Snapshot:
		return unknown
	case l.Role == protocol.RoleSeed:
		if srv := t.live[l.Parent]; srv != nil && l.Parent != protocol.NoLink {
			ka := srv.Keepalive
			ka.ProbesSent, ka.NextProbe, ka.DeadAt = 0, time.Time{}, time.Time{}
			return ka
		}
		return unknown
	}
	ka, ok := t.inForce()
	if !ok {
		return unknown
	}
	ka.Source = protocol.KeepalivePredicted
	ka.ProbesSent, ka.NextProbe, ka.DeadAt = 0, time.Time{}, time.Time{}
	return ka
}

// describe says what a new link is, for its note.
func (t *linkTable) describe(l *protocol.LinkInfo, u protocol.LinkUpdate) string {
	var b strings.Builder
	b.WriteString(string(l.Role) + " " + string(l.Proto))
	if l.Local != "" {
		b.WriteString(" on " + l.Local)
	}
	if l.Remote != "" {
		b.WriteString(" to " + l.Remote)
	}
	if l.Role == protocol.RoleSeed && l.Parent != protocol.NoLink {
		b.WriteString(" (accepted by server " + t.format(l.Parent) + ")")
	}
	if u.Snapshot {
		b.WriteString(", first seen in a listing")
	}
	if l.Proto == protocol.ProtoTCP || l.Proto == protocol.ProtoTLS {
		b.WriteString("; keepalive " + keepaliveText(l.Keepalive))
	}
	return b.String()
}

// keepaliveText describes a predicted keepalive for a note.
func keepaliveText(ka protocol.Keepalive) string {
	switch {
	case ka.Source == protocol.KeepaliveUnknown:
		return "unknown"
	case !ka.Enabled:
		return "off (predicted)"
	}
	return fmt.Sprintf("on (predicted): idle %s, interval %s, count %d", setDur(ka.Idle), setDur(ka.Interval), ka.Count)
}

func setDur(d time.Duration) string {
	if d == 0 {
		return "default"
	}
	return d.String()
}

// why adds to a death's reason what the module said about itself.
func (t *linkTable) why(reason string) string {
	if !t.wifiLost.IsZero() {
		return reason + " (after Wi-Fi lost at " + t.wifiLost.UTC().Format("15:04:05") + ")"
	}
	return reason
}

// noteDeath records a link's death for the log.
func (t *linkTable) noteDeath(l *protocol.LinkInfo, verb string) {
	c := l.Closed
	text := fmt.Sprintf("link %s %s: %s", t.format(l.ID), verb, c.Reason)
	if c.Seen {
		text += "; dead when first seen " + c.At.UTC().Format("15:04:05.000")
		if !c.AliveAt.IsZero() {
			text += " (alive at " + c.AliveAt.UTC().Format("15:04:05.000") + ")"
		} else {
			text += " (never seen alive)"
		}
	}
	t.notes = append(t.notes, text)
}

// close moves a link to the closed list. A link already dead (its socket
// closed while it held its id) keeps the reason and time it died with.
func (t *linkTable) close(id int, at time.Time, reason string, cause protocol.Cause) {
	t.closeAs(id, &protocol.Closed{At: at, Reason: t.why(reason), Cause: cause})
}

// closeSeen closes a link whose death a listing revealed.
func (t *linkTable) closeSeen(id int, at time.Time, reason string) {
	t.closeAs(id, &protocol.Closed{At: at, Reason: t.why(reason), Seen: true, AliveAt: t.alive[id]})
}

func (t *linkTable) closeAs(id int, c *protocol.Closed) {
	l := t.live[id]
	if l == nil {
		return
	}
	delete(t.live, id)
	delete(t.alive, id)
	l.State = protocol.StateClosed
	if l.Closed == nil {
		if sch := schedule(*l, c); sch != "" && !c.Cause.Explains() {
			c.Reason += "; " + sch
		}
		l.Closed = c
		t.noteDeath(l, "closed")
	} else {
		t.notef("link %s: id released (%s)", t.format(id), c.Reason)
	}
	t.closed = append([]protocol.LinkInfo{*l}, t.closed...)
	if len(t.closed) > maxClosedLinks {
		t.closed = t.closed[:maxClosedLinks]
	}
}

// list returns the links holding an id, by id (dead ones among them carry
// Closed), then the closed ones, newest first. A predicted keepalive's
// timers run from the last traffic seen, as of now.
func (t *linkTable) list(now time.Time) []protocol.LinkInfo {
	out := make([]protocol.LinkInfo, 0, len(t.live)+len(t.closed))
	for _, l := range t.live {
		c := *l
		if c.Closed == nil {
			c.Keepalive = predictTimers(c, now)
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return append(out, t.closed...)
}

// predictTimers runs a predicted keepalive's timers from the last traffic
// seen on the link. The module's probes and their answers never show on
// the AT port, so once the idle time has passed the peer is taken to have
// answered each probe (the link is still listed): the next probe is one
// idle time after the last, and the link dies count intervals after it
// if the peer stays silent from now on.
func predictTimers(l protocol.LinkInfo, now time.Time) protocol.Keepalive {
	ka := l.Keepalive
	if ka.Source != protocol.KeepalivePredicted || !ka.Enabled || l.Role == protocol.RoleServer {
		return ka
	}
	idle, intvl, cnt := keepTimers(ka)
	last := lastTraffic(l)
	next := last.Add(idle)
	if !now.Before(next) {
		next = last.Add(idle * time.Duration(now.Sub(last)/idle+1))
	}
	ka.NextProbe = next
	ka.DeadAt = next.Add(intvl * time.Duration(cnt))
	return ka
}

// keepTimers are a keepalive's idle, interval and count, the stack's
// defaults standing in for the ones its settings leave at 0.
func keepTimers(ka protocol.Keepalive) (idle, intvl time.Duration, cnt int) {
	idle, intvl, cnt = ka.Idle, ka.Interval, ka.Count
	if idle <= 0 {
		idle = lwipKeepIdle
	}
	if intvl <= 0 {
		intvl = lwipKeepIntvl
	}
	if cnt <= 0 {
		cnt = lwipKeepCnt
	}
	return idle, intvl, cnt
}

// lastTraffic is the last time the link was seen carrying data either way
// (its opening when it never did).
func lastTraffic(l protocol.LinkInfo) time.Time {
	last := l.Opened
	for _, t := range []time.Time{l.LastRx, l.LastTx} {
		if t.After(last) {
			last = t
		}
	}
	return last
}

// onSchedule tolerates the gap between the module's clock and the host's
// when a death is compared with its predicted keepalive deadline.
const onSchedule = 2 * time.Second

// schedule says how a death compares with the keepalive the link was
// predicted to run: the earliest a keepalive timeout could have ended it
// is idle + count × interval after the last traffic seen. It returns ""
// when the link ran no predicted keepalive.
func schedule(l protocol.LinkInfo, c *protocol.Closed) string {
	ka := l.Keepalive
	if ka.Source != protocol.KeepalivePredicted || !ka.Enabled || l.Role == protocol.RoleServer || l.Opened.IsZero() {
		return ""
	}
	idle, intvl, cnt := keepTimers(ka)
	last := lastTraffic(l)
	due := last.Add(idle + intvl*time.Duration(cnt))
	at := "predicted keepalive deadline " + due.UTC().Format("15:04:05") +
		fmt.Sprintf(" (last traffic %s + %s + %d × %s)", last.UTC().Format("15:04:05"), idle, cnt, intvl)
	if c.Seen {
		if c.At.Before(due) {
			return "seen dead before the " + at + ": not a keepalive timeout"
		}
		return "seen dead after the " + at + ": a keepalive timeout fits"
	}
	switch d := c.At.Sub(due); {
	case d < -onSchedule:
		return fmt.Sprintf("%s before the %s: not a keepalive timeout", (-d).Round(time.Second), at)
	case d > onSchedule:
		return fmt.Sprintf("%s after the %s: the peer answered probes, or traffic was not seen", d.Round(time.Second), at)
	}
	return "on schedule: the " + at
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
