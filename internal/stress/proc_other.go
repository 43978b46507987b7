//go:build !unix

package stress

import (
	"errors"
	"os"
	"os/exec"
)

// On systems without process groups and SIGQUIT the engine can only kill the
// child process itself; timed-out children get no goroutine dump.

func setProcessGroup(*exec.Cmd) {}

func interruptedBy(*os.ProcessState) bool { return false }

func quitChild(p *os.Process) error { return killChild(p) }

func killChild(p *os.Process) error {
	if p == nil {
		return nil
	}
	if err := p.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	return nil
}

const quitName = "kill"
