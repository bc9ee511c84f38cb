package emulator

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
)

// maxControlLine bounds one line of the control protocol.
const maxControlLine = 1024

// ServeControl answers fault commands on ln (a presenter's second shell
// reaching `atbench emulate --control PATH` with socat or nc -U): each
// line holds the words of a fault, as ParseFault reads them ("blackhole
// 3", "latency 3 300ms", "unplug 3s"), and is answered "ok" or "error:
// <why>" on a line of its own; "help" answers the fault words and
// "faults" lists the injected faults, one per line, then "ok". It returns
// when ctx ends (closing ln and every connection) or ln fails.
func (m *Module) ServeControl(ctx context.Context, ln net.Listener) error {
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(ctx)
	defer func() {
		cancel()
		wg.Wait()
	}()
	stop := context.AfterFunc(ctx, func() { _ = ln.Close() })
	defer stop()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("control: accept: %w", err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			m.serveControlConn(ctx, c)
		}()
	}
}

func (m *Module) serveControlConn(ctx context.Context, c net.Conn) {
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { _ = c.Close() })
	defer stop()
	sc := bufio.NewScanner(c)
	sc.Buffer(make([]byte, 0, 256), maxControlLine)
	for sc.Scan() {
		words := strings.Fields(sc.Text())
		if len(words) == 0 {
			continue
		}
		if _, err := fmt.Fprint(c, m.controlAnswer(ctx, words)); err != nil {
			return
		}
	}
	if errors.Is(sc.Err(), bufio.ErrTooLong) {
		_, _ = fmt.Fprintf(c, "error: line longer than %d bytes\n", maxControlLine)
	}
}

// controlAnswer runs one control line and returns its answer, newline
// ended.
func (m *Module) controlAnswer(ctx context.Context, words []string) string {
	switch strings.ToLower(words[0]) {
	case "help":
		return FaultUsage + "\nok\n"
	case "faults":
		var b strings.Builder
		for _, r := range m.FaultLog() {
			fmt.Fprintf(&b, "%s %s: %s\n", r.At.Format("15:04:05.000"), r.Fault, r.Effect)
		}
		return b.String() + "ok\n"
	}
	if strings.EqualFold(words[0], "fault") { // the console's verb, tolerated
		words = words[1:]
	}
	f, err := ParseFault(words)
	if err == nil {
		err = m.Fault(ctx, f)
	}
	if err != nil {
		return "error: " + strings.ReplaceAll(err.Error(), "\n", " ") + "\n"
	}
	return "ok\n"
}
