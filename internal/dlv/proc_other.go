//go:build !unix

package dlv

import (
	"os"
	"os/exec"
	"time"
)

func setHeadlessProcAttr(cmd *exec.Cmd)    {}
func setInteractiveProcAttr(cmd *exec.Cmd) {}

func descendantPIDs(pid int) []int { return nil }

func runsBinary(pid int, binary string) bool { return true }

func killTree(pid int) {
	if pid <= 0 {
		return
	}
	if p, err := os.FindProcess(pid); err == nil {
		_ = p.Kill()
	}
}

func freeze(p *os.Process) {}

func waitFrozen(pid int, limit time.Duration) {}
