//go:build unix

package socattest

import "syscall"

// noCTTY keeps an opened pty from becoming the controlling terminal.
const noCTTY = syscall.O_NOCTTY
