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
	"github.com/interleave/interleave/internal/testconfig"
	"github.com/interleave/interleave/sched"
)

// debugPkgUsage is the usage of `interleave debug -pkg`.
const debugPkgUsage = `usage: interleave debug -pkg DIR -schedule FILE [-run REGEXP] [-break FUNC]... [--trace [--json]]
       interleave debug -pkg DIR -run REGEXP -seed N [-search pct|random|dfs|dpor] [-depth D] [-preemptions B] [-break FUNC]... [--trace [--json]]

Runs one schedule of a go test that uses schedtest under the Delve
debugger (dlv): the schedule file a failure saved (the "To debug it" line
of its report prints this command), or the schedule of a seed. The test
binary of package DIR is built with go test -c -gcflags='all=-N -l' into a
temporary directory, removed afterwards, and runs in DIR with
INTERLEAVE_DEBUG=1, under which schedtest runs that one schedule and
nothing else (no determinism check, no saved schedules, no shrinking), so
every stop is in it. A relative FILE is taken from DIR, as go test takes
it; -run defaults to the test the file names (@test).

A breakpoint named 'failure' stops where the run fails (sched's fail, with
the failure's message in f.Msg, the step in rt.step and the failing task in
rt.cur.name); -break adds one at the entry of each function FUNC (a full
symbol or a unique suffix, such as bank.Transfer).

Without --trace, the breakpoints are set and the terminal is handed to
dlv's prompt. With --trace, dlv runs headless, each hit is printed as it
comes (goroutine, function, values), then the test's result; --json prints
them as one JSON object.

Flags:
  --pkg DIR          the package of the test
  --run REGEXP       the test, as go test -run takes it
  --schedule FILE    the schedule file to replay
  --seed N           or the schedule of seed N (for dfs and dpor: its index)
  --search K         pct, random or dfs (default pct)
  --depth D          PCT's bug depth (default 3)
  --preemptions B    DFS's bound (default 2)
  --break FUNC       also stop at the entry of FUNC (repeatable)
  --trace            record the hits and print them (no prompt)
  --json             with --trace: print one JSON object
  --timeout D        with --trace: bound the debugger run (default 2m)

Exit status: 0 when the session or trace ran to its end (whatever the
test's result); 2 when it could not: bad input, a missing dlv, a failed
build, a debugger failure or timeout; 130 when interrupted.
`

// isPkgDebug reports whether debug's arguments ask for package mode.
func isPkgDebug(args []string) bool {
	for _, a := range args {
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && name == "pkg" {
			return true
		}
	}
	return false
}

// pkgDbgOptions is a parsed `debug -pkg` command line.
type pkgDbgOptions struct {
	pkg, pkgDir, run string
	schedule         string // absolute
	seedArgs         []string
	breaks           []string
	trace, json      bool
	timeout          time.Duration
}

// multiFlag collects a repeatable flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func pkgDbgParse(args []string) (*pkgDbgOptions, error) {
	fs := flag.NewFlagSet("interleave debug", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o := &pkgDbgOptions{}
	fs.StringVar(&o.pkg, "pkg", "", "")
	fs.StringVar(&o.run, "run", "", "")
	schedule := fs.String("schedule", "", "")
	seed := fs.String("seed", "", "")
	search := fs.String("search", "pct", "")
	depth := fs.String("depth", "3", "")
	preemptions := fs.String("preemptions", "2", "")
	var breaks multiFlag
	fs.Var(&breaks, "break", "")
	fs.BoolVar(&o.trace, "trace", false, "")
	fs.BoolVar(&o.json, "json", false, "")
	fs.DurationVar(&o.timeout, "timeout", dlv.DefaultTimeout, "")
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
	o.breaks = breaks
	if o.json && !o.trace {
		return nil, badInput("debug: --json needs --trace")
	}
	if set["timeout"] && (!o.trace || o.timeout <= 0) {
		return nil, badInput("debug: --timeout needs --trace and a positive duration")
	}
	fi, err := os.Stat(o.pkg)
	if err != nil || !fi.IsDir() {
		return nil, badInput("debug: -pkg %q: not a package directory", o.pkg)
	}
	if o.pkgDir, err = filepath.Abs(o.pkg); err != nil {
		return nil, badInput("debug: -pkg %q: %v", o.pkg, err)
	}
	switch {
	case *schedule != "" && set["seed"]:
		return nil, badInput("debug: give -schedule FILE or -seed N, not both")
	case *schedule != "":
		for _, f := range []string{"search", "depth", "preemptions"} {
			if set[f] {
				return nil, badInput("debug: -schedule gives the choices: do not combine it with -%s", f)
			}
		}
		o.schedule = *schedule
		if !filepath.IsAbs(o.schedule) {
			o.schedule = filepath.Join(o.pkgDir, o.schedule) // as go test, run in the package, takes it
		}
		s, err := sched.ReadScheduleFile(o.schedule)
		if err != nil {
			return nil, badInput("debug: %s", oneLine(err))
		}
		if o.run == "" {
			test := s.Get("test")
			if test == "" {
				return nil, badInput("debug: %s names no test (@test): give -run", *schedule)
			}
			o.run = runPattern(test)
		}
	case set["seed"]:
		if o.run == "" {
			return nil, badInput("debug: -seed needs -run: the test whose schedule to debug")
		}
		flags := map[string]string{"seed": *seed, "search": *search, "depth": *depth, "preemptions": *preemptions}
		if _, err := testconfig.Load(testconfig.Config{}, []string{"seed", "search", "depth", "preemptions"}, flags, func(string) string { return "" }, nil); err != nil {
			return nil, badInput("debug: %s", strings.ReplaceAll(oneLine(err), "-interleave.", "-"))
		}
		o.seedArgs = []string{"-interleave.seed=" + *seed, "-interleave.search=" + *search, "-interleave.depth=" + *depth, "-interleave.preemptions=" + *preemptions}
	default:
		return nil, badInput("debug: -pkg needs -schedule FILE (the file a failure saved) or -run REGEXP -seed N")
	}
	for _, part := range strings.Split(o.run, "/") {
		if _, err := regexp.Compile(part); err != nil {
			return nil, badInput("debug: -run %q: %s", o.run, oneLine(err))
		}
	}
	return o, nil
}

// runPattern is the go test -run pattern that selects exactly the test (and
// subtest) name.
func runPattern(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}

// testArgs run exactly the one schedule.
func (o *pkgDbgOptions) testArgs(saveDir string) []string {
	args := []string{"-test.run=" + o.run, "-test.count=1", "-interleave.save=" + saveDir}
	if o.schedule != "" {
		return append(args, "-interleave.replay="+o.schedule)
	}
	return append(args, o.seedArgs...)
}

// env is the test binary's environment: INTERLEAVE_DEBUG=1, and the other
// INTERLEAVE_* settings blanked so that the flags alone decide.
func (o *pkgDbgOptions) env() []string {
	env := []string{"INTERLEAVE_DEBUG=1", "INTERLEAVE_STRESS="}
	for _, k := range []string{"seed", "schedules", "search", "depth", "preemptions", "mode", "save", "replay"} {
		env = append(env, testconfig.Env(k)+"=")
	}
	return env
}

// breakpoints are the failure's and -break's.
func (o *pkgDbgOptions) breakpoints() []dlv.Breakpoint {
	bps := []dlv.Breakpoint{{Function: modulePath + "/sched.(*Runtime).fail", Name: "failure", Vars: []string{"f.Msg", "rt.step", "rt.cur.name"}}}
	for i, b := range o.breaks {
		bps = append(bps, dlv.Breakpoint{Function: b, Name: "bp" + strconv.Itoa(i+1)})
	}
	return bps
}

// pkgDebugMain runs `interleave debug -pkg ...` and returns the exit
// status.
func pkgDebugMain(args []string, stdout, stderr io.Writer) int {
	o, err := pkgDbgParse(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, debugPkgUsage)
		return exitPass
	}
	if err == nil {
		err = o.run1(stdout, stderr)
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

func (o *pkgDbgOptions) run1(stdout, stderr io.Writer) error {
	root := moduleRoot(o.pkgDir)
	dlvPath, err := dbgFindDlv(root)
	if err != nil {
		return err
	}
	ctx, stop := dbgNotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	tmp, err := os.MkdirTemp("", "interleave-debug-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	binary := filepath.Join(tmp, "pkg.test")
	fmt.Fprintf(stderr, "interleave: building the test binary of %s (go test -c -gcflags='all=-N -l') ...\n", o.pkg)
	if err := dbgBuild(ctx, o.pkgDir, binary, false); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%w while building the test binary", errDbgInterrupted)
		}
		return &dbgToolError{err}
	}
	saveDir := filepath.Join(tmp, "schedules")
	args := o.testArgs(saveDir)
	bps := o.breakpoints()
	if o.trace {
		return o.runTrace(ctx, dlvPath, binary, args, bps, stdout)
	}
	ign := make(chan os.Signal, 1)
	signal.Notify(ign, os.Interrupt)
	defer signal.Stop(ign)
	ictx, istop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGHUP)
	defer istop()
	stop()
	fmt.Fprintf(stdout, "interleave debug: %s %s\n", o.pkg, o.run)
	fmt.Fprintf(stdout, "program: %s %s\n", filepath.Base(binary), shellJoin(args))
	fmt.Fprintf(stdout, "breakpoints (the expressions after # are worth printing at a stop):\n")
	for _, l := range dlv.BreakpointLines(bps) {
		fmt.Fprintf(stdout, "  %s\n", l)
	}
	fmt.Fprint(stdout, dbgWrap("The test runs this one schedule and nothing else. In dlv: continue, print EXPR, stack, goroutines -l (each task's goroutine is labelled interleave.task), exit.", 78))
	err = dlv.Interactive(ictx, dlv.InteractiveConfig{
		Dlv: dlvPath, Binary: binary, Args: args, Dir: o.pkgDir, Env: o.env(), Breakpoints: bps,
		Stdin: dbgStdin, Stdout: stdout, Stderr: stderr,
	})
	switch {
	case err != nil && ictx.Err() != nil:
		return fmt.Errorf("%w: dlv and the program were stopped", errDbgInterrupted)
	case err != nil:
		return &dbgToolError{err}
	}
	return nil
}

// pkgDbgJSON is what debug -pkg --trace --json prints.
type pkgDbgJSON struct {
	Package     string           `json:"package"`
	Run         string           `json:"run"`
	Schedule    string           `json:"schedule,omitempty"`
	Args        []string         `json:"args"`
	Breakpoints []dlv.Breakpoint `json:"breakpoints"`
	Hits        []dlv.Hit        `json:"hits"`
	Result      string           `json:"result"`
	ExitStatus  int              `json:"exit_status"`
}

func (o *pkgDbgOptions) runTrace(ctx context.Context, dlvPath, binary string, args []string, bps []dlv.Breakpoint, stdout io.Writer) error {
	if !o.json {
		fmt.Fprintf(stdout, "interleave debug: %s %s\n", o.pkg, o.run)
		fmt.Fprintf(stdout, "program: %s %s\n", filepath.Base(binary), shellJoin(args))
		fmt.Fprintf(stdout, "breakpoints:\n")
		for _, l := range dlv.BreakpointLines(bps) {
			fmt.Fprintf(stdout, "  %s\n", l)
		}
		fmt.Fprintln(stdout)
	}
	res, err := dlv.Trace(ctx, dlv.TraceConfig{
		Dlv: dlvPath, Binary: binary, Args: args, Dir: o.pkgDir, Env: o.env(), Breakpoints: bps, Timeout: o.timeout,
		OnHit: func(h dlv.Hit) {
			if !o.json {
				one := dlv.TraceResult{Hits: []dlv.Hit{h}}
				fmt.Fprint(stdout, one.Text())
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
	result := testResult(res.Stdout+"\n"+res.Stderr, res.ExitStatus)
	if o.json {
		out := pkgDbgJSON{Package: o.pkg, Run: o.run, Schedule: o.schedule, Args: args, Breakpoints: bps, Hits: res.Hits, Result: result, ExitStatus: res.ExitStatus}
		if out.Hits == nil {
			out.Hits = []dlv.Hit{}
		}
		return writeJSONTo(stdout, out)
	}
	fmt.Fprintf(stdout, "\n%d hits\nresult: %s\n", len(res.Hits), result)
	return nil
}

// testResult sums up a test binary's output: the first line of its
// failure report, or pass.
func testResult(output string, status int) string {
	for _, line := range strings.Split(output, "\n") {
		i := strings.Index(line, "interleave: ")
		if i < 0 {
			continue
		}
		if rest := line[i:]; strings.Contains(rest, " fails: ") || strings.HasPrefix(rest, "interleave: replayed ") && !strings.Contains(rest, ": pass (") {
			return "fail: " + strings.TrimSpace(rest)
		}
	}
	if status == 0 {
		if strings.Contains(output, "no tests to run") {
			return "no test ran: check -run"
		}
		return "pass"
	}
	return fmt.Sprintf("fail (the test binary exited with status %d)", status)
}

// moduleRoot is the directory of the go.mod above dir, or dir.
func moduleRoot(dir string) string {
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			return dir
		}
		d = parent
	}
}
