package scenarios

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
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
	Strategy harness.Design
	// Search is random, pct, dfs or dpor for Run. In the Spec of a replayed run
	// (RunResult.Replayed) it is what the schedule records of how its
	// choices were made: also shrunk, guided, or empty when it does not
	// say.
	Search Search
	Seed   int64
	// Trace records the run's timeline (slower; failures found without it
	// are replayed with it).
	Trace bool
	// MaxSteps bounds the run (0: the scheduler's default).
	MaxSteps int
}

// RunResult is the outcome of one schedule.
type RunResult struct {
	Spec Spec
	// WorkloadSeed is the seed a generated scenario drew its workload from:
	// Spec.Seed for a run by seed, the schedule's @workload-seed for a
	// replay. Fixed workloads ignore it.
	WorkloadSeed int64
	// Replayed is set when the run replayed a recorded schedule rather than
	// running a seed: the lines that rerun it then name the schedule file.
	Replayed   *Replayed
	Verdict    Verdict
	Violations []harness.Violation
	// Failure is set for every failing run: an oracle violation is a
	// failure of kind Assertion; a deadlock, panic or step limit means
	// the model itself is broken.
	Failure *sched.Failure
	// Schedule is the run's choices, with the metadata that reruns them
	// (see the package doc, # Schedule files).
	Schedule *sched.Schedule
	Trace    *sched.Trace
	Steps    int
	// Preemptions counts switches away from a runnable task.
	Preemptions int
	// Pruned is set for a schedule of a dpor search that was abandoned as
	// redundant: it ended early, without a verdict of its own.
	Pruned bool

	// outcome is the run's own, while it runs (in the result's memory):
	// emptied once its violations are copied.
	outcome harness.Outcome
}

// workloadFor returns the scenario's workload for a workload seed.
func workloadFor(sc *Scenario, seed int64) harness.Workload {
	if sc.Generated {
		return sc.Build(NewGen(seed))
	}
	return sc.Build(zeroGen{})
}

// workload returns the scenario's workload for the spec's seed.
func (sp Spec) workload() harness.Workload { return workloadFor(sp.Scenario, sp.Seed) }

// calibrate counts the choice points of a run that never preempts: the
// estimate of k that PCT needs. It is a function of the workload only, so
// seed N of PCT names the same schedule in every process.
func calibrate(wl harness.Workload, s harness.Design, pool *sched.Pool) int {
	res := sched.Run(wl.Body(s, nil), sched.Options{Strategy: sched.Chooser(func(int) int { return 0 }), Pool: pool})
	ended(wl, res)
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
	if sp.Search.Exhaustive() {
		return runDFSIndex(sp, wl, &pool)
	}
	return runSeed(sp, wl, sp.strategyFor(wl, &pool), &pool)
}

// runSeed runs a spec's schedule under strat and records the seed that
// names it; pool may be nil.
func runSeed(sp Spec, wl harness.Workload, strat sched.Strategy, pool *sched.Pool) *RunResult {
	r := runWith(sp, wl, strat, pool, nil)
	r.WorkloadSeed = sp.Seed
	r.record(seedOrigin(sp.Search, sp.Seed))
	return r
}

// runWith runs the workload under strat; pool may be nil. It records the
// run in spare, if not nil: the result of an earlier run nobody can reach
// any more (one that did not stall). (interleave debug stops at its entry,
// reading sp.Trace, to find the schedule's own run among the runs a test
// makes: keep its name and that parameter.)
func runWith(sp Spec, wl harness.Workload, strat sched.Strategy, pool *sched.Pool, spare *RunResult) *RunResult {
	r := spare
	if r == nil {
		r = new(RunResult)
	}
	out := r.outcome // empty, but for the function its Body made (Reset)
	*r = RunResult{Spec: sp, Verdict: Pass, outcome: out}
	res := sched.Run(wl.Body(sp.Strategy, &r.outcome), sched.Options{Strategy: strat, Trace: sp.Trace, MaxSteps: sp.MaxSteps, Pool: pool})
	ended(wl, res)
	r.Violations, r.Failure, r.Schedule, r.Trace, r.Steps, r.Preemptions, r.Pruned =
		r.outcome.Violations, res.Failure, res.Schedule, res.Trace, res.Steps, res.Preemptions, res.Pruned
	r.outcome.Reset() // its world is the next run's
	if res.Failure != nil {
		r.Verdict = Fail
	}
	return r
}

// reusing returns wl with a harness.Reuse of its own: the runs of one
// exploration, one after another, reset one world in place.
func reusing(wl harness.Workload) harness.Workload {
	wl.Config.Reuse = new(harness.Reuse)
	return wl
}

// ended lets the next run reuse the world of a run that ended, unless a
// task of it may still be running (a stall: it blocked outside the
// scheduler).
func ended(wl harness.Workload, res *sched.Result) {
	if res.Failure != nil && res.Failure.Kind == sched.Stall {
		wl.Config.Reuse.Forget()
	}
}

// seedOrigin is the metadata of a schedule that a search's seed names.
func seedOrigin(search Search, seed int64) []sched.MetaField {
	out := []sched.MetaField{{Key: "search", Value: search.Kind}, {Key: "seed", Value: strconv.FormatInt(seed, 10)}}
	switch search.Kind {
	case "pct":
		out = append(out, sched.MetaField{Key: "depth", Value: strconv.Itoa(search.Depth)})
	case "dfs", "dpor":
		out = append(out, sched.MetaField{Key: "preemptions", Value: strconv.Itoa(search.Preemptions)})
	}
	return out
}

// record sets the schedule's metadata, in the order of the package doc:
// what the run ran (scenario, its file, strategy, workload seed), how its
// choices were made (origin), its verdict.
func (r *RunResult) record(origin []sched.MetaField) {
	sc := r.Spec.Scenario
	meta := []sched.MetaField{{Key: "scenario", Value: sc.Name}}
	if sc.Source != "" {
		meta = append(meta, sched.MetaField{Key: "scenario-file", Value: absPath(sc.Source)})
	}
	meta = append(meta, sched.MetaField{Key: "strategy", Value: r.Spec.Strategy.Name()})
	if sc.Generated {
		meta = append(meta, sched.MetaField{Key: "workload-seed", Value: strconv.FormatInt(r.WorkloadSeed, 10)})
	}
	meta = append(meta, origin...)
	meta = append(meta, sched.MetaField{Key: "verdict", Value: string(r.Verdict)})
	r.Schedule.Meta = nil
	for _, m := range meta {
		r.Schedule.Set(m.Key, m.Value)
	}
}

// absPath is p made absolute (p itself if the working directory is gone):
// printed lines and schedules name files absolutely, so they mean the same
// file from any directory.
func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// runDFSIndex runs the schedule with index sp.Seed of an exhaustive search
// (dfs, dpor) by walking the search from its start.
func runDFSIndex(sp Spec, wl harness.Workload, pool *sched.Pool) *RunResult {
	dfs := sp.Search.exhaustive()
	body := wl.Body(sp.Strategy, nil)
	for i := int64(0); i < sp.Seed; i++ {
		if !dfs.Start() {
			return &RunResult{Spec: sp, Verdict: Pass, Failure: &sched.Failure{Kind: sched.StrategyError,
				Msg: fmt.Sprintf("%s has only %d schedules; seed %d is past the end", sp.Search.Kind, i, sp.Seed)}}
		}
		sched.Run(body, sched.Options{Strategy: sched.Started(dfs), Pool: pool})
	}
	if !dfs.Start() {
		return &RunResult{Spec: sp, Verdict: Pass, Failure: &sched.Failure{Kind: sched.StrategyError,
			Msg: fmt.Sprintf("%s has only %d schedules; seed %d is past the end", sp.Search.Kind, sp.Seed, sp.Seed)}}
	}
	return runSeed(sp, wl, sched.Started(dfs), pool)
}

// PastEnd reports whether r is no run at all: a DFS seed past the end of
// the search's schedules (its Failure says how many there are).
func (r *RunResult) PastEnd() bool {
	return r.Schedule == nil && r.Failure != nil && r.Failure.Kind == sched.StrategyError
}

// ExploreResult sums up an exploration.
type ExploreResult struct {
	Scenario  string
	Strategy  string
	Search    Search
	Schedules int
	// Pruned counts the schedules of a dpor search abandoned as redundant
	// (sched.Result.Pruned): they are among Schedules, with no verdict.
	Pruned int
	// Steps counts the scheduling steps of all the schedules run.
	Steps    int
	Failures int
	// FirstFailure is the index (from 0) of the first failing schedule,
	// or -1.
	FirstFailure int
	// First is the first failing run, replayed with its trace.
	First *RunResult
	// Exhausted is true when a dfs or dpor search ran every schedule
	// within its bound.
	Exhausted bool
	// Interrupted is true when the context ended the exploration before
	// its budget.
	Interrupted bool
	Elapsed     time.Duration
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
	return ExploreContext(context.Background(), sp, budget, stopAtFirst, nil)
}

// ExploreContext is Explore that stops, with Interrupted set, when ctx is
// done, and calls onFailure (if not nil) with each failing run as it is
// found (the first one replayed with its trace).
func ExploreContext(ctx context.Context, sp Spec, budget int, stopAtFirst bool, onFailure func(*RunResult)) *ExploreResult {
	return ExploreWith(ctx, sp, budget, stopAtFirst, ExploreHooks{OnFailure: onFailure})
}

// ExploreHooks are what ExploreWith calls while it explores.
type ExploreHooks struct {
	// OnFailure, if not nil, is called with each failing run as it is
	// found (the first one replayed with its trace).
	OnFailure func(*RunResult)
	// OnProgress, if not nil, is called after every ProgressEvery
	// schedules with the result so far (Elapsed set), for a progress
	// line: it must not keep er.
	OnProgress func(er *ExploreResult)
}

// ProgressEvery is how many schedules pass between two calls of
// ExploreHooks.OnProgress.
const ProgressEvery = 1000

// ExploreWith is ExploreContext with hooks.
func ExploreWith(ctx context.Context, sp Spec, budget int, stopAtFirst bool, hooks ExploreHooks) *ExploreResult {
	start := time.Now()
	er := &ExploreResult{Scenario: sp.Scenario.Name, Strategy: sp.Strategy.Name(), Search: sp.Search, FirstFailure: -1}
	defer func() { er.Elapsed = time.Since(start) }()
	onFailure := hooks.OnFailure
	progress := func() {
		if hooks.OnProgress != nil && er.Schedules%ProgressEvery == 0 {
			er.Elapsed = time.Since(start)
			hooks.OnProgress(er)
		}
	}
	var pool sched.Pool
	defer pool.Close()
	if sp.Search.Exhaustive() {
		exploreDFS(ctx, sp, budget, stopAtFirst, er, onFailure, progress, &pool)
		return er
	}
	var fixedWL *harness.Workload
	var steps int
	if !sp.Scenario.Generated {
		wl := reusing(sp.workload())
		fixedWL = &wl
		steps = calibrate(wl, sp.Strategy, &pool)
	}
	// seeds is the strategy of a fixed workload's runs: PCT(s) and
	// Random(s) run j as the strategy of seed s+j runs its first, so one
	// strategy serves every seed from the one it was made for, each run
	// calling its Start once. A run that stalled may still use it (its
	// tasks run on): the next run makes its own.
	var seeds sched.Strategy
	// spare is the result of the last run, when nobody can reach it: it
	// passed, or failed unseen, and did not stall.
	var spare *RunResult
	for i := 0; i < budget; i++ {
		if ctx.Err() != nil {
			er.Interrupted = true
			return er
		}
		run := sp
		run.Seed = sp.Seed + int64(i)
		run.Trace = false
		var wl harness.Workload
		var strat sched.Strategy
		if fixedWL != nil {
			wl = *fixedWL
			if seeds == nil && run.Search.Kind == "pct" {
				seeds = sched.PCT(run.Seed, run.Search.Depth, steps)
			} else if seeds == nil {
				seeds = sched.Random(run.Seed)
			}
			strat = seeds
		} else {
			wl = run.workload()
			strat = run.strategyFor(wl, &pool)
		}
		// The schedule's metadata is recorded only for a run someone
		// sees: most runs pass and are dropped.
		r := runWith(run, wl, strat, &pool, spare)
		spare = nil
		stalled := r.Failure != nil && r.Failure.Kind == sched.Stall
		if stalled {
			seeds = nil
		}
		er.Schedules++
		er.Steps += r.Steps
		progress()
		if r.Failure == nil {
			pool.Reuse(r.Schedule) // dropped: the next run records in its memory
			spare = r
			continue
		}
		er.Failures++
		if er.FirstFailure < 0 {
			er.FirstFailure = i
			// The same schedule again, with its trace: what Run(run)
			// does, on this exploration's pool.
			run.Trace = true
			if fixedWL != nil && run.Search.Kind == "pct" {
				strat = sched.PCT(run.Seed, run.Search.Depth, steps)
			} else {
				strat = run.strategyFor(wl, &pool)
			}
			pool.Reuse(r.Schedule) // replaced by the traced run's
			er.First = runSeed(run, wl, strat, &pool)
			r = er.First
		} else if onFailure != nil {
			r.WorkloadSeed = run.Seed
			r.record(seedOrigin(run.Search, run.Seed))
		} else {
			pool.Reuse(r.Schedule) // a later failure nobody sees
			if !stalled {
				spare = r
			}
		}
		if onFailure != nil {
			onFailure(r)
		}
		if stopAtFirst {
			return er
		}
	}
	return er
}

func exploreDFS(ctx context.Context, sp Spec, budget int, stopAtFirst bool, er *ExploreResult, onFailure func(*RunResult), progress func(), pool *sched.Pool) {
	wl := reusing(sp.workload())
	dfs := sp.Search.exhaustive()
	for budget <= 0 || er.Schedules < budget {
		if ctx.Err() != nil {
			er.Interrupted = true
			return
		}
		if !dfs.Start() {
			er.Exhausted = true
			return
		}
		run := sp
		run.Seed = int64(er.Schedules)
		run.Trace = false
		r := runWith(run, wl, sched.Started(dfs), pool, nil)
		er.Schedules++
		if r.Pruned {
			er.Pruned++
		}
		er.Steps += r.Steps
		progress()
		if r.Failure == nil {
			continue
		}
		er.Failures++
		if er.FirstFailure < 0 {
			er.FirstFailure = er.Schedules - 1
			// The same choices, with the trace: index Seed of the DFS.
			run.Trace = true
			traced := runSeed(run, wl, sched.Replay(r.Schedule), pool)
			er.First, r = traced, traced
		} else if onFailure != nil {
			r.WorkloadSeed = run.Seed
			r.record(seedOrigin(run.Search, run.Seed))
		}
		if onFailure != nil {
			onFailure(r)
		}
		if stopAtFirst {
			return
		}
	}
}

// Title names the run: scenario / strategy / how its schedule was chosen
// (the search and seed, or the replayed schedule's origin).
func (r *RunResult) Title() string {
	how := fmt.Sprintf("%s seed %d", r.Spec.Search, r.Spec.Seed)
	if rp := r.Replayed; rp != nil {
		how = "replay of " + rp.Origin
		if rp.Guided {
			how += ", guided (recorded under " + rp.RecordedBy + ")"
		}
	}
	return fmt.Sprintf("%s / %s / %s", r.Spec.Scenario.Name, r.Spec.Strategy.Name(), how)
}

// Summary is the one-line verdict with the violations or failure.
func (r *RunResult) Summary() string {
	if r.Failure == nil {
		return fmt.Sprintf("%s: pass (%d steps)", r.Title(), r.Steps)
	}
	what := r.Failure.Error()
	if r.Failure.Kind != sched.Assertion {
		what = "model failure (not an oracle verdict): " + what
	}
	return fmt.Sprintf("%s: fail: %s", r.Title(), what)
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
// story, the preemption count and trace hash, and the go test line that
// reproduces it.
func (r *RunResult) Report() string {
	var b strings.Builder
	fmt.Fprintln(&b, r.Summary())
	fmt.Fprintf(&b, "%d steps, %d preemptions, trace hash %s\n", r.Steps, r.Preemptions, r.TraceHash())
	b.WriteString(r.Story())
	fmt.Fprintf(&b, "To reproduce: %s\n", r.ReproOrHint())
	return b.String()
}

// TraceHash is the hash of the run's trace, or "(untraced)".
func (r *RunResult) TraceHash() string {
	if r.Trace == nil {
		return "(untraced)"
	}
	return r.Trace.Hash()
}
