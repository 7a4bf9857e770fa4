//go:build !linux

package dovecot

import (
	"os"
	"syscall"
)

// terminate is the signal that stops the Dovecot master cleanly.
var terminate os.Signal = syscall.SIGTERM

func sysProcAttr() *syscall.SysProcAttr { return nil }
