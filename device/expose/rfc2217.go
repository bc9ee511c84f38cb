package expose

import (
	"encoding/binary"
	"fmt"
	"net"
	"sync"

	"atbench/device/telnet"
)

// modemLines is what the emulated module's UART reports: CD, DSR and CTS
// up, as a module that is powered and ready.
const modemLines = 0xB0

// rfcServer is the server side of RFC 2217 on one client connection: Read
// returns the client's data with the Telnet commands taken out and
// answered, Write doubles 0xFF. The line settings are kept and acked, not
// applied: the emulator has no UART, and logs them instead.
type rfcServer struct {
	nc  net.Conn
	log func(string)

	dec  telnet.Decoder // Read's only
	buf  []byte
	pend []byte // decoded data not yet returned
	evs  []telnet.Event

	wmu  sync.Mutex // one write at a time; guards the fields below too
	opts telnet.Options
	// The line as the client set it, answered to requests for it.
	baud                   uint32
	dataSize, parity, stop byte
	flow, dtr, rts, brk    byte
	lineMask, modemMask    byte
	modemSent              bool // the first NOTIFY-MODEMSTATE is out
}

func newRFCServer(nc net.Conn, log func(string)) *rfcServer {
	if log == nil {
		log = func(string) {}
	}
	s := &rfcServer{
		nc: nc, log: log, buf: make([]byte, 32<<10),
		opts: telnet.Options{AcceptLocal: []byte{telnet.OptBinary, telnet.OptSGA}, AcceptRemote: []byte{telnet.OptBinary, telnet.OptSGA, telnet.OptComPort}},
		baud: 115200, dataSize: 8, parity: 1, stop: 1,
		flow: telnet.CtlFlowNone, dtr: telnet.CtlDTROn, rts: telnet.CtlRTSOn, brk: telnet.CtlBreakOff,
		lineMask: 0, modemMask: 0xFF, // the RFC's initial masks
	}
	// The opening ser2net sends (rfc2217.md G.5), without its WILL ECHO.
	var hello []byte
	hello = append(hello, s.opts.Will(telnet.OptSGA)...)
	hello = append(hello, s.opts.Do(telnet.OptSGA)...)
	hello = append(hello, s.opts.Will(telnet.OptBinary)...)
	hello = append(hello, s.opts.Do(telnet.OptBinary)...)
	hello = append(hello, s.opts.Do(telnet.OptComPort)...)
	s.nc.Write(hello) // a failure shows on the first Read
	return s
}

// Read returns the client's data, answering its commands on the way.
func (s *rfcServer) Read(b []byte) (int, error) {
	for len(s.pend) == 0 {
		n, err := s.nc.Read(s.buf)
		if n > 0 {
			s.pend, s.evs = s.dec.Decode(s.pend[:0], s.evs[:0], s.buf[:n])
			for _, ev := range s.evs {
				s.event(ev)
			}
		}
		if err != nil && len(s.pend) == 0 {
			return 0, err
		}
	}
	n := copy(b, s.pend)
	s.pend = s.pend[n:]
	return n, nil
}

// Write sends b to the client with 0xFF doubled.
func (s *rfcServer) Write(b []byte) (int, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if _, err := s.nc.Write(telnet.Escape(make([]byte, 0, len(b)+8), b)); err != nil {
		return 0, err
	}
	return len(b), nil
}

// Close closes the client connection.
func (s *rfcServer) Close() error { return s.nc.Close() }

func (s *rfcServer) event(ev telnet.Event) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	switch ev.Kind {
	case telnet.EvNegotiate:
		if reply := s.opts.Handle(ev.Cmd, ev.Opt); reply != nil {
			s.nc.Write(reply)
		}
		if s.opts.Remote(telnet.OptComPort) {
			s.notifyModem() // as ser2net does once the client's WILL COM-PORT is seen
		}
	case telnet.EvSub:
		if ev.Opt == telnet.OptComPort && len(ev.Data) > 0 {
			// pyserial may never send WILL COM-PORT: when our DO reaches
			// its reader thread before its own requests go out, it takes
			// the option as agreed and skips the WILL. Its first command
			// shows it uses the option all the same.
			s.notifyModem()
			if reply := s.comPort(ev.Data[0], ev.Data[1:]); reply != nil {
				s.nc.Write(reply)
			}
		}
	}
}

// notifyModem sends the modem state once per connection, the first time
// the client is known to use COM-PORT. s.wmu is held.
func (s *rfcServer) notifyModem() {
	if s.modemSent || s.modemMask == 0 {
		return
	}
	s.modemSent = true
	s.nc.Write(telnet.ComPort(telnet.ServerOffset+telnet.CmdNotifyModemstate, modemLines&s.modemMask))
}

// comPort applies one COM-PORT command and returns its ack. s.wmu is held.
func (s *rfcServer) comPort(cmd byte, v []byte) []byte {
	ackB := func(b byte) []byte { return telnet.ComPort(cmd+telnet.ServerOffset, b) }
	one := func(cur *byte, name string, show func(byte) string) []byte {
		if len(v) > 0 && v[0] != 0 && v[0] != *cur {
			*cur = v[0]
			s.log(fmt.Sprintf("rfc2217: %s %s", name, show(v[0])))
		}
		return ackB(*cur)
	}
	num := func(b byte) string { return fmt.Sprint(b) }
	switch cmd {
	case telnet.CmdSignature:
		if len(v) == 0 {
			return telnet.ComPort(telnet.ServerOffset+telnet.CmdSignature, []byte("atbench emulator")...)
		}
		return nil
	case telnet.CmdSetBaudrate:
		if len(v) == 4 {
			if b := binary.BigEndian.Uint32(v); b != 0 && b != s.baud {
				s.baud = b
				s.log(fmt.Sprintf("rfc2217: baud %d", b))
			}
		}
		return telnet.ComPort(cmd+telnet.ServerOffset, binary.BigEndian.AppendUint32(nil, s.baud)...)
	case telnet.CmdSetDatasize:
		return one(&s.dataSize, "data bits", num)
	case telnet.CmdSetParity:
		return one(&s.parity, "parity", func(b byte) string {
			return map[byte]string{1: "none", 2: "odd", 3: "even", 4: "mark", 5: "space"}[b]
		})
	case telnet.CmdSetStopsize:
		return one(&s.stop, "stop bits", func(b byte) string {
			return map[byte]string{1: "1", 2: "2", 3: "1.5"}[b]
		})
	case telnet.CmdSetControl:
		if len(v) == 0 {
			return nil
		}
		return ackB(s.control(v[0]))
	case telnet.CmdFlowSuspend, telnet.CmdFlowResume:
		s.log(fmt.Sprintf("rfc2217: flow %s", map[byte]string{8: "suspend", 9: "resume"}[cmd]))
		return telnet.ComPort(cmd + telnet.ServerOffset)
	case telnet.CmdSetLinestateMask:
		if len(v) > 0 {
			s.lineMask = v[0]
		}
		return ackB(s.lineMask)
	case telnet.CmdSetModemstateMask:
		if len(v) > 0 {
			s.modemMask = v[0]
		}
		return ackB(s.modemMask)
	case telnet.CmdPurgeData:
		if len(v) > 0 {
			return ackB(v[0])
		}
	}
	return nil // NOTIFY-* from a client and unknown commands are not answered
}

// control applies a SET-CONTROL value and returns the value to ack.
func (s *rfcServer) control(v byte) byte {
	set := func(cur *byte, name string, on bool) byte {
		if *cur != v {
			*cur = v
			state := "off"
			if on {
				state = "on"
			}
			s.log(fmt.Sprintf("rfc2217: %s %s", name, state))
		}
		return v
	}
	switch v {
	case telnet.CtlFlowRequest:
		return s.flow
	case telnet.CtlFlowNone, telnet.CtlFlowXonXoff, telnet.CtlFlowHW:
		if s.flow != v {
			s.flow = v
			s.log("rfc2217: flow " + map[byte]string{1: "none", 2: "xonxoff", 3: "rtscts"}[v])
		}
		return v
	case 4:
		return s.brk
	case telnet.CtlBreakOn, telnet.CtlBreakOff:
		return set(&s.brk, "BREAK", v == telnet.CtlBreakOn)
	case 7:
		return s.dtr
	case telnet.CtlDTROn, telnet.CtlDTROff:
		return set(&s.dtr, "DTR", v == telnet.CtlDTROn)
	case 10:
		return s.rts
	case telnet.CtlRTSOn, telnet.CtlRTSOff:
		return set(&s.rts, "RTS", v == telnet.CtlRTSOn)
	}
	return v // inbound flow settings and the like: acked, kept as they are
}
