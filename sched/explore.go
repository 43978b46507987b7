package sched

import (
	"fmt"
	"slices"
)

// Report is the outcome of an exploration.
type Report struct {
	// Schedules counts the runs made.
	Schedules int
	// Failure is the first failing run, replayed with its trace, or nil.
	Failure *Failure
	// FailedRun is the 0-based index of the failing run (-1 if none).
	FailedRun int
	// Exhausted is true when the strategy ran out of runs (a complete DFS)
	// before the budget and without a failure.
	Exhausted bool
}

// Explore runs body under opts.Strategy until a run fails, the strategy has
// no more runs, or budget runs have been made (budget <= 0: no limit; use it
// only with a strategy that ends, such as DFS). Runs are made without a
// trace; a failing run is replayed once with its trace for the report. The
// runs share opts.Pool, or a Pool of Explore's own that it closes.
func Explore(body func(rt *Runtime), opts Options, budget int) *Report {
	if opts.Strategy == nil {
		opts.Strategy = Random(1)
	}
	calibrate(opts.Strategy, body, opts.MaxSteps)
	rep := &Report{FailedRun: -1}
	opts, done := withPool(opts)
	defer done()
	traced := opts.Trace
	opts.Trace = false
	for budget <= 0 || rep.Schedules < budget {
		if !opts.Strategy.Start() {
			rep.Exhausted = true
			return rep
		}
		res := Run(body, Options{Strategy: started{opts.Strategy}, MaxSteps: opts.MaxSteps, Pool: opts.Pool})
		rep.Schedules++
		if res.Failure != nil {
			rep.FailedRun = rep.Schedules - 1
			rep.Failure = res.Failure
			if traced {
				again := Run(body, Options{Strategy: Replay(res.Schedule), MaxSteps: opts.MaxSteps, Trace: true, Pool: opts.Pool})
				if again.Failure != nil && again.Failure.Kind == res.Failure.Kind {
					rep.Failure = again.Failure
				}
			}
			return rep
		}
	}
	return rep
}

// withPool returns opts with a Pool: the caller's, or a new one that done
// closes.
func withPool(opts Options) (_ Options, done func()) {
	if opts.Pool != nil {
		return opts, func() {}
	}
	p := &Pool{}
	opts.Pool = p
	return opts, p.Close
}

// started wraps a strategy whose Start the caller has already called.
type started struct{ Strategy }

func (started) Start() bool { return true }

// CheckDeterminism runs body under opts.Strategy, then replays the recorded
// schedule, both with traces and runnable sets, and reports the first step
// at which the two runs differ: in which tasks were runnable, which task
// ran, what it was about to do, or what it noted. A difference means the code
// under test depends on something the scheduler does not control (the clock,
// map order, the global rand, a goroutine of its own). It returns nil when
// the runs agree.
func CheckDeterminism(body func(rt *Runtime), opts Options) *Failure {
	opts.Trace, opts.Runnable = true, true
	opts, done := withPool(opts)
	defer done()
	first := Run(body, opts)
	second := Run(body, Options{Strategy: Replay(first.Schedule), MaxSteps: opts.MaxSteps, Trace: true, Runnable: true, Pool: opts.Pool})
	a, b := first.Trace, second.Trace
	n := min(len(a.Events), len(b.Events))
	for i := 0; i < n; i++ {
		ea, eb := a.Events[i], b.Events[i]
		if ea.Kind == eb.Kind && ea.Task == eb.Task && ea.Text == eb.Text && slices.Equal(ea.Runnable, eb.Runnable) {
			continue
		}
		var what string
		switch {
		case ea.Kind == StepEvent && eb.Kind == StepEvent && !slices.Equal(ea.Runnable, eb.Runnable):
			what = fmt.Sprintf("runnable tasks %s, then %s", names(a, ea.Runnable), names(b, eb.Runnable))
		default:
			what = fmt.Sprintf("%s %q, then %s %q", a.TaskName(ea.Task), ea.Text, b.TaskName(eb.Task), eb.Text)
		}
		return &Failure{Kind: Divergence, Step: ea.Step, Task: a.TaskName(ea.Task), Schedule: first.Schedule, Trace: a,
			Msg: fmt.Sprintf("nondeterminism at step %d (task %s at %q): the same schedule gave %s", ea.Step, a.TaskName(ea.Task), ea.Text, what)}
	}
	if len(a.Events) != len(b.Events) || !sameFailure(first.Failure, second.Failure) {
		return &Failure{Kind: Divergence, Step: min(first.Steps, second.Steps), Schedule: first.Schedule, Trace: a,
			Msg: fmt.Sprintf("nondeterminism: the same schedule ran %d steps (%s), then %d steps (%s)", first.Steps, outcome(first), second.Steps, outcome(second))}
	}
	return nil
}

func sameFailure(a, b *Failure) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Kind == b.Kind && a.Msg == b.Msg
}

func outcome(r *Result) string {
	if r.Failure == nil {
		return "ok"
	}
	return r.Failure.Error()
}

func names(tr *Trace, ids []TaskID) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = tr.TaskName(id)
	}
	return fmt.Sprint(s)
}
