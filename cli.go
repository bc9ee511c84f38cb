package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"atbench/device"
	"atbench/device/emulator"
	"atbench/device/remote"
	"atbench/device/serial"
	"atbench/dialects"
	"atbench/protocol"
	"atbench/session"
	"atbench/themes"
	"atbench/ui"
)

// errHelp and errVersion end a run that printed help or asks for the version.
var (
	errHelp    = errors.New("help shown")
	errVersion = errors.New("version asked")
)

// options are every flag of every subcommand; each subcommand reads the
// ones it needs.
type options struct {
	emulate    string
	dialect    string
	port       string
	baud       int
	dataBits   int
	parity     string
	stopBits   string
	flow       string
	rfc2217    bool
	lineEnding string
	log        string
	theme      string
	poll       time.Duration
	initScript string
	timeout    time.Duration
	pty        bool
	listen     string
	clock      string
	version    bool
	link       string
	control    string
	wait       bool
	// speed runs the emulator's modelled timers this many times faster
	// (0: real time).
	speed float64
	// waitPort opens a --port PATH that is not there yet as a port that
	// waits for it; the workbench sets it (it always waits), run --wait
	// waits before opening.
	waitPort bool
}

func newFlagSet(o *options, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("atbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.emulate, "emulate", "", "use the built-in emulator of this command set: "+strings.Join(dialectNames(), "|"))
	fs.StringVar(&o.dialect, "dialect", "", "the module's command set: "+strings.Join(dialectNames(), "|")+"|auto (default "+dialects.Default+"; auto probes the module)")
	fs.StringVar(&o.port, "port", "", "a real module's port: "+strings.Join(portForms(), "|"))
	fs.IntVar(&o.baud, "baud", 115200, "serial baud rate (any rate the driver accepts)")
	fs.IntVar(&o.dataBits, "databits", 8, "serial data bits: 5|6|7|8")
	fs.StringVar(&o.parity, "parity", "none", "serial parity: none|odd|even|mark|space")
	fs.StringVar(&o.stopBits, "stopbits", "1", "serial stop bits: 1|1.5|2")
	fs.StringVar(&o.flow, "flow", "none", "flow control: none|rtscts (rfc2217:// also xonxoff)")
	fs.StringVar(&o.lineEnding, "line-ending", "", "command line ending: cr|lf|crlf (default from the command set)")
	fs.StringVar(&o.log, "log", "", "append the transcript to this file")
	fs.StringVar(&o.theme, "theme", "", "dark|light|high-contrast|mono (default follows the terminal; NO_COLOR selects mono)")
	fs.DurationVar(&o.poll, "poll", 0, "poll a real module's link state this often (e.g. 5s)")
	fs.StringVar(&o.initScript, "init", "", "script to run after the port opens and after each reconnect")
	fs.DurationVar(&o.timeout, "timeout", 0, "per-command timeout (default from the command set)")
	fs.BoolVar(&o.pty, "pty", false, "emulate: expose the emulator on a new pty")
	fs.StringVar(&o.listen, "listen", "", "emulate: expose the emulator on this TCP address (e.g. 127.0.0.1:0)")
	fs.StringVar(&o.control, "control", "", "emulate: a unix socket taking fault-injection commands (blackhole, reset, latency, wifi, reboot, unplug)")
	fs.StringVar(&o.link, "link", "", "emulate --pty: keep a symbolic link at this path to the pty, the same on every run")
	fs.BoolVar(&o.wait, "wait", false, "run: wait for a --port PATH that is not there yet (the workbench always waits)")
	fs.BoolVar(&o.rfc2217, "rfc2217", false, "emulate --listen: serve RFC 2217 (Telnet Com Port Control), like ser2net's telnet(rfc2217) accepter")
	fs.StringVar(&o.clock, "clock", "relative", "console timestamps: relative|wall")
	fs.BoolVar(&o.version, "version", false, "print the version and exit")
	fs.Float64Var(&o.speed, "speed", 0, "emulator only: run its modelled timers (keepalive, close states) N times faster, e.g. 60")
	fs.Usage = func() {
		printUsage(fs.Output())
		fs.PrintDefaults()
	}
	return fs
}

func printUsage(w io.Writer) { fmt.Fprint(w, usageText) }

// parseArgs parses flags anywhere among the arguments (flag stops at the
// first positional one; we go on after it) and returns the positional ones.
func parseArgs(args []string, stderr io.Writer) (options, []string, error) {
	var o options
	fs := newFlagSet(&o, stderr)
	var pos, rest []string
	if i := slices.Index(args, "--"); i >= 0 {
		args, rest = args[:i], args[i+1:] // after "--" everything is an argument
	}
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return o, nil, errHelp
			}
			return o, nil, usageError{err}
		}
		// A path flag given an empty value ("--control=") is a mistake,
		// not a request for the default.
		var empty error
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "control", "link", "log", "init", "port":
				if f.Value.String() == "" && empty == nil {
					empty = usagef("--%s needs a value", f.Name)
				}
			}
		})
		if empty != nil {
			return o, nil, empty
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	if o.version {
		return o, nil, errVersion
	}
	if err := o.validate(); err != nil {
		return o, nil, err
	}
	return o, append(pos, rest...), nil
}

// newDialect makes the command set the table knows by name.
func newDialect(name string) (protocol.Dialect, error) {
	set, err := dialects.Lookup(name)
	if err != nil {
		return nil, usageError{err}
	}
	return set.Dialect(), nil
}

func dialectNames() []string { return dialects.Names() }

// validate checks every flag that needs more than its type, so a bad one
// exits 2 before any device is opened: opening a serial port toggles DTR,
// which resets many boards.
func (o options) validate() error {
	for _, f := range []struct{ flag, name string }{{"--dialect", o.dialect}, {"--emulate", o.emulate}} {
		if f.name == "" || (f.flag == "--dialect" && f.name == dialects.Auto) {
			continue
		}
		if _, err := dialects.Lookup(f.name); err != nil {
			return usageError{fmt.Errorf("%s: %w", f.flag, err)}
		}
	}
	if o.dialect != "" && o.dialect != dialects.Auto && o.emulate != "" {
		d, _ := dialects.Lookup(o.dialect)
		e, _ := dialects.Lookup(o.emulate)
		if d.Name != e.Name {
			return usagef("--dialect %s and --emulate %s disagree: the emulator speaks its own command set", o.dialect, o.emulate)
		}
	}
	if o.port != "" && o.emulate != "" {
		return usagef("--port and --emulate exclude each other")
	}
	if o.baud <= 0 {
		return usagef("--baud %d: want a positive rate such as 115200", o.baud)
	}
	if o.port != "" {
		cfg := serial.Config{Path: o.port, Baud: o.baud, DataBits: o.dataBits, Parity: o.parity, StopBits: o.stopBits, Flow: o.flow}
		if _, err := cfg.Mode(); err != nil {
			return usageError{err}
		}
	}
	if _, err := lineEnding(o.lineEnding); err != nil {
		return err
	}
	if o.theme != "" {
		if _, err := themes.Lookup(strings.TrimSpace(o.theme)); err != nil {
			return usagef("--theme: %v", err)
		}
	}
	switch o.clock {
	case ui.ClockWall, ui.ClockRelative:
	default:
		return usagef("--clock %q: want %s or %s", o.clock, ui.ClockRelative, ui.ClockWall)
	}
	if o.poll < 0 {
		return usagef("--poll %v: want a positive interval such as 5s, or 0 for none", o.poll)
	}
	if o.timeout < 0 {
		return usagef("--timeout %v: want a positive duration, or 0 for the command set's own", o.timeout)
	}
	if (o.speed != 0 && o.speed < 1) || o.speed > maxSpeed || o.speed != o.speed {
		return usagef("--speed %g: want a factor from 1 to %d (e.g. 60), or 0 for real time", o.speed, maxSpeed)
	}
	if o.speed != 0 && o.port != "" {
		return usagef("--speed runs the emulator's clock only: a real module (--port) keeps its own time")
	}
	return nil
}

// maxSpeed is the fastest demo clock the emulator takes.
const maxSpeed = 100000

// lineEnding maps --line-ending to bytes.
func lineEnding(s string) (string, error) {
	switch strings.ToLower(s) {
	case "":
		return "", nil
	case "cr":
		return "\r", nil
	case "lf":
		return "\n", nil
	case "crlf":
		return "\r\n", nil
	}
	return "", usagef("--line-ending %q: want cr, lf or crlf", s)
}

// portScheme is one kind of --port value: how to recognise it and how to
// open it.
type portScheme struct {
	form  string                 // as the help shows it
	match func(port string) bool // whether a --port value is of this kind
	open  func(ctx context.Context, o options) (device.Device, error)
}

// portSchemes is the table of --port kinds, tried in order; the last row
// takes any other value as a local path. It is a literal built on each call,
// so nothing can change it.
func portSchemes() []portScheme {
	return []portScheme{
		{form: "tcp://HOST:PORT", match: hasScheme(remote.SchemeTCP), open: openRemote},
		{form: "rfc2217://HOST:PORT", match: hasScheme(remote.SchemeRFC2217), open: openRemote},
		{form: "auto", match: func(p string) bool { return p == "auto" }, open: openLocal},
		{form: "PATH", match: func(p string) bool { return !strings.Contains(p, "://") }, open: openLocal},
	}
}

func hasScheme(scheme string) func(string) bool {
	return func(p string) bool { return strings.HasPrefix(p, scheme+"://") }
}

// portForms lists the --port forms for help and errors.
func portForms() []string {
	var forms []string
	for _, s := range portSchemes() {
		forms = append(forms, s.form)
	}
	return forms
}

// openLocal opens a local serial port, or the only USB one for auto.
func openLocal(ctx context.Context, o options) (device.Device, error) {
	path := o.port
	if path == "auto" {
		ports, err := serial.List()
		if err != nil {
			return nil, fmt.Errorf("list serial ports: %w", err)
		}
		if path, err = serial.Auto(ports); err != nil {
			return nil, usageError{err}
		}
	}
	cfg := serial.Config{Path: path, Baud: o.baud, DataBits: o.dataBits, Parity: o.parity, StopBits: o.stopBits, Flow: o.flow, Wait: o.waitPort}
	if _, err := cfg.Mode(); err != nil {
		return nil, usageError{err}
	}
	p, err := serial.Open(ctx, cfg)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			err = fmt.Errorf("%w (run --wait waits for it)", err)
		}
		return nil, usageError{fmt.Errorf("open %s: %w", path, err)}
	}
	return p, nil
}

// waitForPort waits until the local port --port names is there, saying so
// on w once, as tio does; a port that is there, or not a local path,
// returns at once.
func waitForPort(ctx context.Context, o options, w io.Writer) error {
	path := o.port
	if path == "" || path == "auto" || strings.Contains(path, "://") {
		return nil
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	fmt.Fprintf(w, "waiting for %s…\n", path)
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", path, ctx.Err())
		case <-t.C:
		}
		if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
			return nil
		}
	}
}

// openRemote opens a tcp:// or rfc2217:// port. A server that refuses or
// never answers is the user's to fix: a usage error naming the address.
func openRemote(ctx context.Context, o options) (device.Device, error) {
	p, err := remote.Open(ctx, remote.Config{URL: o.port, Baud: o.baud, DataBits: o.dataBits, Parity: o.parity, StopBits: o.stopBits, Flow: o.flow})
	if err != nil {
		return nil, usageError{fmt.Errorf("open %w", err)}
	}
	return p, nil
}

// openDevice opens the device the flags name: a local or remote port with
// --port, else the emulator (--emulate, default realtek).
func openDevice(ctx context.Context, o options) (device.Device, protocol.Dialect, error) {
	if o.port != "" {
		var d protocol.Dialect // nil with --dialect auto: the session detects it
		if o.dialect != dialects.Auto {
			var err error
			if d, err = newDialect(o.dialect); err != nil {
				return nil, nil, err
			}
		}
		for _, sc := range portSchemes() {
			if sc.match(o.port) {
				dev, err := sc.open(ctx, o)
				if err != nil {
					return nil, nil, err
				}
				return dev, d, nil
			}
		}
		return nil, nil, usagef("--port %q: want %s", o.port, strings.Join(portForms(), ", "))
	}
	m, d, err := startEmulator(o, nil)
	if err != nil {
		return nil, nil, err
	}
	if o.dialect == dialects.Auto {
		d = nil // detect the emulated set as a real module's would be
	}
	return m, d, nil
}

// candidates are the command sets --dialect auto chooses from, in table
// order.
func candidates() []session.Candidate {
	var out []session.Candidate
	for _, set := range dialects.Table() {
		out = append(out, session.Candidate{Name: set.Name, Dialect: set.Dialect, Probes: set.Probes})
	}
	return out
}

// startEmulator starts the emulator of the command set --emulate (or
// --dialect) names, with that set's firmware from the table. logf, when
// set, takes the firmware's LogUART lines.
func startEmulator(o options, logf func(format string, args ...any)) (*emulator.Module, protocol.Dialect, error) {
	name := o.emulate
	if name == "" && o.dialect != dialects.Auto {
		name = o.dialect
	}
	set, err := dialects.Lookup(name)
	if err != nil {
		return nil, nil, usageError{err}
	}
	if set.Firmware == nil {
		return nil, nil, usagef("the %s command set has no emulator yet; use --port", set.Name)
	}
	m, err := emulator.New(emulator.Config{Firmware: set.Firmware, Logf: logf, Speed: o.speed})
	if err != nil {
		return nil, nil, fmt.Errorf("start the %s emulator: %w", set.Name, err)
	}
	return m, set.Dialect(), nil
}

// openLog opens the transcript log for appending.
func openLog(path string) (*os.File, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, usageError{fmt.Errorf("transcript log: %w", err)}
	}
	return f, nil
}

// historyPath is where console history persists across runs.
func historyPath() string {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "atbench", "history")
}

func cmdPorts(_ context.Context, args []string, stdout, stderr io.Writer) error {
	if o, pos, err := parseArgs(args, stderr); err != nil {
		return err
	} else if len(pos) > 0 {
		return usagef("ports takes no arguments")
	} else if o.speed != 0 {
		return usagef("--speed runs the emulator's clock only: ports opens no emulator")
	}
	ports, err := serial.List()
	if err != nil {
		return fmt.Errorf("list serial ports: %w", err)
	}
	if len(ports) == 0 {
		fmt.Fprintln(stdout, "no serial ports found")
		return nil
	}
	sort.Slice(ports, func(i, j int) bool { return ports[i].Path < ports[j].Path })
	fmt.Fprintf(stdout, "%-24s %-9s %-20s %s\n", "PORT", "VID:PID", "SERIAL", "PRODUCT")
	for _, p := range ports {
		id, sn, prod := "-", "-", "-"
		if p.IsUSB {
			id = p.VID + ":" + p.PID
		}
		if p.SerialNumber != "" {
			sn = p.SerialNumber
		}
		if p.Product != "" {
			prod = p.Product
		}
		fmt.Fprintf(stdout, "%-24s %-9s %-20s %s\n", p.Path, id, sn, prod)
	}
	return nil
}
