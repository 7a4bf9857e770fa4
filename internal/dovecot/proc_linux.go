package dovecot

import "syscall"

// terminate is the signal that stops the Dovecot master cleanly.
var terminate = syscall.SIGTERM

// sysProcAttr makes the kernel stop Dovecot if the test process dies
// without closing it, so no orphan keeps its ports.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
