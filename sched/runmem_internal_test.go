package sched

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// A loop that hands every run back allocates nothing a run in sched.
func TestReusedRunsAllocateNothing(t *testing.T) {
	if raceOn {
		t.Skip("the race detector allocates")
	}
	// Runs after UseCurrent (another test's) tag their tasks' goroutines,
	// which allocates: this test's tasks do not call Current.
	if currentUsed.Load() {
		currentUsed.Store(false)
		defer currentUsed.Store(true)
	}
	var pool Pool
	defer pool.Close()
	// The tasks' function is made once: its closure is the body's, not
	// the scheduler's, allocation.
	var cur *Runtime
	work := func() { cur.Yield("work") }
	body := func(rt *Runtime) {
		cur = rt
		a := rt.Go("a", work)
		b := rt.Go("b", work)
		rt.JoinAll(a, b)
	}
	strat := Random(1)
	run := func() {
		res := Run(body, Options{Strategy: strat, Pool: &pool})
		if res.Failure != nil {
			t.Fatal(res.Failure)
		}
		pool.Reuse(res.Schedule)
	}
	run()
	require.Zero(t, testing.AllocsPerRun(100, run))
}
