package emulator

import (
	"io"
	"sync"

	"atbench/device"
)

// outBufferSize bounds the module output that waits for the host to Read it.
// Writers block while it is full, so a host that stops reading stalls the
// socket readers and, through them, the TCP peers (backpressure); nothing is
// dropped.
const outBufferSize = 64 << 10

// outBuffer is the module's bounded output: a byte ring written in whole
// messages (an event or a data frame is never split by another) and drained
// by Read.
type outBuffer struct {
	msgMu sync.Mutex // held for a whole message, like the firmware's at_printf_lock

	mu     sync.Mutex
	cond   *sync.Cond
	ring   []byte
	r, n   int // read position and bytes buffered
	closed bool
	down   bool // unplugged: writes are lost, reads wait
	lost   bool // read owes its reader one device.ErrLost
}

func newOutBuffer(size int) *outBuffer {
	o := &outBuffer{ring: make([]byte, size)}
	o.cond = sync.NewCond(&o.mu)
	return o
}

// write appends one message, blocking while the ring is full. It returns
// io.ErrClosedPipe once the buffer is closed.
func (o *outBuffer) write(msg []byte) error {
	o.msgMu.Lock()
	defer o.msgMu.Unlock()
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.down && !o.closed {
		return nil // the port is away: the module's words are lost
	}
	for len(msg) > 0 {
		for o.n == len(o.ring) && !o.closed && !o.down {
			o.cond.Wait()
		}
		if o.closed {
			return io.ErrClosedPipe
		}
		if o.down {
			return nil
		}
		w := (o.r + o.n) % len(o.ring)
		end := len(o.ring)
		if w < o.r {
			end = o.r
		}
		k := copy(o.ring[w:end], msg)
		o.n += k
		msg = msg[k:]
		o.cond.Broadcast()
	}
	return nil
}

// read blocks until output is available or the buffer is closed (io.EOF).
func (o *outBuffer) read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for (o.n == 0 || o.down) && !o.closed && !o.lost {
		o.cond.Wait()
	}
	if o.closed {
		return 0, io.EOF
	}
	if o.lost {
		o.lost = false
		return 0, device.ErrLost
	}
	total := 0
	for o.n > 0 && len(p) > 0 {
		end := o.r + o.n
		if end > len(o.ring) {
			end = len(o.ring)
		}
		k := copy(p, o.ring[o.r:end])
		o.r = (o.r + k) % len(o.ring)
		o.n -= k
		p = p[k:]
		total += k
	}
	o.cond.Broadcast()
	return total, nil
}

// close wakes every reader and writer; later calls fail.
func (o *outBuffer) close() {
	o.mu.Lock()
	o.closed = true
	o.cond.Broadcast()
	o.mu.Unlock()
}

// unplug takes the port away: what is buffered is lost, the next read
// returns device.ErrLost, later ones wait for plug, and writes are dropped.
func (o *outBuffer) unplug() {
	o.mu.Lock()
	o.down, o.lost, o.n = true, true, 0
	o.cond.Broadcast()
	o.mu.Unlock()
}

// plug brings the port back.
func (o *outBuffer) plug() {
	o.mu.Lock()
	o.down = false
	o.cond.Broadcast()
	o.mu.Unlock()
}

// isDown reports whether the port is unplugged.
func (o *outBuffer) isDown() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.down
}
