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
			f.appendLine(p)
			return
		}
		f.appendLine(p[:i])
		f.skipLF = p[i] == '\r'
		p = p[i+1:]
		f.endLine()
	}
}

func (f *Firmware) appendLine(b []byte) {
	if f.overLong {
		return
	}
	if len(f.lineBuf)+len(b) > maxLine {
		f.overLong = true
		f.lineBuf = f.lineBuf[:0]
		return
	}
	f.lineBuf = append(f.lineBuf, b...)
}

func (f *Firmware) endLine() {
	if f.overLong {
		f.overLong = false
		f.fail(1)
		return
	}
	if len(f.lineBuf) == 0 {
		return
	}
	line := f.lineBuf
	f.lineBuf = nil
	if f.echo {
		_ = f.h.Print(append(bytes.Clone(line), "\r\n"...))
	}
	f.line(line)
}
