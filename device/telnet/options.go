package telnet

// Options follows which options are on at each end and answers the peer's
// negotiation (RFC 854/855): an option we accept is agreed once, an option
// we do not know is refused with DONT or WONT, and a reply that only
// confirms the state in force is never sent, so two peers cannot loop.
// The zero value accepts nothing.
type Options struct {
	// AcceptLocal and AcceptRemote list the options this end will do
	// itself (answered to DO) and let the peer do (answered to WILL).
	AcceptLocal, AcceptRemote []byte

	local, remote  [256]bool
	askedL, askedR [256]bool
}

// Local reports whether this end does opt.
func (o *Options) Local(opt byte) bool { return o.local[opt] }

// Remote reports whether the peer does opt.
func (o *Options) Remote(opt byte) bool { return o.remote[opt] }

// Will returns IAC WILL opt and notes it was asked for, so the peer's DO
// needs no answer.
func (o *Options) Will(opt byte) []byte {
	o.askedL[opt] = true
	return Negotiation(WILL, opt)
}

// Do returns IAC DO opt and notes it was asked for, so the peer's WILL
// needs no answer.
func (o *Options) Do(opt byte) []byte {
	o.askedR[opt] = true
	return Negotiation(DO, opt)
}

// Handle applies one negotiation from the peer and returns the answer to
// send, or nil.
func (o *Options) Handle(cmd, opt byte) []byte {
	switch cmd {
	case DO:
		if o.local[opt] {
			return nil
		}
		asked := o.askedL[opt]
		o.askedL[opt] = false
		if !has(o.AcceptLocal, opt) {
			return Negotiation(WONT, opt)
		}
		o.local[opt] = true
		if asked {
			return nil
		}
		return Negotiation(WILL, opt)
	case DONT:
		o.askedL[opt] = false
		if o.local[opt] {
			o.local[opt] = false
			return Negotiation(WONT, opt)
		}
	case WILL:
		if o.remote[opt] {
			return nil
		}
		asked := o.askedR[opt]
		o.askedR[opt] = false
		if !has(o.AcceptRemote, opt) {
			return Negotiation(DONT, opt)
		}
		o.remote[opt] = true
		if asked {
			return nil
		}
		return Negotiation(DO, opt)
	case WONT:
		o.askedR[opt] = false
		if o.remote[opt] {
			o.remote[opt] = false
			return Negotiation(DONT, opt)
		}
	}
	return nil
}

func has(list []byte, b byte) bool {
	for _, c := range list {
		if c == b {
			return true
		}
	}
	return false
}
