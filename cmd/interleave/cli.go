package main

import (
	_ "embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/interleave/interleave/harness"
	"github.com/interleave/interleave/internal/shell"
	"github.com/interleave/interleave/scenarios"
)

// Exit statuses.
const (
	exitPass  = 0 // everything passed, or matched its expectation
	exitFound = 1 // a failure was found
	exitError = 2 // bad input, or the command could not run
)

// badInput reports bad input (an unknown name, a malformed value, a
// missing file). Like every error a command returns, it is printed on one
// line, "interleave: ...", with exit status 2; commands check their input
// before they write anything.
func badInput(format string, args ...any) error {
	return fmt.Errorf(format, args...)
}

// usageError is a command line that could not be parsed: printed on one
// line, "interleave <command>: ... (see 'interleave help <command>')", exit
// status 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func badUsage(format string, args ...any) error {
	return &usageError{err: fmt.Errorf(format, args...)}
}

// A command is one subcommand. Its flags function declares the command's
// flags and returns its body, which runs with the positional arguments once
// the flags are parsed and returns the exit status, or an error (exit 2).
type command struct {
	name     string
	synopsis string
	flags    func(f *flags) func(c *cli, args []string) (int, error)
}

// cli is what a command writes to.
type cli struct {
	stdout, stderr io.Writer
}

//go:embed doc.go
var docSource string

// usageText is the package doc, as plain text: the usage.
func usageText() string {
	var b strings.Builder
	for _, line := range strings.Split(docSource, "\n") {
		if strings.HasPrefix(line, "package ") {
			break
		}
		line = strings.TrimPrefix(line, "//")
		line = strings.TrimPrefix(line, " ")
		b.WriteString(line + "\n")
	}
	return b.String()
}

// section returns the part of the usage under "# name", without the
// heading.
func section(name string) string {
	text := usageText()
	_, rest, ok := strings.Cut(text, "\n# "+name+"\n")
	if !ok {
		return ""
	}
	if i := strings.Index(rest, "\n# "); i >= 0 {
		rest = rest[:i]
	}
	return strings.Trim(rest, "\n") + "\n"
}

// flags is a command's flag set, with the --json flag every command has.
type flags struct {
	*flag.FlagSet
	json *bool
}

func newFlags(cmd *command) *flags {
	fs := flag.NewFlagSet("interleave "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported by Main, on our terms
	return &flags{FlagSet: fs, json: fs.Bool("json", false, "print one JSON object")}
}

// parse parses args, allowing flags after positional arguments, and returns
// the positional arguments.
func (f *flags) parse(args []string) ([]string, error) {
	var pos []string
	for {
		if err := f.Parse(args); err != nil {
			return nil, &usageError{err: err}
		}
		args = f.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// given returns those of names that were given on the command line, in
// the order of names.
func (f *flags) given(names ...string) []string {
	var out []string
	for _, name := range names {
		f.Visit(func(fl *flag.Flag) {
			if fl.Name == name {
				out = append(out, name)
			}
		})
	}
	return out
}

// isSet reports whether flag name was given on the command line.
func (f *flags) isSet(name string) bool { return len(f.given(name)) > 0 }

// printHelp prints a command's section of the usage and its flags.
func printHelp(w io.Writer, cmd *command) {
	if s := section(cmd.name); s != "" {
		fmt.Fprint(w, s)
	} else {
		fmt.Fprintf(w, "usage: %s\n", cmd.synopsis)
	}
	f := newFlags(cmd)
	cmd.flags(f)
	fmt.Fprintf(w, "\nFlags:\n")
	f.SetOutput(w)
	f.PrintDefaults()
}

// writeJSON prints v as one indented JSON object.
func (c *cli) writeJSON(v any) error { return writeJSONTo(c.stdout, v) }

// writeJSONTo prints v to w as one indented JSON object, with <, > and &
// as they are (this is a terminal, not a web page).
func writeJSONTo(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// lookupScenario finds a scenario by name or loads a scenario file.
func lookupScenario(name string) (*scenarios.Scenario, error) {
	if name == "" {
		return nil, badInput("--scenario is required (see interleave list)")
	}
	sc, err := scenarios.Lookup(name)
	if err != nil {
		return nil, badInput("%s", oneLine(err))
	}
	return sc, nil
}

// lookupScenarios resolves a comma-separated list; empty means all.
func lookupScenarios(list string) ([]*scenarios.Scenario, error) {
	if list == "" {
		return scenarios.All(), nil
	}
	var out []*scenarios.Scenario
	for _, name := range strings.Split(list, ",") {
		sc, err := lookupScenario(strings.TrimSpace(name))
		if err != nil {
			return nil, err
		}
		out = append(out, sc)
	}
	return out, nil
}

func lookupStrategy(name string) (harness.Design, error) {
	st, err := scenarios.LookupStrategy(name)
	if err != nil {
		return nil, badInput("%s", oneLine(err))
	}
	return st, nil
}

// lookupStrategies resolves a comma-separated list; empty means all.
func lookupStrategies(list string) ([]harness.Design, error) {
	if list == "" {
		list = strings.Join(scenarios.StrategyNames(), ",")
	}
	var out []harness.Design
	for _, name := range strings.Split(list, ",") {
		st, err := lookupStrategy(strings.TrimSpace(name))
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

func parseSearch(kind string, depth, preemptions int) (scenarios.Search, error) {
	s, err := scenarios.ParseSearch(kind, depth, preemptions)
	if err != nil {
		return s, badInput("%s", oneLine(err))
	}
	return s, nil
}

// parseSeed parses a --seed value.
func parseSeed(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, badInput("malformed seed %q: want a non-negative whole number", s)
	}
	return n, nil
}

// oneLine keeps an error message on one line.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// shellJoin quotes each argument of a command line for a POSIX shell
// (internal/shell).
func shellJoin(args []string) string { return shell.Join(args...) }

// checkDir checks that a --save or -o directory can be used, before
// anything runs: it may exist (as a directory) or not yet.
func checkDir(flagName, dir string) error {
	if dir == "" {
		return nil
	}
	fi, err := os.Stat(dir)
	switch {
	case err == nil && !fi.IsDir():
		return badInput("%s %s: not a directory", flagName, dir)
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return badInput("%s %s: %v", flagName, dir, err)
	}
	return nil
}

// checkHTMLFile checks a --html FILE before anything runs.
func checkHTMLFile(flagName, path string) error {
	if path == "" {
		return nil
	}
	if err := scenarios.CheckHTMLFile(path); err != nil {
		return badInput("%s %s: %s", flagName, path, oneLine(err))
	}
	return nil
}

// modulePath is the module the repository root's go.mod declares.
const modulePath = "github.com/interleave/interleave"

// repoRoot finds the repository root: the nearest directory, from the
// working directory up, whose go.mod declares modulePath.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if data, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && declares(data, modulePath) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", badInput("not inside the interleave repository: no go.mod of module %s in the working directory or above", modulePath)
		}
		dir = parent
	}
}

// declares reports whether a go.mod file declares module path.
func declares(gomod []byte, path string) bool {
	for line := range strings.Lines(string(gomod)) {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "module" && strings.Trim(f[1], `"`) == path {
			return true
		}
	}
	return false
}

// violationJSON is a harness.Violation in JSON.
type violationJSON struct {
	Subscriber string  `json:"subscriber"`
	Property   string  `json:"property"`
	IDs        []int64 `json:"ids"`
	Detail     string  `json:"detail"`
	Step       int     `json:"step,omitempty"`
	// Inevitable says the loss was certain from Step on (the strategy
	// looks up only after its cursor); else Step is only where the cursor
	// passed the message.
	Inevitable bool   `json:"inevitable,omitempty"`
	Text       string `json:"text"`
}

// runJSON is one schedule's outcome, as run and replay print it.
type runJSON struct {
	Scenario    string          `json:"scenario"`
	Strategy    string          `json:"strategy"`
	Search      string          `json:"search"`
	Seed        int64           `json:"seed"`
	Verdict     string          `json:"verdict"`
	Violations  []violationJSON `json:"violations"`
	Failure     string          `json:"failure,omitempty"`
	Steps       int             `json:"steps"`
	Preemptions int             `json:"preemptions"`
	TraceHash   string          `json:"trace_hash"`
	Schedule    string          `json:"schedule"`
	Repro       string          `json:"repro"`
	CLI         string          `json:"cli"`
	Debug       string          `json:"debug"`
	Saved       string          `json:"saved,omitempty"`
	Replayed    string          `json:"replayed,omitempty"`
	Guided      bool            `json:"guided,omitempty"`
	// HTML is the timeline page written (--html).
	HTML string `json:"html,omitempty"`
}

func toRunJSON(r *scenarios.RunResult) runJSON {
	out := runJSON{
		Scenario:    r.Spec.Scenario.Name,
		Strategy:    r.Spec.Strategy.Name(),
		Search:      r.Spec.Search.Kind,
		Seed:        r.Spec.Seed,
		Verdict:     string(r.Verdict),
		Violations:  []violationJSON{},
		Steps:       r.Steps,
		Preemptions: r.Preemptions,
		Repro:       r.Repro(),
		CLI:         r.CLI(),
		Debug:       r.DebugLine(),
	}
	for _, v := range r.Violations {
		out.Violations = append(out.Violations, violationJSON{Subscriber: v.Subscriber, Property: string(v.Property),
			IDs: v.IDs, Detail: v.Detail, Step: v.Step, Inevitable: v.Inevitable, Text: v.String()})
	}
	if r.Failure != nil {
		out.Failure = oneLine(r.Failure)
	}
	if r.Trace != nil {
		out.TraceHash = r.Trace.Hash()
	}
	if r.Schedule != nil {
		out.Schedule = r.Schedule.String()
	}
	return out
}

// printRun prints a run for people: the summary line, and for a failure
// the story and the lines that reproduce it; with trace, the timeline.
func printRun(w io.Writer, r *scenarios.RunResult, trace bool) {
	if r.Failure == nil {
		fmt.Fprintln(w, r.Summary())
		if r.Trace != nil {
			fmt.Fprintf(w, "%d steps, %d preemptions, trace hash %s\n", r.Steps, r.Preemptions, r.Trace.Hash())
		}
	} else {
		fmt.Fprint(w, r.Report())
		if line := r.CLI(); line != "" {
			fmt.Fprintf(w, "Rerun:        %s\n", line)
			fmt.Fprintf(w, "Debug:        %s\n", r.DebugLine())
		}
	}
	if trace && r.Trace != nil {
		fmt.Fprintf(w, "\n%s", r.Trace)
	}
}
