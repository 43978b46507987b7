package sched_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/sched"
)

// A run handed back whole (Pool.Reuse of the pool's last run's schedule)
// lends its memory to the pool's next run: the same Result, and tasks in
// the same block, so a loop that hands back every run allocates nothing
// for them.
func TestPoolReuseLendsARunsMemoryToTheNext(t *testing.T) {
	var pool sched.Pool
	defer pool.Close()
	var first *sched.Task
	res := sched.Run(func(rt *sched.Runtime) {
		first = rt.Go("a", func() { rt.Yield("work") })
		first.Join()
	}, sched.Options{Strategy: sched.Random(1), Pool: &pool})
	require.Nil(t, res.Failure)
	pool.Reuse(res.Schedule)
	require.Equal(t, sched.Result{}, *res, "a Result handed back is cleared")

	var again *sched.Task
	res2 := sched.Run(func(rt *sched.Runtime) {
		again = rt.Go("b", func() { rt.Yield("work") })
		again.Join()
	}, sched.Options{Strategy: sched.Random(1), Pool: &pool})
	require.Nil(t, res2.Failure)
	require.Same(t, res, res2, "the run's Result is the last one's")
	require.Same(t, first, again, "the run's task is where the last one's was")
	require.Equal(t, "b", again.Name())

	// Not handed back: the next run has memory of its own.
	res3 := sched.Run(func(rt *sched.Runtime) {}, sched.Options{Pool: &pool})
	require.NotSame(t, res2, res3)
	require.Equal(t, "b", again.Name(), "a handle of a run not handed back stays its task's")

	// Only the pool's last run is taken back whole: res2's schedule now
	// gives its choices' memory, nothing else.
	pool.Reuse(res2.Schedule)
	res4 := sched.Run(func(rt *sched.Runtime) {}, sched.Options{Pool: &pool})
	require.NotSame(t, res2, res4)
	require.NotSame(t, res3, res4)
	require.Equal(t, "b", again.Name())
}

// A handle of a task of a run handed back panics with a message that says
// so, until the pool's next run takes the memory (then it may name one of
// that run's tasks: handing a run back says none of it is used again).
func TestStaleTaskHandleAfterReusePanics(t *testing.T) {
	var pool sched.Pool
	defer pool.Close()
	var h *sched.Task
	res := sched.Run(func(rt *sched.Runtime) {
		h = rt.Go("a", func() {})
		h.Join()
	}, sched.Options{Pool: &pool})
	require.Equal(t, "a", h.Name())
	pool.Reuse(res.Schedule)
	require.PanicsWithValue(t, "sched: a Task handle used after its run's memory was handed back (Pool.Reuse)", func() { h.Name() })
	require.PanicsWithValue(t, "sched: a Task handle used after its run's memory was handed back (Pool.Reuse)", func() { h.ID() })
}

// Runs in memory handed back, with more or fewer tasks than the run before
// (tasks past the first block, names taken again), trace as fresh runs do,
// failing or not.
func TestReusedRunMemoryTracesAsFreshRuns(t *testing.T) {
	body := func(n int, fail bool) func(rt *sched.Runtime) {
		return func(rt *sched.Runtime) {
			var hs []*sched.Task
			for i := 0; i < n; i++ {
				hs = append(hs, rt.Go(fmt.Sprintf("t%d", i%3), func() { rt.Yield("work") }))
			}
			if fail {
				rt.FailfOnReturn("main fails")
			}
			rt.JoinAll(hs...)
		}
	}
	var pool sched.Pool
	defer pool.Close()
	for seed := int64(1); seed <= 10; seed++ {
		for i, n := range []int{1, 3, 12, 2, 20, 0, 5} {
			fail := i%3 == 2
			want := sched.Run(body(n, fail), sched.Options{Strategy: sched.Random(seed), Trace: true})
			got := sched.Run(body(n, fail), sched.Options{Strategy: sched.Random(seed), Trace: true, Pool: &pool})
			require.Equal(t, want.Trace.String(), got.Trace.String(), "seed %d, %d tasks", seed, n)
			require.Equal(t, want.Schedule.String(), got.Schedule.String())
			require.Equal(t, want.Failure != nil, got.Failure != nil)
			require.Equal(t, want.Steps, got.Steps)
			pool.Reuse(got.Schedule)
		}
	}
}
