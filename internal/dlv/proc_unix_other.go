//go:build unix && !linux

package dlv

import (
	"os/exec"
	"syscall"
	"time"
)

func setHeadlessProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

func setInteractiveProcAttr(cmd *exec.Cmd) {}

// descendantPIDs is only implemented on Linux; elsewhere the debugged
// program is found through the pid that Delve reports.
func descendantPIDs(pid int) []int { return nil }

func runsBinary(pid int, binary string) bool { return true }

func waitFrozen(pid int, limit time.Duration) { time.Sleep(10 * time.Millisecond) }
