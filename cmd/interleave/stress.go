package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/interleave/interleave/internal/cleanup"
	"github.com/interleave/interleave/internal/gobuild"
	"github.com/interleave/interleave/internal/stats"
	"github.com/interleave/interleave/internal/stress"
	"github.com/interleave/interleave/scenarios"
)

// testBinaryEnv names a prebuilt scenarios test binary to use instead of
// building one.
const testBinaryEnv = "INTERLEAVE_TEST_BINARY"

// exitInterrupted is stress's exit status when Ctrl-C cut a run short
// before anything failed (128+SIGINT, as a shell reports it).
const exitInterrupted = 130

var stressCmd = &command{
	name:     "stress",
	synopsis: "interleave stress [-backend mem|pg] [-p N] [-count N] [-schedules K] [-mode controlled|wild] [-strategy X | -compare X,Y] [-race] [-o DIR] [-shard I/N] [flags] [scenario...]",
	flags: func(f *flags) func(*cli, []string) (int, error) {
		var o stressOptions
		f.IntVar(&o.parallel, "p", runtime.NumCPU(), "run `N` children (with -backend pg: chats) in parallel")
		f.IntVar(&o.count, "count", 0, "stop after `N` children in all (0: run until interrupted); with -backend pg: N runs per strategy")
		f.IntVar(&o.schedules, "schedules", 20, "seeds per child: child i runs seeds i*`K`+1 .. i*K+K")
		f.StringVar(&o.mode, "mode", "controlled", "controlled (reproducible by seed) or wild (real goroutines)")
		f.StringVar(&o.strategy, "strategy", "fixed", "merge `strategy` the children run")
		f.StringVar(&o.compare, "compare", "", "run twice, under strategies `X,Y`, and compare their failure rates")
		f.StringVar(&o.search, "search", "pct", "`search` of controlled children: random or pct")
		f.IntVar(&o.depth, "depth", 3, "PCT bug `depth`")
		f.BoolVar(&o.race, "race", false, "build the test binary with the race detector")
		f.DurationVar(&o.timeout, "timeout", stress.DefaultTimeout, "time limit of each child")
		f.StringVar(&o.failure, "failure", "", "count a failed child only if its output matches `regexp`")
		f.StringVar(&o.ignore, "ignore", "", "ignore a failed child if its output matches `regexp`")
		f.StringVar(&o.outDir, "o", "", "write failure logs under `DIR` (default: a new temporary directory, at the first failure)")
		f.BoolVar(&o.failFast, "failfast", false, "stop at the first failure")
		f.StringVar(&o.shard, "shard", "", "run shard `I/N` (0 <= I < N): the children whose index is I mod N")
		f.StringVar(&o.backend, "backend", "mem", "mem (the model's in-memory store and pubsub) or pg (a real PostgreSQL; see -dsn)")
		f.StringVar(&o.dsn, "dsn", "", "with -backend pg: the PostgreSQL `DSN` (default $INTERLEAVE_PG_DSN; make pg-up prints one)")
		f.IntVar(&o.pool, "pool", 0, "with -backend pg: the connection pool `size` (default 2*p+4)")
		f.Float64Var(&o.jitter, "jitter", 0.3, "with -backend pg: the `probability` of a random yield (or short sleep) at each scheduling point")
		f.StringVar(&o.rowLock, "row-lock", "on", "with -backend pg: on (the writers lock the chat row, as upstream) or off (they skip it, a hazard)")
		f.StringVar(&o.orderBy, "order-by", "created-at", "with -backend pg: the catch-up query's order, created-at (no tie-break, as upstream was) or id (the later change)")
		f.StringVar(&o.workload, "workload", "promote", "with -backend pg: promote, or promote with an editor that edits and soft-deletes a row (edits), or with a writer that skips the version bump (bump-skip)")
		f.StringVar(&o.pkg, "pkg", "", "stress the go tests of package `DIR` that use schedtest (with -run) instead of the scenarios")
		f.StringVar(&o.runRE, "run", "", "with -pkg: the tests to run, a go test -run `regexp`")
		return func(c *cli, args []string) (int, error) {
			o.json = *f.json
			o.scenarios = args
			o.given = f.given
			if o.pkg != "" || f.isSet("run") {
				if err := o.validatePkg(); err != nil {
					return 0, err
				}
				code, err := o.run(c)
				o.keepSchedules(c, code)
				return code, err
			}
			if o.backend == "pg" {
				if err := o.validatePG(); err != nil {
					return 0, err
				}
				return o.runPG(c)
			}
			if o.backend != "mem" {
				return 0, badInput("unknown backend %q (known: mem, pg)", o.backend)
			}
			if err := o.validate(); err != nil {
				return 0, err
			}
			return o.run(c)
		}
	},
}

// stressOptions are stress's flags, then what validate derives from them.
type stressOptions struct {
	parallel, count, schedules, depth int
	mode, strategy, compare, search   string
	race, failFast, json              bool
	timeout                           time.Duration
	failure, ignore, outDir, shard    string
	scenarios                         []string
	backend, dsn, rowLock, orderBy    string
	workload                          string
	pool                              int
	jitter                            float64
	given                             func(names ...string) []string // which of names were on the command line
	pkg, runRE                        string                         // -pkg mode: a package's tests
	pkgDir, schedDir                  string                         // -pkg mode: the package, and where children save schedules
	removeSchedules                   func()                         // -pkg mode: removes a temporary schedDir

	strategies       []string // one, or the two of -compare
	failureRE        *regexp.Regexp
	ignoreRE         *regexp.Regexp
	shardI, shardN   int
	scenarioArgs     []string // as the children take them
	localCount       int      // children of this shard (0: unlimited)
	statusW, stderr  io.Writer
	live             bool
	binary, childDir string
	removeBinary     func() // removes the binary built, when one was
	pagesDir         string // where controlled children write their failures' timeline pages
}

// Flags only one backend takes: the child binaries' of mem, the
// database's of pg.
var (
	memOnlyFlags = []string{"mode", "schedules", "search", "depth", "race", "timeout", "failure", "ignore", "o", "failfast", "shard"}
	pgOnlyFlags  = []string{"dsn", "pool", "jitter", "row-lock", "order-by", "workload"}
)

// rejectFlags is the bad input of flags the backend does not take, or nil
// when none was given.
func (o *stressOptions) rejectFlags(others []string, whose string) error {
	given := o.given(others...)
	if len(given) == 0 {
		return nil
	}
	return badInput("-backend %s does not take -%s (%s)", o.backend, strings.Join(given, ", -"), whose)
}

func (o *stressOptions) validate() error {
	if err := o.rejectFlags(pgOnlyFlags, "flags of -backend pg"); err != nil {
		return err
	}
	if o.mode != "controlled" && o.mode != "wild" {
		return badInput("unknown mode %q (known: controlled, wild)", o.mode)
	}
	if err := o.parseStrategies(); err != nil {
		return err
	}
	for _, name := range o.scenarios {
		sc, err := lookupScenario(name)
		if err != nil {
			return err
		}
		arg := sc.Name
		if sc.Source != "" {
			abs, err := filepath.Abs(sc.Source)
			if err != nil {
				return badInput("%s: %v", sc.Source, err)
			}
			arg = abs // the children run in another directory
		}
		if strings.Contains(arg, ",") {
			// The children take a comma-separated list: every child
			// would fail to find the file.
			return badInput("scenario file %q: its path holds a comma, which the children's -interleave.scenario list cannot carry (rename or link the file)", arg)
		}
		o.scenarioArgs = append(o.scenarioArgs, arg)
	}
	return o.validateChildren()
}

// validateChildren checks what every kind of child takes: the mode and
// search of its seeds, the counts, the regexps, the shard and -o.
func (o *stressOptions) validateChildren() error {
	if o.mode != "controlled" && o.mode != "wild" {
		return badInput("unknown mode %q (known: controlled, wild)", o.mode)
	}
	if err := checkSearchFlags("-", o.depth, 0); err != nil {
		return err // a child would reject it: 100% false failures
	}
	if _, err := parseSearch(o.search, o.depth, 2); err != nil {
		return err
	}
	if o.search == "dfs" || o.search == "dpor" {
		return badInput("-search %s: a stress child runs seeds; use random or pct (or interleave explore --search %s)", o.search, o.search)
	}
	if err := checkRange("-p", o.parallel, 1, scenarios.MaxParallel); err != nil {
		return err
	}
	if err := checkRange("-schedules", o.schedules, 1, scenarios.MaxSchedules); err != nil {
		return err
	}
	switch {
	case o.count < 0 || o.count > scenarios.MaxStressCount:
		return badInput("-count %d: want a number of children from 0 (until interrupted) to %d", o.count, scenarios.MaxStressCount)
	case o.timeout <= 0 || o.timeout > scenarios.MaxTimeout:
		return badInput("-timeout %v: want a positive duration up to %v", o.timeout, scenarios.MaxTimeout)
	case o.compare != "" && o.count == 0:
		return badInput("-compare needs a -count: each strategy's run must end")
	}
	var err error
	if o.failure != "" {
		if o.failureRE, err = regexp.Compile(o.failure); err != nil {
			return badInput("-failure: %s", oneLine(err))
		}
	}
	if o.ignore != "" {
		if o.ignoreRE, err = regexp.Compile(o.ignore); err != nil {
			return badInput("-ignore: %s", oneLine(err))
		}
	}
	o.shardI, o.shardN = 0, 1
	if o.shard != "" {
		is, ns, ok := strings.Cut(o.shard, "/")
		i, err1 := strconv.Atoi(is)
		n, err2 := strconv.Atoi(ns)
		if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
			return badInput("malformed -shard %q: want I/N with 0 <= I < N, such as 0/4", o.shard)
		}
		if n > scenarios.MaxStressCount {
			return badInput("-shard %s: want at most %d shards", o.shard, scenarios.MaxStressCount)
		}
		o.shardI, o.shardN = i, n
	}
	if o.count == 0 {
		// Until interrupted: the seeds of this shard's first
		// MaxStressCount children must fit in an int64.
		if last := int64(o.shardI) + int64(scenarios.MaxStressCount-1)*int64(o.shardN); last > maxSeedIndex(o.schedules) {
			return badInput("-shard %s with -schedules %d and no -count: the seeds would pass the largest int64; give a -count", o.shard, o.schedules)
		}
	}
	if o.count > 0 {
		o.localCount = shardCount(o.count, o.shardI, o.shardN)
		if o.localCount == 0 {
			return badInput("-shard %s: -count %d leaves this shard no children", o.shard, o.count)
		}
	}
	return checkDir("-o", o.outDir)
}

// parseStrategies sets o.strategies: -strategy, or the two of -compare.
func (o *stressOptions) parseStrategies() error {
	o.strategies = []string{o.strategy}
	if o.compare != "" {
		o.strategies = strings.Split(o.compare, ",")
		if len(o.strategies) != 2 || o.strategies[0] == o.strategies[1] {
			return badInput("-compare %q: want two different strategies, X,Y", o.compare)
		}
	}
	for _, s := range o.strategies {
		if _, err := lookupStrategy(s); err != nil {
			return err
		}
	}
	return nil
}

// shardCount is how many of the children 0..count-1 have index i mod n.
func shardCount(count, i, n int) int {
	if count <= i {
		return 0
	}
	return (count - i + n - 1) / n
}

// seedOf is the first seed of the shard's j-th child: its index in the
// whole run is g = I + j*N, and child g runs seeds g*K+1 .. g*K+K.
func (o *stressOptions) seedOf(j int) int64 {
	g := int64(o.shardI) + int64(j)*int64(o.shardN)
	return g*int64(o.schedules) + 1
}

// childArgs are the test binary's arguments for a child whose first seed
// is seed.
func (o *stressOptions) childArgs(strategy string, seed int64) []string {
	if o.pkg != "" {
		return o.pkgChildArgs(seed)
	}
	args := []string{
		"-test.run=^TestStress$", "-test.count=1", "-test.timeout=" + o.childTimeout().String(),
		"-interleave.strategy=" + strategy,
		"-interleave.seed=" + strconv.FormatInt(seed, 10),
		"-interleave.schedules=" + strconv.Itoa(o.schedules),
		"-interleave.mode=" + o.mode,
		"-interleave.search=" + o.search,
		"-interleave.depth=" + strconv.Itoa(o.depth),
	}
	if len(o.scenarioArgs) > 0 {
		args = append(args, "-interleave.scenario="+strings.Join(o.scenarioArgs, ","))
	}
	return args
}

// childTimeout is a child's own time limit (-test.timeout): a minute past
// -timeout, at which stress stops it (with SIGQUIT, then SIGKILL), so that
// a child left behind (where no parent-death signal kills it) still ends.
func (o *stressOptions) childTimeout() time.Duration {
	return o.timeout + time.Minute
}

// childEnv is the environment of every child: ours without the INTERLEAVE_*
// variables of the test flags (scenarios.ConfigKeys: the flags alone say what
// a child runs), and with atexit_sleep_ms=0 added to GORACE so that a
// race-enabled child exits without the race detector's one-second pause.
func childEnv() []string {
	drop := map[string]bool{testBinaryEnv: true}
	for _, k := range scenarios.ConfigKeys {
		drop["INTERLEAVE_"+strings.ToUpper(k)] = true
	}
	var env []string
	gorace := "atexit_sleep_ms=0"
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		switch {
		case drop[k]:
		case k == "GORACE":
			gorace = strings.TrimSpace(v + " " + gorace)
		default:
			env = append(env, kv)
		}
	}
	return append(env, "GORACE="+gorace)
}

// notifyInterrupt returns a context that the first Ctrl-C (or SIGTERM)
// cancels, as does a broken output (outputContext): the command stops its
// work, cleans up and reports what it has. The second Ctrl-C does not
// wait: it kills what the command started and removes its temporary
// files (package cleanup), and exits 130. Call stop when done.
func notifyInterrupt() (ctx context.Context, stop context.CancelFunc) {
	ctx, cancel := context.WithCancel(outputContext())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
			cancel()
		case <-done:
			return
		}
		select {
		case <-sigs:
			cleanup.Now()
			os.Exit(exitInterrupted)
		case <-done:
		}
	}()
	var once sync.Once
	return ctx, func() {
		once.Do(func() {
			signal.Stop(sigs)
			close(done)
			cancel()
		})
	}
}

// byInterrupt reports whether ctx ended by an interrupt, not by a broken
// output (which Main reports itself).
func byInterrupt(ctx context.Context) bool {
	return ctx.Err() != nil && outputContext().Err() == nil
}

func (o *stressOptions) run(c *cli) (int, error) {
	ctx, stop := notifyInterrupt()
	defer stop()

	o.statusW, o.stderr = c.stdout, c.stderr
	if o.json {
		o.statusW = c.stderr
	}
	o.live = isTerminal(o.statusW)
	if err := o.prepareBinary(ctx); err != nil {
		if byInterrupt(ctx) {
			what := "the scenarios test binary"
			if o.pkg != "" {
				what = "the test binary of " + o.pkg
			}
			fmt.Fprintln(o.stderr, "interleave: interrupted while building "+what)
			return exitInterrupted, nil
		}
		return 0, err
	}
	if o.removeBinary != nil {
		defer o.removeBinary()
	}
	if o.mode == "controlled" {
		// Each child writes its failures' pages here; the report then
		// keeps one per failure group, beside the group's first log.
		dir, remove, err := cleanup.TempDir("interleave-stress-pages-*")
		if err != nil {
			return 0, err
		}
		defer remove()
		o.pagesDir = dir
	}

	var reports []*stress.Report
	interrupted := false
	var runErr error
	for i, strategy := range o.strategies {
		if i > 0 {
			fmt.Fprintln(o.statusW)
		}
		o.header(strategy)
		rep, err := o.runEngine(ctx, strategy)
		if rep == nil {
			return 0, err
		}
		reports = append(reports, rep)
		if ctx.Err() != nil {
			interrupted = true
		} else if err != nil {
			runErr = err
		}
		if !o.json {
			fmt.Fprintln(c.stdout)
			if interrupted {
				fmt.Fprintln(c.stdout, "interrupted: this report covers the children that finished; every log is kept")
			}
			fmt.Fprint(c.stdout, rep.Text())
		}
		if interrupted || runErr != nil {
			break
		}
	}

	comparison := ""
	if len(reports) == 2 {
		comparison = stress.Compare(reports[0], reports[1])
		if !o.json {
			fmt.Fprintf(c.stdout, "\n%s vs %s, %s mode:\n%s", reports[0].Name, reports[1].Name, o.mode, comparison)
		}
	}
	failed := false
	for _, r := range reports {
		failed = failed || r.Failures > 0
	}
	if o.json {
		if err := c.writeJSON(o.toJSON(reports, comparison, interrupted)); err != nil {
			return 0, err
		}
	}
	// Interrupted, the report is incomplete whatever it holds: 130, as a
	// shell reports a command that Ctrl-C ended.
	switch {
	case runErr != nil:
		return 0, runErr
	case interrupted:
		return exitInterrupted, nil
	case failed:
		return exitFound, nil
	}
	return exitPass, nil
}

// prepareBinary builds the scenarios test binary, or takes the one named by
// INTERLEAVE_TEST_BINARY.
func (o *stressOptions) prepareBinary(ctx context.Context) error {
	if o.pkg != "" {
		return o.preparePkgBinary(ctx)
	}
	root, rootErr := repoRoot()
	if rootErr == nil {
		o.childDir = filepath.Join(root, "scenarios") // where go test runs them
	}
	if bin := os.Getenv(testBinaryEnv); bin != "" {
		if _, err := os.Stat(bin); err != nil {
			return badInput("%s=%s: %v", testBinaryEnv, bin, err)
		}
		o.binary = bin
		return nil
	}
	if rootErr != nil {
		return rootErr
	}
	dir, remove, err := cleanup.TempDir("interleave-stress-bin-*") // removed on a second Ctrl-C too
	if err != nil {
		return err
	}
	b := gobuild.Options{Dir: root, Pkg: "./scenarios", Out: filepath.Join(dir, "scenarios.test")}
	if o.race {
		b.Flags = []string{"-race"}
	}
	fmt.Fprintf(o.statusW, "building: go %s\n", strings.Join(b.Args(), " "))
	if out, err := gobuild.Test(ctx, b); err != nil {
		remove()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		fmt.Fprintf(o.stderr, "%s", out)
		return fmt.Errorf("building the scenarios test binary: go test -c: %v (its output is above)", err)
	}
	o.binary, o.removeBinary = b.Out, remove
	return nil
}

// header says what a stress run is about to do.
func (o *stressOptions) header(strategy string) {
	w := o.statusW
	children := "until interrupted"
	if o.count > 0 {
		children = fmt.Sprintf("%d children", o.localCount)
	}
	shard := ""
	if o.shardN > 1 {
		shard = fmt.Sprintf(" (shard %d/%d of %d children in all)", o.shardI, o.shardN, o.count)
		if o.count == 0 {
			shard = fmt.Sprintf(" (shard %d/%d)", o.shardI, o.shardN)
		}
	}
	scs := "all scenarios"
	if len(o.scenarios) > 0 {
		scs = strings.Join(o.scenarios, ", ")
	}
	if o.pkg != "" {
		scs = fmt.Sprintf("%s (%s search)", o.search, o.mode)
		if o.search == "pct" {
			scs = fmt.Sprintf("pct(d=%d)", o.depth)
		}
	}
	seeds := fmt.Sprintf("%d seeds each (child i: seeds i*%d+1..i*%d+%d)", o.schedules, o.schedules, o.schedules, o.schedules)
	if o.schedules == 1 {
		seeds = "1 seed each (child i: seed i+1)"
	}
	fmt.Fprintf(w, "stress %s: %s%s, %d at a time, %s, %s mode, %s\n",
		strategy, children, shard, o.parallel, seeds, o.mode, scs)
	fmt.Fprintf(w, "first child: %s\n", shellJoin(append([]string{o.binary}, o.childArgs(strategy, o.seedOf(0))...)))
}

// runEngine runs one strategy's children.
func (o *stressOptions) runEngine(ctx context.Context, strategy string) (*stress.Report, error) {
	outDir := o.outDir
	if outDir != "" && len(o.strategies) > 1 {
		outDir = filepath.Join(outDir, strategy)
	}
	env := childEnv()
	if o.pkg != "" {
		env = append(env, "INTERLEAVE_STRESS=1") // schedtest's failure lines
	}
	eng, err := stress.New(stress.Config{
		Name:     strategy,
		Parallel: o.parallel,
		Count:    o.localCount,
		Timeout:  o.timeout,
		Failure:  o.failureRE,
		Ignore:   o.ignoreRE,
		OutDir:   outDir,
		FailFast: o.failFast,
		Status:   o.statusW,
		Live:     o.live,
		SeedOf:   o.seedOf,
		// A child that exits 0 must say it ran its seeds: one that ran
		// none (a range past the largest seed, say) is no pass.
		Check: stress.CheckSummary(o.schedules),
		Pages: o.pagesDir,
		NewCmd: func(ctx context.Context, run stress.Run) *exec.Cmd {
			args := o.childArgs(strategy, run.Seed)
			if o.pagesDir != "" {
				// Not in the first child's line: the directory is
				// temporary, and the page is not what that line is for.
				args = append(args, "-interleave.html="+o.pagesDir)
			}
			cmd := exec.CommandContext(ctx, o.binary, args...)
			cmd.Dir = o.childDir
			cmd.Env = env
			return cmd
		},
	})
	if err != nil {
		return nil, err
	}
	rep, err := eng.Run(ctx)
	if errors.Is(err, context.Canceled) {
		err = nil // reported as an interruption
	}
	if rep != nil {
		if perr := rep.PlacePages(); perr != nil {
			fmt.Fprintf(o.stderr, "interleave: %v\n", perr)
		}
	}
	return rep, err
}

// isTerminal reports whether w is a terminal, for the live status bar.
func isTerminal(w io.Writer) bool {
	f, ok := unwrap(w).(*os.File)
	return ok && fileIsTerminal(f)
}

// stressJSON is what stress prints with --json: the fields both backends
// share (memStressJSON and pgStressJSON add their own).
type stressJSON struct {
	Backend     string             `json:"backend"`
	Scenarios   []string           `json:"scenarios"`
	Interrupted bool               `json:"interrupted"`
	Reports     []stressReportJSON `json:"reports"`
	Comparison  string             `json:"comparison,omitempty"`
	// PValue is Fisher's exact test's, when two strategies are compared.
	PValue *float64 `json:"p_value,omitempty"`
}

// memStressJSON is stressJSON with -backend mem's own fields.
type memStressJSON struct {
	stressJSON
	Mode      string `json:"mode"`
	Schedules int    `json:"schedules"`
	Shard     string `json:"shard"`
	Race      bool   `json:"race"`
}

// stressReportJSON is one strategy's report with its failure rate.
type stressReportJSON struct {
	Strategy string `json:"strategy"`
	*stress.Report
	FailureRate float64 `json:"failure_rate"`
	// CILow and CIHigh bound the 95% Wilson interval of the failure rate
	// (CILow is 0 when nothing failed: CIHigh is then the upper bound).
	CILow  float64 `json:"ci_low"`
	CIHigh float64 `json:"ci_high"`
	Rate   string  `json:"rate"`
	// pg's own measurements; nil for mem.
	*pgReportJSON
}

// reportsJSON renders the reports, with the p-value of Fisher's exact test
// when there are two to compare; extra (nil, or one per report) adds pg's
// measurements.
func reportsJSON(reports []*stress.Report, extra []*pgReportJSON) ([]stressReportJSON, *float64) {
	out := []stressReportJSON{}
	for i, r := range reports {
		rate := r.Rate()
		lo, hi := rate.Interval()
		j := stressReportJSON{Strategy: r.Name, Report: r, FailureRate: rate.Proportion(), CILow: lo, CIHigh: hi, Rate: rate.String()}
		if extra != nil {
			j.pgReportJSON = extra[i]
		}
		out = append(out, j)
	}
	if len(reports) == 2 && reports[0].Runs > 0 && reports[1].Runs > 0 {
		p := stats.FisherExact(reports[0].Failures, reports[0].Runs, reports[1].Failures, reports[1].Runs)
		return out, &p
	}
	return out, nil
}

func (o *stressOptions) toJSON(reports []*stress.Report, comparison string, interrupted bool) memStressJSON {
	out := memStressJSON{
		stressJSON: stressJSON{Backend: "mem", Scenarios: o.scenarioArgs, Interrupted: interrupted, Comparison: comparison},
		Mode:       o.mode, Schedules: o.schedules, Shard: fmt.Sprintf("%d/%d", o.shardI, o.shardN), Race: o.race,
	}
	if out.Scenarios == nil {
		out.Scenarios = []string{}
	}
	out.Reports, out.PValue = reportsJSON(reports, nil)
	return out
}
