package ui

import (
	"context"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"atbench/protocol"
	"atbench/session"
)

// The ":keepalive" and ":coap" console commands: they act on one link,
// named as the command set writes it (WizFi CID "a"), or chosen for the
// user when none is named.

// coapRun is a CoAP keepalive running on a link.
type coapRun struct {
	gen    uint64
	cancel context.CancelFunc
}

// coapDoneMsg reports the end of a CoAP ping or keepalive.
type coapDoneMsg struct {
	link      int
	keepalive bool
	gen       uint64 // the keepalive run it ends
	res       session.CoAPResult
	err       error
}

// findLink finds the link named name as the command set writes it, or in
// decimal; a live link first, as ids are reused.
func (c *consolePane) findLink(name string) (protocol.LinkInfo, bool) {
	var found *protocol.LinkInfo
	for i := range c.links {
		l := &c.links[i]
		if !strings.EqualFold(c.sh.linkID(l.ID), name) && strconv.Itoa(l.ID) != name {
			continue
		}
		if found == nil || (found.Closed != nil && l.Closed == nil) {
			found = l
		}
	}
	if found == nil {
		return protocol.LinkInfo{}, false
	}
	return *found, true
}

// defaultTCPLink is the link a keepalive plan is for when none is named:
// the only live TCP link, else the one selected in the links pane if it is
// a live TCP link. ok is false when neither applies.
func (c *consolePane) defaultTCPLink() (l protocol.LinkInfo, why string, ok bool) {
	var live []protocol.LinkInfo
	for _, l := range c.links {
		if l.Closed == nil && isTCP(l) && l.Role != protocol.RoleServer {
			live = append(live, l)
		}
	}
	if len(live) == 1 {
		return live[0], "the only TCP link", true
	}
	if c.selected != nil {
		if l, ok := c.selected(); ok && l.Closed == nil && isTCP(l) {
			return l, "selected in the links pane", true
		}
	}
	return protocol.LinkInfo{}, "", false
}

// planKeepalive runs ":keepalive <target> [link]": the command set's
// planner proposes the commands; the first goes into the input and each
// Enter that sends one brings the next.
func (c *consolePane) planKeepalive(args []string) tea.Cmd {
	usage := ":keepalive takes a detection time and optionally a link, like :keepalive 90s or :keepalive 90s 0"
	if len(args) < 1 || len(args) > 2 {
		c.setFlash(usage, true)
		return nil
	}
	target, err := time.ParseDuration(args[0])
	if err != nil {
		if n, nerr := strconv.Atoi(args[0]); nerr == nil {
			target, err = time.Duration(n)*time.Second, nil
		}
	}
	if err != nil || target <= 0 {
		c.setFlash(usage, true)
		return nil
	}
	planner, ok := c.sh.dialect.(protocol.KeepalivePlanner)
	if !ok {
		c.setFlash("the "+c.sh.dialectName()+" command set has no keepalive planner", true)
		return nil
	}
	link, forWhat := protocol.NoLink, "every socket created after it"
	if len(args) == 2 {
		l, ok := c.findLink(args[1])
		if !ok {
			c.setFlash("no link "+protocol.Escape(args[1]), true)
			return nil
		}
		link, forWhat = l.ID, "link "+c.sh.linkID(l.ID)
	} else if l, why, ok := c.defaultTCPLink(); ok {
		link, forWhat = l.ID, "link "+c.sh.linkID(l.ID)+" ("+why+")"
	}
	plan, err := planner.PlanKeepalive(link, target)
	if err != nil {
		c.setFlash("no keepalive plan for "+forWhat+": "+protocol.Escape(err.Error()), true)
		return nil
	}
	if len(plan.Commands) == 0 {
		c.setFlash("the keepalive plan for "+forWhat+" has no commands", true)
		return nil
	}
	c.planned = append([]string(nil), plan.Commands...)
	msg := "keepalive within " + fmtDur(target) + " for " + forWhat + ": " + plan.Arithmetic
	if n := len(plan.Commands); n > 1 {
		msg += " · " + strconv.Itoa(n) + " commands: enter sends each and brings the next"
	} else {
		msg += " · enter sends it"
	}
	if plan.Note != "" {
		msg += " · " + plan.Note
	}
	c.ed.reset()
	c.nextPlanned()
	c.setFlash(protocol.Escape(msg), false)
	return nil
}

// nextPlanned puts the next planned command into the empty input.
func (c *consolePane) nextPlanned() {
	if len(c.planned) == 0 || len(c.ed.value) > 0 {
		return
	}
	c.ed.set(c.planned[0])
	c.planned = c.planned[1:]
}

// coap runs ":coap ping <link>", ":coap keepalive <link> <idle>" and
// ":coap stop <link>" in commands: the result comes back as a coapDoneMsg.
func (c *consolePane) coap(args []string) tea.Cmd {
	usage := ":coap ping <link> · :coap keepalive <link> <idle, e.g. 30s> · :coap stop <link>"
	if len(args) < 2 {
		c.setFlash(usage, true)
		return nil
	}
	l, ok := c.findLink(args[1])
	if !ok {
		c.setFlash("no link "+protocol.Escape(args[1]), true)
		return nil
	}
	id, b := l.ID, c.sh.b
	name := c.sh.linkID(id)
	switch {
	case args[0] == "ping" && len(args) == 2:
		c.ed.reset()
		c.setFlash("coap ping on "+name+"…", false)
		ctx := c.sh.ctx
		return func() tea.Msg {
			res, err := b.CoAPPing(ctx, id, session.CoAPOptions{})
			return coapDoneMsg{link: id, res: res, err: err}
		}
	case args[0] == "keepalive" && len(args) == 3:
		idle, err := time.ParseDuration(args[2])
		if err != nil || idle <= 0 {
			c.setFlash(usage, true)
			return nil
		}
		if _, running := c.coapRuns[id]; running {
			c.setFlash("a coap keepalive already runs on "+name+": :coap stop "+name+" first", true)
			return nil
		}
		if c.coapRuns == nil {
			c.coapRuns = map[int]coapRun{}
		}
		c.coapGen++
		gen := c.coapGen
		ctx, cancel := context.WithCancel(c.sh.ctx)
		c.coapRuns[id] = coapRun{gen: gen, cancel: cancel}
		c.ed.reset()
		c.setFlash("coap keepalive on "+name+": a ping after "+fmtDur(idle)+" idle · :coap stop "+name+" ends it", false)
		return func() tea.Msg {
			err := b.CoAPKeepalive(ctx, id, session.CoAPKeepaliveOptions{Idle: idle})
			return coapDoneMsg{link: id, keepalive: true, gen: gen, err: err}
		}
	case args[0] == "stop" && len(args) == 2:
		run, running := c.coapRuns[id]
		if !running {
			c.setFlash("no coap keepalive runs on "+name, true)
			return nil
		}
		run.cancel()
		delete(c.coapRuns, id)
		c.ed.reset()
		c.setFlash("coap keepalive on "+name+" stopped", false)
		return nil
	}
	c.setFlash(usage, true)
	return nil
}

// onCoAP shows the result of a CoAP ping or the end of a keepalive.
func (c *consolePane) onCoAP(msg coapDoneMsg) {
	name := c.sh.linkID(msg.link)
	if !msg.keepalive {
		if msg.err != nil {
			c.setFlash("coap ping on "+name+": "+protocol.Escape(msg.err.Error()), true)
			return
		}
		c.setFlash(protocol.Escape(msg.res.String()), false)
		return
	}
	run, ok := c.coapRuns[msg.link]
	if !ok || run.gen != msg.gen {
		return // stopped by the user: already said
	}
	run.cancel()
	delete(c.coapRuns, msg.link)
	why := "ended"
	if msg.err != nil {
		why = protocol.Escape(msg.err.Error())
	}
	c.setFlash("coap keepalive on "+name+" stopped: "+why, true)
}
