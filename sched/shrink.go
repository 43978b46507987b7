package sched

import "context"

// ShrinkBudget bounds the runs of each bounded search in Shrink.
const ShrinkBudget = 50_000

// Shrink makes a failing schedule smaller, in preemptions first. It
// greedily replaces each preemption with "continue the running task"
// (following the rest of the schedule where it still applies, as Guided
// does) and keeps a change when the run still fails and still(result)
// holds. Greedy removal can stall where two preemptions only work together,
// so it then searches, as iterative context bounding does, every schedule
// with at most 0, 1, ... preemptions (DFS, up to ShrinkBudget runs per
// bound) below what it has, and takes the first failing one. It returns the
// failing run with the fewest preemptions found (ties go to fewer steps); s
// itself, replayed, if nothing smaller fails. s must make body fail.
func Shrink(body func(rt *Runtime), s *Schedule, still func(*Result) bool, opts Options) *Result {
	return ShrinkContext(context.Background(), body, s, still, opts)
}

// ShrinkContext is Shrink that stops early when ctx is done: it then
// returns the smallest failing run found so far (s itself, replayed, at
// worst), still a failing run that its schedule replays.
func ShrinkContext(ctx context.Context, body func(rt *Runtime), s *Schedule, still func(*Result) bool, opts Options) *Result {
	opts, done := withPool(opts)
	defer done()
	run := func(strat Strategy, trace bool) *Result {
		return Run(body, Options{Strategy: strat, MaxSteps: opts.MaxSteps, Trace: trace, Pool: opts.Pool})
	}
	best := run(Guided(s), false)
	if best.Failure == nil || !still(best) {
		return run(Guided(s), opts.Trace)
	}
	for improved := true; improved && ctx.Err() == nil; {
		improved = false
		for k := 0; k < len(best.Schedule.Choices) && ctx.Err() == nil; k++ {
			cand := run(&unpreempt{guidedStrategy: guidedStrategy{s: best.Schedule}, at: k}, false)
			if cand.Failure == nil || !still(cand) {
				continue
			}
			if cand.Preemptions < best.Preemptions || (cand.Preemptions == best.Preemptions && cand.Steps < best.Steps) {
				best, improved = cand, true
				break
			}
		}
	}
	for b := 0; b < best.Preemptions && ctx.Err() == nil; b++ {
		rep := Explore(body, Options{Strategy: untilDone{DFS(b), ctx}, MaxSteps: opts.MaxSteps, Pool: opts.Pool}, ShrinkBudget)
		if ctx.Err() != nil {
			break // an "exhausted" search may only have been cut short
		}
		if rep.Failure == nil {
			if rep.Exhausted {
				continue // no failure at all with b preemptions: try b+1
			}
			break // the budget ran out: keep what we have
		}
		if cand := run(Replay(rep.Failure.Schedule), false); cand.Failure != nil && still(cand) && cand.Preemptions < best.Preemptions {
			best = cand
			break
		}
	}
	if opts.Trace {
		best = run(Replay(best.Schedule), true)
	}
	return best
}

// untilDone offers the runs of a strategy until ctx is done.
type untilDone struct {
	Strategy
	ctx context.Context
}

func (u untilDone) Start() bool { return u.ctx.Err() == nil && u.Strategy.Start() }

// unpreempt follows a schedule like Guided but, at the choice with index
// at, continues the running task if it is runnable.
type unpreempt struct {
	guidedStrategy
	at int
}

func (u *unpreempt) Next(d *Decision) (int, error) {
	k := u.pos
	i, err := u.guidedStrategy.Next(d)
	if k == u.at && d.Kind == PickTask && d.Current {
		return 0, nil
	}
	return i, err
}
