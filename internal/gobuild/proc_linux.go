//go:build linux

package gobuild

import (
	"os/exec"
	"syscall"
)

// setGroup gives the go command a process group of its own, so that it and
// the compilers it runs can be killed at once, and has the kernel kill it
// when this process dies.
func setGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

func killGroup(pid int) { _ = syscall.Kill(-pid, syscall.SIGKILL) }
