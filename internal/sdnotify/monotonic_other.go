//go:build !linux

package sdnotify

// monotonicUsec reports no clock: MONOTONIC_USEC is for systemd, on Linux.
func monotonicUsec() (uint64, bool) { return 0, false }
