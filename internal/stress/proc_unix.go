//go:build unix

package stress

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
)

// setProcessGroup makes the child the leader of a new process group, so that
// it and everything it starts can be signalled at once.
func setProcessGroup(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	if cmd.SysProcAttr.Setsid {
		return // a session leader already leads its own process group
	}
	cmd.SysProcAttr.Setpgid = true
	cmd.SysProcAttr.Pgid = 0
	setDeathSignal(cmd.SysProcAttr)
}

// interruptedBy reports whether a child ended by an interrupt from outside
// the engine: SIGINT or SIGTERM (the user's Ctrl-C or kill). Such a run is
// aborted, not failed.
func interruptedBy(state *os.ProcessState) bool {
	ws, ok := state.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && (ws.Signal() == syscall.SIGINT || ws.Signal() == syscall.SIGTERM)
}

// signalGroup sends sig to the child's whole process group. A group that no
// longer exists is not an error.
func signalGroup(p *os.Process, sig syscall.Signal) error {
	if p == nil || p.Pid <= 0 {
		return nil
	}
	err := syscall.Kill(-p.Pid, sig)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}

// quitChild asks a timed-out child for a goroutine dump: Go programs print
// every goroutine's stack on SIGQUIT and exit.
func quitChild(p *os.Process) error { return signalGroup(p, syscall.SIGQUIT) }

// killChild kills the child's process group.
func killChild(p *os.Process) error { return signalGroup(p, syscall.SIGKILL) }

// quitName names the signal quitChild sends, for logs.
const quitName = "SIGQUIT"
