// Command atbench is a terminal workbench for Wi-Fi/socket modules driven
// by AT commands over a serial line, with a built-in emulator of the
// modules that opens real host sockets.
//
//	atbench                                   TUI on the built-in emulator (Realtek command set)
//	atbench --emulate realtek                 TUI on the emulator of that command set
//	atbench --port PATH|auto|tcp://H:P|rfc2217://H:P [--baud N]
//	                                          TUI on a real module, local or remote
//	atbench emulate [--dialect D] --pty [--link PATH] [--log FILE]
//	atbench emulate [--dialect D] --listen ADDR [--rfc2217]
//	atbench run SCRIPT [--port PATH [--wait] | --emulate D]
//	atbench ports
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1 // an expectation failed, or the program failed at run time
	exitUsage = 2 // bad command line, script or device
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// usageError marks errors that are the user's to fix on the command line.
type usageError struct{ err error }

// Error returns the wrapped error's text.
func (e usageError) Error() string { return e.err.Error() }

// Unwrap returns the wrapped error.
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// run is main without the process: testable, and the one place that turns
// errors into exit codes.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd := ""
	if len(args) > 0 {
		switch args[0] {
		case "emulate", "run", "ports", "help", "version":
			cmd, args = args[0], args[1:]
		}
	}
	var err error
	switch cmd {
	case "":
		err = cmdWorkbench(ctx, args, stdout, stderr)
	case "emulate":
		err = cmdEmulate(ctx, args, stdout, stderr)
	case "run":
		err = cmdRun(ctx, args, stdout, stderr)
	case "ports":
		err = cmdPorts(ctx, args, stdout, stderr)
	case "help":
		printUsage(stdout)
	case "version":
		fmt.Fprintln(stdout, "atbench", version)
	}
	var ue usageError
	var fe failError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errHelp):
		return exitOK
	case errors.Is(err, errVersion):
		fmt.Fprintln(stdout, "atbench", version)
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, "atbench:", err)
		fmt.Fprintln(stderr, "run 'atbench --help' for usage")
		return exitUsage
	case errors.As(err, &fe):
		fmt.Fprintln(stderr, err)
		return exitFail
	default:
		fmt.Fprintln(stderr, "atbench:", err)
		return exitFail
	}
}

// failError is a script failure: exit 1, printed as it is.
type failError struct{ err error }

// Error returns the wrapped error's text.
func (e failError) Error() string { return e.err.Error() }

// Unwrap returns the wrapped error.
func (e failError) Unwrap() error { return e.err }

const usageText = `atbench: a workbench for AT-command Wi-Fi/socket modules

Usage:
  atbench [flags]                          the workbench on the built-in emulator (Realtek)
  atbench --emulate realtek                the workbench on the emulator of that command set
  atbench --port PATH|auto|tcp://H:P|rfc2217://H:P [--baud N]
                                           the workbench on a real module, local or remote
                                           (a PATH not there yet is waited for)
  atbench emulate [--dialect D] --pty [--link PATH] [--log FILE]
                                           headless emulator on a new pty (prints its path;
                                           --link keeps a symbolic link to it)
  atbench emulate [--dialect D] --listen ADDR [--rfc2217]
                                           headless emulator on a TCP port, like ser2net
                                           (raw, or RFC 2217 with --rfc2217)
  atbench run SCRIPT [--port PATH [--wait] | --emulate D]
                                           run a script: exit 0 all expectations met,
                                           1 one failed, 2 usage (--wait: wait for PATH)
  atbench ports                            list serial ports (USB VID:PID, serial, product)

Flags:
`
