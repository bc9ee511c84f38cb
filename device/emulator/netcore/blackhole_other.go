//go:build !linux

package netcore

import "net"

// dropIncoming is Linux only.
func dropIncoming(*net.TCPConn) error { return ErrUnimplemented }
