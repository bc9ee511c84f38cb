package session

import (
	"context"
	"fmt"
	"time"

	"atbench/protocol"
	"atbench/protocol/coap"
)

// CoAPKeepaliveOptions configure CoAPKeepalive.
type CoAPKeepaliveOptions struct {
	CoAPOptions
	// Idle is how long the link must carry no traffic, either way, before
	// a ping goes out (libcoap's coap_context_set_keepalive seconds).
	// Required.
	Idle time.Duration
	// OnPing, when set, is called with each ping once answered.
	OnPing func(CoAPResult)
}

// CoAPKeepalive keeps an idle link warm as libcoap's keepalive does: a
// ping (UDP: an empty CON; TCP: 7.02, after a CSM if the connection has
// not sent one) goes out only when the link has carried no traffic for
// Idle, and an answer or any other traffic starts the idle time again.
// When a ping falls due while the previous one is still unanswered, it
// notes and returns ErrKeepaliveFailure (libcoap's
// COAP_EVENT_KEEPALIVE_FAILURE). A keepalive ping is sent once: its
// answer may come at any time until the next one falls due. It runs until
// ctx ends (returning ctx's error), the link closes (ErrLinkGone) or a
// ping fails to go out.
func (s *Session) CoAPKeepalive(ctx context.Context, link int, opts CoAPKeepaliveOptions) error {
	if opts.Idle <= 0 {
		return fmt.Errorf("coap keepalive: idle time %v: it must be positive", opts.Idle)
	}
	o := opts.CoAPOptions.withDefaults()
	li, err := s.coapLink(link, o.Proto)
	if err != nil {
		return fmt.Errorf("coap keepalive: %w", err)
	}
	if li.Proto != protocol.ProtoUDP && li.Proto != protocol.ProtoTCP {
		return fmt.Errorf("coap keepalive: link %s is %s; CoAP pings go over udp or tcp", s.dialect.FormatLink(link), li.Proto)
	}
	name := s.dialect.FormatLink(link)
	w := s.watchLink(link)
	last := latest(li.LastRx, li.LastTx)
	if last.IsZero() {
		last = s.now()
	}
	s.Note(fmt.Sprintf("coap keepalive link %s (%s): a ping after %v without traffic", name, li.Proto, opts.Idle))
	var pending *CoAPResult // the ping not yet answered
	for {
		ch := s.Changed()
		w.take(func(r protocol.Record) bool {
			if pending == nil {
				return false
			}
			var answer string
			if li.Proto == protocol.ProtoUDP {
				d, err := coap.ParseDatagram(r.Payload)
				if err != nil || d.Type != coap.Reset || !d.Empty() || d.MessageID != pending.MessageID {
					return false
				}
				answer = d.String()
			} else {
				w.stream = append(w.stream, r.Payload...)
				f, ok := coap.FindPong(w.stream, pending.Token)
				if !ok {
					return false
				}
				answer, w.stream = f.String(), nil
			}
			res := *pending
			res.Answered, res.RTT, res.Answer = r.At, r.At.Sub(res.Sent), answer
			pending = nil
			s.Note(fmt.Sprintf("coap keepalive link %s: %s after %v", name, res.Answer, res.RTT))
			if opts.OnPing != nil {
				opts.OnPing(res)
			}
			return false
		})
		last = latest(last, w.lastRx)
		if l, ok := s.openLink(link); ok {
			last = latest(last, l.LastRx, l.LastTx)
		} else if w.known {
			s.Note(fmt.Sprintf("coap keepalive link %s: the link closed", name))
			return fmt.Errorf("coap keepalive link %s: %w", name, ErrLinkGone)
		}
		if s.isEnded() {
			return fmt.Errorf("coap keepalive link %s: %w", name, ErrClosed)
		}
		now := s.now()
		due := last.Add(opts.Idle)
		if !now.Before(due) {
			if pending != nil {
				err := fmt.Errorf("coap keepalive link %s: %w: the ping sent at %s got no answer in %v",
					name, ErrKeepaliveFailure, pending.Sent.Format("15:04:05.000"), now.Sub(pending.Sent).Round(time.Millisecond))
				s.Note(err.Error())
				return err
			}
			res, payload := CoAPResult{Link: link, Proto: li.Proto, Transmissions: 1}, []byte(nil)
			if li.Proto == protocol.ProtoUDP {
				res.MessageID = uint16(o.Rand.Uint32())
				payload = coap.Ping(res.MessageID)
				s.Note(fmt.Sprintf("coap keepalive link %s: idle %v: CON 0.00 mid=0x%04x", name, now.Sub(last).Round(time.Millisecond), res.MessageID))
			} else {
				res.Token = make([]byte, 4)
				for i := range res.Token {
					res.Token[i] = byte(o.Rand.Uint32())
				}
				if cur, ok := s.openLink(link); ok {
					li.Opened = cur.Opened
				}
				if !s.coap.csmSent(li) {
					payload, res.CSMSent = coap.CSM(), true
				}
				payload = append(payload, coap.TCPPing(res.Token)...)
				csm := ""
				if res.CSMSent {
					csm = "7.01 CSM, then "
				}
				s.Note(fmt.Sprintf("coap keepalive link %s: idle %v: %s7.02 Ping token=%x", name, now.Sub(last).Round(time.Millisecond), csm, res.Token))
			}
			sent, err := s.coapSend(ctx, link, payload)
			if err != nil { // coapSend noted it
				return fmt.Errorf("coap keepalive: %w", err)
			}
			if res.CSMSent {
				s.coap.markCSM(link, sent)
			}
			res.Sent = sent
			pending = &res
			last = latest(last, sent)
			continue
		}
		var poll <-chan time.Time
		if pending != nil { // an answer the module holds must be read
			poll = w.read()
		}
		var readDone <-chan struct{}
		if w.reading != nil {
			readDone = w.reading.Done()
		}
		timer := time.NewTimer(due.Sub(now))
		select {
		case <-ch:
		case <-poll:
		case <-readDone:
			w.reading = nil
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			s.Note(fmt.Sprintf("coap keepalive link %s: stopped", name))
			return ctx.Err()
		}
		timer.Stop()
	}
}

// openLink returns the link if it is open in the table.
func (s *Session) openLink(link int) (protocol.LinkInfo, bool) {
	for _, l := range s.Links() {
		if l.ID == link && l.Closed == nil {
			return l, true
		}
	}
	return protocol.LinkInfo{}, false
}

// latest is the latest of times.
func latest(times ...time.Time) time.Time {
	var t time.Time
	for _, x := range times {
		if x.After(t) {
			t = x
		}
	}
	return t
}
