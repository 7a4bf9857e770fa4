package imapsync

import (
	"errors"
	"syscall"
)

// storeFull reports whether err, from the Store, says that the disk
// holding it is full (store.DiskFullError matches syscall.ENOSPC). Every
// other folder would fail the same way after downloading its headers, so
// the sync stops at the first one, as on a lost connection; the next sync
// resumes where it stopped.
func storeFull(err error) bool { return errors.Is(err, syscall.ENOSPC) }
