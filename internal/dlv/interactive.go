package dlv

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"time"
)

// InteractiveConfig describes an interactive dlv session.
type InteractiveConfig struct {
	// Dlv is the dlv executable (see Find); empty means dlv from PATH.
	Dlv string `json:"dlv,omitempty"`
	// Binary is the program to debug, typically built by BuildTestBinary.
	Binary string `json:"binary"`
	// Args are the program's arguments.
	Args []string `json:"args,omitempty"`
	// Dir is the program's working directory; empty means the caller's.
	Dir string `json:"dir,omitempty"`
	// Env is added to the caller's environment for dlv and the program.
	Env []string `json:"env,omitempty"`
	// Breakpoints are set by dlv's init file before the prompt appears.
	// Their Vars are not evaluated automatically; BreakpointLines lists
	// them for the user.
	Breakpoints []Breakpoint `json:"breakpoints"`
	// Stdin, Stdout and Stderr default to the process's own.
	Stdin  io.Reader `json:"-"`
	Stdout io.Writer `json:"-"`
	Stderr io.Writer `json:"-"`
}

// BreakpointLines describes bps for printing before the terminal is
// handed to dlv, one line per breakpoint, as the dlv command that sets it
// followed by the expressions worth printing at a hit:
//
//	break bp1 github.com/x/y.step  # print id; print ids
//
// Empty names are filled in as Interactive does ("bp1", ...).
func BreakpointLines(bps []Breakpoint) []string {
	lines := make([]string, 0, len(bps))
	for i, bp := range bps {
		name := bp.Name
		if name == "" {
			name = fmt.Sprintf("bp%d", i+1)
		}
		line := "break " + name + " " + strings.TrimSpace(bp.Function)
		if len(bp.Vars) > 0 {
			line += "  # print " + strings.Join(bp.Vars, "; print ")
		}
		lines = append(lines, line)
	}
	return lines
}

// initFile is the dlv --init script: one named break command per
// breakpoint and nothing else, so dlv shows its prompt with the program
// stopped at its entry point.
func initFile(bps []Breakpoint) string {
	var b strings.Builder
	for _, bp := range bps {
		fmt.Fprintf(&b, "break %s %s\n", bp.Name, bp.Function)
	}
	return b.String()
}

// Interactive runs `dlv exec cfg.Binary --init <file> -- cfg.Args` with
// the terminal (or cfg.Stdin/Stdout/Stderr) attached and returns when dlv
// exits, with dlv's exit error if any (an *exec.ExitError inside).
// --allow-non-terminal-interactive=true is added when stdin, stdout or
// stderr is not a terminal, so scripted input works too.
//
// dlv stays in the caller's process group so that it can use the
// terminal; Ctrl-C typed there reaches dlv (which stops the program) and
// is ignored by the calling process while the session lasts. Pass a ctx
// that is not cancelled by SIGINT: when ctx is done, dlv and the program
// are killed.
func Interactive(ctx context.Context, cfg InteractiveConfig) error {
	bps, err := normalizeBreakpoints(cfg.Breakpoints)
	if err != nil {
		return err
	}
	dlvPath, err := resolveDlv(cfg.Dlv)
	if err != nil {
		return err
	}
	binary, err := filepath.Abs(cfg.Binary)
	if err != nil {
		return err
	}
	if _, err := os.Stat(binary); err != nil {
		return fmt.Errorf("debug: %w", err)
	}

	tmp, err := os.MkdirTemp("", "interleave-dlv-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	initPath := filepath.Join(tmp, "init")
	if err := os.WriteFile(initPath, []byte(initFile(bps)), 0o600); err != nil {
		return err
	}
	env, err := dlvEnv(tmp, cfg.Env)
	if err != nil {
		return err
	}

	stdin, stdout, stderr := cfg.Stdin, cfg.Stdout, cfg.Stderr
	if stdin == nil {
		stdin = os.Stdin
	}
	if stdout == nil {
		stdout = os.Stdout
	}
	if stderr == nil {
		stderr = os.Stderr
	}
	args := []string{"exec", binary, "--init", initPath}
	if !isTerminal(stdin) || !isTerminal(stdout) || !isTerminal(stderr) {
		args = append(args, "--allow-non-terminal-interactive=true")
	}
	args = append(args, "--")
	args = append(args, cfg.Args...)

	cmd := exec.Command(dlvPath, args...)
	cmd.Dir = cfg.Dir
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	cmd.WaitDelay = 2 * time.Second
	setInteractiveProcAttr(cmd)

	// The terminal sends Ctrl-C to the whole foreground group: dlv acts
	// on it, this process must not die of it.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	defer signal.Stop(sigs)

	if err := ctx.Err(); err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start dlv: %w", err)
	}
	waitDone := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(waitDone)
	}()

	killerDone := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(killerDone)
		select {
		case <-waitDone:
			return // reaped: its pid may be reused
		default:
		}
		for _, pid := range descendantPIDs(cmd.Process.Pid) {
			killTree(pid)
		}
		_ = cmd.Process.Kill()
	})
	<-waitDone
	if !stop() {
		<-killerDone
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("debug %s: %w", filepath.Base(binary), ctxErr)
	}
	if waitErr != nil {
		return fmt.Errorf("dlv: %w", waitErr)
	}
	return nil
}

// isTerminal reports whether rw is a terminal device.
func isTerminal(rw any) bool {
	f, ok := rw.(*os.File)
	return ok && fileIsTerminal(f)
}
