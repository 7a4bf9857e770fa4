//go:build !linux

package radicale

import "syscall"

func sysProcAttr() *syscall.SysProcAttr { return nil }
