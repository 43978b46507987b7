package scenarios

import (
	"context"
	"fmt"

	"github.com/interleave/interleave/sched"
)

// ShrinkResult shrinks a failing run's schedule to the fewest preemptions
// that still fail the same way (an oracle verdict stays an oracle verdict;
// sched.Shrink) and returns it replayed with its trace. No seed names the
// shrunk run: its schedule records @search shrunk, the run it came from
// (@shrunk-from) and the workload, and the lines that rerun it name the
// schedule's file once SaveSchedule has written it.
func ShrinkResult(r *RunResult) *RunResult {
	return ShrinkResultContext(context.Background(), r)
}

// ShrinkResultContext is ShrinkResult that stops shrinking when ctx is
// done, with the smallest failing run found so far.
func ShrinkResultContext(ctx context.Context, r *RunResult) *RunResult {
	if r.Failure == nil || r.Schedule == nil {
		return r
	}
	wl := workloadFor(r.Spec.Scenario, r.WorkloadSeed)
	isOracle := r.Failure.Kind == sched.Assertion
	small := sched.ShrinkContext(ctx, wl.Body(r.Spec.Strategy, nil), r.Schedule, func(x *sched.Result) bool {
		return (x.Failure.Kind == sched.Assertion) == isOracle
	}, sched.Options{MaxSteps: r.Spec.MaxSteps})
	from := fmt.Sprintf("%s seed %d, %d preemptions", r.Spec.Search, r.Spec.Seed, r.Preemptions)
	stem := fmt.Sprintf("shrunk-%s-seed%d", r.Spec.Search.Kind, r.Spec.Seed)
	if r.Replayed != nil {
		from = fmt.Sprintf("%s, %d preemptions", r.Replayed.Origin, r.Preemptions)
		stem = "shrunk"
	}
	s := small.Schedule.Clone()
	s.Meta = nil
	s.Set("strategy", r.Spec.Strategy.Name())
	s.Set("workload-seed", fmt.Sprint(r.WorkloadSeed))
	s.Set("search", SearchShrunk)
	s.Set("shrunk-from", from)
	out, err := Replay(r.Spec.Scenario, r.Spec.Strategy, s, false, true)
	if err != nil {
		// The metadata above is well-formed: this is a bug here.
		panic(fmt.Sprintf("scenarios: replaying a shrunk schedule: %v", err))
	}
	out.Spec.MaxSteps = r.Spec.MaxSteps
	out.Replayed.stem = stem
	return out
}
