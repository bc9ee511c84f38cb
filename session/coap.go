package session

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"atbench/protocol"
	"atbench/protocol/coap"
)

// RFC 7252 section 4.8 transmission parameters, the defaults of
// CoAPOptions.
const (
	CoAPAckTimeout      = 2 * time.Second
	CoAPAckRandomFactor = 1.5
	CoAPMaxRetransmit   = 4
	// CoAPPongTimeout is how long a TCP ping waits for its Pong. RFC 8323
	// sets no value (TCP retransmits by itself); UNCONFIRMED choice, the
	// UDP exchange's first timeout scaled to a reliable transport.
	CoAPPongTimeout = 10 * time.Second
)

// Errors of a CoAP ping.
var (
	// ErrTooManyRetries: a UDP ping's retransmissions ran out without a
	// Reset (libcoap's COAP_NACK_TOO_MANY_RETRIES).
	ErrTooManyRetries = errors.New("too many retries")
	// ErrNoPong: a TCP ping got no 7.03 Pong in time.
	ErrNoPong = errors.New("no pong")
	// ErrKeepaliveFailure: a keepalive ping fell due while the previous
	// one was still unanswered (libcoap's COAP_EVENT_KEEPALIVE_FAILURE).
	ErrKeepaliveFailure = errors.New("keepalive failure")
	// ErrLinkGone: the link closed while a ping waited.
	ErrLinkGone = errors.New("link closed")
)

// CoAPOptions configure a CoAP ping. The zero value pings with RFC 7252's
// transmission parameters over the link's own transport.
type CoAPOptions struct {
	// Proto is the link's transport (ProtoUDP or ProtoTCP); when "" it is
	// the link table's.
	Proto protocol.Proto
	// AckTimeout, AckRandomFactor and MaxRetransmit are RFC 7252's
	// transmission parameters for a UDP ping (CoAPAckTimeout,
	// CoAPAckRandomFactor, CoAPMaxRetransmit when zero; a negative
	// MaxRetransmit means none): the first timeout is random in
	// [AckTimeout, AckTimeout × AckRandomFactor] and doubles on each
	// retransmission.
	AckTimeout      time.Duration
	AckRandomFactor float64
	MaxRetransmit   int
	// PongTimeout bounds a TCP ping's wait for its Pong (CoAPPongTimeout
	// when 0).
	PongTimeout time.Duration
	// Rand draws Message IDs, tokens and the first timeout; a fresh
	// unseeded source when nil.
	Rand *rand.Rand
}

func (o CoAPOptions) withDefaults() CoAPOptions {
	if o.AckTimeout <= 0 {
		o.AckTimeout = CoAPAckTimeout
	}
	if o.AckRandomFactor < 1 {
		o.AckRandomFactor = CoAPAckRandomFactor
	}
	switch {
	case o.MaxRetransmit == 0:
		o.MaxRetransmit = CoAPMaxRetransmit
	case o.MaxRetransmit < 0:
		o.MaxRetransmit = 0
	}
	if o.PongTimeout <= 0 {
		o.PongTimeout = CoAPPongTimeout
	}
	if o.Rand == nil {
		o.Rand = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	return o
}

// CoAPResult is the outcome of one CoAP ping.
type CoAPResult struct {
	Link          int
	Proto         protocol.Proto
	MessageID     uint16        // UDP: the ping's Message ID
	Token         []byte        // TCP: the Ping's token
	CSMSent       bool          // TCP: a 7.01 CSM went before the Ping
	Transmissions int           // UDP: 1 + retransmissions; TCP: 1
	Sent          time.Time     // when the last transmission went out
	Answered      time.Time     // zero when no answer came
	RTT           time.Duration // from the transmission the answer followed to the answer
	Answer        string        // what answered ("RST 0.00 mid=0x1234", "7.03 Pong token=…")
}

// coapState remembers when each link last sent a CSM. Its zero value is
// ready.
type coapState struct {
	mu  sync.Mutex
	csm map[int]time.Time
}

// csmSent reports whether the connection on link l has sent a CSM: one
// was sent on the link id and the link has not opened since (a link id is
// reused by later connections; a link that the table does not know has a
// zero Opened).
func (c *coapState) csmSent(l protocol.LinkInfo) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	at, ok := c.csm[l.ID]
	return ok && !l.Opened.After(at)
}

// markCSM notes that the link sent a CSM at at.
func (c *coapState) markCSM(link int, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.csm == nil {
		c.csm = make(map[int]time.Time)
	}
	c.csm[link] = at
}

// CoAPPing pings the CoAP peer of a link and waits for its answer. Over UDP
// it sends an empty Confirmable message and waits for the Reset with the
// same Message ID, retransmitting per RFC 7252 and failing with
// ErrTooManyRetries when the retransmissions run out; over TCP it sends a
// 7.01 CSM first when this connection has not sent one, then a 7.02 Ping,
// and waits for the 7.03 Pong with its token (ErrNoPong). Every message
// goes out through the dialect's SendPlan, the answer is recognised in the
// data records the session receives on the link, and each step is noted
// in the transcript. The RTT runs from the last transmission's bytes to
// the record that answered.
func (s *Session) CoAPPing(ctx context.Context, link int, opts CoAPOptions) (CoAPResult, error) {
	opts = opts.withDefaults()
	li, err := s.coapLink(link, opts.Proto)
	if err != nil {
		return CoAPResult{}, err
	}
	switch li.Proto {
	case protocol.ProtoUDP:
		return s.coapPingUDP(ctx, li, opts)
	case protocol.ProtoTCP:
		return s.coapPingTCP(ctx, li, opts)
	}
	return CoAPResult{}, fmt.Errorf("coap ping: link %s is %s; CoAP pings go over udp or tcp", s.dialect.FormatLink(link), li.Proto)
}

// coapLink finds the open link in the table, with proto when given.
func (s *Session) coapLink(link int, proto protocol.Proto) (protocol.LinkInfo, error) {
	name := s.dialect.FormatLink(link)
	for _, l := range s.Links() {
		if l.ID != link || l.Closed != nil {
			continue
		}
		if proto != "" {
			l.Proto = proto
		}
		if l.Role == protocol.RoleServer && l.Proto == protocol.ProtoTCP {
			return l, fmt.Errorf("coap ping: link %s is a TCP server: ping one of its connections", name)
		}
		return l, nil
	}
	if proto != "" { // a real module's table may not know it yet
		return protocol.LinkInfo{ID: link, Proto: proto, Parent: protocol.NoLink}, nil
	}
	return protocol.LinkInfo{}, fmt.Errorf("coap ping: link %s is not open", name)
}

// coapPingUDP is CoAPPing over UDP.
func (s *Session) coapPingUDP(ctx context.Context, li protocol.LinkInfo, o CoAPOptions) (CoAPResult, error) {
	mid := uint16(o.Rand.Uint32())
	res := CoAPResult{Link: li.ID, Proto: protocol.ProtoUDP, MessageID: mid}
	name := s.dialect.FormatLink(li.ID)
	w := s.watchLink(li.ID)
	spread := float64(o.AckTimeout) * (o.AckRandomFactor - 1)
	timeout := o.AckTimeout + time.Duration(o.Rand.Float64()*spread)
	ping := coap.Ping(mid)
	started := s.now()
	var sends []time.Time // when each transmission went out
	for attempt := 0; ; attempt++ {
		s.Note(fmt.Sprintf("coap ping link %s: CON 0.00 mid=0x%04x (%d bytes), transmission %d of %d, timeout %v",
			name, mid, len(ping), attempt+1, o.MaxRetransmit+1, timeout.Round(time.Millisecond)))
		sent, err := s.coapSend(ctx, li.ID, ping)
		if err != nil {
			return res, err
		}
		res.Sent, res.Transmissions = sent, attempt+1
		sends = append(sends, sent)
		timer := time.NewTimer(timeout)
		rec, d, err := w.await(ctx, timer.C, func(r protocol.Record) (coap.Datagram, bool) {
			d, err := coap.ParseDatagram(r.Payload)
			return d, err == nil && d.Type == coap.Reset && d.Empty() && d.MessageID == mid
		})
		timer.Stop()
		switch {
		case err == nil:
			// The answer may be to an earlier transmission that came
			// while this one was being sent: time it from the latest
			// transmission before it.
			n := len(sends)
			for n > 1 && sends[n-1].After(rec.At) {
				n--
			}
			res.Answered, res.RTT, res.Answer = rec.At, rec.At.Sub(sends[n-1]), d.String()
			s.Note(fmt.Sprintf("coap ping link %s: %s after %v (to transmission %d of %d)", name, res.Answer, res.RTT, n, res.Transmissions))
			return res, nil
		case !errors.Is(err, errWaitTimeout):
			s.Note(fmt.Sprintf("coap ping link %s: %v", name, err))
			return res, fmt.Errorf("coap ping link %s: %w", name, err)
		case attempt == o.MaxRetransmit:
			err := fmt.Errorf("coap ping link %s: %w: no RST to mid=0x%04x after %d transmissions (%v)",
				name, ErrTooManyRetries, mid, attempt+1, s.now().Sub(started).Round(time.Millisecond))
			s.Note(err.Error())
			return res, err
		}
		timeout *= 2
	}
}

// coapPingTCP is CoAPPing over TCP.
func (s *Session) coapPingTCP(ctx context.Context, li protocol.LinkInfo, o CoAPOptions) (CoAPResult, error) {
	token := make([]byte, 4)
	for i := range token {
		token[i] = byte(o.Rand.Uint32())
	}
	res := CoAPResult{Link: li.ID, Proto: protocol.ProtoTCP, Token: token, Transmissions: 1}
	name := s.dialect.FormatLink(li.ID)
	w := s.watchLink(li.ID)
	var payload []byte
	if !s.coap.csmSent(li) {
		payload = coap.CSM()
		res.CSMSent = true
		s.Note(fmt.Sprintf("coap ping link %s: 7.01 CSM first: the connection has not sent one", name))
	}
	payload = append(payload, coap.TCPPing(token)...)
	s.Note(fmt.Sprintf("coap ping link %s: 7.02 Ping token=%x (%d bytes), waiting %v for the Pong", name, token, len(payload), o.PongTimeout))
	sent, err := s.coapSend(ctx, li.ID, payload)
	if err != nil {
		return res, err
	}
	if res.CSMSent {
		s.coap.markCSM(li.ID, sent)
	}
	res.Sent = sent
	timer := time.NewTimer(o.PongTimeout)
	defer timer.Stop()
	rec, f, err := w.awaitStream(ctx, timer.C, token)
	switch {
	case errors.Is(err, errWaitTimeout):
		err := fmt.Errorf("coap ping link %s: %w: no 7.03 Pong with token %x in %v", name, ErrNoPong, token, o.PongTimeout)
		s.Note(err.Error())
		return res, err
	case err != nil:
		s.Note(fmt.Sprintf("coap ping link %s: %v", name, err))
		return res, fmt.Errorf("coap ping link %s: %w", name, err)
	}
	res.Answered, res.RTT, res.Answer = rec.At, rec.At.Sub(res.Sent), f.String()
	s.Note(fmt.Sprintf("coap ping link %s: %s after %v", name, res.Answer, res.RTT))
	return res, nil
}

// coapSend sends payload on link through the dialect's plan and returns
// when the module confirmed it, with the time its bytes went to the
// module (the last host record of the plan).
func (s *Session) coapSend(ctx context.Context, link int, payload []byte) (at time.Time, err error) {
	name := s.dialect.FormatLink(link)
	defer func() {
		if err != nil {
			s.Note(err.Error())
		}
	}()
	plan, err := s.dialect.SendPlan(link, payload)
	if err != nil {
		return time.Time{}, fmt.Errorf("coap ping link %s: %w", name, err)
	}
	from := s.LastSeq() + 1
	at = s.now()
	c, err := s.Send(plan)
	if err != nil {
		return time.Time{}, fmt.Errorf("coap ping link %s: %w", name, err)
	}
	final, err := c.Wait(ctx)
	if err != nil {
		return time.Time{}, fmt.Errorf("coap ping link %s: send: %w", name, err)
	}
	// A plan of raw bytes alone (WizFi's ESC frames) has no answer: its
	// final record is empty. Any other end but OK is a refusal.
	if final.Kind != protocol.KindOK && (final.Kind != protocol.KindNoise || final.Text != "") {
		return time.Time{}, fmt.Errorf("coap ping link %s: send refused: %q", name, final.Text)
	}
	for _, r := range s.Records(from, 0) {
		if r.Kind.FromHost() {
			at = r.At
		}
	}
	return at, nil
}

// errWaitTimeout ends a wait whose timer fired.
var errWaitTimeout = errors.New("timed out")

// linkWatch reads the data records of one link as they arrive.
type linkWatch struct {
	s      *Session
	link   int
	next   uint64 // the Seq to read from
	stream []byte // the TCP bytes received since the watch began
	lastRx time.Time
	known  bool // the link was in the table when the watch began

	reading  *Command // a read of the link under way
	lastRead time.Time
}

// watchLink starts watching link's data from the next record on.
func (s *Session) watchLink(link int) *linkWatch {
	w := &linkWatch{s: s, link: link, next: s.LastSeq() + 1}
	w.known = !w.gone()
	return w
}

// take reads the records that arrived since the last call: it calls fn with
// each data record of the link until fn returns true.
func (w *linkWatch) take(fn func(protocol.Record) bool) bool {
	recs := w.s.Records(w.next, 0)
	for _, r := range recs {
		w.next = r.Seq + 1
		if r.Kind != protocol.KindData || r.LinkID != w.link {
			continue
		}
		w.lastRx = r.At
		if fn(r) {
			return true
		}
	}
	return false
}

// closed reports whether the link, known when the watch began, has closed
// since (or left the table).
func (w *linkWatch) closed() bool { return w.known && w.gone() }

// gone reports whether the link is not open in the table.
func (w *linkWatch) gone() bool {
	for _, l := range w.s.Links() {
		if l.ID == w.link && l.Closed == nil {
			return false
		}
	}
	return true
}

// wait runs take at each change until it matches, the timer fires, the
// link closes or ctx ends. On a link whose data the module holds until it
// is read (auto receive off, Inventek's R0), it reads: when the emulator
// says bytes are waiting, or every coapReadPoll with a real module.
func (w *linkWatch) wait(ctx context.Context, timer <-chan time.Time, fn func(protocol.Record) bool) error {
	for {
		ch := w.s.Changed()
		if w.take(fn) {
			return nil
		}
		if w.closed() {
			return ErrLinkGone
		}
		if w.s.isEnded() {
			return ErrClosed
		}
		poll := w.read()
		var readDone <-chan struct{}
		if w.reading != nil {
			readDone = w.reading.Done()
		}
		select {
		case <-ch:
		case <-readDone:
			w.reading = nil
		case <-poll:
		case <-timer:
			return errWaitTimeout
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// How often a ping looks at a link whose module holds the data until it
// is read: the emulator's table is checked for waiting bytes every
// coapTruthPoll; a real module, whose table does not say, is read every
// coapReadPoll.
const (
	coapTruthPoll = 20 * time.Millisecond
	coapReadPoll  = 250 * time.Millisecond
)

// coapReadSize is how much one such read asks for: more than a CoAP answer.
const coapReadSize = 1024

// readPlanner is offered by dialects whose read takes several lines
// (Inventek: P0, R1, R0). Their modules never push data, so a ping on a
// real module of such a set reads the link itself.
type readPlanner interface {
	ReadPlan(link, n int) (protocol.Plan, error)
}

// read starts a read of the link when the module holds its data and no
// read is under way; it returns a channel that fires when it should look
// again, or nil. With the emulator it reads what the table says is
// waiting on a link without auto receive; with a real module it reads
// only for a set that never pushes data (readPlanner), since the inferred
// table does not know a link's auto receive.
func (w *linkWatch) read() <-chan time.Time {
	l, ok := w.s.openLink(w.link)
	if !ok || w.reading != nil {
		return nil
	}
	_, pulls := w.s.dialect.(readPlanner)
	n := coapReadSize
	switch {
	case w.s.truth != nil && l.AutoRecv:
		return nil
	case w.s.truth != nil && l.Buffered == 0:
		return time.After(coapTruthPoll)
	case w.s.truth != nil:
		n = min(l.Buffered, coapReadSize)
	case !pulls:
		return nil
	default:
		if wait := coapReadPoll - w.s.now().Sub(w.lastRead); wait > 0 {
			return time.After(wait)
		}
	}
	w.lastRead = w.s.now()
	var plan protocol.Plan
	if rp, ok := w.s.dialect.(readPlanner); ok {
		p, err := rp.ReadPlan(w.link, n)
		if err != nil {
			return nil
		}
		plan = p
	} else {
		line, err := w.s.dialect.ReadCommand(w.link, n)
		if err != nil {
			return nil
		}
		plan = protocol.Plan{protocol.LineStep(line)}
	}
	c, err := w.s.Send(plan)
	if err != nil {
		return nil
	}
	w.reading = c
	return nil
}

// await waits for a datagram that match accepts.
func (w *linkWatch) await(ctx context.Context, timer <-chan time.Time, match func(protocol.Record) (coap.Datagram, bool)) (protocol.Record, coap.Datagram, error) {
	var (
		rec protocol.Record
		d   coap.Datagram
	)
	err := w.wait(ctx, timer, func(r protocol.Record) bool {
		var ok bool
		d, ok = match(r)
		rec = r
		return ok
	})
	return rec, d, err
}

// awaitStream waits for a 7.03 Pong with token in the link's byte stream.
func (w *linkWatch) awaitStream(ctx context.Context, timer <-chan time.Time, token []byte) (protocol.Record, coap.Frame, error) {
	var (
		rec protocol.Record
		f   coap.Frame
	)
	err := w.wait(ctx, timer, func(r protocol.Record) bool {
		w.stream = append(w.stream, r.Payload...)
		var ok bool
		f, ok = coap.FindPong(w.stream, token)
		rec = r
		return ok
	})
	return rec, f, err
}

// String sums the result up for a console or a script's output:
// "link 0 udp: RST 0.00 mid=0x1234 in 1.2ms (2 transmissions)", or
// what went out when no answer came.
func (r CoAPResult) String() string {
	head := fmt.Sprintf("link %d %s: ", r.Link, r.Proto)
	if r.Answered.IsZero() {
		if r.Proto == protocol.ProtoUDP {
			return head + fmt.Sprintf("no answer to mid=0x%04x after %d transmissions", r.MessageID, r.Transmissions)
		}
		return head + fmt.Sprintf("no answer to the Ping token=%x", r.Token)
	}
	s := head + fmt.Sprintf("%s in %v", r.Answer, r.RTT)
	if r.Proto == protocol.ProtoUDP {
		s += fmt.Sprintf(" (%d transmissions)", r.Transmissions)
	}
	if r.CSMSent {
		s += " (after the connection's CSM)"
	}
	return s
}
