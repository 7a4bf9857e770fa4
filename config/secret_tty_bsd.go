//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package config

import (
	"os/signal"
	"syscall"
)

// withoutSIGTTOU runs f with SIGTTOU ignored, which is what the kernel
// looks at when a background process group takes the terminal. Go cannot
// restore the signal's default disposition afterwards, so it stays
// ignored; that only matters under "stty tostop".
func withoutSIGTTOU(f func()) {
	signal.Ignore(syscall.SIGTTOU)
	f()
}
