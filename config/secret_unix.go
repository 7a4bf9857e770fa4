//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package config

import (
	"errors"
	"os"
	"os/exec"
	"syscall"

	"golang.org/x/sys/unix"
)

// runInGroup runs cmd in a process group of its own and kills the whole
// group when cmd's context ends, or when the command fails and something
// it started lives on. When rekindle runs in the foreground of a
// terminal, the group gets the terminal while it runs, so that a command
// asking for a passphrase on it (keepassxc-cli, a pinentry on the tty)
// can read it, and Ctrl-C reaches it; the terminal comes back after. A
// command stopped by Ctrl-C passes the interrupt on to rekindle.
func runInGroup(cmd *exec.Cmd) error {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return killGroup(cmd.Process) }
	tty := foregroundTerminal()
	if tty != nil {
		defer tty.Close()
		cmd.SysProcAttr.Foreground = true
		cmd.SysProcAttr.Ctty = int(tty.Fd())
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	err := cmd.Wait()
	if tty != nil {
		takeTerminal(tty)
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGINT {
			// The user pressed Ctrl-C at the command's prompt: the
			// signal went to its group only, but was meant for rekindle.
			_ = syscall.Kill(os.Getpid(), syscall.SIGINT)
		}
	}
	if err != nil {
		// A timeout or a cancel killed the group already; after a failure
		// or an exit that left a process holding the pipes, nothing of the
		// command may live on.
		_ = killGroup(cmd.Process)
	}
	return err
}

// killGroup kills p's process group.
func killGroup(p *os.Process) error {
	if p == nil {
		return nil
	}
	err := syscall.Kill(-p.Pid, syscall.SIGKILL)
	if errors.Is(err, syscall.ESRCH) {
		return os.ErrProcessDone
	}
	return err
}

// foregroundTerminal returns the controlling terminal, open, when
// rekindle's process group is in its foreground; nil otherwise (no
// terminal, as under systemd or cron, or a job in the background).
func foregroundTerminal() *os.File {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return nil
	}
	pgrp, err := unix.IoctlGetInt(int(tty.Fd()), unix.TIOCGPGRP)
	if err != nil || pgrp != syscall.Getpgrp() {
		tty.Close()
		return nil
	}
	return tty
}

// takeTerminal makes rekindle's process group the terminal's foreground
// again. Doing so from what is now a background group raises SIGTTOU,
// which would stop the process, unless the signal is blocked or ignored.
func takeTerminal(tty *os.File) {
	withoutSIGTTOU(func() {
		_ = unix.IoctlSetPointerInt(int(tty.Fd()), unix.TIOCSPGRP, syscall.Getpgrp())
	})
}
