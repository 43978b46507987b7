package chans_test

import (
	stdsync "sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

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

// A run that stalls for good still holds its pool's switchboard: later runs
// given that pool do without it, and work.
func TestStallAbandonsThePool(t *testing.T) {
	var mu stdsync.Mutex
	mu.Lock()
	pool := &sched.Pool{}
	res := sched.Run(func(rt *sched.Runtime) {
		mu.Lock()
		mu.Unlock()
	}, sched.Options{StallTimeout: 100 * time.Millisecond, Pool: pool})
	require.NotNil(t, res.Failure)
	require.Equal(t, sched.Stall, res.Failure.Kind)
	for seed := int64(1); seed <= 20; seed++ {
		res = sched.Run(func(rt *sched.Runtime) {
			c := chans.Make[int](0)
			chans.Go(func() { chans.Send(c, 1) })
			require.Equal(t, 1, chans.Recv(c))
		}, sched.Options{Strategy: sched.Random(seed), Pool: pool})
		require.Nil(t, res.Failure)
	}
	require.Zero(t, pool.Idle(), "the abandoned pool keeps no goroutine")
	pool.Close()
	mu.Unlock()
}

// A pool lends its runs the watchdog's timer and channel: a run whose
// stall a close released, and runs that outlast the watchdog's beat, leave
// them fit for the next run, which still sees its own stall.
func TestStallWatchdogServesThePoolsRuns(t *testing.T) {
	pool := &sched.Pool{}
	defer pool.Close()
	stall := func() *sched.Result {
		return sched.Run(func(rt *sched.Runtime) {
			c := chans.Make[int](0)
			chans.Go(func() { chans.Send(c, 1) })
			<-c // not ported: released by the watchdog's close
			chans.Recv(c)
		}, sched.Options{StallTimeout: 100 * time.Millisecond, Pool: pool})
	}
	for round := 0; round < 2; round++ {
		res := stall()
		require.NotNil(t, res.Failure)
		require.Equal(t, sched.Stall, res.Failure.Kind)
		for seed := int64(1); seed <= 5; seed++ {
			res = sched.Run(func(rt *sched.Runtime) {
				c := chans.Make[int](0)
				chans.Go(func() { chans.Send(c, 1) })
				time.Sleep(15 * time.Millisecond) // beyond a beat: the timer fires
				require.Equal(t, 1, chans.Recv(c))
			}, sched.Options{Strategy: sched.Random(seed), StallTimeout: 40 * time.Millisecond, Pool: pool})
			require.Nil(t, res.Failure)
		}
	}
	require.Positive(t, pool.Idle(), "the pool was not abandoned")
}

// A run given up (its task stuck on a standard mutex) comes back when the
// task is released: the task fails the run at its next point, the other
// tasks unwind, and the last one resumes the run's home fiber, which the
// watchdog's goroutine took over from the caller of Run: every goroutine
// of the run ends, that one among them.
func TestGivenUpRunEndsWhenReleased(t *testing.T) {
	for _, pool := range []*sched.Pool{nil, {}} {
		before := goleak.IgnoreCurrent()
		var mu stdsync.Mutex
		mu.Lock()
		res := sched.Run(func(rt *sched.Runtime) {
			c := chans.Make[int](0)
			chans.Go(func() {
				mu.Lock() // stuck for good, until the test unlocks it
				mu.Unlock()
				chans.Send(c, 1)
			})
			chans.Recv(c)
		}, sched.Options{StallTimeout: 50 * time.Millisecond, Pool: pool})
		require.NotNil(t, res.Failure)
		require.Equal(t, sched.Stall, res.Failure.Kind)
		require.Contains(t, res.Failure.Msg, "task go stall_test.go:111 has not come back")
		mu.Unlock()
		goleak.VerifyNone(t, before)
		if pool != nil {
			pool.Close()
		}
	}
}
