package sched_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/sched"
)

// checkAtEnd is a run whose main task starts two tasks that race on a
// counter, joins them and, as its last act, fails when an update was lost:
// with Failf, or with FailfOnReturn.
func checkAtEnd(onReturn bool) func(rt *sched.Runtime) {
	return func(rt *sched.Runtime) {
		n := 0
		inc := func() {
			v := n
			rt.Yield("between read and write")
			n = v + 1
		}
		rt.JoinAll(rt.Go("a", inc), rt.Go("b", inc))
		if n != 2 {
			if onReturn {
				rt.FailfOnReturn("lost update: n = %d", n)
			} else {
				rt.Failf("lost update: n = %d", n)
			}
		}
	}
}

func TestFailfOnReturnFailsAsFailfDoes(t *testing.T) {
	failed := 0
	for seed := int64(1); seed <= 30; seed++ {
		var pool, failfPool sched.Pool
		want := sched.Run(checkAtEnd(false), sched.Options{Strategy: sched.Random(seed), Trace: true, Pool: &failfPool})
		got := sched.Run(checkAtEnd(true), sched.Options{Strategy: sched.Random(seed), Trace: true, Pool: &pool})
		if want.Failure == nil {
			require.Nil(t, got.Failure, "seed %d", seed)
		} else {
			failed++
			require.NotNil(t, got.Failure, "seed %d", seed)
			require.Equal(t, sched.Assertion, got.Failure.Kind)
			require.Equal(t, want.Failure.Msg, got.Failure.Msg)
			require.Equal(t, want.Failure.Task, got.Failure.Task)
			require.Equal(t, want.Failure.Step, got.Failure.Step)
			// The main task's goroutine went back to the pool with the
			// others': nothing ended by Goexit.
			require.Equal(t, 3, pool.Idle(), "seed %d", seed)
			require.Equal(t, 2, failfPool.Idle(), "seed %d: Failf's goroutine exits", seed)
		}
		require.Equal(t, want.Steps, got.Steps)
		require.Equal(t, want.Schedule.String(), got.Schedule.String())
		require.Equal(t, want.Trace.Hash(), got.Trace.Hash(), "seed %d", seed)
		pool.Close()
		failfPool.Close()
	}
	require.Positive(t, failed, "no seed lost the update: the test checks nothing")
}

func TestFailfOnReturnAfterAPanicIsThePanic(t *testing.T) {
	res := sched.Run(func(rt *sched.Runtime) {
		rt.FailfOnReturn("never reported")
		panic("boom")
	}, sched.Options{})
	require.NotNil(t, res.Failure)
	require.Equal(t, sched.Panic, res.Failure.Kind)
}

func TestFailfOnReturnInWildModeIsFailf(t *testing.T) {
	res := sched.RunWild(func(rt *sched.Runtime) {
		rt.FailfOnReturn("at once: %d", 7)
		panic("not reached")
	}, sched.WildOptions{})
	require.NotNil(t, res.Failure)
	require.Equal(t, sched.Assertion, res.Failure.Kind)
	require.Equal(t, "at once: 7", res.Failure.Msg)
}

func TestFailOnReturnKeepsTheMessageAsItIs(t *testing.T) {
	for _, wild := range []bool{false, true} {
		body := func(rt *sched.Runtime) { rt.FailOnReturn("100% lost: %d") }
		var f *sched.Failure
		if wild {
			f = sched.RunWild(body, sched.WildOptions{}).Failure
		} else {
			f = sched.Run(body, sched.Options{}).Failure
		}
		require.NotNil(t, f, "wild=%v", wild)
		require.Equal(t, sched.Assertion, f.Kind, "wild=%v", wild)
		require.Equal(t, "100% lost: %d", f.Msg, "wild=%v", wild)
	}
}

func TestFailfOnReturnInTwoTasksFailsWithTheFirstToReturn(t *testing.T) {
	// Two tasks each set a failure, main's first (in the run's own
	// memory), a's second (apart); a returns first and its failure is the
	// run's, not overwritten by main's.
	res := sched.Run(func(rt *sched.Runtime) {
		rt.FailfOnReturn("main: %d", 2)
		a := rt.Go("a", func() { rt.FailfOnReturn("a: %d", 1) })
		rt.JoinAll(a)
	}, sched.Options{})
	require.NotNil(t, res.Failure)
	require.Equal(t, "a: 1", res.Failure.Msg)
	require.Equal(t, "a", res.Failure.Task)
}

func TestPoolReuseRecordsTheNextRunInTheSameMemory(t *testing.T) {
	var pool sched.Pool
	defer pool.Close()
	first := sched.Run(checkAtEnd(false), sched.Options{Strategy: sched.Random(3), Pool: &pool})
	require.NotEmpty(t, first.Schedule.Choices)
	mem := &first.Schedule.Choices[:1][0]
	s := first.Schedule
	pool.Reuse(s)
	require.Nil(t, s.Choices, "a schedule handed back is cleared")

	fresh := sched.Run(checkAtEnd(false), sched.Options{Strategy: sched.Random(4)})
	again := sched.Run(checkAtEnd(false), sched.Options{Strategy: sched.Random(4), Pool: &pool})
	require.Equal(t, fresh.Schedule.String(), again.Schedule.String())
	require.Same(t, mem, &again.Schedule.Choices[:1][0], "the run recorded its choices where the last one did")
}

// The runs of a pool share its memory (task list, runnable list, join
// labels, the watchdog's timer): a run whose tasks have other names at the
// same IDs, or more tasks, traces as a run without a pool does.
func TestPoolRunsTraceAsFreshRuns(t *testing.T) {
	body := func(names ...string) func(rt *sched.Runtime) {
		return func(rt *sched.Runtime) {
			var hs []*sched.Task
			for _, name := range names {
				hs = append(hs, rt.Go(name, func() { rt.Yield("work") }))
			}
			rt.JoinAll(hs...)
			hs[0].Join()
		}
	}
	var pool sched.Pool
	defer pool.Close()
	joins := map[string]bool{}
	for seed := int64(1); seed <= 20; seed++ {
		for _, names := range [][]string{{"x"}, {"y"}, {"x", "y", "zz"}, {"zz", "x"}, {"y"}} {
			want := sched.Run(body(names...), sched.Options{Strategy: sched.Random(seed), Trace: true})
			got := sched.Run(body(names...), sched.Options{Strategy: sched.Random(seed), Trace: true, Pool: &pool})
			require.Nil(t, want.Failure)
			require.Nil(t, got.Failure)
			require.Equal(t, want.Trace.String(), got.Trace.String(), "seed %d, tasks %v", seed, names)
			require.Equal(t, want.Schedule.Choices, got.Schedule.Choices)
			for _, e := range got.Trace.Events {
				if strings.HasPrefix(e.Text, "join ") {
					joins[e.Text] = true
				}
			}
		}
	}
	require.True(t, joins["join x"] && joins["join y"] && joins["join zz"], "joins traced: %v", joins)
}

// A run's tasks come from blocks of memory of that run (one, sized from
// the pool's last run, when the count fits): the handles a body keeps stay
// those of its tasks while later runs of the pool start theirs.
func TestTaskHandlesOutliveTheirRun(t *testing.T) {
	var pool sched.Pool
	defer pool.Close()
	type kept struct {
		h    *sched.Task
		name string
		id   sched.TaskID
	}
	var all []kept
	for run, n := range []int{2, 2, 9, 1, 20, 3} {
		res := sched.Run(func(rt *sched.Runtime) {
			var hs []*sched.Task
			for i := 0; i < n; i++ {
				name := fmt.Sprintf("r%dt%d", run, i)
				h := rt.Go(name, func() { rt.Yield("work") })
				hs = append(hs, h)
				all = append(all, kept{h, name, h.ID()})
			}
			rt.JoinAll(hs...)
		}, sched.Options{Strategy: sched.Random(int64(run)), Pool: &pool})
		require.Nil(t, res.Failure)
	}
	require.Len(t, all, 37)
	for _, k := range all {
		require.Equal(t, k.name, k.h.Name())
		require.Equal(t, k.id, k.h.ID())
	}
}

// A task started with a nil function panics when it runs, as a call of a
// nil function does: only the main task runs the body without a function
// of its own.
func TestNilTaskFunctionPanics(t *testing.T) {
	res := sched.Run(func(rt *sched.Runtime) {
		rt.Go("nil", nil).Join()
	}, sched.Options{})
	require.NotNil(t, res.Failure)
	require.Equal(t, sched.Panic, res.Failure.Kind)
	require.Equal(t, "nil", res.Failure.Task)
}
