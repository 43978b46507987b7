package stress

import (
	"context"
	"errors"
	"os/exec"
	"time"

	"github.com/interleave/interleave/internal/shell"
)

// outcome is what a worker reports to the owner about one run.
type outcome struct {
	run      Run
	output   []byte
	cmdline  string // the command, quoted to paste into a shell
	err      error  // from Wait; nil when the child exited successfully
	startErr error  // the child could not be started: fatal for the engine
	timedOut bool   // Timeout elapsed; quitChild was sent
	killed   bool   // still running Grace after quitChild: process group killed
	aborted  bool   // stopped by the engine (ctx done or fail-fast)
	pipeHeld bool   // exited, but something kept its output pipe open
	elapsed  time.Duration
}

// runChild starts one child and waits for it, enforcing the timeout and
// aborting when ctx is done.
func (e *Engine) runChild(ctx context.Context, run Run) (o outcome) {
	o.run = run
	if ctx.Err() != nil {
		o.aborted = true
		return o
	}
	cmd := e.cfg.NewCmd(ctx, run)
	if cmd == nil {
		o.startErr = errors.New("NewCmd returned a nil command")
		return o
	}
	out := newCapture(e.cfg.MaxOutput)
	cmd.Stdout, cmd.Stderr = out, out
	setProcessGroup(cmd)
	if cmd.Cancel != nil {
		// Made with exec.CommandContext. The engine itself kills the whole
		// process group when ctx is done (and so knows the run was
		// aborted); os/exec must not kill the child behind its back.
		cmd.Cancel = func() error { return nil }
	}
	if cmd.WaitDelay == 0 {
		cmd.WaitDelay = e.cfg.Grace
	}
	o.cmdline = shell.Join(append([]string{cmd.Path}, cmd.Args[1:]...)...)

	start := time.Now()
	if err := cmd.Start(); err != nil {
		if ctx.Err() != nil {
			o.aborted = true // exec refuses to start once ctx is done
		} else {
			o.startErr = err
		}
		return o
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()

	timeout := time.NewTimer(e.cfg.Timeout)
	defer timeout.Stop()
	var err error
	select {
	case err = <-waited:
	case <-timeout.C:
		select {
		case err = <-waited: // exited just in time
		default:
			o.timedOut = true
			_ = quitChild(cmd.Process)
			grace := time.NewTimer(e.cfg.Grace)
			select {
			case err = <-waited:
			case <-grace.C:
				o.killed = true
				_ = killChild(cmd.Process)
				err = <-waited
			case <-ctx.Done():
				// Still a timeout, but there is no time for the dump.
				o.killed = true
				_ = killChild(cmd.Process)
				err = <-waited
			}
			grace.Stop()
		}
	case <-ctx.Done():
		select {
		case err = <-waited: // finished on its own: a real result
		default:
			o.aborted = true
			_ = killChild(cmd.Process)
			err = <-waited
		}
	}
	// Do not leave anything the child started behind.
	_ = killChild(cmd.Process)
	o.elapsed = time.Since(start)
	// Judge the child by how it exited: with exec.CommandContext, Wait may
	// report ctx.Err() for a child that exited successfully just as ctx
	// was cancelled.
	switch state := cmd.ProcessState; {
	case state == nil:
		o.err = err // not waited for: should not happen
	case !state.Success():
		o.err = &exec.ExitError{ProcessState: state}
	default:
		o.pipeHeld = errors.Is(err, exec.ErrWaitDelay)
	}
	o.output = out.Bytes()
	return o
}
