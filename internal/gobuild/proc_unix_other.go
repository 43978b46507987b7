//go:build unix && !linux

package gobuild

import (
	"os/exec"
	"syscall"
)

// setGroup gives the go command a process group of its own, so that it and
// the compilers it runs can be killed at once.
func setGroup(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }

func killGroup(pid int) { _ = syscall.Kill(-pid, syscall.SIGKILL) }
