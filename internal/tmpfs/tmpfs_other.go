//go:build !linux

package tmpfs

import "errors"

var errUnsupported = errors.New("tmpfs is Linux only")

func mount(dir string, size int64) error { return errUnsupported }

func unmount(dir string) error { return errUnsupported }

// Free is the space left on the file system holding dir.
func Free(dir string) (int64, error) { return 0, errUnsupported }
