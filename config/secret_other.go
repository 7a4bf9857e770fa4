//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package config

import "os/exec"

// runInGroup runs cmd; when cmd's context ends, the command is killed
// (but not what it started: this system has no process groups rekindle
// knows how to use).
func runInGroup(cmd *exec.Cmd) error { return cmd.Run() }
