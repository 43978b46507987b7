package sched

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"
)

// Renew clears only the slots still holding values, which may wrap around
// the ring: a renewed queue keeps none of its old run's values, so the
// garbage collector is not kept from them.
func TestQueueRenewClearsWhatItHolds(t *testing.T) {
	for _, left := range []int{0, 1, 3, 4} {
		var q *Queue[*int]
		Run(func(rt *Runtime) {
			q = NewQueue[*int](rt, "q", 4)
			for i := range 4 {
				q.Offer(new(i))
			}
			// Take two and put two back: the ring wraps (head 2).
			q.Recv()
			q.Recv()
			q.Offer(new(4))
			q.Offer(new(5))
			for q.Len() > left {
				q.Recv()
			}
		}, Options{Strategy: Random(1)})
		require.Len(t, q.buf, 4)
		require.Equal(t, left, q.n)
		var again *Queue[*int]
		Run(func(rt *Runtime) {
			again = q.Renew(rt, "q", 4)
		}, Options{Strategy: Random(1)})
		require.Same(t, q, again)
		require.Zero(t, again.n)
		for i, v := range again.buf {
			require.Nil(t, v, "left %d: slot %d", left, i)
		}
	}
}

// Renew drops the waiters a woken list still holds past its length: the
// renewed queue and mutex name no task of their old run.
func TestRenewDropsOldWaiters(t *testing.T) {
	var q *Queue[int]
	var mu *Mutex
	Run(func(rt *Runtime) {
		q = NewQueue[int](rt, "q", 1)
		mu = NewMutex(rt, "mu")
		mu.Lock()
		a := rt.Go("recv", func() { q.Recv() })
		b := rt.Go("lock", func() { mu.Lock(); mu.Unlock() })
		for len(q.recvWaiters) == 0 || len(mu.waiters) == 0 {
			rt.Yield("wait")
		}
		q.Send(1)
		mu.Unlock()
		rt.JoinAll(a, b)
	}, Options{Strategy: Random(1)})
	require.Positive(t, cap(q.recvWaiters))
	require.NotNil(t, q.recvWaiters[:1][0].t, "the woken waiter is still in the list's memory")
	require.Positive(t, cap(mu.waiters))
	require.NotNil(t, mu.waiters[:1][0].t)
	Run(func(rt *Runtime) {
		q = q.Renew(rt, "q", 1)
		mu = mu.Renew(rt, "mu")
	}, Options{Strategy: Random(1)})
	for _, w := range q.recvWaiters[:cap(q.recvWaiters)] {
		require.Nil(t, w.t)
		require.Nil(t, w.need)
	}
	for _, w := range mu.waiters[:cap(mu.waiters)] {
		require.Nil(t, w.t)
		require.Nil(t, w.need)
	}
}

// Renew sets every field as NewQueue would (it sets them one by one): a
// renewed queue that was closed, wrapped and named otherwise is, but for
// its memory and its object key, the new queue of the same name.
func TestQueueRenewSetsEveryField(t *testing.T) {
	var q *Queue[int]
	Run(func(rt *Runtime) {
		q = NewQueue[int](rt, "old", 3)
		q.Send(1)
		q.Send(2)
		q.Recv()
		q.Close()
	}, Options{Strategy: Random(1)})
	require.True(t, q.closed)
	require.NotZero(t, q.head)
	var renewed, fresh Queue[int]
	Run(func(rt *Runtime) {
		renewed = *q.Renew(rt, "new", 2)
		fresh = *NewQueue[int](rt, "new", 2)
	}, Options{Strategy: Random(1)})
	rv, fv := reflect.ValueOf(renewed), reflect.ValueOf(fresh)
	for i := range rv.NumField() {
		f := rv.Type().Field(i)
		switch f.Name {
		case "key": // an object of the run each
			require.NotEqual(t, fv.Field(i).Int(), rv.Field(i).Int())
		case "buf", "recvWaiters", "sendWaiters": // the old memory, empty
			require.Equal(t, fv.Field(i).Len(), rv.Field(i).Len(), f.Name)
		default:
			require.True(t, fv.Field(i).Equal(rv.Field(i)), "field %s: %v, want %v", f.Name, rv.Field(i), fv.Field(i))
		}
	}
}
