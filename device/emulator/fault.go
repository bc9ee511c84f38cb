package emulator

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"atbench/device"
	"atbench/device/emulator/netcore"
	"atbench/protocol"
)

// ErrUnplugged is returned by Write while an unplug fault has the port
// away, and is the Cause of the Disconnected status.
var ErrUnplugged = errors.New("emulator: port unplugged (injected fault)")

// FaultKind names a fault.
type FaultKind string

// The faults the emulator can inject.
const (
	FaultBlackhole FaultKind = "blackhole" // silence a link both ways
	FaultReset     FaultKind = "reset"     // abort a link: the peer gets a RST
	FaultLatency   FaultKind = "latency"   // delay both directions of a link
	FaultWifi      FaultKind = "wifi"      // the access point drops the module
	FaultReboot    FaultKind = "reboot"    // the module restarts
	FaultUnplug    FaultKind = "unplug"    // the port vanishes for a while
)

// Fault is one injected fault, as ParseFault reads it from the words a
// console, a script or the control socket gives.
type Fault struct {
	Kind     FaultKind
	Link     int           // blackhole, reset, latency
	Duration time.Duration // latency (0 ends it), unplug
	// Blackhole is the blackhole's mode: netcore.BlackholeKernel (the
	// kernel drops the peer's segments and its keepalive decides),
	// netcore.BlackholeModelled, or "" for the default: the kernel's as
	// root on Linux, else modelled.
	Blackhole netcore.BlackholeMode
}

// FaultUsage lists the fault words.
const FaultUsage = "blackhole <link> [modelled|kernel] · reset <link> · latency <link> <duration> · wifi · reboot · unplug <duration>"

// ParseFault reads a fault from its words, e.g. "blackhole 3",
// "latency 3 300ms", "unplug 3s". "real" is taken for "kernel".
func ParseFault(words []string) (Fault, error) {
	if len(words) == 0 {
		return Fault{}, fmt.Errorf("fault: which one? %s", FaultUsage)
	}
	f := Fault{Kind: FaultKind(strings.ToLower(words[0])), Link: protocol.NoLink}
	args := words[1:]
	want := func(n int, what string) error {
		if len(args) != n {
			return fmt.Errorf("fault %s takes %s, got %q", f.Kind, what, strings.Join(args, " "))
		}
		return nil
	}
	link := func(s string) error {
		id, err := strconv.Atoi(s)
		if err != nil || id < 0 || id > 255 {
			return fmt.Errorf("fault %s: %q is not a link id", f.Kind, s)
		}
		f.Link = id
		return nil
	}
	dur := func(s string) error {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return fmt.Errorf("fault %s: %q is not a duration like 300ms or 3s", f.Kind, s)
		}
		f.Duration = d
		return nil
	}
	switch f.Kind {
	case FaultBlackhole:
		if len(args) != 1 && len(args) != 2 {
			return Fault{}, fmt.Errorf("fault blackhole takes a link and an optional mode (modelled or kernel), got %q", strings.Join(args, " "))
		}
		if err := link(args[0]); err != nil {
			return Fault{}, err
		}
		if len(args) == 2 {
			switch strings.ToLower(args[1]) {
			case "modelled", "modeled", "model":
				f.Blackhole = netcore.BlackholeModelled
			case "kernel", "real":
				f.Blackhole = netcore.BlackholeKernel
			default:
				return Fault{}, fmt.Errorf("fault blackhole: mode %q is not modelled or kernel", args[1])
			}
		}
	case FaultReset:
		if err := want(1, "a link"); err != nil {
			return Fault{}, err
		}
		if err := link(args[0]); err != nil {
			return Fault{}, err
		}
	case FaultLatency:
		if err := want(2, "a link and a duration"); err != nil {
			return Fault{}, err
		}
		if err := link(args[0]); err != nil {
			return Fault{}, err
		}
		if err := dur(args[1]); err != nil {
			return Fault{}, err
		}
	case FaultWifi, FaultReboot:
		if err := want(0, "no arguments"); err != nil {
			return Fault{}, err
		}
	case FaultUnplug:
		if err := want(1, "a duration"); err != nil {
			return Fault{}, err
		}
		if err := dur(args[0]); err != nil {
			return Fault{}, err
		}
		if f.Duration == 0 {
			return Fault{}, errors.New("fault unplug: the duration must be positive")
		}
	default:
		return Fault{}, fmt.Errorf("fault %q is unknown: %s", words[0], FaultUsage)
	}
	return f, nil
}

// String gives the fault back in its words.
func (f Fault) String() string {
	switch f.Kind {
	case FaultBlackhole:
		if f.Blackhole != "" {
			return fmt.Sprintf("blackhole %d %s", f.Link, f.Blackhole)
		}
		return fmt.Sprintf("blackhole %d", f.Link)
	case FaultReset:
		return fmt.Sprintf("reset %d", f.Link)
	case FaultLatency:
		return fmt.Sprintf("latency %d %v", f.Link, f.Duration)
	case FaultUnplug:
		return fmt.Sprintf("unplug %v", f.Duration)
	}
	return string(f.Kind)
}

// WifiDropper is a firmware that reacts to losing its access point in
// its own words (the wifi fault); Fault fails for one that is not.
type WifiDropper interface {
	// DropWifi runs on the module's input goroutine.
	DropWifi()
}

// FaultRecord is one injected fault and its effect, as Snapshot lists it.
type FaultRecord struct {
	At     time.Time
	Fault  Fault
	Effect string
}

// faultLogSize bounds the faults Snapshot lists.
const faultLogSize = 16

// faultState is the module's side of fault injection.
type faultState struct {
	mu        sync.Mutex
	log       []FaultRecord // newest last
	unplugged bool          // an unplug is in progress
	unplugs   uint64        // unplugs so far, each one device.ErrLost
	statusMu  sync.Mutex    // serialises status sends with Close
}

// ReasonModuleReset closes every link at a reboot fault.
const ReasonModuleReset = "module reset"

// ReasonWifiLost closes the links a firmware drops when the access point
// goes away.
const ReasonWifiLost = "Wi-Fi lost"

// Fault injects f. Link faults need a connected TCP or TLS link; wifi and
// reboot run on the module's input goroutine, after the command in
// progress (ctx bounds the wait); unplug returns at once and the port
// comes back after f.Duration on the module's clock. Each fault and its
// effect are listed by Snapshot (settings named "fault").
func (m *Module) Fault(ctx context.Context, f Fault) error {
	var effect string
	switch f.Kind {
	case FaultBlackhole:
		mode := f.Blackhole
		if mode == "" {
			mode = netcore.BlackholeModelled
			if runtime.GOOS == "linux" && os.Geteuid() == 0 {
				mode = netcore.BlackholeKernel
			}
		}
		st, err := m.net.Blackhole(f.Link, mode)
		if err != nil {
			return fmt.Errorf("fault %s: %w", f, err)
		}
		effect = describeBlackhole(st)
	case FaultReset:
		if err := m.net.ResetLink(f.Link); err != nil {
			return fmt.Errorf("fault %s: %w", f, err)
		}
		effect = "peer sent a RST; link closed: " + netcore.ReasonFaultReset
	case FaultLatency:
		if err := m.net.SetLatency(f.Link, f.Duration); err != nil {
			return fmt.Errorf("fault %s: %w", f, err)
		}
		effect = fmt.Sprintf("both directions delayed by %v", f.Duration)
		if f.Duration == 0 {
			effect = "latency removed"
		}
	case FaultWifi:
		var ok bool
		err := m.onInput(ctx, func() {
			d, is := m.firmware().(WifiDropper)
			if ok = is; is {
				d.DropWifi()
			}
		})
		if err != nil {
			return fmt.Errorf("fault wifi: %w", err)
		}
		if !ok {
			return fmt.Errorf("fault wifi: the %s firmware has no Wi-Fi loss", m.firmware().Name())
		}
		effect = "access point dropped the module"
	case FaultReboot:
		if err := m.onInput(ctx, m.reboot); err != nil {
			return fmt.Errorf("fault reboot: %w", err)
		}
		effect = "module restarted; every link closed: " + ReasonModuleReset
	case FaultUnplug:
		if err := m.unplug(ctx, f.Duration); err != nil {
			return fmt.Errorf("fault %s: %w", f, err)
		}
		effect = fmt.Sprintf("port gone until %s", m.net.Clock().Now().Add(f.Duration).Format("15:04:05.000"))
	default:
		return fmt.Errorf("fault %q is unknown: %s", f.Kind, FaultUsage)
	}
	m.recordFault(f, effect)
	return nil
}

func describeBlackhole(st netcore.LinkFaults) string {
	if st.Blackhole == netcore.BlackholeKernel {
		return "kernel drops the peer's segments; the kernel's keepalive decides"
	}
	if st.DeadAt.IsZero() {
		return "modelled: bytes dropped both ways; no keepalive, so no death"
	}
	return "modelled: bytes dropped both ways; keepalive declares the death at " + st.DeadAt.Format("15:04:05.000")
}

func (m *Module) recordFault(f Fault, effect string) {
	m.faults.mu.Lock()
	m.faults.log = append(m.faults.log, FaultRecord{At: m.net.Clock().Now(), Fault: f, Effect: effect})
	if len(m.faults.log) > faultLogSize {
		m.faults.log = m.faults.log[len(m.faults.log)-faultLogSize:]
	}
	m.faults.mu.Unlock()
	m.logf("fault %s: %s", f, effect)
	m.linksChanged()
}

// FaultLog returns the faults injected so far (up to 16), oldest first.
func (m *Module) FaultLog() []FaultRecord {
	m.faults.mu.Lock()
	defer m.faults.mu.Unlock()
	return append([]FaultRecord(nil), m.faults.log...)
}

// faultSettings lists the fault log and the faults in force on links as
// settings for Snapshot: "fault" (one per injected fault, oldest first),
// "fault.link<N>" (what runs on link N), "fault.port" while unplugged.
func (m *Module) faultSettings() []protocol.Setting {
	var out []protocol.Setting
	for _, r := range m.FaultLog() {
		out = append(out, protocol.Setting{Name: "fault", Value: r.At.Format("15:04:05.000") + " " + r.Fault.String() + ": " + r.Effect})
	}
	for _, v := range m.net.Table() {
		st, ok := m.net.Faults(v.ID)
		if !ok || !v.Alive() {
			continue
		}
		var parts []string
		if st.Blackhole != "" {
			parts = append(parts, "blackhole "+describeBlackhole(st))
		}
		if st.Latency > 0 {
			parts = append(parts, fmt.Sprintf("latency %v", st.Latency))
		}
		if len(parts) > 0 {
			out = append(out, protocol.Setting{Name: fmt.Sprintf("fault.link%d", v.ID), Value: strings.Join(parts, "; ")})
		}
	}
	if m.out.isDown() {
		out = append(out, protocol.Setting{Name: "fault.port", Value: "unplugged"})
	}
	return out
}

// onInput runs f on the input goroutine, between two pieces of host
// input, and waits for it.
func (m *Module) onInput(ctx context.Context, f func()) error {
	done := make(chan struct{})
	select {
	case m.ctl <- func() { defer close(done); f() }:
	case <-m.done:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-done:
		return nil
	case <-m.done:
		return ErrClosed
	}
}

// reboot restarts the firmware: every link closes ("module reset"), the
// firmware's claims are freed, and a fresh firmware prints its power-on
// words (Realtek's ATCMD READY, the others' banner or prompt).
func (m *Module) reboot() {
	m.net.RemoveAll(ReasonModuleReset)
	for id := range 256 {
		m.net.Release(id)
	}
	fw := m.cfg.Firmware(moduleHost{m})
	if fw == nil {
		m.logf("emulator: reboot: the firmware constructor returned nil")
		return
	}
	m.fwMu.Lock()
	m.fw = fw
	m.fwMu.Unlock()
	fw.Start()
}

// firmware is the firmware running now (a reboot replaces it).
func (m *Module) firmware() Firmware {
	m.fwMu.Lock()
	defer m.fwMu.Unlock()
	return m.fw
}

// Losses is how many times the port was unplugged so far
// (device.LossCounter).
func (m *Module) Losses() uint64 {
	m.faults.mu.Lock()
	defer m.faults.mu.Unlock()
	return m.faults.unplugs
}

// unplug takes the port away for d: Read returns device.ErrLost once and
// blocks, Write fails with ErrUnplugged, the module's output meanwhile is
// lost, and Status reports Disconnected, then Reconnected. A goroutine of
// the module's waits for the replug on the module's clock.
func (m *Module) unplug(ctx context.Context, d time.Duration) error {
	m.faults.mu.Lock()
	defer m.faults.mu.Unlock()
	if m.faults.unplugged {
		return errors.New("the port is unplugged already")
	}
	m.goMu.Lock()
	defer m.goMu.Unlock()
	if m.stopping {
		return ErrClosed
	}
	m.faults.unplugged = true
	m.faults.unplugs++
	m.out.unplug()
	t, fired := m.net.Clock().NewTimer(d)
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		defer t.Stop()
		m.sendStatus(device.Status{State: device.Disconnected, Cause: ErrUnplugged, At: m.net.Clock().Now()})
		select {
		case <-fired:
		case <-m.done:
			return
		}
		m.out.plug()
		m.faults.mu.Lock()
		m.faults.unplugged = false
		m.faults.mu.Unlock()
		m.sendStatus(device.Status{State: device.Reconnected, At: m.net.Clock().Now()})
		m.linksChanged()
	}()
	return nil
}

// sendStatus reports a state change, waiting for the reader unless the
// module closes.
func (m *Module) sendStatus(st device.Status) {
	m.faults.statusMu.Lock()
	defer m.faults.statusMu.Unlock()
	select {
	case <-m.done:
	case m.status <- st:
	}
}

// InjectFault parses the words of a fault ("blackhole 3", "unplug 3s") and
// injects it, returning what it did: the entry FaultLog keeps for it. It is
// what a session calls for the console's :fault and a script's fault verb.
func (m *Module) InjectFault(ctx context.Context, words []string) (string, error) {
	f, err := ParseFault(words)
	if err != nil {
		return "", err
	}
	if err := m.Fault(ctx, f); err != nil {
		return "", err
	}
	log := m.FaultLog()
	if n := len(log); n > 0 && log[n-1].Fault == f {
		return f.String() + ": " + log[n-1].Effect, nil
	}
	return f.String(), nil
}
