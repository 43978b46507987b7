package sched_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"pgregory.net/rapid"

	"github.com/interleave/interleave/sched"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// lostUpdate is the classic read-yield-write race on a shared counter; with
// the mutex the read and the write are one critical section.
func lostUpdate(withMutex bool) func(rt *sched.Runtime) {
	return func(rt *sched.Runtime) {
		counter := 0
		mu := sched.NewMutex(rt, "mu")
		inc := func() {
			if withMutex {
				mu.Lock()
			}
			v := counter
			rt.Yield("write counter")
			counter = v + 1
			if withMutex {
				mu.Unlock()
			}
		}
		a, b := rt.Go("A", inc), rt.Go("B", inc)
		rt.JoinAll(a, b)
		if counter != 2 {
			rt.Failf("lost update: counter = %d, want 2", counter)
		}
	}
}

func TestLostUpdateFoundByRandomAndPCT(t *testing.T) {
	for name, strat := range map[string]func(seed int64) sched.Strategy{
		"random": sched.Random,
		"pct":    func(seed int64) sched.Strategy { return sched.PCT(seed, 2, 4) },
	} {
		t.Run(name, func(t *testing.T) {
			rep := sched.Explore(lostUpdate(false), sched.Options{Strategy: strat(1), Trace: true}, 100)
			require.NotNil(t, rep.Failure, "%s did not find the lost update in 100 schedules", name)
			require.Equal(t, sched.Assertion, rep.Failure.Kind)
			require.Contains(t, rep.Failure.Msg, "lost update: counter = 1, want 2")
			t.Logf("%s found the lost update at schedule %d", name, rep.FailedRun)

			// The failing run replays alone from its own seed.
			again := sched.Run(lostUpdate(false), sched.Options{Strategy: strat(1 + int64(rep.FailedRun))})
			require.NotNil(t, again.Failure)
			require.Equal(t, rep.Failure.Schedule.String(), again.Schedule.String())
		})
	}
}

func TestLostUpdateFoundByDFSWithOnePreemption(t *testing.T) {
	rep := sched.Explore(lostUpdate(false), sched.Options{Strategy: sched.DFS(0)}, 0)
	require.Nil(t, rep.Failure, "without preemptions each increment runs alone")
	require.True(t, rep.Exhausted)
	require.Equal(t, 2, rep.Schedules)

	rep = sched.Explore(lostUpdate(false), sched.Options{Strategy: sched.DFS(1), Trace: true}, 0)
	require.NotNil(t, rep.Failure)
	require.Contains(t, rep.Failure.Error(), "lost update")
	tl := rep.Failure.Trace.String()
	require.Contains(t, tl, "write counter")
}

func TestMutexMakesTheSpaceSafe(t *testing.T) {
	dfs := sched.DFS(-1)
	rep := sched.Explore(lostUpdate(true), sched.Options{Strategy: dfs}, 0)
	require.Nil(t, rep.Failure)
	require.True(t, rep.Exhausted)
	require.True(t, dfs.Exhausted())
	// Hand count: main blocks on Join, then A and B each take three
	// segments: start until the Lock point, lock+read until the yield,
	// write+unlock+exit. Orders of the first segments: see the comment in
	// mutexSchedules.
	require.Equal(t, mutexSchedules, rep.Schedules)
	t.Logf("dfs exhausted the mutex-protected space in %d schedules", rep.Schedules)
}

// mutexSchedules is the number of distinct decision sequences of
// lostUpdate(true) under an unbounded DFS. Write A1,A2,A3 (and B1..B3) for the
// segments above and Bw for B trying the lock while A holds it (it blocks and
// makes no progress). The first of A2/B2 to run wins the lock; say A2 (the
// case for B is symmetric, so the total is twice the following). Before A2,
// only B1 may run (B2 would have won): orders A1 A2, A1 B1 A2, B1 A1 A2 — 3
// prefixes, in two of which B1 already ran. After A2 the remaining steps are
// A3 plus B's remaining segments, where B2 can run only after A3 (unless it
// tries and blocks: Bw). With B1 done (2 prefixes): B may try the lock (Bw)
// before A3 or not: "A3 B2 B3" or "Bw A3 B2 B3" → 2 each → 4. With B1 not
// done (1 prefix): B1 before or after A3, and if before, optionally Bw
// before A3: "A3 B1 B2 B3", "B1 A3 B2 B3", "B1 Bw A3 B2 B3" → 3. Per winner
// 4+3 = 7, total 14.
const mutexSchedules = 14

// twoByThree is two tasks of three atomic segments each.
func twoByThree(rt *sched.Runtime) {
	body := func() {
		rt.Yield("second")
		rt.Yield("third")
	}
	a, b := rt.Go("A", body), rt.Go("B", body)
	rt.JoinAll(a, b)
}

func TestDFSCountsMatchHandComputedNumbers(t *testing.T) {
	// 6 segments, 3 per task: C(6,3) = 20 interleavings in all. With a
	// bound b on preemptions: 2 (b=0), 6 (b=1), 14 (b=2), 18 (b=3), 20 (b=4).
	for _, c := range []struct{ bound, want int }{{-1, 20}, {0, 2}, {1, 6}, {2, 14}, {3, 18}, {4, 20}} {
		dfs := sched.DFS(c.bound)
		rep := sched.Explore(twoByThree, sched.Options{Strategy: dfs}, 0)
		require.Nil(t, rep.Failure)
		require.True(t, rep.Exhausted, "bound %d", c.bound)
		require.Equal(t, c.want, rep.Schedules, "bound %d", c.bound)
		require.Equal(t, c.want, dfs.Runs())
	}
	// Three tasks of two segments: 6!/(2!2!2!) = 90.
	rep := sched.Explore(func(rt *sched.Runtime) {
		var ts []*sched.Task
		for _, n := range []string{"A", "B", "C"} {
			ts = append(ts, rt.Go(n, func() { rt.Yield("second") }))
		}
		rt.JoinAll(ts...)
	}, sched.Options{Strategy: sched.DFS(-1)}, 0)
	require.Equal(t, 90, rep.Schedules)
	require.True(t, rep.Exhausted)
}

func TestDFSBudgetStopsBeforeExhaustion(t *testing.T) {
	dfs := sched.DFS(-1)
	rep := sched.Explore(twoByThree, sched.Options{Strategy: dfs}, 7)
	require.Equal(t, 7, rep.Schedules)
	require.False(t, rep.Exhausted)
	require.False(t, dfs.Exhausted())
}

func TestABBADeadlockReportsBothWaits(t *testing.T) {
	abba := func(rt *sched.Runtime) {
		m1, m2 := sched.NewMutex(rt, "m1"), sched.NewMutex(rt, "m2")
		a := rt.Go("A", func() { m1.Lock(); m2.Lock(); m2.Unlock(); m1.Unlock() })
		b := rt.Go("B", func() { m2.Lock(); m1.Lock(); m1.Unlock(); m2.Unlock() })
		rt.JoinAll(a, b)
	}
	rep := sched.Explore(abba, sched.Options{Strategy: sched.DFS(-1), Trace: true}, 0)
	require.NotNil(t, rep.Failure)
	f := rep.Failure
	require.Equal(t, sched.Deadlock, f.Kind)
	require.Contains(t, f.Msg, "A waits for mutex m2 (held by B)")
	require.Contains(t, f.Msg, "B waits for mutex m1 (held by A)")
	require.Contains(t, f.Msg, "main waits for task A to finish")
	require.ElementsMatch(t, []string{"main", "A", "B"}, []string{f.Blocked[0].Task, f.Blocked[1].Task, f.Blocked[2].Task})

	// The deadlocking schedule replays to the same deadlock.
	again := sched.Run(abba, sched.Options{Strategy: sched.Replay(f.Schedule), Trace: true})
	require.NotNil(t, again.Failure)
	require.Equal(t, f.Msg, again.Failure.Msg)
	require.Equal(t, f.Trace.Hash(), again.Trace.Hash())
}

func TestStepLimitSaysSpinLoop(t *testing.T) {
	res := sched.Run(func(rt *sched.Runtime) {
		stop := false
		rt.Go("spinner", func() {
			for !stop {
				rt.Yield("spin")
			}
		})
		for {
			rt.Yield("also spin")
		}
	}, sched.Options{Strategy: sched.Random(3), MaxSteps: 500})
	require.NotNil(t, res.Failure)
	require.Equal(t, sched.StepLimit, res.Failure.Kind)
	require.Contains(t, res.Failure.Error(), "exceeded 500 steps")
	require.Contains(t, res.Failure.Error(), "a spin loop")
	require.NotEmpty(t, res.Failure.Schedule.Choices)
}

func TestPanicInTaskIsReported(t *testing.T) {
	deferRan := false
	res := sched.Run(func(rt *sched.Runtime) {
		q := sched.NewQueue[int](rt, "q", 1)
		// This task is parked in Recv when the run fails; its deferred call
		// into the scheduler must not hang the teardown.
		rt.Go("waiter", func() {
			defer func() { deferRan = true; rt.Yield("in defer") }()
			q.Recv()
		})
		rt.Go("crasher", func() {
			rt.Yield("about to crash")
			var m map[string]int
			m["x"] = 1
		})
		q.Recv()
	}, sched.Options{Strategy: sched.Random(1)})
	require.NotNil(t, res.Failure)
	f := res.Failure
	require.Equal(t, sched.Panic, f.Kind)
	require.Equal(t, "crasher", f.Task)
	require.Contains(t, f.Msg, "panic in task crasher: assignment to entry in nil map")
	require.Contains(t, f.Stack, "sched_test.TestPanicInTaskIsReported")
	require.True(t, deferRan, "deferred functions of unwound tasks run")
}

func TestReplayGivesIdenticalTraces(t *testing.T) {
	rep := sched.Explore(lostUpdate(false), sched.Options{Strategy: sched.Random(7), Trace: true}, 100)
	require.NotNil(t, rep.Failure)
	want := rep.Failure.Trace.Hash()
	for i := 0; i < 100; i++ {
		res := sched.Run(lostUpdate(false), sched.Options{Strategy: sched.Replay(rep.Failure.Schedule), Trace: true})
		require.NotNil(t, res.Failure)
		require.Equal(t, want, res.Trace.Hash(), "replay %d", i)
	}
}

// goldenBody exercises every primitive so that its trace hash pins the
// scheduler's behaviour.
func goldenBody(rt *sched.Runtime) {
	mu := sched.NewMutex(rt, "mu")
	q := sched.NewQueue[int](rt, "q", 2)
	r := sched.NewQueue[string](rt, "r", 1)
	total := 0
	var ts []*sched.Task
	for i := 0; i < 3; i++ {
		ts = append(ts, rt.Go(fmt.Sprintf("producer%d", i), func() {
			for j := 0; j < 3; j++ {
				mu.Lock()
				total += i*10 + j
				rt.Notef("total=%d", total)
				mu.Unlock()
				q.Send(i*10 + j)
			}
		}))
	}
	rt.Go("closer", func() {
		for _, x := range ts {
			x.Join()
		}
		q.Close()
		r.Send("done")
	})
	sum := 0
	for {
		var v int
		var ok bool
		i := rt.Select(q.RecvCase(func(x int, k bool) { v, ok = x, k }), r.RecvCase(func(s string, _ bool) { rt.Notef("got %s", s) }))
		if i == 0 && !ok {
			break
		}
		if i == 0 {
			sum += v
			rt.Notef("sum=%d choice=%d", sum, rt.Choose(3))
		}
	}
	if sum != total {
		rt.Failf("sum %d != total %d", sum, total)
	}
}

// goldenHashes were recorded from this package; they must be the same at any
// GOMAXPROCS, with and without -race, on every run.
var goldenHashes = map[int64]string{
	1: "48f081f1dbd4bec5", 2: "92b46f8cf7463b4d", 3: "bd25faeec0fd518e",
}

func TestTracesAreStableAcrossGOMAXPROCSAndRace(t *testing.T) {
	for seed, want := range goldenHashes {
		var hashes []string
		for _, procs := range []int{1, 4, 2} {
			old := runtime.GOMAXPROCS(procs)
			res := sched.Run(goldenBody, sched.Options{Strategy: sched.PCT(seed, 3, 60), Trace: true})
			runtime.GOMAXPROCS(old)
			require.Nil(t, res.Failure)
			hashes = append(hashes, res.Trace.Hash())
		}
		require.Equal(t, hashes[0], hashes[1], "seed %d: GOMAXPROCS=1 and 4 differ", seed)
		require.Equal(t, hashes[0], hashes[2])
		require.Equal(t, want, hashes[0], "seed %d: trace hash changed; the scheduler is not deterministic across builds or its behaviour changed", seed)
	}
}

func TestDeterminismCheckPasses(t *testing.T) {
	require.Nil(t, sched.CheckDeterminism(goldenBody, sched.Options{Strategy: sched.Random(5)}))
}

func TestDeterminismCheckFindsUncontrolledState(t *testing.T) {
	runs := 0 // survives across runs: the code under test is not a function of the schedule
	body := func(rt *sched.Runtime) {
		runs++
		first := runs
		a := rt.Go("A", func() { rt.Yield("step") })
		b := rt.Go("B", func() {
			if first == 2 {
				rt.Go("extra", func() {})
			}
			rt.Yield("poll")
		})
		rt.JoinAll(a, b)
	}
	f := sched.CheckDeterminism(body, sched.Options{Strategy: sched.Random(1)})
	require.NotNil(t, f)
	require.Equal(t, sched.Divergence, f.Kind)
	require.Contains(t, f.Msg, "nondeterminism at step")
	require.Regexp(t, `runnable tasks \[.*\], then \[.*extra.*\]|the schedule has`, f.Msg)
}

func TestReplayDivergenceIsReported(t *testing.T) {
	s := &sched.Schedule{Choices: []sched.Choice{{Kind: sched.TaskChoice, Value: 9}}}
	res := sched.Run(twoByThree, sched.Options{Strategy: sched.Replay(s)})
	require.NotNil(t, res.Failure)
	require.Equal(t, sched.Divergence, res.Failure.Kind)
	require.Contains(t, res.Failure.Msg, "replay diverged at step 2 (choice 1): task 9 is not runnable; runnable: [1 2]")

	long := &sched.Schedule{Choices: []sched.Choice{{Kind: sched.TaskChoice, Value: 1}, {Kind: sched.TaskChoice, Value: 1}, {Kind: sched.TaskChoice, Value: 1}, {Kind: sched.TaskChoice, Value: 2}, {Kind: sched.TaskChoice, Value: 2}}}
	res = sched.Run(twoByThree, sched.Options{Strategy: sched.Replay(long)})
	require.NotNil(t, res.Failure)
	require.Equal(t, sched.Divergence, res.Failure.Kind)
	require.Contains(t, res.Failure.Msg, "the run ended after 3 of the schedule's 5 choices")
}

func TestPCTMeetsItsProbabilityBound(t *testing.T) {
	// A depth-2 bug: B's write must land between A's two steps. n = 3 tasks
	// (main, A, B), k = number of choice points of a run.
	bug := func(rt *sched.Runtime) {
		state := 0
		a := rt.Go("A", func() {
			state = 1
			rt.Yield("check")
			rt.Yield("check again")
			if state == 2 {
				rt.Failf("B ran between A's steps")
			}
			state = 3
		})
		b := rt.Go("B", func() {
			rt.Yield("maybe write")
			if state == 1 {
				state = 2
			}
		})
		rt.JoinAll(a, b)
	}
	k := 6
	const seeds = 1000
	found := 0
	for seed := int64(0); seed < seeds; seed++ {
		if res := sched.Run(bug, sched.Options{Strategy: sched.PCT(seed, 2, k)}); res.Failure != nil {
			require.Equal(t, sched.Assertion, res.Failure.Kind)
			found++
		}
	}
	bound := 1.0 / (3.0 * float64(k))
	rate := float64(found) / seeds
	t.Logf("pct d=2: %d/%d runs found the bug (rate %.3f, bound 1/(n*k^(d-1)) = %.3f)", found, seeds, rate, bound)
	require.GreaterOrEqual(t, rate, bound)
}

func TestQueueSemantics(t *testing.T) {
	res := sched.Run(func(rt *sched.Runtime) {
		q := sched.NewQueue[int](rt, "q", 2)
		require.True(t, q.TrySend(1))
		require.True(t, q.TrySend(2))
		require.False(t, q.TrySend(3), "full queue refuses")
		require.False(t, q.Offer(3), "full queue refuses an offer")
		require.Equal(t, 2, q.Len())
		require.Equal(t, 2, q.Cap())
		require.Equal(t, -1, rt.TrySelect(q.SendCase(3, nil)), "default when nothing is ready")
		v, ok := q.Recv()
		require.Equal(t, 1, v)
		require.True(t, ok)
		step := rt.Step()
		require.True(t, q.Offer(3))
		require.Equal(t, step, rt.Step(), "an offer is not a scheduling point")
		v, _ = q.Recv()
		require.Equal(t, 2, v)
		q.Close()
		v, ok = q.Recv()
		require.Equal(t, 3, v, "receivers drain after close")
		require.True(t, ok)
		_, ok = q.Recv()
		require.False(t, ok)
	}, sched.Options{})
	require.Nil(t, res.Failure)

	res = sched.Run(func(rt *sched.Runtime) {
		q := sched.NewQueue[int](rt, "notifyCh", 1)
		q.Send(1)
		q.Send(2) // full, nobody receives
	}, sched.Options{})
	require.NotNil(t, res.Failure)
	require.Equal(t, "deadlock at step 3: 1 task blocked, none runnable: main waits for room in queue notifyCh (full, 1/1)", res.Failure.Error())

	res = sched.Run(func(rt *sched.Runtime) {
		q := sched.NewQueue[int](rt, "q", 1)
		q.Close()
		q.Send(1)
	}, sched.Options{})
	require.NotNil(t, res.Failure)
	require.Contains(t, res.Failure.Msg, "send on closed queue q")
}

// TestQueueKeepsOrderAsItGrows checks a queue against a slice: its buffer
// grows on demand (wrapped around or not) and never past its capacity.
func TestQueueKeepsOrderAsItGrows(t *testing.T) {
	rapid.Check(t, func(rt0 *rapid.T) {
		capacity := rapid.IntRange(1, 40).Draw(rt0, "capacity")
		ops := rapid.SliceOfN(rapid.IntRange(-1, 3), 0, 200).Draw(rt0, "ops") // -1: receive; n >= 0: offer n+1 values
		var model []int
		next := 0
		res := sched.Run(func(rt *sched.Runtime) {
			q := sched.NewQueue[int](rt, "q", capacity)
			for _, op := range ops {
				if op < 0 {
					if len(model) == 0 {
						continue
					}
					v, ok := q.Recv()
					if !ok || v != model[0] {
						rt0.Fatalf("recv %d, %v; want %d", v, ok, model[0])
					}
					model = model[1:]
					continue
				}
				for i := 0; i <= op; i++ {
					ok := q.Offer(next)
					if ok != (len(model) < capacity) {
						rt0.Fatalf("offer with %d of %d queued: %v", len(model), capacity, ok)
					}
					if ok {
						model = append(model, next)
					}
					next++
				}
				if q.Len() != len(model) || q.Cap() != capacity {
					rt0.Fatalf("len %d cap %d; want %d %d", q.Len(), q.Cap(), len(model), capacity)
				}
			}
		}, sched.Options{})
		if res.Failure != nil {
			rt0.Fatal(res.Failure)
		}
	})
}

func TestSelectBlocksUntilACaseIsReady(t *testing.T) {
	// Both producers run before the consumer can pick: the strategy chooses
	// among ready cases, so DFS sees both outcomes.
	seen := map[string]bool{}
	rep := sched.Explore(func(rt *sched.Runtime) {
		a, b := sched.NewQueue[string](rt, "a", 1), sched.NewQueue[string](rt, "b", 1)
		rt.Go("pa", func() { a.Send("from a") })
		rt.Go("pb", func() { b.Send("from b") })
		var got string
		rt.Select(a.RecvCase(func(v string, _ bool) { got = v }), b.RecvCase(func(v string, _ bool) { got = v }))
		seen[got] = true
		rt.Select(a.RecvCase(nil), b.RecvCase(nil))
	}, sched.Options{Strategy: sched.DFS(-1)}, 0)
	require.Nil(t, rep.Failure)
	require.True(t, rep.Exhausted)
	require.Equal(t, map[string]bool{"from a": true, "from b": true}, seen)
}

func TestChooserDrivesDecisions(t *testing.T) {
	var asked []int
	res := sched.Run(twoByThree, sched.Options{Strategy: sched.Chooser(func(n int) int { asked = append(asked, n); return 0 }), Trace: true})
	require.Nil(t, res.Failure)
	require.Equal(t, 0, res.Preemptions, "choice 0 never preempts")
	require.Equal(t, []int{2, 2, 2}, asked)

	res = sched.Run(twoByThree, sched.Options{Strategy: sched.Chooser(func(n int) int { return n })})
	require.NotNil(t, res.Failure)
	require.Contains(t, res.Failure.Msg, "chooser returned 2 for a decision with 2 options")
}

func TestTraceTimelineReads(t *testing.T) {
	res := sched.Run(lostUpdate(false), sched.Options{Strategy: sched.Replay(&sched.Schedule{Choices: []sched.Choice{{Kind: sched.TaskChoice, Value: 1}, {Kind: sched.TaskChoice, Value: 2}, {Kind: sched.TaskChoice, Value: 1}}}), Trace: true})
	require.NotNil(t, res.Failure)
	want := strings.Join([]string{
		" step  task  event",
		"    1  main  start",
		"    2  A     start",
		"    3  B     start",
		"    4  A     write counter",
		"    5  B     write counter",
		"    6  main  join A",
		"",
	}, "\n")
	require.Equal(t, want, res.Trace.String())
	require.Len(t, res.Trace.Hash(), 16)
}

func TestWildRunsTheSameCodeOnGoroutines(t *testing.T) {
	for seed := int64(0); seed < 20; seed++ {
		res := sched.RunWild(lostUpdate(true), sched.WildOptions{Seed: seed, Jitter: 0.5})
		require.Nil(t, res.Failure, "seed %d", seed)
	}
	res := sched.RunWild(func(rt *sched.Runtime) {
		q := sched.NewQueue[int](rt, "q", 1)
		rt.Go("p", func() { q.Send(1); q.Close() })
		v, _ := q.Recv()
		if _, ok := q.Recv(); ok {
			panic("closed queue yielded a value")
		}
		rt.Failf("checked %d", v)
	}, sched.WildOptions{Jitter: 1})
	require.NotNil(t, res.Failure)
	require.Equal(t, sched.Assertion, res.Failure.Kind)
	require.Equal(t, "checked 1", res.Failure.Msg)
}

func TestWaitIdleReturnsWhenOthersAreBlocked(t *testing.T) {
	var order []string
	res := sched.Run(func(rt *sched.Runtime) {
		q := sched.NewQueue[int](rt, "q", 4)
		rt.Go("consumer", func() {
			for v, ok := q.Recv(); ok; v, ok = q.Recv() {
				order = append(order, fmt.Sprint("got ", v))
			}
		})
		q.Send(1)
		q.Send(2)
		rt.WaitIdle() // the consumer has drained q and blocks in Recv
		order = append(order, "idle")
		q.Close()
	}, sched.Options{Strategy: sched.Random(4)})
	require.Nil(t, res.Failure)
	require.Equal(t, []string{"got 1", "got 2", "idle"}, order)

	// Two tasks both waiting for idleness wake together rather than
	// deadlocking each other.
	res = sched.Run(func(rt *sched.Runtime) {
		rt.Go("other", func() { rt.WaitIdle() })
		rt.WaitIdle()
	}, sched.Options{})
	require.Nil(t, res.Failure)
}

func TestGuidedFollowsWhatApplies(t *testing.T) {
	// The lost-update schedule steers the same program exactly, and steers a
	// changed program (with the mutex) without diverging.
	rep := sched.Explore(lostUpdate(false), sched.Options{Strategy: sched.DFS(1)}, 0)
	require.NotNil(t, rep.Failure)
	again := sched.Run(lostUpdate(false), sched.Options{Strategy: sched.Guided(rep.Failure.Schedule)})
	require.NotNil(t, again.Failure)
	require.Equal(t, rep.Failure.Msg, again.Failure.Msg)
	require.Equal(t, rep.Failure.Schedule.String(), again.Schedule.String())

	fixed := sched.Run(lostUpdate(true), sched.Options{Strategy: sched.Guided(rep.Failure.Schedule)})
	require.Nil(t, fixed.Failure)
	long := &sched.Schedule{Choices: []sched.Choice{{Kind: sched.TaskChoice, Value: 99}, {Kind: sched.ValueChoice, Value: 5}}}
	require.Nil(t, sched.Run(twoByThree, sched.Options{Strategy: sched.Guided(long)}).Failure)
}

func TestStrategyPanicBecomesAFailure(t *testing.T) {
	// The panic comes at a decision taken while a task exits, the path
	// where an unrecovered panic would kill the process.
	type boom struct{ n int }
	calls := 0
	res := sched.Run(twoByThree, sched.Options{Strategy: sched.Chooser(func(n int) int {
		calls++
		if calls == 3 {
			panic(boom{calls})
		}
		return 0
	})})
	require.NotNil(t, res.Failure)
	require.Equal(t, sched.Panic, res.Failure.Kind)
	require.Equal(t, boom{3}, res.Failure.Value)
	require.Contains(t, res.Failure.Msg, "panic in the strategy")
}

// panickyStrategy is a strategy of the caller's own (not this package's):
// its decisions are guarded like a Chooser's.
type panickyStrategy struct{ calls int }

func (p *panickyStrategy) Start() bool { return true }

func (p *panickyStrategy) Next(d *sched.Decision) (int, error) {
	if p.calls++; p.calls == 2 {
		panic("my strategy gave up")
	}
	return 0, nil
}

func TestPanicOfAnOutsideStrategyBecomesAFailure(t *testing.T) {
	res := sched.Run(twoByThree, sched.Options{Strategy: &panickyStrategy{}})
	require.NotNil(t, res.Failure)
	require.Equal(t, sched.Panic, res.Failure.Kind)
	require.Equal(t, "my strategy gave up", res.Failure.Value)
	require.Contains(t, res.Failure.Msg, "panic in the strategy")
	require.Empty(t, res.Failure.Task, "not a task's panic")
	// Explore's wrapper keeps the guard.
	rep := sched.Explore(twoByThree, sched.Options{Strategy: &panickyStrategy{}}, 1)
	require.NotNil(t, rep.Failure)
	require.Contains(t, rep.Failure.Msg, "panic in the strategy")
}

func TestShrinkRemovesPreemptions(t *testing.T) {
	// A random failing schedule of the lost update, shrunk: the race needs
	// exactly one preemption (A reads, B runs whole, A writes), never more.
	for seed := int64(1); seed <= 30; seed++ {
		res := sched.Run(lostUpdate(false), sched.Options{Strategy: sched.Random(seed)})
		if res.Failure == nil {
			continue
		}
		small := sched.Shrink(lostUpdate(false), res.Schedule, func(r *sched.Result) bool { return r.Failure.Kind == sched.Assertion }, sched.Options{Trace: true})
		require.NotNil(t, small.Failure, "seed %d", seed)
		require.Contains(t, small.Failure.Msg, "lost update")
		require.Equal(t, 1, small.Preemptions, "seed %d: %s", seed, small.Trace)
		require.LessOrEqual(t, small.Preemptions, res.Preemptions)
		require.NotNil(t, small.Trace)
	}
}

func TestShrinkContextStopsEarly(t *testing.T) {
	var res *sched.Result
	for seed := int64(1); res == nil || res.Failure == nil || res.Preemptions < 2; seed++ {
		res = sched.Run(lostUpdate(false), sched.Options{Strategy: sched.Random(seed)})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	small := sched.ShrinkContext(ctx, lostUpdate(false), res.Schedule, func(r *sched.Result) bool { return true }, sched.Options{Trace: true})
	require.NotNil(t, small.Failure, "still a failing run")
	require.Equal(t, res.Preemptions, small.Preemptions, "cancelled before any shrinking: the schedule itself")
	require.Equal(t, res.Schedule.Choices, small.Schedule.Choices)
	require.NotNil(t, small.Trace)
}

// JoinAll's count of the tasks still awaited is the waiting task's: two
// tasks joining overlapping sets at once, joins one after another, a task
// listed twice and tasks already finished each wake the joiner exactly when
// every task it joined has finished.
func TestJoinAllWakesWhenEveryTaskHasFinished(t *testing.T) {
	for seed := int64(1); seed <= 200; seed++ {
		res := sched.Run(func(rt *sched.Runtime) {
			finished := map[string]bool{}
			work := func(name string, steps int) *sched.Task {
				return rt.Go(name, func() {
					for i := 0; i < steps; i++ {
						rt.Yield("work")
					}
					finished[name] = true
				})
			}
			joined := func(hs ...*sched.Task) {
				rt.JoinAll(hs...)
				for _, h := range hs {
					if !finished[h.Name()] {
						rt.Failf("%s returned from JoinAll before %s finished", rt.TaskName(), h.Name())
					}
				}
			}
			a, b, c := work("a", 3), work("b", 1), work("c", 2)
			j1 := rt.Go("j1", func() {
				joined(a, b)
				d, e := work("d", 2), work("e", 0)
				joined(d, c, e, d)
				joined(a, d)
				finished["j1"] = true
			})
			j2 := rt.Go("j2", func() { joined(b, c, a); finished["j2"] = true })
			joined(j1, j2, a)
		}, sched.Options{Strategy: sched.Random(seed)})
		require.Nil(t, res.Failure, "seed %d", seed)
	}
}
