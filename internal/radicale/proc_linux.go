package radicale

import "syscall"

// sysProcAttr makes the kernel stop Radicale if the test process dies
// without closing it, so no orphan keeps the port.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
