package sched_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/interleave/interleave/sched"
)

// Tests of tasks as coroutines (coro.go, pool.go): how tasks end, what is
// left behind, and what the race detector sees.

// pools runs f without a pool and with one, closed at the end; goleak then
// checks that nothing of the run is left.
func pools(t *testing.T, f func(t *testing.T, pool *sched.Pool)) {
	for _, pooled := range []bool{false, true} {
		name := "no-pool"
		if pooled {
			name = "pool"
		}
		t.Run(name, func(t *testing.T) {
			var pool *sched.Pool
			if pooled {
				pool = &sched.Pool{}
			}
			defer func() {
				if pool != nil {
					pool.Close()
					require.Zero(t, pool.Idle())
				}
				goleak.VerifyNone(t)
			}()
			f(t, pool)
		})
	}
}

func TestGoexitInATaskEndsOnlyThatTask(t *testing.T) {
	pools(t, func(t *testing.T, pool *sched.Pool) {
		var deferred, after, other bool
		res := sched.Run(func(rt *sched.Runtime) {
			a := rt.Go("exits", func() {
				defer func() { deferred = true }()
				rt.Yield("before exit")
				runtime.Goexit()
				after = true
			})
			b := rt.Go("other", func() {
				rt.Yield("one")
				rt.Yield("two")
				other = true
			})
			rt.JoinAll(a, b) // a's joiners wake as on a return
		}, sched.Options{Strategy: sched.Random(3), Pool: pool})
		require.Nil(t, res.Failure)
		require.True(t, deferred, "the exiting task's deferred calls ran")
		require.False(t, after)
		require.True(t, other, "the other task ran to its end")
		if pool != nil {
			// main and other returned to the pool; the goroutine that
			// exited did not.
			require.Equal(t, 2, pool.Idle())
		}
	})
}

// TestFailNowInATask runs a test that calls t.FailNow from a task, in a
// child process: the task ends, the run finishes, and the test fails with
// its message.
func TestFailNowInATask(t *testing.T) {
	if os.Getenv("SCHED_FAILNOW_CHILD") == "1" {
		res := sched.Run(func(rt *sched.Runtime) {
			a := rt.Go("checker", func() {
				rt.Yield("check")
				t.Errorf("checker: the value is wrong")
				t.FailNow()
			})
			rt.Go("bystander", func() { rt.Yield("pass by") })
			a.Join()
		}, sched.Options{Strategy: sched.Random(1)})
		fmt.Printf("run returned: failure=%v steps=%d\n", res.Failure, res.Steps)
		return
	}
	// The child ends by itself even if the scheduler hangs: its own
	// timeout, and a kill when the context expires.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestFailNowInATask$", "-test.count=1", "-test.v", "-test.timeout=60s")
	cmd.Env = append(os.Environ(), "SCHED_FAILNOW_CHILD=1")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	require.True(t, errors.As(err, &exit), "the child test must fail, got err=%v:\n%s", err, out)
	s := string(out)
	require.Contains(t, s, "checker: the value is wrong")
	require.Contains(t, s, "run returned: failure=<nil>")
	require.Contains(t, s, "--- FAIL: TestFailNowInATask")
	require.NotContains(t, s, "panic")
	require.NotContains(t, s, "leaked")
}

//go:noinline
func crashInTask(depth int) {
	if depth > 0 {
		crashInTask(depth - 1)
		return
	}
	panic("crashed on purpose")
}

func TestPanicStackNamesTheTaskFunction(t *testing.T) {
	pools(t, func(t *testing.T, pool *sched.Pool) {
		res := sched.Run(func(rt *sched.Runtime) {
			rt.Go("crasher", func() {
				rt.Yield("about to crash")
				crashInTask(3)
			})
			rt.Yield("main step")
		}, sched.Options{Strategy: sched.Random(1), Pool: pool})
		require.NotNil(t, res.Failure)
		f := res.Failure
		require.Equal(t, sched.Panic, f.Kind)
		require.Equal(t, "crasher", f.Task)
		require.Equal(t, "crashed on purpose", f.Value)
		require.Contains(t, f.Stack, "sched_test.crashInTask")
		require.Contains(t, f.Stack, "coro_test.go:")
		// The frames of the panic come before the scheduler's.
		require.Less(t, strings.Index(f.Stack, "crashInTask"), strings.Index(f.Stack, "sched.(*Runtime).runTask"))
	})
}

// TestNothingIsLeftBehindAfterAnyEnding ends a run in every way a run can
// end, with a task blocked forever and, where the run fails at once, a task
// never picked.
func TestNothingIsLeftBehindAfterAnyEnding(t *testing.T) {
	errStrategy := func() sched.Strategy { return sched.Chooser(func(n int) int { return n }) } // out of range
	panicking := func() sched.Strategy { return sched.Chooser(func(n int) int { panic("strategy gave up") }) }
	diverging := func() sched.Strategy { // a replay is used once
		return sched.Replay(&sched.Schedule{Choices: []sched.Choice{{Kind: sched.TaskChoice, Value: 99}}})
	}
	for _, c := range []struct {
		name     string
		kind     sched.FailureKind     // 0: the run passes
		strat    func() sched.Strategy // nil: Random(2)
		lateRuns bool                  // the task started last gets to run before the end
		end      func(rt *sched.Runtime)
	}{
		{"success", 0, nil, true, func(rt *sched.Runtime) {}},
		{"assertion", sched.Assertion, nil, false, func(rt *sched.Runtime) { rt.Failf("no") }},
		{"panic", sched.Panic, nil, false, func(rt *sched.Runtime) { panic("boom") }},
		{"deadlock", sched.Deadlock, nil, true, func(rt *sched.Runtime) { sched.NewQueue[int](rt, "never", 1).Recv() }},
		{"step-limit", sched.StepLimit, nil, true, func(rt *sched.Runtime) {
			for {
				rt.Yield("spin")
			}
		}},
		{"strategy-error", sched.StrategyError, errStrategy, false, func(rt *sched.Runtime) { rt.Yield("ask") }},
		{"strategy-panic", sched.Panic, panicking, false, func(rt *sched.Runtime) { rt.Yield("ask") }},
		{"divergence", sched.Divergence, diverging, false, func(rt *sched.Runtime) { rt.Yield("ask") }},
		// main exits while the others wait: a deadlock found as it ends.
		{"goexit", sched.Deadlock, nil, true, func(rt *sched.Runtime) { runtime.Goexit() }},
	} {
		t.Run(c.name, func(t *testing.T) {
			pools(t, func(t *testing.T, pool *sched.Pool) {
				var blockedDeferRan, lateRan bool
				strat := sched.Random(2)
				if c.strat != nil {
					strat = c.strat()
				}
				res := sched.Run(func(rt *sched.Runtime) {
					q := sched.NewQueue[int](rt, "q", 1)
					rt.Go("blocked", func() {
						defer func() { blockedDeferRan = true }()
						q.Recv()
					})
					rt.WaitIdle() // blocked is blocked in Recv
					rt.Go("late", func() { lateRan = true })
					c.end(rt)
					q.Send(1)
				}, sched.Options{Strategy: strat, MaxSteps: 200, Pool: pool})
				if c.kind == 0 {
					require.Nil(t, res.Failure)
					require.True(t, lateRan)
					return
				}
				require.NotNil(t, res.Failure)
				require.Equal(t, c.kind, res.Failure.Kind, "%v", res.Failure)
				require.True(t, blockedDeferRan, "the blocked task was unwound and its deferred calls ran")
				if !c.lateRuns {
					require.False(t, lateRan, "a task never picked does not run")
				}
			})
		})
	}
}

// deep recurses n frames with a large frame each, yielding on the way down
// and up, and returns n.
//
//go:noinline
func deep(rt *sched.Runtime, n int) int {
	var pad [256]byte
	pad[n%256] = byte(n)
	if n == 0 {
		rt.Yield("bottom")
		return int(pad[0])
	}
	if n%2500 == 0 {
		rt.Yield("descending")
	}
	return 1 + deep(rt, n-1) + int(pad[n%256]) - int(byte(n))
}

func TestTasksWithDeepStacks(t *testing.T) {
	pools(t, func(t *testing.T, pool *sched.Pool) {
		for run := 0; run < 3; run++ { // with a pool, later runs reuse the grown stacks
			var got [3]int
			res := sched.Run(func(rt *sched.Runtime) {
				var ts []*sched.Task
				for i := range got {
					ts = append(ts, rt.Go(fmt.Sprint("deep", i), func() { got[i] = deep(rt, 10_000*(i+1)) }))
				}
				rt.JoinAll(ts...)
			}, sched.Options{Strategy: sched.Random(int64(run)), Pool: pool})
			require.Nil(t, res.Failure)
			require.Equal(t, [3]int{10_000, 20_000, 30_000}, got)
		}
	})
}

// TestHandOffThroughPrimitivesIsNotARace is meaningful under -race (make
// test): plain memory handed from task to task through a Mutex or a Queue,
// and read by the caller after the run, must not be reported as a race.
func TestHandOffThroughPrimitivesIsNotARace(t *testing.T) {
	pools(t, func(t *testing.T, pool *sched.Pool) {
		for seed := int64(0); seed < 20; seed++ {
			var shared []int // plain memory, no atomics
			res := sched.Run(func(rt *sched.Runtime) {
				mu := sched.NewMutex(rt, "mu")
				q := sched.NewQueue[*[]int](rt, "q", 1)
				a := rt.Go("writer", func() {
					mu.Lock()
					shared = append(shared, 1)
					mu.Unlock()
					q.Send(&shared)
				})
				b := rt.Go("reader", func() {
					p, _ := q.Recv()
					mu.Lock()
					*p = append(*p, len(*p)+1)
					mu.Unlock()
				})
				rt.JoinAll(a, b)
			}, sched.Options{Strategy: sched.Random(seed), Pool: pool})
			require.Nil(t, res.Failure)
			require.Equal(t, []int{1, 2}, shared)
		}
	})
}

func TestAPoolServesOneRunAtATime(t *testing.T) {
	var pool sched.Pool
	defer func() { pool.Close(); goleak.VerifyNone(t) }()
	res := sched.Run(func(rt *sched.Runtime) {
		sched.Run(func(*sched.Runtime) {}, sched.Options{Pool: &pool})
	}, sched.Options{Pool: &pool})
	require.NotNil(t, res.Failure)
	require.Equal(t, sched.Panic, res.Failure.Kind)
	require.Contains(t, res.Failure.Msg, "a Pool is used by two runs at once")

	res = sched.Run(func(rt *sched.Runtime) { pool.Close() }, sched.Options{Pool: &pool})
	require.NotNil(t, res.Failure)
	require.Contains(t, res.Failure.Msg, "Pool.Close called while a run uses the pool")
}

func TestARunInsideATask(t *testing.T) {
	pools(t, func(t *testing.T, pool *sched.Pool) {
		var inner *sched.Report
		res := sched.Run(func(rt *sched.Runtime) {
			a := rt.Go("outer", func() {
				rt.Yield("before")
				inner = sched.Explore(lostUpdate(false), sched.Options{Strategy: sched.Random(1), Trace: true}, 100)
				rt.Yield("after")
			})
			rt.Go("sibling", func() { rt.Yield("meanwhile") })
			a.Join()
		}, sched.Options{Strategy: sched.Random(4), Pool: pool})
		require.Nil(t, res.Failure)
		require.NotNil(t, inner.Failure)
		require.Contains(t, inner.Failure.Msg, "lost update")
	})
}

func TestPoolReusesGoroutinesAcrossRuns(t *testing.T) {
	var pool sched.Pool
	defer func() { pool.Close(); goleak.VerifyNone(t) }()
	for i := 0; i < 5; i++ {
		res := sched.Run(body3x10, sched.Options{Strategy: sched.Random(int64(i)), Pool: &pool})
		require.Nil(t, res.Failure)
		require.Equal(t, 4, pool.Idle(), "run %d: the four tasks' goroutines wait in the pool", i)
	}
	before := runtime.NumGoroutine()
	pool.Close()
	require.Zero(t, pool.Idle())
	require.Equal(t, before-5, runtime.NumGoroutine(), "the four workers and the runs' home fiber end")
	// A closed pool can be used again.
	require.Nil(t, sched.Run(body3x10, sched.Options{Pool: &pool}).Failure)
	require.Equal(t, 4, pool.Idle())
}

func TestTracesAreTheSameWithAndWithoutAPool(t *testing.T) {
	var pool sched.Pool
	defer pool.Close()
	for seed, want := range goldenHashes {
		res := sched.Run(goldenBody, sched.Options{Strategy: sched.PCT(seed, 3, 60), Trace: true, Pool: &pool})
		require.Nil(t, res.Failure)
		require.Equal(t, want, res.Trace.Hash())
	}
}
