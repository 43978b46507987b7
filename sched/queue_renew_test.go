package sched_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/sched"
)

// queueRun is a run with a producer and a consumer over a queue of 2 that
// make(rt) returns, the producer leaving values in it and closing it;
// it records what the consumer got, and what it left in the queue.
func queueRun(make func(rt *sched.Runtime) *sched.Queue[int], got *[]int, left *int) func(rt *sched.Runtime) {
	return func(rt *sched.Runtime) {
		*got = nil
		q := make(rt)
		p := rt.Go("producer", func() {
			for i := range 4 {
				q.Send(i)
			}
		})
		c := rt.Go("consumer", func() {
			v, _ := q.Recv()
			*got = append(*got, v)
			v, _ = q.Recv()
			*got = append(*got, v)
		})
		rt.JoinAll(p, c)
		*left = q.Len() // what the next run's queue must not see
		q.Close()
	}
}

func TestQueueRenewIsANewQueue(t *testing.T) {
	var kept *sched.Queue[int]
	var fresh, renewed []int
	var left int
	for seed := int64(1); seed <= 5; seed++ {
		want := sched.Run(queueRun(func(rt *sched.Runtime) *sched.Queue[int] {
			return sched.NewQueue[int](rt, "q", 2)
		}, &fresh, &left), sched.Options{Strategy: sched.Random(seed), Trace: true})
		got := sched.Run(queueRun(func(rt *sched.Runtime) *sched.Queue[int] {
			kept = kept.Renew(rt, "q", 2) // nil the first time
			if kept.Len() != 0 || kept.Cap() != 2 || kept.Name() != "q" {
				panic("the renewed queue is not a new one")
			}
			return kept
		}, &renewed, &left), sched.Options{Strategy: sched.Random(seed), Trace: true})
		require.Nil(t, want.Failure)
		require.Nil(t, got.Failure, "seed %d", seed)
		require.Equal(t, 2, left)
		require.Equal(t, fresh, renewed, "seed %d", seed)
		require.Equal(t, want.Trace.String(), got.Trace.String(), "seed %d", seed)
	}
	var named *sched.Queue[int]
	sched.Run(func(rt *sched.Runtime) { named = sched.NewQueue[int](rt, "a", 1) }, sched.Options{})
	var panicked any
	sched.Run(func(rt *sched.Runtime) {
		named = named.Renew(rt, "b", 3)
		func() {
			defer func() { panicked = recover() }()
			named.Renew(rt, "c", 0)
		}()
	}, sched.Options{})
	require.Equal(t, "b", named.Name())
	require.Equal(t, 3, named.Cap())
	require.Equal(t, `sched: NewQueue("c", 0): capacity must be at least 1`, panicked)
}
