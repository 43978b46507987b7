package schedtest

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/interleave/interleave/internal/testconfig"
	"github.com/interleave/interleave/sched"
)

// keys are the settings Check reads, as -interleave.<key> and
// INTERLEAVE_<KEY>.
var keys = []string{"seed", "schedules", "search", "depth", "preemptions", "mode", "save", "replay"}

func init() {
	testconfig.Register(keys, func(k string) string { return "schedtest: " + testconfig.Docs[k] })
}

// DefaultDir is where failing schedules are saved, one directory per test,
// relative to the test's package directory.
const DefaultDir = "testdata/interleave"

// progressEvery is how often a long search reports on stderr.
const progressEvery = 10 * time.Second

// An Option changes a default of Check. The -interleave.* flags and
// INTERLEAVE_* variables override it.
type Option func(*settings)

type settings struct {
	cfg       testconfig.Config
	budgetSet bool
	maxSteps  int
	dir       string
	stall     time.Duration
}

// Schedules sets the number of schedules to explore (for DFS, a cap).
func Schedules(n int) Option {
	return func(s *settings) { s.cfg.Schedules, s.budgetSet = n, true }
}

// Search sets the search: "random", "pct" or "dfs".
func Search(kind string) Option { return func(s *settings) { s.cfg.Search = kind } }

// Depth sets PCT's bug depth.
func Depth(d int) Option { return func(s *settings) { s.cfg.Depth = d } }

// Preemptions sets DFS's bound on preemptions, and the same bound on data
// choices (a select case or a Choose other than the first): B of each at
// most (< 0: none).
func Preemptions(b int) Option { return func(s *settings) { s.cfg.Preemptions = b } }

// MaxSteps sets the step limit of each run (sched.Options.MaxSteps).
func MaxSteps(n int) Option { return func(s *settings) { s.maxSteps = n } }

// SaveDir sets the directory failing schedules are saved under (one
// directory per test inside it).
func SaveDir(dir string) Option { return func(s *settings) { s.dir = dir } }

// StallTimeout sets sched.Options.StallTimeout of each run.
func StallTimeout(d time.Duration) Option { return func(s *settings) { s.stall = d } }

var (
	parseOnce sync.Once
	flagsSet  map[string]string
)

// load applies the flags and variables over the defaults in s.
func load(s settings) (testconfig.Config, error) {
	parseOnce.Do(func() {
		if flag.Parsed() {
			flagsSet = testconfig.CommandLine()
		}
	})
	c, err := testconfig.Load(s.cfg, keys, flagsSet, os.Getenv, nil)
	if err == nil && c.SeedSet && c.SchedulesSet {
		if err := testconfig.CheckSeedRange(c.Seed, int64(c.Schedules)); err != nil {
			return c, fmt.Errorf("-interleave.seed=%d with -interleave.schedules=%d: %w", c.Seed, c.Schedules, err)
		}
	}
	return c, err
}

// Outcome is what an exploration found.
type Outcome struct {
	// Schedules counts the schedules run (the saved ones replayed first
	// not included).
	Schedules int
	// Exhausted is true when a DFS ran every schedule within its bound.
	Exhausted bool
	// Failure is the failing run reported: the shrunk one, for a failure
	// found by the search. It is nil when every schedule passed.
	Failure *sched.Failure
	// Schedule replays Failure.
	Schedule *sched.Schedule
	// Report is what Check fails the test with: the failure, its story
	// and the lines that rerun it.
	Report string
	// Saved is the path of the schedule file written for the failure, if
	// one was.
	Saved string
	// Repro is the go test line that reruns the failure; Debug is the
	// interleave debug line that opens it in the debugger.
	Repro     string
	Debug     string
	signature string
}

// Check explores the schedules of body, which runs as the main task of
// each run, and fails t with the story and the reproduce lines of the first
// schedule that fails (see the package documentation).
func Check(t testing.TB, body func(rt *sched.Runtime), opts ...Option) {
	t.Helper()
	if o := Explore(t, body, opts...); o.Failure != nil {
		if os.Getenv("INTERLEAVE_STRESS") == "1" {
			emitFailure(o.signature, o.Repro, o.Debug)
		}
		t.Fatal(o.Report)
	}
}

// Explore is Check without the verdict: it explores body in the same way
// (saved schedules first, then the search; a failure is shrunk and saved)
// and returns what it found, for tests that expect a failure or count
// schedules. It fails t only for what is wrong with the test itself: bad
// settings, an unreadable schedule file, a body that is not a function of
// its schedule.
func Explore(t testing.TB, body func(rt *sched.Runtime), opts ...Option) Outcome {
	t.Helper()
	s := settings{cfg: testconfig.Config{Schedules: 100, Search: "pct", Depth: 3, Preemptions: 2, Mode: "controlled"}, dir: DefaultDir}
	for _, o := range opts {
		o(&s)
	}
	cfg, err := load(s)
	if err != nil {
		t.Fatalf("interleave: %v", err)
	}
	if cfg.Save != "" {
		s.dir = cfg.Save
	}
	c := &checker{t: t, body: body, cfg: cfg, set: s, dir: testDir(s.dir, t.Name()), debugging: os.Getenv(debugEnv) == "1"}
	switch {
	case cfg.Replay != "":
		c.replayFile(cfg.Replay)
	case cfg.Mode == "wild":
		c.wild()
	case c.debugging:
		c.explore()
	default:
		c.determinism()
		if c.replayCorpus(); c.out.Failure == nil {
			c.explore()
		}
	}
	return c.out
}

type checker struct {
	t    testing.TB
	body func(rt *sched.Runtime)
	cfg  testconfig.Config
	set  settings
	dir  string // this test's directory of saved schedules
	out  Outcome
	// debugging is set under interleave debug (INTERLEAVE_DEBUG=1): the
	// schedule asked for is the only run, so that the debugger's
	// breakpoints stop in it alone.
	debugging bool
}

// debugEnv, set to 1 by interleave debug, makes Check run the one
// schedule it is given and nothing else: no determinism check, no saved
// schedules, and a failure reported as found, neither replayed nor shrunk.
const debugEnv = "INTERLEAVE_DEBUG"

func (c *checker) opts(strat sched.Strategy, trace bool) sched.Options {
	return sched.Options{Strategy: strat, MaxSteps: c.set.maxSteps, Trace: trace, StallTimeout: c.set.stall}
}

// determinism fails the test when two runs of one schedule differ: the
// body keeps state between runs, or depends on something the scheduler
// does not control.
func (c *checker) determinism() {
	c.t.Helper()
	opts := c.opts(sched.Random(1), false)
	if f := sched.CheckDeterminism(c.body, opts); f != nil {
		c.t.Fatalf("interleave: the test body is not a function of its schedule (state kept between runs, or something the scheduler does not control: the clock, the global rand, a goroutine of its own): %v", f)
	}
}

// seeds are the schedules to run: 1..Schedules; the one -interleave.seed
// names; or, with -interleave.schedules too, Schedules of them from that
// one on (how interleave stress gives each child its seeds).
func (c *checker) seeds() []int64 {
	first, n := int64(1), c.cfg.Schedules
	if c.cfg.SeedSet {
		first = c.cfg.Seed
		if !c.cfg.SchedulesSet {
			n = 1
		}
	}
	out := make([]int64, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, first+int64(i))
	}
	return out
}

// searchName describes the search, as in reports.
func (c *checker) searchName() string {
	switch c.cfg.Search {
	case "pct":
		return fmt.Sprintf("pct(d=%d)", c.cfg.Depth)
	case "dfs":
		if c.cfg.Preemptions < 0 {
			return "dfs(unbounded)"
		}
		return fmt.Sprintf("dfs(bound %d)", c.cfg.Preemptions)
	}
	return c.cfg.Search
}

// explore runs the configured search until a failure or the budget.
func (c *checker) explore() {
	c.t.Helper()
	prog := progress{name: c.t.Name(), search: c.searchName(), last: time.Now()}
	if c.cfg.Search == "dfs" {
		c.exploreDFS(&prog)
		return
	}
	seeds := c.seeds()
	steps := 0
	if c.cfg.Search == "pct" {
		steps = sched.Calibrate(c.body, c.set.maxSteps)
	}
	for _, seed := range seeds {
		strat := sched.Random(seed)
		if c.cfg.Search == "pct" {
			strat = sched.PCT(seed, c.cfg.Depth, steps)
		}
		res := sched.Run(c.body, c.opts(strat, false))
		c.out.Schedules++
		if res.Failure != nil {
			c.fail(res, seed, len(seeds))
			return
		}
		prog.tick(c.out.Schedules)
	}
	c.t.Logf("interleave: %d schedules of %s, no failure", len(seeds), c.searchName())
}

func (c *checker) exploreDFS(prog *progress) {
	c.t.Helper()
	dfs := sched.DFSBounded(c.cfg.Preemptions, c.cfg.Preemptions)
	budget := 0
	if c.cfg.SchedulesSet || c.set.budgetSet {
		budget = c.cfg.Schedules
	}
	if c.cfg.SeedSet {
		for i := int64(0); i < c.cfg.Seed; i++ {
			if !dfs.Start() {
				c.t.Fatalf("interleave: -interleave.seed=%d: %s has only %d schedules", c.cfg.Seed, c.searchName(), i)
			}
			sched.Run(c.body, c.opts(started{dfs}, false))
		}
		if !dfs.Start() {
			c.t.Fatalf("interleave: -interleave.seed=%d: %s has only %d schedules", c.cfg.Seed, c.searchName(), c.cfg.Seed)
		}
		c.out.Schedules++
		if res := sched.Run(c.body, c.opts(started{dfs}, false)); res.Failure != nil {
			c.fail(res, c.cfg.Seed, 1)
			return
		}
		c.t.Logf("interleave: schedule %d of %s passes", c.cfg.Seed, c.searchName())
		return
	}
	if c.cfg.Preemptions < 0 && budget == 0 {
		fmt.Fprintf(os.Stderr, "interleave: %s: dfs without a bound and without a budget: the search may not end; progress every %v (-interleave.preemptions=N bounds it, -interleave.schedules=N caps it)\n", c.t.Name(), progressEvery)
	}
	n := 0
	for budget <= 0 || n < budget {
		if !dfs.Start() {
			c.out.Exhausted = true
			c.t.Logf("interleave: %s exhausted: all %d schedules pass", c.searchName(), n)
			return
		}
		res := sched.Run(c.body, c.opts(started{dfs}, false))
		c.out.Schedules++
		if res.Failure != nil {
			c.fail(res, int64(n), n+1)
			return
		}
		n++
		prog.tick(n)
	}
	c.t.Logf("interleave: %d schedules of %s, no failure; the budget ran out before the search did", n, c.searchName())
}

// started wraps a strategy whose Start the caller has already called.
type started struct{ sched.Strategy }

func (started) Start() bool { return true }

// progress reports a long search on stderr every progressEvery (on w and
// every `every` in tests). Wall time decides only when a line is printed,
// never what runs.
type progress struct {
	name, search string
	start, last  time.Time
	w            io.Writer
	every        time.Duration
}

func (p *progress) tick(n int) {
	if p.start.IsZero() {
		p.start = p.last
	}
	every, w := p.every, p.w
	if every == 0 {
		every, w = progressEvery, os.Stderr
	}
	if time.Since(p.last) < every {
		return
	}
	p.last = time.Now()
	fmt.Fprintf(w, "interleave: %s: %s: %d schedules in %v, no failure yet\n", p.name, p.search, n, time.Since(p.start).Round(time.Second))
}

// wild runs the body on real goroutines with jitter, seeds as random's.
func (c *checker) wild() {
	c.t.Helper()
	seeds := c.seeds()
	for _, seed := range seeds {
		res := sched.RunWild(c.body, sched.WildOptions{Seed: seed, Jitter: 0.3})
		c.out.Schedules++
		if res.Failure == nil {
			continue
		}
		line := c.goTest("-interleave.mode=wild", fmt.Sprintf("-interleave.seed=%d", seed), "-interleave.schedules=1")
		c.found(res.Failure, nil, line, fmt.Sprintf("interleave: wild run with seed %d fails: %v\n\nWild runs are not reproducible: the Go scheduler decides, and the seed only places the jitter. This reruns the seed, which may pass:\n  %s\nFor a schedule that fails every time, explore under control (without -interleave.mode=wild).",
			seed, res.Failure, line))
		return
	}
	c.t.Logf("interleave: %d wild runs, no failure", len(seeds))
}

// signature groups failures across seeds for interleave stress: the test,
// the kind, and the message with its numbers blurred.
func (c *checker) signature(f *sched.Failure) string {
	msg := f.Msg
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	var b strings.Builder
	digits := false
	for _, r := range msg {
		if r >= '0' && r <= '9' {
			if !digits {
				b.WriteByte('N')
			}
			digits = true
			continue
		}
		digits = false
		b.WriteRune(r)
	}
	return fmt.Sprintf("%s: %s: %s", c.t.Name(), f.Kind, b.String())
}
