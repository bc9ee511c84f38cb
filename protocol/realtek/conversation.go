package realtek

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"atbench/protocol"
)

// Answer returns the rules of the answer to command: "OK", "ERROR: <n>"
// (or the firmware's "unknown command") ends it. After
// AT+SKTSENDRAW=<link_id>,<data_size> the module prints ">>>" and then
// awaits exactly data_size raw bytes before its OK (A.6); a ">>>" after any
// other command (the TT test modes) awaits raw bytes without a count the
// host can know.
func (Dialect) Answer(command string) protocol.Answer {
	a := &answer{raw: protocol.RawOpen, link: protocol.NoLink}
	if id, n, ok := sendRawArgs(command); ok {
		a.raw, a.link = n, id
	}
	return a
}

// answer follows one Realtek answer.
type answer struct {
	raw      int // bytes a ">>>" asks for, or RawOpen
	link     int
	prompted bool
}

// Begin says the answer has not begun: the module asks for raw bytes only
// with its prompt.
func (a *answer) Begin() protocol.Turn {
	return protocol.Turn{Phase: protocol.Answering, Link: protocol.NoLink}
}

// Take ends the answer at a final result and turns to raw bytes at the
// first prompt.
func (a *answer) Take(r protocol.Record) protocol.Turn {
	switch {
	case r.Kind.Final():
		return protocol.Turn{Phase: protocol.Ended, Link: protocol.NoLink, Final: r}
	case r.Kind == protocol.KindPrompt && !a.prompted:
		a.prompted = true
		return protocol.Turn{Phase: protocol.AwaitingRaw, Raw: a.raw, Link: a.link}
	}
	return protocol.Turn{Phase: protocol.Answering, Link: protocol.NoLink}
}

// sendRawArgs reads AT+SKTSENDRAW=<link_id>,<data_size>[,...].
func sendRawArgs(command string) (link, n int, ok bool) {
	name, args, found := strings.Cut(trimEOL(command), "=")
	if !found || !strings.EqualFold(strings.TrimSpace(name), "AT+SKTSENDRAW") {
		return 0, 0, false
	}
	f := strings.Split(args, ",")
	if len(f) < 2 {
		return 0, 0, false
	}
	id, ok1 := atoiMax(f[0], maxID)
	n, ok2 := atoiMax(f[1], math.MaxInt32)
	if !ok1 || !ok2 || n == 0 {
		return 0, 0, false
	}
	return id, n, true
}

// SendPlan sends payload with AT+SKTSEND when a command line can carry it
// (see SendCommand), else with AT+SKTSENDRAW=<id>,<n> and the n bytes as
// a raw step after the ">>>" prompt.
func (d Dialect) SendPlan(link int, payload []byte) (protocol.Plan, error) {
	if err := checkLink(link); err != nil {
		return nil, fmt.Errorf("send: %w", err)
	}
	if len(payload) == 0 {
		return nil, fmt.Errorf("send: empty payload (data_size must be at least 1)")
	}
	if line, err := d.SendCommand(link, payload); err == nil {
		return protocol.Plan{protocol.LineStep(line)}, nil
	}
	if len(payload) > math.MaxInt32 {
		return nil, fmt.Errorf("AT+SKTSENDRAW: a %d-byte payload is too long", len(payload))
	}
	return protocol.Plan{
		protocol.LineStep(fmt.Sprintf("AT+SKTSENDRAW=%d,%d", link, len(payload))),
		protocol.RawStep(payload),
	}, nil
}

// SplitLine cuts a typed line as the firmware does: the name runs to '='
// (or '?'), fields are split on commas, and "\," is a literal comma (the
// advance parser of A.2); the free-text <data> of AT+SKTSEND takes the
// rest of the line.
func (Dialect) SplitLine(line string) protocol.Split {
	return protocol.SplitFields(line, '\\', Catalog())
}

// FormatLink writes a link id in decimal, 0..19.
func (Dialect) FormatLink(id int) string { return strconv.Itoa(id) }

// KeepaliveInForce reads the global socket options (AT+SKTCFG, AT+SKTQUERY):
// so_keepalive 1 turns keepalive on for sockets created later, with
// tcp_keepidle and tcp_keepintvl in seconds and tcp_keepcnt probes; 0 means
// lwIP's default, left zero here. ok is false until so_keepalive is known.
func (Dialect) KeepaliveInForce(settings []protocol.Setting) (protocol.Keepalive, bool) {
	var ka protocol.Keepalive
	known := false
	for _, s := range settings {
		v, err := strconv.Atoi(strings.TrimSpace(s.Value))
		if err != nil || v < 0 {
			continue
		}
		switch strings.ToLower(s.Name) {
		case "so_keepalive":
			ka.Enabled, known = v == 1, true
		case "tcp_keepidle":
			ka.Idle = time.Duration(v) * time.Second
		case "tcp_keepintvl":
			ka.Interval = time.Duration(v) * time.Second
		case "tcp_keepcnt":
			ka.Count = v
		}
	}
	if !known {
		return protocol.Keepalive{}, false
	}
	return ka, true
}
