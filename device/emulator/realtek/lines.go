package realtek

import "bytes"

// Input splits host input into command lines. A line ends with CR, LF or
// CR LF (a LF right after the CR that ended a line belongs to that ending,
// even when raw bytes follow). While a transfer asks for raw bytes they go
// to it untouched, but for a trailing "<<<" that may stop it early.
func (f *Firmware) Input(p []byte) {
	f.ttMu.Lock()
	defer f.ttMu.Unlock()
	f.inputGen++
	for len(p) > 0 {
		if f.skipLF {
			f.skipLF = false
			if p[0] == '\n' {
				p = p[1:]
				continue
			}
		}
		if f.tt != nil {
			p = p[f.ttInput(p):]
			continue
		}
		i := bytes.IndexAny(p, "\r\n")
		if i < 0 {
			f.lineBuf.Append(p)
			return
		}
		f.lineBuf.Append(p[:i])
		f.skipLF = p[i] == '\r'
		p = p[i+1:]
		f.endLine()
	}
}

func (f *Firmware) endLine() {
	line, overLong := f.lineBuf.End()
	if overLong {
		f.fail(1)
		return
	}
	if line == nil {
		return
	}
	if f.echo {
		_ = f.h.Print(append(bytes.Clone(line), "\r\n"...))
	}
	f.line(line)
}
