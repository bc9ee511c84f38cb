package inventek

import (
	"bytes"
	"errors"

	"atbench/protocol"
)

// Answer returns the rules of the answer to command. Every answer ends
// with the "> " prompt, after its final "OK" or "ERROR..." line: the turn
// ends at the prompt (the session sends nothing before it) and its Final
// is that earlier line. A prompt that comes before any final line (the one
// after an accept message the module printed before it read the command)
// does not end the answer.
//
// S3=<n> awaits its n raw bytes from the start, right after the CR, with
// no prompt in between; S0 awaits S1's size (when an S1 got OK; the module
// refuses S0 before any S1). An S3 refused for its length still has its
// bytes read and dropped by the module (CommandError.Discard), so it
// awaits them too.
//
// When the answer ends, what it established (the Tracker's link facts and
// settings) is kept for ResultLinks and Settings, which the session calls
// next.
func (d *Dialect) Answer(command string) protocol.Answer {
	return &answer{d: d, line: command}
}

// answer follows one Inventek answer. It is used by one goroutine (the
// session's, under its lock); the Dialect's state it reaches is guarded by
// the Dialect's mutex.
type answer struct {
	d     *Dialect
	line  string
	final protocol.Record
	have  bool // final holds the OK or ERROR line
	data  []byte
	lines int // information lines in data
	// accepts are accept messages found at the start of R0's data (see
	// splitRead).
	accepts []string
	ended   bool
}

// Begin makes the command the one under way and awaits S3's or S0's raw
// bytes at once.
func (a *answer) Begin() protocol.Turn {
	d := a.d
	d.mu.Lock()
	defer d.mu.Unlock()
	d.answering = a.line
	d.deferred = nil
	if n := d.rawAfterLocked(a.line); n > 0 {
		return protocol.Turn{Phase: protocol.AwaitingRaw, Raw: n, Link: d.dataLinkLocked()}
	}
	return protocol.Turn{Phase: protocol.Answering, Link: protocol.NoLink}
}

// rawAfterLocked is how many raw bytes the module reads right after line's
// CR: S3's length, S0's S1 size, or the bytes a refused S3 still drops.
func (d *Dialect) rawAfterLocked(line string) int {
	cmd, err := ParseCommand([]byte(line))
	var ce *CommandError
	switch {
	case errors.As(err, &ce):
		return ce.Discard
	case err != nil:
		return 0
	}
	return cmd.PayloadLength(d.s1)
}

// Take follows the answer: it notes the final line and the answer's data
// (its information lines, or R0's data record) and ends at the prompt that
// follows the final line.
func (a *answer) Take(r protocol.Record) protocol.Turn {
	if a.ended {
		return protocol.Turn{Phase: protocol.Answering, Link: protocol.NoLink}
	}
	switch r.Kind {
	case protocol.KindOK, protocol.KindError:
		if !a.have {
			a.final, a.have = r, true
		}
	case protocol.KindInfo:
		if !a.have {
			if a.lines > 0 || len(a.data) > 0 {
				a.data = append(a.data, "\r\n"...)
			}
			a.data = append(a.data, r.Text...)
			a.lines++
		}
	case protocol.KindData:
		if !a.have {
			p := r.Payload
			if isRead(a.line) && len(a.data) == 0 {
				a.accepts, p = splitRead(p, a.line)
			}
			a.data = append(a.data, p...)
		}
	case protocol.KindPrompt:
		if !a.have && isRead(a.line) && bytes.HasPrefix(a.data, []byte("ERROR")) {
			// R0's error line was framed as its data (see readFrame).
			text, _, _ := bytes.Cut(a.data, []byte("\r\n"))
			a.final = protocol.Record{Kind: protocol.KindError, Text: string(text), LinkID: protocol.NoLink, At: r.At, Seq: r.Seq}
			a.have = true
			a.data = nil
		}
		if a.have {
			a.ended = true
			a.finish()
			return protocol.Turn{Phase: protocol.Ended, Link: protocol.NoLink, Final: a.final}
		}
	}
	return protocol.Turn{Phase: protocol.Answering, Link: protocol.NoLink}
}

// finish gives the ended answer to the Tracker and keeps what it
// established for ResultLinks and Settings.
func (a *answer) finish() {
	d := a.d
	d.mu.Lock()
	defer d.mu.Unlock()
	ok := a.final.Kind == protocol.KindOK
	res := result{line: a.line}
	for _, line := range a.accepts {
		res.ups = append(res.ups, d.tr.Event(line)...)
	}
	var ups []protocol.LinkUpdate
	if ok && isState(a.line) {
		ups, res.set = d.stateLocked(a.data)
	} else {
		ups, res.set = d.tr.Answer(a.line, ok, a.data)
	}
	res.ups = append(res.ups, ups...)
	d.noteLocked(res.ups)
	if ok {
		if cmd, err := ParseCommand([]byte(a.line)); err == nil && cmd.Name == "S1" {
			d.s1 = cmd.Int(0)
		}
	}
	for _, line := range d.deferred {
		res.ups = append(res.ups, d.tr.Event(line)...)
	}
	d.deferred = nil
	d.answering = ""
	d.done = res
}

// splitRead cuts what is not data off the start of R0's answer as the
// framer gave it (from the first byte after R0 was written, its leading
// CR LF dropped when it came first): the accept messages the module
// printed after R0 was written but before its answer
// ("[TCP SVR] Accepted <ip>:<port>\r\n> "), and the echo of the line by
// a module that echoes ("R0\r\n"), each followed by the answer's own
// leading CR LF. It returns the messages and the data.
func splitRead(p []byte, command string) (accepts []string, data []byte) {
	lead := false // the answer's leading CR LF is still ahead
	for {
		line, rest, ok := bytes.Cut(p, []byte("\r\n"))
		if !ok {
			break
		}
		if _, isAccept := ParseAccept(string(line)); isAccept && bytes.HasPrefix(rest, []byte(Prompt)) {
			accepts = append(accepts, string(line))
			p, lead = rest[len(Prompt):], true
			continue
		}
		if bytes.EqualFold(line, []byte(trimEOL(command))) && bytes.HasPrefix(rest, []byte("\r\n")) {
			p, lead = rest, true
		}
		break
	}
	if lead {
		p = bytes.TrimPrefix(p, []byte("\r\n"))
	}
	return accepts, p
}

// isState reports whether line is the state command, P?.
func isState(line string) bool {
	cmd, err := ParseCommand([]byte(line))
	return err == nil && cmd.Name == "P?"
}

// stateLocked reads a P? answer: the selected socket's links, as a
// complete listing of that socket (Snapshot; a client whose connection
// was lost and that P? still shows stays as it is), and a bare Snapshot mark
// for each link of the other sockets the Tracker knows, so that the
// session's end of the snapshot keeps them. A socket P? shows idle leaves
// no link of its own: the session closes them.
func (d *Dialect) stateLocked(data []byte) ([]protocol.LinkUpdate, []protocol.Setting) {
	ups, set := d.tr.Answer("P?", true, data)
	sel := d.tr.selected
	for i := range ups {
		if st := d.seeds[sel]; ups[i].ID == SeedLink(sel) && st.lost && ups[i].Remote == st.remote {
			// The client whose connection is gone, still shown: keep it
			// as it is (closed) rather than bring it back.
			ups[i] = protocol.LinkUpdate{ID: ups[i].ID, Parent: protocol.NoLink}
		}
		ups[i].Snapshot = true
	}
	for i := range d.tr.sockets {
		s := &d.tr.sockets[i]
		if i == sel {
			continue
		}
		if s.server || s.client {
			ups = append(ups, protocol.LinkUpdate{ID: i, Parent: protocol.NoLink, Snapshot: true})
		}
		if s.server && s.accepted {
			ups = append(ups, protocol.LinkUpdate{ID: SeedLink(i), Parent: protocol.NoLink, Snapshot: true})
		}
	}
	return ups, set
}
