//go:build !(linux || darwin || freebsd)

package store

// freeSpace cannot tell the free space here.
func freeSpace(dir string) (free uint64, ok bool) { return 0, false }
