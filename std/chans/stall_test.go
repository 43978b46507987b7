package chans_test

import (
	stdsync "sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/sched"
	"github.com/interleave/interleave/std/chans"
)

func TestPlainStatementOnARunChannelStallsAndFails(t *testing.T) {
	start := time.Now()
	res := sched.Run(func(rt *sched.Runtime) {
		c := chans.Make[int](0)
		chans.Go(func() { chans.Send(c, 1) })
		<-c // not ported: blocks where the scheduler cannot see
		chans.Recv(c)
	}, sched.Options{StallTimeout: 200 * time.Millisecond})
	require.NotNil(t, res.Failure)
	require.Equal(t, sched.Stall, res.Failure.Kind)
	require.Contains(t, res.Failure.Msg, "task main has not come back to the scheduler for 200ms: it blocks outside the scheduler's view (a plain channel statement")
	require.Contains(t, res.Failure.Stack, "stall_test.go")
	require.Less(t, time.Since(start), time.Minute)
}

func TestStuckOnAStandardMutexGivesUp(t *testing.T) {
	var mu stdsync.Mutex
	mu.Lock()
	res := sched.Run(func(rt *sched.Runtime) {
		mu.Lock() // a standard mutex: nothing the run made can release it
		mu.Unlock()
		rt.Yield("after")
	}, sched.Options{StallTimeout: 100 * time.Millisecond})
	require.NotNil(t, res.Failure)
	require.Equal(t, sched.Stall, res.Failure.Kind)
	mu.Unlock() // the task comes back, fails at its next point and ends
}
