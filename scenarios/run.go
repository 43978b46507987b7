package scenarios

import (
	"fmt"
	"strings"
	"time"

	"github.com/interleave/interleave/harness"
	"github.com/interleave/interleave/sched"
)

// Spec names one schedule: a scenario, a merge strategy, a search and a
// seed. For random and PCT the seed picks the schedule (and, for generated
// scenarios, the workload); for DFS it is the 0-based index of the schedule
// in the search's order.
type Spec struct {
	Scenario *Scenario
	Strategy harness.MergeStrategy
	Search   Search
	Seed     int64
	// Trace records the run's timeline (slower; failures found without it
	// are replayed with it).
	Trace bool
	// MaxSteps bounds the run (0: the scheduler's default).
	MaxSteps int
}

// RunResult is the outcome of one schedule.
type RunResult struct {
	Spec       Spec
	Verdict    Verdict
	Violations []harness.Violation
	// Failure is set for every failing run: an oracle violation is a
	// failure of kind Assertion; a deadlock, panic or step limit means
	// the model itself is broken.
	Failure  *sched.Failure
	Schedule *sched.Schedule
	Trace    *sched.Trace
	Steps    int
	// Preemptions counts switches away from a runnable task.
	Preemptions int
}

// workload returns the scenario's workload for the spec's seed.
func (sp Spec) workload() harness.Workload {
	if sp.Scenario.Generated {
		return sp.Scenario.Build(NewGen(sp.Seed))
	}
	return sp.Scenario.Build(zeroGen{})
}

// calibrate counts the choice points of a run that never preempts: the
// estimate of k that PCT needs. It is a function of the workload only, so
// seed N of PCT names the same schedule in every process.
func calibrate(wl harness.Workload, s harness.MergeStrategy, pool *sched.Pool) int {
	res := sched.Run(wl.Body(s, nil), sched.Options{Strategy: sched.Chooser(func(int) int { return 0 }), Pool: pool})
	return max(len(res.Schedule.Choices), 1)
}

// strategyFor returns the scheduling strategy of a random or PCT spec.
func (sp Spec) strategyFor(wl harness.Workload, pool *sched.Pool) sched.Strategy {
	switch sp.Search.Kind {
	case "pct":
		return sched.PCT(sp.Seed, sp.Search.Depth, calibrate(wl, sp.Strategy, pool))
	default:
		return sched.Random(sp.Seed)
	}
}

// Run runs the one schedule the spec names.
func Run(sp Spec) *RunResult {
	var pool sched.Pool
	defer pool.Close()
	wl := sp.workload()
	if sp.Search.Kind == "dfs" {
		return runDFSIndex(sp, wl, &pool)
	}
	return runWith(sp, wl, sp.strategyFor(wl, &pool), &pool)
}

// runWith runs the spec's schedule under strat; pool may be nil.
func runWith(sp Spec, wl harness.Workload, strat sched.Strategy, pool *sched.Pool) *RunResult {
	var out harness.Outcome
	res := sched.Run(wl.Body(sp.Strategy, &out), sched.Options{Strategy: strat, Trace: sp.Trace, MaxSteps: sp.MaxSteps, Pool: pool})
	r := &RunResult{Spec: sp, Verdict: Pass, Violations: out.Violations, Failure: res.Failure,
		Schedule: res.Schedule, Trace: res.Trace, Steps: res.Steps, Preemptions: res.Preemptions}
	if res.Failure != nil {
		r.Verdict = Fail
	}
	r.Schedule.Meta = make([]sched.MetaField, 0, 8)
	r.Schedule.Set("scenario", sp.Scenario.Name)
	r.Schedule.Set("strategy", sp.Strategy.Name())
	r.Schedule.Set("search", sp.Search.Kind)
	r.Schedule.Set("seed", fmt.Sprint(sp.Seed))
	if sp.Search.Kind == "pct" {
		r.Schedule.Set("depth", fmt.Sprint(sp.Search.Depth))
	}
	if sp.Search.Kind == "dfs" {
		r.Schedule.Set("preemptions", fmt.Sprint(sp.Search.Preemptions))
	}
	if r.Failure != nil {
		r.Schedule.Set("verdict", string(Fail))
	} else {
		r.Schedule.Set("verdict", string(Pass))
	}
	return r
}

// runDFSIndex runs the DFS schedule with index sp.Seed by walking the
// search from its start.
func runDFSIndex(sp Spec, wl harness.Workload, pool *sched.Pool) *RunResult {
	dfs := sched.DFS(sp.Search.Preemptions)
	body := wl.Body(sp.Strategy, nil)
	for i := int64(0); i < sp.Seed; i++ {
		if !dfs.Start() {
			return &RunResult{Spec: sp, Verdict: Pass, Failure: &sched.Failure{Kind: sched.StrategyError,
				Msg: fmt.Sprintf("dfs has only %d schedules; seed %d is past the end", i, sp.Seed)}}
		}
		sched.Run(body, sched.Options{Strategy: startedStrategy{dfs}, Pool: pool})
	}
	if !dfs.Start() {
		return &RunResult{Spec: sp, Verdict: Pass, Failure: &sched.Failure{Kind: sched.StrategyError,
			Msg: fmt.Sprintf("dfs has only %d schedules; seed %d is past the end", sp.Seed, sp.Seed)}}
	}
	return runWith(sp, wl, startedStrategy{dfs}, pool)
}

// startedStrategy wraps a strategy whose Start the caller already called.
type startedStrategy struct{ sched.Strategy }

func (startedStrategy) Start() bool { return true }

// Replay runs a recorded schedule of a scenario under a strategy. With
// guided set, the schedule steers the run as far as it applies (for a
// different strategy than the one that recorded it); otherwise a run that
// departs from it fails as a divergence.
func Replay(sc *Scenario, strategy harness.MergeStrategy, s *sched.Schedule, guided, trace bool) *RunResult {
	sp := Spec{Scenario: sc, Strategy: strategy, Trace: trace}
	sp.Search.Kind = s.Get("search")
	fmt.Sscan(s.Get("seed"), &sp.Seed)
	fmt.Sscan(s.Get("depth"), &sp.Search.Depth)
	fmt.Sscan(s.Get("preemptions"), &sp.Search.Preemptions)
	if search, err := ParseSearch(sp.Search.Kind, sp.Search.Depth, sp.Search.Preemptions); err == nil {
		sp.Search = search // the defaults for what the schedule does not say
	}
	strat := sched.Replay(s)
	if guided {
		strat = sched.Guided(s)
	}
	r := runWith(sp, sp.workload(), strat, nil)
	for _, m := range s.Meta {
		if r.Schedule.Get(m.Key) == "" {
			r.Schedule.Set(m.Key, m.Value)
		}
	}
	return r
}

// ExploreResult sums up an exploration.
type ExploreResult struct {
	Scenario  string
	Strategy  string
	Search    Search
	Schedules int
	// Steps counts the scheduling steps of all the schedules run.
	Steps    int
	Failures int
	// FirstFailure is the index (from 0) of the first failing schedule,
	// or -1.
	FirstFailure int
	// First is the first failing run, replayed with its trace.
	First *RunResult
	// Exhausted is true when a DFS ran every schedule within its bound.
	Exhausted bool
	Elapsed   time.Duration
}

// Verdict is Fail when any schedule failed.
func (e *ExploreResult) Verdict() Verdict {
	if e.Failures > 0 {
		return Fail
	}
	return Pass
}

// Explore runs budget schedules of sp's scenario and strategy, seeds
// sp.Seed, sp.Seed+1, ... (DFS: from the start, budget <= 0 meaning until
// exhausted). With stopAtFirst it stops at the first failure.
func Explore(sp Spec, budget int, stopAtFirst bool) *ExploreResult {
	start := time.Now()
	er := &ExploreResult{Scenario: sp.Scenario.Name, Strategy: sp.Strategy.Name(), Search: sp.Search, FirstFailure: -1}
	defer func() { er.Elapsed = time.Since(start) }()
	var pool sched.Pool
	defer pool.Close()
	if sp.Search.Kind == "dfs" {
		exploreDFS(sp, budget, stopAtFirst, er, &pool)
		return er
	}
	var fixedWL *harness.Workload
	var steps int
	if !sp.Scenario.Generated {
		wl := sp.workload()
		fixedWL = &wl
		steps = calibrate(wl, sp.Strategy, &pool)
	}
	for i := 0; i < budget; i++ {
		run := sp
		run.Seed = sp.Seed + int64(i)
		run.Trace = false
		var wl harness.Workload
		var strat sched.Strategy
		if fixedWL != nil {
			wl = *fixedWL
			if run.Search.Kind == "pct" {
				strat = sched.PCT(run.Seed, run.Search.Depth, steps)
			} else {
				strat = sched.Random(run.Seed)
			}
		} else {
			wl = run.workload()
			strat = run.strategyFor(wl, &pool)
		}
		r := runWith(run, wl, strat, &pool)
		er.Schedules++
		er.Steps += r.Steps
		if r.Failure == nil {
			continue
		}
		er.Failures++
		if er.FirstFailure < 0 {
			er.FirstFailure = i
			run.Trace = true
			er.First = Run(run)
		}
		if stopAtFirst {
			return er
		}
	}
	return er
}

func exploreDFS(sp Spec, budget int, stopAtFirst bool, er *ExploreResult, pool *sched.Pool) {
	wl := sp.workload()
	dfs := sched.DFS(sp.Search.Preemptions)
	for budget <= 0 || er.Schedules < budget {
		if !dfs.Start() {
			er.Exhausted = true
			return
		}
		run := sp
		run.Seed = int64(er.Schedules)
		r := runWith(run, wl, startedStrategy{dfs}, pool)
		er.Schedules++
		er.Steps += r.Steps
		if r.Failure == nil {
			continue
		}
		er.Failures++
		if er.FirstFailure < 0 {
			er.FirstFailure = er.Schedules - 1
			traced := Replay(sp.Scenario, sp.Strategy, r.Schedule, false, true)
			traced.Spec.Seed = run.Seed
			er.First = traced
		}
		if stopAtFirst {
			return
		}
	}
}

// Repro returns the one line that reruns this schedule with go test.
func (r *RunResult) Repro() string {
	sp := r.Spec
	if sp.Scenario.Source != "" {
		return fmt.Sprintf("go test ./scenarios -run 'TestScripts/%s/%s$' -interleave.strategy=%s -interleave.search=%s -interleave.depth=%d -interleave.seed=%d",
			scriptTestName(sp.Scenario), sp.Strategy.Name(), sp.Strategy.Name(), sp.Search.Kind, sp.Search.Depth, sp.Seed)
	}
	return fmt.Sprintf("go test ./scenarios -run 'TestScenarios/%s/%s/seed=%d$' -interleave.strategy=%s -interleave.seed=%d -interleave.search=%s -interleave.depth=%d -interleave.preemptions=%d",
		sp.Scenario.Name, sp.Strategy.Name(), sp.Seed, sp.Strategy.Name(), sp.Seed, sp.Search.Kind, sp.Search.Depth, sp.Search.Preemptions)
}

// CLI returns the interleave command line that reruns this schedule.
func (r *RunResult) CLI() string {
	sp := r.Spec
	name := sp.Scenario.Name
	if sp.Scenario.Source != "" {
		name = sp.Scenario.Source
	}
	return fmt.Sprintf("interleave run --scenario %s --strategy %s --search %s --depth %d --preemptions %d --seed %d --trace",
		name, sp.Strategy.Name(), sp.Search.Kind, sp.Search.Depth, sp.Search.Preemptions, sp.Seed)
}

// Summary is the one-line verdict with the violations or failure.
func (r *RunResult) Summary() string {
	if r.Failure == nil {
		return fmt.Sprintf("%s / %s / %s seed %d: pass (%d steps)", r.Spec.Scenario.Name, r.Spec.Strategy.Name(), r.Spec.Search, r.Spec.Seed, r.Steps)
	}
	what := r.Failure.Error()
	if r.Failure.Kind != sched.Assertion {
		what = "model failure (not an oracle verdict): " + what
	}
	return fmt.Sprintf("%s / %s / %s seed %d: fail: %s", r.Spec.Scenario.Name, r.Spec.Strategy.Name(), r.Spec.Search, r.Spec.Seed, what)
}

// Story renders the failing run in words: the notes of the trace (cache
// appends, notifies committed and delivered, what each merge looked up, the
// cursor, each delivery), step by step, then what the oracle found.
func (r *RunResult) Story() string {
	var b strings.Builder
	if r.Trace == nil {
		return "(run without a trace; rerun with --trace)\n"
	}
	for _, e := range r.Trace.Events {
		if e.Kind != sched.NoteEvent {
			continue
		}
		fmt.Fprintf(&b, "step %3d  %-18s %s\n", e.Step, r.Trace.TaskName(e.Task), e.Text)
	}
	for _, v := range r.Violations {
		fmt.Fprintf(&b, "=> %s\n", v)
	}
	if r.Failure != nil && len(r.Violations) == 0 {
		fmt.Fprintf(&b, "=> %s\n", r.Failure.Error())
	}
	return b.String()
}

// Report is everything a reader needs about a failing run: the summary, the
// story, the preemption count, and the lines that reproduce it.
func (r *RunResult) Report() string {
	var b strings.Builder
	fmt.Fprintln(&b, r.Summary())
	fmt.Fprintf(&b, "%d steps, %d preemptions, trace hash %s\n", r.Steps, r.Preemptions, traceHash(r.Trace))
	b.WriteString(r.Story())
	fmt.Fprintf(&b, "To reproduce: %s\n", r.Repro())
	return b.String()
}

func traceHash(t *sched.Trace) string {
	if t == nil {
		return "(untraced)"
	}
	return t.Hash()
}

// ShrinkResult shrinks a failing run's schedule to the fewest preemptions
// that still break the oracle (sched.Shrink) and returns it replayed with
// its trace. The seed still reproduces the original run; the shrunk one
// replays from its schedule (SaveSchedule, interleave replay).
func ShrinkResult(r *RunResult) *RunResult {
	if r.Failure == nil || r.Schedule == nil {
		return r
	}
	wl := r.Spec.workload()
	isOracle := r.Failure.Kind == sched.Assertion
	small := sched.Shrink(wl.Body(r.Spec.Strategy, nil), r.Schedule, func(x *sched.Result) bool {
		return (x.Failure.Kind == sched.Assertion) == isOracle
	}, sched.Options{MaxSteps: r.Spec.MaxSteps})
	out := Replay(r.Spec.Scenario, r.Spec.Strategy, small.Schedule, false, true)
	out.Spec = r.Spec
	out.Spec.Trace = true
	out.Schedule.Set("shrunk-from", fmt.Sprintf("%d preemptions", r.Preemptions))
	return out
}
