package sched_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/sched"
)

// mutexRun is a run of three tasks contending for a mutex that make(rt)
// returns; the last run leaves it locked, with a waiter, when the step
// limit cuts it short.
func mutexRun(make func(rt *sched.Runtime) *sched.Mutex, order *[]string) func(rt *sched.Runtime) {
	return func(rt *sched.Runtime) {
		*order = nil
		m := make(rt)
		var ts []*sched.Task
		for _, name := range []string{"a", "b", "c"} {
			ts = append(ts, rt.Go(name, func() {
				m.Lock()
				*order = append(*order, name)
				rt.Yield("in the critical section")
				m.Unlock()
			}))
		}
		rt.JoinAll(ts...)
	}
}

func TestMutexRenewIsANewMutex(t *testing.T) {
	var kept *sched.Mutex
	var fresh, renewed []string
	// A run cut short with the mutex held and waited on: the renewed
	// mutex must show nothing of it.
	sched.Run(mutexRun(func(rt *sched.Runtime) *sched.Mutex {
		kept = kept.Renew(rt, "m")
		return kept
	}, &renewed), sched.Options{Strategy: sched.Random(1), MaxSteps: 6})
	for seed := int64(1); seed <= 5; seed++ {
		want := sched.Run(mutexRun(func(rt *sched.Runtime) *sched.Mutex {
			return sched.NewMutex(rt, "m")
		}, &fresh), sched.Options{Strategy: sched.Random(seed), Trace: true})
		got := sched.Run(mutexRun(func(rt *sched.Runtime) *sched.Mutex {
			old := kept
			kept = kept.Renew(rt, "m")
			if kept != old {
				panic("Renew did not keep the mutex's memory")
			}
			return kept
		}, &renewed), sched.Options{Strategy: sched.Random(seed), Trace: true})
		require.Nil(t, want.Failure)
		require.Nil(t, got.Failure, "seed %d", seed)
		require.Len(t, renewed, 3)
		require.Equal(t, fresh, renewed, "seed %d", seed)
		require.Equal(t, want.Trace.String(), got.Trace.String(), "seed %d", seed)
		require.Equal(t, want.Trace.Hash(), got.Trace.Hash(), "seed %d", seed)
	}
	// Another name: the labels are the new name's.
	var other []string
	want := sched.Run(mutexRun(func(rt *sched.Runtime) *sched.Mutex { return sched.NewMutex(rt, "n") }, &fresh),
		sched.Options{Strategy: sched.Random(9), Trace: true})
	got := sched.Run(mutexRun(func(rt *sched.Runtime) *sched.Mutex { kept = kept.Renew(rt, "n"); return kept }, &other),
		sched.Options{Strategy: sched.Random(9), Trace: true})
	require.Equal(t, want.Trace.String(), got.Trace.String())
	require.Contains(t, got.Trace.String(), "lock n")
	// A nil mutex is a new one.
	var none *sched.Mutex
	sched.Run(func(rt *sched.Runtime) { none = none.Renew(rt, "x") }, sched.Options{})
	require.NotNil(t, none)
}
