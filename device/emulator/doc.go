// Package emulator is an in-process AT module that opens real host
// sockets: a server the emulated module opens is a real listener (nc
// 127.0.0.1 PORT talks to it), and its clients dial real peers.
//
// The module is a device.Device: host input goes to its firmware (one
// command set, such as the Realtek firmware in package
// device/emulator/realtek, chosen by Config.Firmware), and what the
// firmware prints waits in a bounded output buffer for Read (writers block
// while it is full, so a host that stops reading holds the TCP peers back;
// nothing is dropped). The firmware runs on the network stack of package
// device/emulator/netcore, which knows no command set; the module adds a
// clock and the certificate slots of the flash.
//
// Beyond the module's own words the workbench reads the stack's truth on a
// side channel: Snapshot (the link table, closed links with their reasons,
// keepalive progress, the firmware's settings) and Changed (woken when the
// table changes in a way the firmware may print nothing about, a peer
// closing a link).
//
// Faults are injected with Module.Fault (words read by ParseFault, also
// served on a control socket by ServeControl): a link's blackhole (the
// kernel's, or modelled with the keepalive model's death and a reset),
// reset and latency (netcore's fault layer), the access point's loss (the
// firmware's WifiDropper), a reboot (a fresh firmware on the same stack)
// and an unplug of the port (Read returns device.ErrLost, Write fails,
// Status reports Disconnected then Reconnected). Snapshot lists each
// fault and its effect among the settings.
//
// Echo is off unless Config.Echo (whether a module echoes is UNCONFIRMED).
package emulator
