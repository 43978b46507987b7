package main

import (
	"bufio"
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
const debugUsage = `usage: interleave debug --scenario S --strategy X --seed N [--search pct|random|dfs] [--depth D] [--preemptions B] [--trace [--json]]
       interleave debug --schedule FILE [--trace [--json]]

Runs one schedule of the scenarios test binary under the Delve debugger
(dlv), with breakpoints already set at the harness's key functions: the
append to a replica's durable cache, the merge's catch-up (the strategy's
HandleNotify and its cache and database passes) and the delivery of a
message to the subscriber. The schedule is named as in 'interleave run' (or
the line a failing stress run prints): scenario, merge strategy, search
(default pct, with --depth, default 3; dfs with --preemptions, default 2)
and seed; or by a schedule file (--schedule), whose @scenario, @strategy,
@search, @seed, @depth and @preemptions fields give the same.

The test binary is built with go test -c -gcflags='all=-N -l' into a
temporary directory, removed afterwards. dlv is taken from the repository's
bin/ (installed by 'make tools', Delve v1.27.2), else from PATH.

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
  --seed N           the schedule's seed (for dfs: its index)
  --search K         pct, random or dfs (default pct)
  --depth D          PCT's bug depth (default 3)
  --preemptions B    DFS's preemption bound (default 2)
  --schedule FILE    take the schedule from a schedule file instead
  --trace            record the hits and print the account (no prompt)
  --json             with --trace: print one JSON object
  --timeout D        with --trace: bound the debugger run (default 2m)

Exit status: 0 when the session or trace ran to its end (whatever the
oracle's verdict); 2 when it could not: bad input, a missing dlv, a working
directory outside the repository, a failed build, a debugger failure or
timeout; 130 when interrupted (Ctrl-C, or SIGTERM or SIGHUP).
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
	scenario    *scenarios.Scenario
	strategy    string
	search      scenarios.Search
	seed        int64
	trace, json bool
	timeout     time.Duration
}

// debugMain runs `interleave debug` with args (those after "debug") and
// returns the exit status.
func debugMain(args []string, stdout, stderr io.Writer) int {
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
	if set["timeout"] && (!o.trace || o.timeout <= 0) {
		return nil, badInput("debug: --timeout needs --trace and a positive duration")
	}
	if *schedule != "" {
		for _, f := range []string{"scenario", "strategy", "seed", "search", "depth", "preemptions"} {
			if set[f] {
				return nil, badInput("debug: --schedule gives the scenario, strategy, search and seed: do not combine it with --%s", f)
			}
		}
		s, err := scenarios.LoadSchedule(*schedule)
		if err != nil {
			return nil, badInput("%s", oneLine(err))
		}
		get := func(key string) (string, error) {
			v := s.Get(key)
			if v == "" {
				return "", badInput("%s: the schedule file has no @%s field", *schedule, key)
			}
			return v, nil
		}
		for _, f := range []struct {
			key string
			v   *string
		}{{"scenario", scenario}, {"strategy", strategy}, {"seed", seed}} {
			if *f.v, err = get(f.key); err != nil {
				return nil, err
			}
		}
		*search, *depth, *preemptions = s.Get("search"), s.Get("depth"), s.Get("preemptions")
		if err := o.resolve(*scenario, *strategy, *seed, *search, *depth, *preemptions); err != nil {
			return nil, badInput("%s: %s", *schedule, oneLine(err))
		}
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
		if d, err = strconv.Atoi(depth); err != nil || d < 1 {
			return badInput("--depth %q: want a whole number >= 1", depth)
		}
	}
	if preemptions != "" {
		if b, err = strconv.Atoi(preemptions); err != nil {
			return badInput("--preemptions %q: want a whole number (negative: unbounded)", preemptions)
		}
	}
	if o.search, err = scenarios.ParseSearch(search, d, b); err != nil {
		return badInput("--search: %s", oneLine(err))
	}
	return nil
}

// testArgs are the test binary's arguments that run exactly the schedule.
func (o *dbgOptions) testArgs() []string {
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

func (o *dbgOptions) title() string {
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
	ctx, stop := dbgNotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()

	tmp, err := os.MkdirTemp("", "interleave-debug-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	binary := filepath.Join(tmp, "scenarios.test")
	fmt.Fprintf(stderr, "interleave: building the scenarios test binary (go test -c -gcflags='all=-N -l') ...\n")
	if err := dbgBuild(ctx, filepath.Join(root, "scenarios"), binary, false); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%w while building the scenarios test binary", errDbgInterrupted)
		}
		return &dbgToolError{err}
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
	fmt.Fprint(stdout, dbgInteractiveNote(o.search.Kind))
	err = dlv.Interactive(ictx, dlv.InteractiveConfig{
		Dlv:         dlvPath,
		Binary:      binary,
		Args:        o.testArgs(),
		Dir:         filepath.Join(root, "scenarios"),
		Env:         dbgTestEnv(),
		Breakpoints: bps,
		Stdin:       dbgStdin,
		Stdout:      stdout,
		Stderr:      stderr,
	})
	switch {
	case err != nil && ictx.Err() != nil:
		return fmt.Errorf("%w: dlv and the program were stopped", errDbgInterrupted)
	case err != nil:
		return &dbgToolError{err}
	}
	return nil
}

func dbgInteractiveNote(search string) string {
	first := ""
	switch search {
	case "pct":
		first = "PCT's calibration run (no preemptions) comes first; "
	case "dfs":
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

// A dbgPoint is one breakpoint: a function, the values read at each hit
// (the step and the task first) and how a hit reads in the account.
type dbgPoint struct {
	function string
	label    string
	vars     []dbgVar
}

// dbgVar is an expression evaluated at a hit and the field it fills.
type dbgVar struct{ field, expr string }

const (
	dbgHarness = modulePath + "/harness."
	// The markers delimit the schedule's own run among the runs the test
	// makes (PCT's calibration, DFS's earlier schedules, the traced rerun
	// of a failure): scenarios.runWith starts the run of a spec, sched.Run
	// starts (and so ends the previous) run of the scheduler.
	dbgMarkSchedule = "schedule"
	dbgMarkRun      = "run"
)

// dbgRTVars are the step and the running task, read from a *sched.Runtime.
func dbgRTVars(rt string) []dbgVar {
	return []dbgVar{{"step", rt + ".step"}, {"task", rt + ".cur.name"}}
}

func dbgMergeVars(extra ...dbgVar) []dbgVar {
	return append(append(dbgRTVars("c.sub.rt"), dbgVar{"subscriber", "c.sub.Name"}), extra...)
}

var dbgPoints = map[string]dbgPoint{
	"cacheAppend": {
		function: dbgHarness + "(*Replica).cacheAppended", label: "cache append",
		vars: append(dbgRTVars("r.rt"), dbgVar{"replica", "r.Name"}, dbgVar{"message_id", "m.ID"},
			dbgVar{"cache", "cached"}, dbgVar{"cache_len", "len(cached)"}, dbgVar{"evicted_before", "evictedBefore"}),
	},
	"naiveCatchUp": {
		function: dbgHarness + "Naive.HandleNotify", label: "naive catch-up",
		vars: dbgMergeVars(dbgVar{"notify_after", "n.AfterMessageID"}, dbgVar{"full_refresh", "n.FullRefresh"},
			dbgVar{"last_message_id", "c.last"}),
	},
	"naiveDB": {
		function: dbgHarness + "naiveFromDB", label: "naive db query",
		vars: dbgMergeVars(dbgVar{"last_message_id", "c.last"}),
	},
	"fixedCatchUp": {
		function: dbgHarness + "Fixed.HandleNotify", label: "fixed catch-up",
		vars: dbgMergeVars(dbgVar{"notify_after", "n.AfterMessageID"}, dbgVar{"full_refresh", "n.FullRefresh"},
			dbgVar{"last_message_id", "c.last"}, dbgVar{"floor", "c.AfterMessageID"}),
	},
	"fixedR1CatchUp": {
		function: dbgHarness + "FixedR1.HandleNotify", label: "fixed-r1 catch-up",
		vars: dbgMergeVars(dbgVar{"notify_after", "n.AfterMessageID"}, dbgVar{"full_refresh", "n.FullRefresh"},
			dbgVar{"last_message_id", "c.last"}, dbgVar{"floor", "c.AfterMessageID"}),
	},
	"cachePass": {
		function: dbgHarness + "cachePass", label: "cache pass",
		vars: dbgMergeVars(dbgVar{"lookup_after", "lookupAfter"}, dbgVar{"last_message_id", "c.last"}),
	},
	"dbPass": {
		function: dbgHarness + "dbPass", label: "db pass",
		vars: dbgMergeVars(dbgVar{"lookup_after", "lookupAfter"}, dbgVar{"last_message_id", "c.last"}),
	},
	"deliver": {
		function: dbgHarness + "(*Subscriber).deliver", label: "deliver",
		vars: append(dbgRTVars("s.rt"), dbgVar{"subscriber", "s.Name"}, dbgVar{"message_id", "m.ID"}, dbgVar{"via", "via"},
			dbgVar{"last_message_id", "s.ctx.last"}, dbgVar{"delivered", "len(s.ctx.delivered)"}),
	},
	dbgMarkSchedule: {
		function: modulePath + "/scenarios.runWith", label: "schedule",
		vars: []dbgVar{{"traced", "sp.Trace"}},
	},
	dbgMarkRun: {function: modulePath + "/sched.Run", label: "run"},
}

// dbgPointNames lists the breakpoints set for a strategy: the cache
// append, the strategy's merge functions, the delivery, then the markers
// (interactive sessions get only the schedule marker).
func dbgPointNames(strategy string, interactive bool) []string {
	names := []string{"cacheAppend"}
	switch strategy {
	case "naive", "producer-lock": // ProducerLock embeds Naive: its HandleNotify is Naive's
		names = append(names, "naiveCatchUp", "naiveDB")
	case "fixed":
		names = append(names, "fixedCatchUp", "cachePass", "dbPass")
	case "fixed-r1":
		names = append(names, "fixedR1CatchUp", "cachePass", "dbPass")
	}
	names = append(names, "deliver", dbgMarkSchedule)
	if !interactive {
		names = append(names, dbgMarkRun)
	}
	return names
}

func dbgBreakpoints(strategy string, interactive bool) []dlv.Breakpoint {
	var bps []dlv.Breakpoint
	for _, name := range dbgPointNames(strategy, interactive) {
		p := dbgPoints[name]
		bp := dlv.Breakpoint{Function: p.function, Name: name}
		for _, v := range p.vars {
			bp.Vars = append(bp.Vars, v.expr)
		}
		bps = append(bps, bp)
	}
	return bps
}

// dbgHit is one breakpoint hit of the schedule, as data.
type dbgHit struct {
	// Seq numbers the schedule's hits from 1.
	Seq         int    `json:"seq"`
	Step        int    `json:"step"`
	GoroutineID int64  `json:"goroutine_id"`
	Task        string `json:"task"`
	Breakpoint  string `json:"breakpoint"`
	Function    string `json:"function"`
	File        string `json:"file"`
	Line        int    `json:"line"`
	// Event and Detail are the hit's line in the account.
	Event  string `json:"event"`
	Detail string `json:"detail"`
	// Fields are the evaluated values by name (numbers as numbers, the
	// cache as its IDs); Vars are the raw expressions and values.
	Fields map[string]any `json:"fields"`
	Vars   []dlv.Var      `json:"vars"`
}

// dbgVerdict is the oracle's verdict, from the test binary's output.
type dbgVerdict struct {
	// Verdict is pass or fail.
	Verdict string `json:"verdict"`
	// Summary is the failure's summary line; Violations the oracle's
	// "=>" lines; Repro the go test line that reproduces it.
	Summary    string   `json:"summary,omitempty"`
	Violations []string `json:"violations,omitempty"`
	Repro      string   `json:"repro,omitempty"`
	ExitStatus int      `json:"exit_status"`
	// Output is the end of the test binary's output when it failed
	// without a report (a crash, a leak).
	Output string `json:"output,omitempty"`
}

// dbgJSON is the --trace --json output.
type dbgJSON struct {
	Scenario    string           `json:"scenario"`
	Strategy    string           `json:"strategy"`
	Search      string           `json:"search"`
	Depth       int              `json:"depth"`
	Preemptions int              `json:"preemptions"`
	Seed        int64            `json:"seed"`
	Args        []string         `json:"args"`
	Breakpoints []dlv.Breakpoint `json:"breakpoints"`
	Hits        []dbgHit         `json:"hits"`
	// SkippedHits counts the hits of the other runs of the workload.
	SkippedHits int        `json:"skipped_hits"`
	Verdict     dbgVerdict `json:"verdict"`
}

// dbgAccount turns the debugger's hits into the schedule's account: it
// keeps the hits of the schedule's own run and annotates what is out of
// order.
type dbgAccount struct {
	armed, in, done bool
	hits            []dbgHit
	skipped         int
	maxAppended     map[string]int64 // by replica
	maxDelivered    map[string]int64 // by subscriber, this epoch
}

// add records h if it belongs to the schedule's run and returns it.
func (a *dbgAccount) add(h dlv.Hit) (dbgHit, bool) {
	switch h.Name {
	case dbgMarkSchedule:
		if !a.in && !a.done {
			a.armed = true
		}
		return dbgHit{}, false
	case dbgMarkRun:
		switch {
		case a.in:
			a.in, a.done = false, true
		case a.armed:
			a.armed, a.in = false, true
		}
		return dbgHit{}, false
	}
	p, known := dbgPoints[h.Name]
	if known && !a.in {
		a.skipped++
		return dbgHit{}, false
	}
	out := dbgHit{Seq: len(a.hits) + 1, GoroutineID: h.GoroutineID, Breakpoint: h.Name, Function: h.Function,
		File: h.File, Line: h.Line, Event: p.label, Fields: map[string]any{}, Vars: h.Vars}
	if !known {
		// One of Delve's own stops (an unrecovered panic, a fatal throw).
		out.Event = h.Name
		out.Detail = h.Function
	} else {
		a.describe(&out, p, h)
	}
	a.hits = append(a.hits, out)
	return out, true
}

func (a *dbgAccount) describe(out *dbgHit, p dbgPoint, h dlv.Hit) {
	raw := map[string]string{}
	for i, v := range p.vars {
		if i < len(h.Vars) {
			raw[v.field] = h.Vars[i].Value
		}
	}
	str := func(f string) string {
		v := raw[f]
		if s, err := strconv.Unquote(v); err == nil {
			return s
		}
		return v
	}
	num := func(f string) (int64, bool) {
		n, err := strconv.ParseInt(raw[f], 10, 64)
		return n, err == nil
	}
	// show renders a number field, or its raw value when it is not one
	// (an evaluation error).
	show := func(f string) string {
		if n, ok := num(f); ok {
			return strconv.FormatInt(n, 10)
		}
		return raw[f]
	}
	for _, v := range p.vars {
		switch v.field {
		case "task", "subscriber", "replica", "via":
			out.Fields[v.field] = str(v.field)
		case "full_refresh":
			out.Fields[v.field] = raw[v.field] == "true"
		case "cache":
			if ids, ok := dbgCacheIDs(raw["cache"]); ok {
				out.Fields["cache_ids"] = ids
			} else {
				out.Fields["cache"] = raw["cache"]
			}
		default:
			if n, ok := num(v.field); ok {
				out.Fields[v.field] = n
			} else {
				out.Fields[v.field] = raw[v.field]
			}
		}
	}
	if n, ok := num("step"); ok {
		out.Step = int(n)
	}
	out.Task = str("task")
	if a.maxAppended == nil {
		a.maxAppended, a.maxDelivered = map[string]int64{}, map[string]int64{}
	}

	var d strings.Builder
	switch h.Name {
	case "cacheAppend":
		cache := raw["cache"]
		if ids, ok := dbgCacheIDs(cache); ok {
			cache = fmt.Sprint(ids)
			if n, ok := num("cache_len"); ok && int(n) > len(ids) {
				cache = strings.TrimSuffix(cache, "]") + fmt.Sprintf(" ...+%d]", int(n)-len(ids))
			}
		}
		fmt.Fprintf(&d, "#%s -> %s cache %s evictedBefore=%s", show("message_id"), str("replica"), cache, show("evicted_before"))
		if id, ok := num("message_id"); ok {
			r := str("replica")
			if top, seen := a.maxAppended[r]; seen && id < top {
				fmt.Fprintf(&d, "   <- appended after #%d", top)
				out.Fields["appended_after"] = top
			} else {
				a.maxAppended[r] = id
			}
		}
	case "naiveCatchUp", "fixedCatchUp", "fixedR1CatchUp":
		if raw["full_refresh"] == "true" {
			d.WriteString("FullRefresh ")
			delete(a.maxDelivered, str("subscriber"))
		} else {
			fmt.Fprintf(&d, "notify.After=%s ", show("notify_after"))
		}
		fmt.Fprintf(&d, "lastMessageID=%s", show("last_message_id"))
		if _, ok := raw["floor"]; ok {
			fmt.Fprintf(&d, " c.AfterMessageID=%s", show("floor"))
		}
	case "naiveDB":
		fmt.Fprintf(&d, "after lastMessageID=%s", show("last_message_id"))
	case "cachePass", "dbPass":
		fmt.Fprintf(&d, "lookupAfter=%s lastMessageID=%s", show("lookup_after"), show("last_message_id"))
	case "deliver":
		fmt.Fprintf(&d, "#%s via %s  lastMessageID=%s delivered=%s", show("message_id"), str("via"), show("last_message_id"), show("delivered"))
		if id, ok := num("message_id"); ok {
			s := str("subscriber")
			if top, seen := a.maxDelivered[s]; seen && id < top {
				fmt.Fprintf(&d, "   <- late: after #%d", top)
				out.Fields["late_after"] = top
			} else {
				a.maxDelivered[s] = id
			}
		}
	}
	out.Detail = d.String()
}

// dbgCacheIDs reads the message IDs out of a rendered []harness.Message,
// [{ID:3 ChatID:1 Role:"tool" Content:"..." CreatedAt:3} ...]: the ID field
// of each element, skipping over quoted strings.
func dbgCacheIDs(v string) ([]int64, bool) {
	if !strings.HasPrefix(v, "[") || !strings.HasSuffix(v, "]") {
		return nil, false
	}
	ids := []int64{}
	depth := 0
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '"':
			// strconv.Quote's form: skip to the closing quote.
			for i++; i < len(v) && v[i] != '"'; i++ {
				if v[i] == '\\' {
					i++
				}
			}
		case '[', '{':
			depth++
			if v[i] == '{' && depth == 2 {
				m := dbgMessageID.FindStringSubmatch(v[i:])
				if m == nil {
					return nil, false
				}
				n, err := strconv.ParseInt(m[1], 10, 64)
				if err != nil {
					return nil, false
				}
				ids = append(ids, n)
			}
		case ']', '}':
			depth--
		}
	}
	return ids, depth == 0
}

var dbgMessageID = regexp.MustCompile(`^\{ID:(-?\d+)[ }]`)

// line renders a hit as one line of the account.
func (h dbgHit) line() string {
	task := h.Task
	if task == "" {
		task = "?"
	}
	return fmt.Sprintf("#%-3d step %-4d g%-4d %-16s %-18s %s", h.Seq, h.Step, h.GoroutineID, task, h.Event, h.Detail)
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
	if o.json {
		out := dbgJSON{Scenario: o.scenario.Name, Strategy: o.strategy, Search: o.search.Kind, Depth: o.search.Depth,
			Preemptions: o.search.Preemptions, Seed: o.seed, Args: o.testArgs(), Breakpoints: bps,
			Hits: acc.hits, SkippedHits: acc.skipped, Verdict: v}
		if out.Hits == nil {
			out.Hits = []dbgHit{}
		}
		return writeJSONTo(stdout, out)
	}
	if len(acc.hits) == 0 {
		fmt.Fprintf(stdout, "(no breakpoint was hit in the schedule's run)\n")
	}
	fmt.Fprintf(stdout, "\n%d hits in the schedule's run (%d in the other runs of the workload left out)\n", len(acc.hits), acc.skipped)
	if v.Verdict == "pass" {
		fmt.Fprintf(stdout, "oracle: pass\n")
		return nil
	}
	if v.Summary != "" {
		fmt.Fprintf(stdout, "oracle: %s\n", v.Summary)
	} else {
		fmt.Fprintf(stdout, "oracle: fail (the test binary exited with status %d without a report)\n%s\n", v.ExitStatus, v.Output)
	}
	for _, l := range v.Violations {
		fmt.Fprintf(stdout, "=> %s\n", l)
	}
	if v.Repro != "" {
		fmt.Fprintf(stdout, "To reproduce: %s\n", v.Repro)
	}
	return nil
}

var dbgLogPrefix = regexp.MustCompile(`^[\w.-]+_test\.go:\d+: `)

// dbgParseVerdict reads the oracle's verdict out of the test binary's
// output: a failing schedule prints its report (the summary line with
// ": fail: ", the "=>" lines, "To reproduce: ..."), a passing one PASS.
func dbgParseVerdict(output string, exitStatus int) (dbgVerdict, error) {
	v := dbgVerdict{ExitStatus: exitStatus}
	if strings.Contains(output, "testing: warning: no tests to run") {
		return v, errors.New("the test binary ran no test: no TestScenarios subtest matches the schedule")
	}
	sc := bufio.NewScanner(strings.NewReader(output))
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		line = dbgLogPrefix.ReplaceAllString(line, "")
		switch {
		case v.Summary == "":
			if strings.Contains(line, ": fail: ") {
				v.Summary = line
			}
		case strings.HasPrefix(line, "=> "):
			v.Violations = append(v.Violations, strings.TrimPrefix(line, "=> "))
		case strings.HasPrefix(line, "To reproduce: "):
			v.Repro = strings.TrimPrefix(line, "To reproduce: ")
		}
		if v.Repro != "" {
			break
		}
	}
	switch {
	case exitStatus == 0 && v.Summary == "":
		v.Verdict = string(scenarios.Pass)
	default:
		v.Verdict = string(scenarios.Fail)
		if v.Summary == "" {
			lines := strings.Split(strings.TrimSpace(output), "\n")
			if len(lines) > 20 {
				lines = lines[len(lines)-20:]
			}
			v.Output = strings.Join(lines, "\n")
		}
	}
	return v, nil
}
