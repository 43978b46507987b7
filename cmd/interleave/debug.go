package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/interleave/interleave/internal/dlv"
	"github.com/interleave/interleave/scenarios"
)

// debugUsage is the usage of `interleave debug`.
const debugUsage = `usage: interleave debug --scenario S --strategy X --seed N [--search pct|random|dfs|dpor] [--depth D] [--preemptions B] [--trace [--json]]
       interleave debug --schedule FILE [--scenario S] [--strategy X] [--trace [--json]]

Runs one schedule of the scenarios test binary under the Delve debugger
(dlv), with breakpoints already set at the harness's key functions: the
append to a replica's durable cache, the merge's catch-up (the strategy's
HandleNotify and its cache and database passes) and the delivery of a
message to the subscriber; for the stream loop, instead of the cache and
the catch-up, its sync, its decisions to fetch or skip (a hint's or a
poll's versions, a row known or at or below the initial sync's floor) and
its send. The schedule is named as in 'interleave run' (or
the line a failing stress run prints): scenario, merge strategy, search
(default pct, with --depth, default 3; dfs with --preemptions, default 2)
and seed; or by a schedule file (--schedule), whose choices the test binary
replays (its TestReplay, -interleave.replay=FILE): a shrunk counterexample,
which no seed names, is debugged from the file the matrix saved. With
--schedule, --scenario and --strategy replace the file's own, as for
'interleave replay'.

The test binary is built with go test -c -gcflags='all=-N -l' into a
temporary directory, removed afterwards (or taken as it is from
$INTERLEAVE_DEBUG_BINARY, a binary built that way). dlv is taken from the
repository's bin/ (installed by 'make tools', Delve v1.27.2), else from
PATH.

Without --trace, the list of breakpoints is printed and the terminal is
handed to dlv's own prompt ('continue', 'print m.ID', 'exit', ...). Without a
terminal, dlv reads its commands from stdin, for use from scripts.

With --trace, dlv runs headless: at each breakpoint hit of the schedule the
step, goroutine, task and the values that explain a race (message ID, cache
contents, lastMessageID, lookupAfter, delivered count) are recorded, the
program runs to its end, and the account is printed, one line per hit,
followed by the oracle's verdict. --json prints the hits and the verdict as
one JSON object.

Flags:
  --scenario S       built-in scenario name, or a scenario file
  --strategy X       merge strategy (naive, fixed-r1, fixed, producer-lock)
  --seed N           the schedule's seed (for dfs and dpor: its index)
  --search K         pct, random or dfs (default pct)
  --depth D          PCT's bug depth (default 3)
  --preemptions B    DFS's preemption bound (default 2)
  --schedule FILE    replay the schedule of a schedule file instead
  --trace            record the hits and print the account (no prompt)
  --json             with --trace: print one JSON object
  --timeout D        with --trace: bound the debugger run (default 2m)

Exit status: 0 when the session or trace ran to its end (whatever the
oracle's verdict); 2 when it could not: bad input, a missing dlv, a working
directory outside the repository, a failed build, a debugger failure or
timeout, or (--trace) a program that died without the oracle's verdict (a
crash, a kill: the account says so, and JSON's verdict is "died"); 130 when
interrupted (Ctrl-C, or SIGTERM or SIGHUP).
`

// Hooks, replaced by the tests.
var (
	// dbgFindRoot returns the repository root.
	dbgFindRoot = repoRoot
	// dbgFindDlv returns the dlv executable to use.
	dbgFindDlv = dlv.Find
	// dbgBuild builds the scenarios test binary for the debugger.
	dbgBuild = dlv.BuildTestBinary
	// dbgStdin is what an interactive session reads.
	dbgStdin io.Reader = os.Stdin
	// dbgNotifyContext is signal.NotifyContext.
	dbgNotifyContext = signal.NotifyContext
)

// errDbgInterrupted ends a session that a signal interrupted: exit status
// 130, as for stress.
var errDbgInterrupted = errors.New("interrupted")

// dbgToolError is the failure of a tool debug runs (the go command, dlv),
// printed with the output it carries on the lines after the first.
type dbgToolError struct{ err error }

func (e *dbgToolError) Error() string { return e.err.Error() }
func (e *dbgToolError) Unwrap() error { return e.err }

// dbgOptions is a parsed command line.
type dbgOptions struct {
	scenario *scenarios.Scenario
	strategy string
	// replay is set for --schedule: the file's run, replayed once to
	// check it, whose lines name the file.
	replay      *scenarios.RunResult
	search      scenarios.Search
	seed        int64
	trace, json bool
	timeout     time.Duration
}

// debugBinaryEnv names a scenarios test binary built with
// -gcflags='all=-N -l' (dlv.BuildTestBinary) for debug to use instead of
// building one: the tests build it once.
const debugBinaryEnv = "INTERLEAVE_DEBUG_BINARY"

// dbgBuildBinary builds the scenarios test binary for the debugger.
func dbgBuildBinary(ctx context.Context, root, binary string, stderr io.Writer) error {
	fmt.Fprintf(stderr, "interleave: building the scenarios test binary (go test -c -gcflags='all=-N -l') ...\n")
	if err := dbgBuild(ctx, filepath.Join(root, "scenarios"), binary, false); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%w while building the scenarios test binary", errDbgInterrupted)
		}
		return &dbgToolError{err}
	}
	return nil
}

// debugMain runs `interleave debug` with args (those after "debug") and
// returns the exit status.
func debugMain(args []string, stdout, stderr io.Writer) int {
	if isPkgDebug(args) {
		return pkgDebugMain(args, stdout, stderr)
	}
	o, err := dbgParse(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, debugUsage)
		return exitPass
	}
	if err == nil {
		err = o.run(stdout, stderr)
	}
	var ue *usageError
	var te *dbgToolError
	switch {
	case err == nil:
		return exitPass
	case outputContext().Err() != nil:
		return exitError // the output broke: Main says so
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, usageLine("debug", ue))
	case errors.As(err, &te):
		fmt.Fprintf(stderr, "interleave: %s\n", strings.TrimSpace(err.Error()))
	default:
		fmt.Fprintf(stderr, "interleave: %s\n", oneLine(err))
	}
	if errors.Is(err, errDbgInterrupted) {
		return exitInterrupted
	}
	return exitError
}

// dbgFlags is debug's flag set (debugUsage documents its flags) and the
// values it parses into.
type dbgFlags struct {
	*flag.FlagSet
	scenario, strategy, seed, search, depth, preemptions, schedule *string
	trace, json                                                    *bool
	timeout                                                        *time.Duration
}

func newDbgFlags() *dbgFlags {
	fs := flag.NewFlagSet("interleave debug", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return &dbgFlags{
		FlagSet:     fs,
		scenario:    fs.String("scenario", "", ""),
		strategy:    fs.String("strategy", "", ""),
		seed:        fs.String("seed", "", ""),
		search:      fs.String("search", "", ""),
		depth:       fs.String("depth", "", ""),
		preemptions: fs.String("preemptions", "", ""),
		schedule:    fs.String("schedule", "", ""),
		trace:       fs.Bool("trace", false, ""),
		json:        fs.Bool("json", false, ""),
		timeout:     fs.Duration("timeout", dlv.DefaultTimeout, ""),
	}
}

func dbgParse(args []string) (*dbgOptions, error) {
	fs := newDbgFlags()
	scenario, strategy, seed, search, depth, preemptions, schedule := fs.scenario, fs.strategy, fs.seed, fs.search, fs.depth, fs.preemptions, fs.schedule
	trace, asJSON, timeout := fs.trace, fs.json, fs.timeout
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, &usageError{err: err}
	}
	if fs.NArg() > 0 {
		return nil, badUsage("unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	o := &dbgOptions{trace: *trace, json: *asJSON, timeout: *timeout}
	if o.json && !o.trace {
		return nil, badInput("debug: --json needs --trace")
	}
	if set["timeout"] && (!o.trace || o.timeout <= 0 || o.timeout > scenarios.MaxTimeout) {
		return nil, badInput("debug: --timeout needs --trace and a positive duration up to %v", scenarios.MaxTimeout)
	}
	if *schedule != "" {
		for _, f := range []string{"seed", "search", "depth", "preemptions"} {
			if set[f] {
				return nil, badInput("debug: --schedule gives the search and the choices: do not combine it with --%s", f)
			}
		}
		// Replayed here once, untraced (milliseconds): the file, its
		// scenario and strategy are checked before anything is built.
		r, err := scenarios.ReplayFile(*schedule, scenarios.ReplayOptions{Scenario: *scenario, Strategy: *strategy})
		if err != nil {
			return nil, badInput("%s", oneLine(err))
		}
		o.replay, o.scenario, o.strategy = r, r.Spec.Scenario, r.Spec.Strategy.Name()
		o.search, o.seed = r.Spec.Search, r.Spec.Seed
		return o, nil
	}
	for _, f := range []string{"scenario", "strategy", "seed"} {
		if !set[f] {
			return nil, badInput("debug: --%s is required (or give --schedule FILE)", f)
		}
	}
	if err := o.resolve(*scenario, *strategy, *seed, *search, *depth, *preemptions); err != nil {
		return nil, err
	}
	return o, nil
}

// resolve checks the schedule's fields; empty search, depth and
// preemptions take their defaults.
func (o *dbgOptions) resolve(scenario, strategy, seed, search, depth, preemptions string) error {
	sc, err := scenarios.Lookup(scenario)
	if err != nil {
		return badInput("%s", oneLine(err))
	}
	o.scenario = sc
	if _, err := scenarios.LookupStrategy(strategy); err != nil {
		return badInput("%s", oneLine(err))
	}
	o.strategy = strategy
	n, err := strconv.ParseInt(seed, 10, 64)
	if err != nil || n < 0 {
		return badInput("--seed %q: want a non-negative whole number", seed)
	}
	o.seed = n
	if search == "" {
		search = "pct"
	}
	d, b := 3, 2
	if depth != "" {
		if d, err = strconv.Atoi(depth); err != nil || d < 1 || d > scenarios.MaxDepth {
			return badInput("--depth %q: want a whole number from 1 to %d", depth, scenarios.MaxDepth)
		}
	}
	if preemptions != "" {
		if b, err = strconv.Atoi(preemptions); err != nil || b > scenarios.MaxPreemptions {
			return badInput("--preemptions %q: want a whole number up to %d (negative: unbounded)", preemptions, scenarios.MaxPreemptions)
		}
	}
	if o.search, err = scenarios.ParseSearch(search, d, b); err != nil {
		return badInput("--search: %s", oneLine(err))
	}
	if o.search.Exhaustive() {
		// The index of a DFS schedule: check it names one before anything
		// is built (reaching it runs the schedules before it).
		if o.seed >= scenarios.MaxSchedules {
			return badInput("--seed %d: a %s seed is the schedule's index, from 0 to %d", o.seed, o.search.Kind, scenarios.MaxSchedules-1)
		}
		st, _ := scenarios.LookupStrategy(strategy)
		if r := scenarios.Run(scenarios.Spec{Scenario: sc, Strategy: st, Search: o.search, Seed: o.seed}); r.PastEnd() {
			return badInput("--seed %d: %s", o.seed, r.Failure.Msg)
		}
	}
	return nil
}

// testArgs are the test binary's arguments that run exactly the schedule:
// its TestScenarios subtest, or for --schedule its TestReplay.
func (o *dbgOptions) testArgs() []string {
	if rp := o.replay; rp != nil {
		args := []string{"-test.run=^TestReplay$", "-interleave.replay=" + absPath(rp.Replayed.File)}
		if rp.Replayed.ScenarioGiven {
			args = append(args, "-interleave.scenario="+scenarioFlag(o.scenario))
		}
		if rp.Replayed.Guided {
			args = append(args, "-interleave.strategy="+o.strategy)
		}
		return args
	}
	return o.seedArgs()
}

// scenarioFlag names a scenario for the test binary, which runs in another
// directory: a scenario file by its absolute path.
func scenarioFlag(sc *scenarios.Scenario) string {
	if sc.Source != "" {
		return absPath(sc.Source)
	}
	return sc.Name
}

// absPath is p made absolute, or p if it cannot be.
func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// seedArgs are the test binary's arguments that run the schedule of a
// seed.
func (o *dbgOptions) seedArgs() []string {
	scenarioFlag := o.scenario.Name
	if o.scenario.Source != "" {
		if abs, err := filepath.Abs(o.scenario.Source); err == nil {
			scenarioFlag = abs
		}
	}
	return []string{
		fmt.Sprintf("-test.run=^TestScenarios$/^%s$/^%s$/^seed=%d$", regexp.QuoteMeta(o.scenario.Name), regexp.QuoteMeta(o.strategy), o.seed),
		"-interleave.scenario=" + scenarioFlag,
		"-interleave.strategy=" + o.strategy,
		fmt.Sprintf("-interleave.seed=%d", o.seed),
		"-interleave.search=" + o.search.Kind,
		fmt.Sprintf("-interleave.depth=%d", o.search.Depth),
		fmt.Sprintf("-interleave.preemptions=%d", o.search.Preemptions),
	}
}

// dbgTestEnv blanks the INTERLEAVE_* variables the test binary reads, so the
// flags alone decide what it runs (and it saves no schedule).
func dbgTestEnv() []string {
	var env []string
	for _, k := range scenarios.ConfigKeys {
		env = append(env, "INTERLEAVE_"+strings.ToUpper(k)+"=")
	}
	return env
}

// scheduleFile is the --schedule file, or "".
func (o *dbgOptions) scheduleFile() string {
	if o.replay == nil {
		return ""
	}
	return o.replay.Replayed.File
}

func (o *dbgOptions) title() string {
	if o.replay != nil {
		return o.replay.Title() + " (" + o.replay.Replayed.File + ")"
	}
	return fmt.Sprintf("%s / %s / %s seed %d", o.scenario.Name, o.strategy, o.search, o.seed)
}

func (o *dbgOptions) run(stdout, stderr io.Writer) error {
	root, err := dbgFindRoot()
	if err != nil {
		return err
	}
	dlvPath, err := dbgFindDlv(root)
	if err != nil {
		return err
	}

	// Ctrl-C (or a TERM or HUP) cancels ctx: the build or the trace stops,
	// dlv and the program are killed, the temporary directory removed.
	ctx, stop := dbgNotifyContext(outputContext(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()

	tmp, err := os.MkdirTemp("", "interleave-debug-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	binary := filepath.Join(tmp, "scenarios.test")
	if prebuilt := os.Getenv(debugBinaryEnv); prebuilt != "" {
		if _, err := os.Stat(prebuilt); err != nil {
			return badInput("%s=%s: %v", debugBinaryEnv, prebuilt, err)
		}
		binary = prebuilt
	} else if err := dbgBuildBinary(ctx, root, binary, stderr); err != nil {
		return err
	}
	if o.trace {
		return o.runTrace(ctx, dlvPath, root, binary, stdout, stderr)
	}

	// The interactive session: Ctrl-C belongs to dlv (it stops the
	// program), which dlv.Interactive arranges; TERM and HUP still end it.
	ign := make(chan os.Signal, 1)
	signal.Notify(ign, os.Interrupt)
	defer signal.Stop(ign)
	ictx, istop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGHUP)
	defer istop()
	stop()

	bps := dbgBreakpoints(o.strategy, true)
	fmt.Fprintf(stdout, "interleave debug: %s\n", o.title())
	fmt.Fprintf(stdout, "program: %s %s\n", filepath.Base(binary), shellJoin(o.testArgs()))
	fmt.Fprintf(stdout, "breakpoints (the expressions after # are worth printing at a stop):\n")
	for _, l := range dlv.BreakpointLines(bps) {
		fmt.Fprintf(stdout, "  %s\n", l)
	}
	fmt.Fprint(stdout, dbgInteractiveNote(o.search.Kind, o.replay != nil))
	err = dlv.Interactive(ictx, dlv.InteractiveConfig{
		Dlv:         dlvPath,
		Binary:      binary,
		Args:        o.testArgs(),
		Dir:         filepath.Join(root, "scenarios"),
		Env:         dbgTestEnv(),
		Breakpoints: bps,
		Stdin:       dbgStdin,
		Stdout:      unwrap(stdout), // dlv's prompt needs to see the terminal
		Stderr:      unwrap(stderr),
	})
	switch {
	case err != nil && ictx.Err() != nil:
		return fmt.Errorf("%w: dlv and the program were stopped", errDbgInterrupted)
	case err != nil:
		return &dbgToolError{err}
	}
	return nil
}

func dbgInteractiveNote(search string, replay bool) string {
	if replay {
		return dbgWrap("The test replays the schedule file once, traced: its run starts at the stop at breakpoint 'schedule'. "+
			"In dlv: continue, print EXPR, stack, toggle NAME (a breakpoint off or on), exit.", 78)
	}
	first := ""
	switch search {
	case "pct":
		first = "PCT's calibration run (no preemptions) comes first; "
	case "dfs", "dpor":
		first = "the DFS schedules before this one come first; "
	}
	return dbgWrap("The test runs the workload more than once: "+first+
		"the schedule itself starts at the stop at breakpoint 'schedule' (sp.Trace false); "+
		"a failing schedule then runs once more, traced, for its report (sp.Trace true). "+
		"In dlv: continue, print EXPR, stack, toggle NAME (a breakpoint off or on), exit.", 78)
}

// dbgWrap breaks text into lines of at most width columns.
func dbgWrap(text string, width int) string {
	var b strings.Builder
	n := 0
	for _, w := range strings.Fields(text) {
		if n > 0 && n+1+len(w) > width {
			b.WriteByte('\n')
			n = 0
		}
		if n > 0 {
			b.WriteByte(' ')
			n++
		}
		b.WriteString(w)
		n += len(w)
	}
	b.WriteByte('\n')
	return b.String()
}

func (o *dbgOptions) runTrace(ctx context.Context, dlvPath, root, binary string, stdout, stderr io.Writer) error {
	bps := dbgBreakpoints(o.strategy, false)
	if !o.json {
		fmt.Fprintf(stdout, "interleave debug: %s\n", o.title())
		fmt.Fprintf(stdout, "program: %s %s\n", filepath.Base(binary), shellJoin(o.testArgs()))
		fmt.Fprintf(stdout, "breakpoints:\n")
		for _, l := range dlv.BreakpointLines(bps) {
			fmt.Fprintf(stdout, "  %s\n", l)
		}
		fmt.Fprintf(stdout, "\n")
	}
	acc := &dbgAccount{}
	res, err := dlv.Trace(ctx, dlv.TraceConfig{
		Dlv:         dlvPath,
		Binary:      binary,
		Args:        o.testArgs(),
		Dir:         filepath.Join(root, "scenarios"),
		Env:         dbgTestEnv(),
		Breakpoints: bps,
		Timeout:     o.timeout,
		OnHit: func(h dlv.Hit) {
			if out, ok := acc.add(h); ok && !o.json {
				fmt.Fprintln(stdout, out.line())
			}
		},
	})
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%w: dlv and the program were stopped", errDbgInterrupted)
		}
		return &dbgToolError{err}
	}
	if !res.Exited {
		return errors.New("the program did not run to its end under dlv")
	}
	v, err := dbgParseVerdict(res.Stdout+"\n"+res.Stderr, res.ExitStatus)
	if err != nil {
		return err
	}
	// A program that died has no verdict: say so, and exit 2.
	var died error
	if v.Verdict == dbgDied {
		msg := "the program died before the oracle's verdict: " + v.Died
		if v.Output != "" && !o.json {
			msg += "; the end of its output:\n" + v.Output
		}
		died = &dbgToolError{errors.New(msg)}
	}
	if o.json {
		out := dbgJSON{Scenario: o.scenario.Name, Strategy: o.strategy, Search: o.search.Kind, Depth: o.search.Depth,
			Preemptions: o.search.Preemptions, Seed: o.seed, Args: o.testArgs(), Breakpoints: bps, Schedule: o.scheduleFile(),
			Hits: acc.hits, SkippedHits: acc.skipped, Verdict: v}
		if out.Hits == nil {
			out.Hits = []dbgHit{}
		}
		if err := writeJSONTo(stdout, out); err != nil {
			return err
		}
		return died
	}
	if len(acc.hits) == 0 {
		fmt.Fprintf(stdout, "(no breakpoint was hit in the schedule's run)\n")
	}
	fmt.Fprintf(stdout, "\n%d hits in the schedule's run (%d in the other runs of the workload left out)\n", len(acc.hits), acc.skipped)
	if died != nil {
		fmt.Fprintf(stdout, "oracle: no verdict: the program died (%s)\n", v.Died)
		return died
	}
	if v.Verdict == "pass" {
		fmt.Fprintf(stdout, "oracle: pass\n")
		return nil
	}
	fmt.Fprintf(stdout, "oracle: %s\n", v.Summary)
	for _, l := range v.Violations {
		fmt.Fprintf(stdout, "=> %s\n", l)
	}
	if v.TraceHash != "" {
		fmt.Fprintf(stdout, "trace hash %s\n", v.TraceHash)
	}
	if v.Repro != "" {
		fmt.Fprintf(stdout, "To reproduce: %s\n", v.Repro)
	}
	return nil
}
