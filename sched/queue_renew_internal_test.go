package sched

import (
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
