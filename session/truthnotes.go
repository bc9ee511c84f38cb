package session

import (
	"fmt"
	"time"

	"atbench/protocol"
)

// truthSeen follows a module that knows its own links (the emulator), so
// the transcript and the log say when each link opened and when and why
// it died, as they do for a real module's inferred table.
type truthSeen struct {
	live map[truthKey]bool
}

// truthKey tells one link from a later one that reuses its id.
type truthKey struct {
	id     int
	role   protocol.Role
	opened time.Time
}

// diff compares links with what was seen before and appends a note for
// each link that opened or died since.
func (t *truthSeen) diff(links []protocol.LinkInfo, notes []string) []string {
	first := t.live == nil
	if first {
		t.live = map[truthKey]bool{}
	}
	now := map[truthKey]bool{}
	for _, l := range links {
		k := truthKey{l.ID, l.Role, l.Opened}
		alive := l.Closed == nil
		was, known := t.live[k]
		switch {
		case first:
		case alive && !known:
			notes = append(notes, fmt.Sprintf("link %d opened: %s", l.ID, describeTruth(l)))
		case !alive && (was || !known):
			if !known { // it opened and died between two looks
				notes = append(notes, fmt.Sprintf("link %d opened: %s", l.ID, describeTruth(l)))
			}
			notes = append(notes, fmt.Sprintf("link %d closed %s: %s", l.ID, l.Closed.At.UTC().Format("15:04:05.000"), l.Closed.Reason))
		}
		now[k] = alive
	}
	t.live = now
	return notes
}

// describeTruth says what a link is: role, protocol and addresses.
func describeTruth(l protocol.LinkInfo) string {
	s := fmt.Sprintf("%s %s", l.Role, l.Proto)
	switch {
	case l.Remote != "" && l.Local != "":
		s += " " + l.Local + " → " + l.Remote
	case l.Local != "":
		s += " on " + l.Local
	}
	return s
}
