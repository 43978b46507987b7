package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
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

// Main runs the command line args and returns the exit status.
func Main(args []string, stdout, stderr io.Writer) int {
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
