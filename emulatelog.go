package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"atbench/device"
	"atbench/protocol"
	"atbench/session"
)

// emulatorLog writes what `atbench emulate --log FILE` shows: the traffic
// of the emulated module in the session log's format. The host's bytes
// are "> raw" records, exactly as they came; the module's bytes are
// framed into records by its command set ("< ok", "< data", …); what the
// firmware prints on its LogUART is a "- note" beginning "LogUART: ".
type emulatorLog struct {
	mu     sync.Mutex
	log    *session.LogWriter
	framer *protocol.Framer // nil until the command set is known
	recs   []protocol.Record
	err    error       // the first failed write
	warn   func(error) // told of the first failed write
}

func newEmulatorLog(w io.Writer, warn func(error)) *emulatorLog {
	return &emulatorLog{log: session.NewLogWriter(w), warn: warn}
}

// frameWith sets the command set that frames the module's bytes.
func (l *emulatorLog) frameWith(d protocol.Dialect) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.framer = protocol.NewFramer(d.FrameSpec(), d.Classify)
}

// Logf is the emulator's LogUART: each line a note.
func (l *emulatorLog) Logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.writeLocked(protocol.Record{Kind: protocol.KindNote, LinkID: protocol.NoLink, Text: "LogUART: " + fmt.Sprintf(format, args...)})
	l.flushLocked()
}

// host logs bytes the host sent.
func (l *emulatorLog) host(p []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.writeLocked(protocol.Record{Kind: protocol.KindRaw, LinkID: protocol.NoLink, Payload: p})
	l.flushLocked()
}

// module logs bytes the module printed, as the records they complete.
func (l *emulatorLog) module(p []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.framer == nil {
		return
	}
	l.recs = l.framer.Feed(l.recs[:0], p)
	for _, r := range l.recs {
		l.writeLocked(r)
	}
	l.flushLocked()
}

// close logs what the module printed last without a line ending.
func (l *emulatorLog) close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.framer != nil {
		for _, r := range l.framer.Flush(l.recs[:0]) {
			l.writeLocked(r)
		}
	}
	l.flushLocked()
	return l.err
}

func (l *emulatorLog) writeLocked(r protocol.Record) {
	r.At = time.Now()
	l.fail(l.log.Write(r))
}

func (l *emulatorLog) flushLocked() { l.fail(l.log.Flush()) }

func (l *emulatorLog) fail(err error) {
	if err == nil || l.err != nil {
		return
	}
	l.err = fmt.Errorf("emulator log: %w", err)
	if l.warn != nil {
		l.warn(l.err)
	}
}

// tappedDevice is a device whose traffic goes to an emulatorLog as well.
type tappedDevice struct {
	device.Device
	log *emulatorLog
}

// Read reads the module's bytes and logs them.
func (t tappedDevice) Read(p []byte) (int, error) {
	n, err := t.Device.Read(p)
	if n > 0 {
		t.log.module(p[:n])
	}
	return n, err
}

// Write logs the host's bytes, before the module can answer them, and
// passes them on.
func (t tappedDevice) Write(p []byte) (int, error) {
	t.log.host(p)
	return t.Device.Write(p)
}
