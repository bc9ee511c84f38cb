package wizfi

import (
	"bytes"

	wz "atbench/protocol/wizfi"
)

// maxFrame bounds the payload of a host data frame the firmware gathers
// before it sends it: a longer frame goes out in pieces of this size (one
// datagram each on UDP; UNCONFIRMED, the module's buffer is not
// documented).
const maxFrame = 16 << 10

// Input separates host input into command lines and ESC data frames. A
// line ends with CR or LF (CR LF is one ending: the empty line between is
// ignored); a line over wizfi.MaxLine bytes is answered [ERROR: INVALID
// INPUT] when it ends. Data frames (ESC S, ESC Z, ESC U) go to their CID
// and are never echoed; with echo on, command text is echoed as it comes.
func (f *Firmware) Input(p []byte) {
	f.frames = f.dec.Decode(f.frames[:0], p)
	for _, fr := range f.frames {
		switch fr.Kind {
		case wz.FrameText:
			f.text(fr.Data)
		case wz.FrameData, wz.FrameBulk, wz.FrameUDPTx:
			f.pending = append(f.pending, fr.Data...)
			if fr.More && len(f.pending) < maxFrame {
				continue
			}
			data := f.pending
			f.pending = f.pending[:0]
			if len(data) > 0 {
				f.sendFrame(fr, data)
			}
		default:
			// a module-to-host frame sent by the host: nothing to do
			f.h.Logf("wizfi: host sent a %s frame; ignored", fr.Kind)
		}
	}
	clear(f.frames) // drop the payload references
}

// text takes command text: echo, then line assembly.
func (f *Firmware) text(p []byte) {
	f.mu.Lock()
	echo := f.echo
	f.mu.Unlock()
	if echo {
		_ = f.h.Print(bytes.Clone(p))
	}
	for len(p) > 0 {
		i := bytes.IndexAny(p, "\r\n")
		if i < 0 {
			f.lineBuf.Append(p)
			return
		}
		f.lineBuf.Append(p[:i])
		p = p[i+1:]
		f.endLine()
	}
}

func (f *Firmware) endLine() {
	line, overLong := f.lineBuf.End()
	if overLong {
		f.status(wz.StatusInvalidInput)
		return
	}
	if line == nil {
		return
	}
	f.line(line)
}
