package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	// A write to a closed pipe (interleave ... | head) returns EPIPE
	// instead of killing the process, so that it still cleans up: see
	// outWriter.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
}

// commands, in the order of the usage.
var commands = []*command{matrixCmd, listCmd, runCmd, replayCmd, exploreCmd, stressCmd}

func lookupCommand(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// Main runs the command line args and returns the exit status. An error
// writing the output is an error of the command: it is reported on one
// line (on stderr, if that still works) and the exit status is 2.
func Main(args []string, stdout, stderr io.Writer) int {
	out, errw, done := withOutput(stdout, stderr)
	defer done()
	code := run(args, out, errw)
	switch {
	case out.failed() != nil:
		fmt.Fprintf(errw, "interleave: writing standard output: %s\n", writeErrorText(out.failed()))
		return exitError
	case errw.failed() != nil:
		return exitError
	}
	return code
}

// run is Main without the check of the output.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usageText())
		return exitError
	}
	if name := args[0]; name == "help" || name == "-h" || name == "-help" || name == "--help" {
		if len(args) == 1 {
			fmt.Fprint(stdout, usageText())
			return exitPass
		}
		if args[1] == "debug" {
			return debugMain([]string{"-h"}, stdout, stderr)
		}
		cmd := lookupCommand(args[1])
		if cmd == nil {
			fmt.Fprintf(stderr, "interleave: unknown command %q (run 'interleave help')\n", args[1])
			return exitError
		}
		printHelp(stdout, cmd)
		return exitPass
	}
	if args[0] == "debug" { // its own flag handling: see debug.go
		return debugMain(args[1:], stdout, stderr)
	}
	cmd := lookupCommand(args[0])
	if cmd == nil {
		fmt.Fprintf(stderr, "interleave: unknown command %q (run 'interleave help')\n", args[0])
		return exitError
	}
	f := newFlags(cmd)
	body := cmd.flags(f)
	pos, err := f.parse(args[1:])
	if err == nil {
		var code int
		code, err = body(&cli{stdout: stdout, stderr: stderr}, pos)
		if err == nil {
			return code
		}
	}
	var ue *usageError
	switch {
	case outputContext().Err() != nil:
		// The output broke, and the command stopped for it: Main
		// reports that, on the one line.
	case errors.Is(err, flag.ErrHelp):
		printHelp(stdout, cmd)
		return exitPass
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, usageLine(cmd.name, ue))
	default:
		fmt.Fprintf(stderr, "interleave: %s\n", oneLine(err))
	}
	return exitError
}

// usageLine is the one line that reports a command line of command name
// that could not be parsed.
func usageLine(name string, ue *usageError) string {
	return fmt.Sprintf("interleave %s: %s (see 'interleave help %s')", name, oneLine(ue.err), name)
}
