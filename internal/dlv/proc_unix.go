//go:build unix

package dlv

import (
	"os"
	"syscall"
)

// killTree sends SIGKILL to pid's process group and to pid itself.
// Errors (typically ESRCH: already gone) are ignored.
func killTree(pid int) {
	if pid <= 0 {
		return
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	_ = syscall.Kill(pid, syscall.SIGKILL)
}

// freeze stops p (SIGSTOP) so that it can neither start nor release
// children while they are being found and killed.
func freeze(p *os.Process) {
	_ = p.Signal(syscall.SIGSTOP)
}
