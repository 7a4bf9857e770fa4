// Package tmpfs gives tests a small file system of their own, to fill up:
// a tmpfs mounted on a temporary directory.
package tmpfs

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// Mount mounts a tmpfs of size bytes on a new temporary directory and
// returns the directory; it is unmounted when the test ends. Mounting
// takes root (CAP_SYS_ADMIN) on Linux: elsewhere, or without it, the test
// is skipped saying why, unless CI=true, where it fails, so that CI never
// passes without running it.
func Mount(tb testing.TB, size int64) string {
	tb.Helper()
	dir := tb.TempDir()
	if err := mount(dir, size); err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("mount a %d-byte tmpfs on %s: %v (CI runs as root on Linux)", size, dir, err)
		}
		tb.Skipf("needs a small file system to fill: mount a tmpfs on %s: %v (run as root on Linux; CI does)", dir, err)
	}
	tb.Cleanup(func() {
		if err := unmount(dir); err != nil {
			tb.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// Fill writes a file into dir until at most leave bytes are free on its
// file system, and returns the file's path: remove it to make room again.
func Fill(tb testing.TB, dir string, leave int64) string {
	tb.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 4096)
	for {
		free, err := Free(dir)
		if err != nil {
			tb.Fatal(err)
		}
		if free <= leave {
			return path
		}
		n := min(int64(len(chunk)), free-leave)
		if _, err := f.Write(chunk[:n]); errors.Is(err, syscall.ENOSPC) {
			return path
		} else if err != nil {
			tb.Fatalf("fill %s: %v", dir, err)
		}
	}
}
