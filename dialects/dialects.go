// Package dialects is the one table of the command sets atbench speaks.
// The command line, the emulator and detection read it; nothing else in
// the tree switches on a command set's name. Adding a command set is two
// packages (its protocol/<set> and its emulator firmware) and one row here.
package dialects

import (
	"fmt"
	"strings"

	"atbench/device/emulator"
	invfw "atbench/device/emulator/inventek"
	rtkfw "atbench/device/emulator/realtek"
	wizfw "atbench/device/emulator/wizfi"
	"atbench/protocol"
	"atbench/protocol/inventek"
	"atbench/protocol/realtek"
	"atbench/protocol/wizfi"
)

// Set is one command set: how to speak it and how to emulate it.
type Set struct {
	// Name is the name used on the command line ("realtek").
	Name string
	// Aliases are other names accepted for it ("ameba").
	Aliases []string
	// Summary says which modules speak it, for --help.
	Summary string
	// Dialect makes the command set's protocol.Dialect.
	Dialect func() protocol.Dialect
	// Firmware is the emulator's firmware for the set; nil when the set
	// can be spoken to but not yet emulated.
	Firmware emulator.NewFirmware
	// Probes are what --dialect auto sends to tell this set from the
	// others, in order; empty while detection does not know the set.
	Probes []protocol.Probe
}

// Default is the command set used when none is named.
const Default = "realtek"

// Auto is the --dialect value that asks for detection.
const Auto = "auto"

// Table lists every command set. It returns a new slice each call, so the
// table cannot be changed by a caller.
func Table() []Set {
	return []Set{
		{
			Name:     "realtek",
			Aliases:  []string{"ameba"},
			Summary:  "Realtek Ameba (AT+SKT* sockets)",
			Dialect:  func() protocol.Dialect { return realtek.New() },
			Firmware: rtkfw.New,
			Probes:   []protocol.Probe{realtek.Probe()},
		},
		{
			Name:     "inventek",
			Aliases:  []string{"es-wifi", "eswifi", "ism43362"},
			Summary:  "Inventek eS-WiFi ISM43362/ISM43340 (P*/S*/R* sockets, multi-accept server)",
			Dialect:  func() protocol.Dialect { return inventek.New() },
			Firmware: invfw.New,
			Probes:   []protocol.Probe{inventek.Probe()},
		},
		{
			Name:     "wizfi",
			Aliases:  []string{"wizfi210", "gainspan"},
			Summary:  "WizFi210 / GainSpan S2W (AT+N* sockets, ESC-framed data, AT+SETSOCKOPT keepalive)",
			Dialect:  func() protocol.Dialect { return wizfi.New() },
			Firmware: wizfw.New,
			Probes:   []protocol.Probe{wizfi.Probe()},
		},
	}
}

// Names lists the command sets' names, in table order.
func Names() []string {
	t := Table()
	out := make([]string, len(t))
	for i, s := range t {
		out[i] = s.Name
	}
	return out
}

// Lookup finds a command set by name or alias, ignoring case; "" is the
// default set.
func Lookup(name string) (Set, error) {
	if name == "" {
		name = Default
	}
	for _, s := range Table() {
		if strings.EqualFold(s.Name, name) {
			return s, nil
		}
		for _, a := range s.Aliases {
			if strings.EqualFold(a, name) {
				return s, nil
			}
		}
	}
	return Set{}, fmt.Errorf("unknown command set %q (known: %s)", name, strings.Join(Names(), ", "))
}
