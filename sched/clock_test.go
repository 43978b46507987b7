package sched_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/sched"
)

func TestVirtualTimeAdvancesOnlyWhenAllAreBlocked(t *testing.T) {
	var log []string
	f := run(func(rt *sched.Runtime) {
		start := rt.Now()
		if !start.Equal(sched.Epoch) {
			rt.Failf("starts at %v", start)
		}
		note := func(what string) { log = append(log, fmt.Sprintf("%v %s", rt.Since(start), what)) }
		a := rt.Go("A", func() { rt.Sleep(time.Second); note("A woke") })
		b := rt.Go("B", func() {
			for i := 0; i < 3; i++ {
				rt.Yield("busy") // time stands still while B can run
			}
			note("B done")
			rt.Sleep(time.Hour)
			note("B woke")
		})
		rt.JoinAll(a, b)
		note("main")
	})
	require.Nil(t, f)
	require.Equal(t, []string{"0s B done", "1s A woke", "1h0m0s B woke", "1h0m0s main"}, log)
}

func TestTimerStopAndResetDiscardStaleTicks(t *testing.T) {
	f := run(func(rt *sched.Runtime) {
		tm := rt.NewTimer(time.Second)
		if tm.C.Len() != 0 || tm.C.Cap() != 0 {
			rt.Failf("a timer's channel reports len %d cap %d", tm.C.Len(), tm.C.Cap())
		}
		rt.Sleep(2 * time.Second) // the timer fires; nobody receives yet
		stopped := tm.Stop()      // discards the tick: as if it never fired
		other := rt.NewTimer(time.Second)
		i := rt.Select(tm.C.RecvCase(nil), other.C.RecvCase(nil))
		again := tm.Stop()
		tm.Reset(time.Minute)
		at, _ := tm.C.Recv()
		rt.Failf("stopped %v, case %d, again %v, fired at +%v", stopped, i, again, at.Sub(sched.Epoch))
	})
	require.Equal(t, "stopped true, case 1, again false, fired at +1m3s", f.Msg)
}

func TestAfterFuncRunsInATaskOfItsOwn(t *testing.T) {
	res := sched.Run(func(rt *sched.Runtime) {
		ran := sched.NewChan[string](rt, "ran", 1)
		rt.AfterFunc(time.Minute, func() { ran.Send(rt.TaskName() + " at " + rt.Since(sched.Epoch).String()) })
		stopped := rt.AfterFunc(time.Minute, func() { rt.Failf("a stopped AfterFunc ran") })
		if !stopped.Stop() {
			rt.Failf("Stop of a pending AfterFunc returned false")
		}
		v, _ := ran.Recv()
		rt.Notef("%s", v)
	}, sched.Options{Trace: true})
	require.Nil(t, res.Failure)
	require.Contains(t, res.Trace.String(), "afterfunc#2 at 1m0s")
}

// tickerLoop ticks n times of one second each under a ticker, with a
// select on a quit channel, as a real program's loop would.
func tickerLoop(n int) func(rt *sched.Runtime) {
	return func(rt *sched.Runtime) {
		tk := rt.NewTicker(time.Second)
		defer tk.Stop()
		quit := sched.NewChan[struct{}](rt, "quit", 0)
		ticks := 0
		for ticks < n {
			rt.Select(tk.C.RecvCase(func(time.Time, bool) { ticks++ }), quit.RecvCase(nil))
		}
		if got := rt.Since(sched.Epoch); got != time.Duration(n)*time.Second {
			rt.Failf("after %d ticks the clock says %v", n, got)
		}
	}
}

func TestTickerTicksInVirtualTime(t *testing.T) {
	start := time.Now()
	res := sched.Run(tickerLoop(1000), sched.Options{})
	require.Nil(t, res.Failure)
	t.Logf("1000 ticks of 1s: %d steps in %v of real time", res.Steps, time.Since(start))
}

func TestTickerLoopThatNeverExitsHitsTheStepLimit(t *testing.T) {
	res := sched.Run(func(rt *sched.Runtime) {
		tk := rt.NewTicker(time.Second)
		done := sched.NewChan[struct{}](rt, "done", 0)
		rt.Go("loop", func() {
			for {
				if rt.Select(tk.C.RecvCase(nil), done.RecvCase(nil)) == 1 {
					return
				}
			}
		})
		done.Recv() // nobody ever sends: the loop ticks forever
	}, sched.Options{MaxSteps: 3000})
	require.NotNil(t, res.Failure)
	require.Equal(t, sched.StepLimit, res.Failure.Kind)
	require.Contains(t, res.Failure.Msg, "the virtual clock advanced")
	require.Contains(t, res.Failure.Msg, "a ticker or timer keeps waking tasks")
}

func TestClockStandsStillAfterMainReturns(t *testing.T) {
	f := run(func(rt *sched.Runtime) {
		rt.Go("sleeper", func() { rt.Sleep(time.Hour) })
		rt.WaitIdle()
	})
	require.NotNil(t, f)
	require.Equal(t, sched.Deadlock, f.Kind)
	require.Equal(t, "1 task blocked, none runnable: sleeper waits for the clock (sleeping until +1h0m0s) (main has returned, so the virtual clock stands still: the blocked tasks leak)", f.Msg)
}

func TestUnreadTickerDoesNotHideADeadlock(t *testing.T) {
	f := run(func(rt *sched.Runtime) {
		rt.NewTicker(time.Millisecond)
		m := sched.NewMutex(rt, "m")
		m.Lock()
		rt.Go("other", m.Lock)
		rt.Sleep(time.Second) // the ticker fills its channel; then only it is left
		sched.NewChan[int](rt, "never", 0).Recv()
	})
	require.NotNil(t, f)
	require.Equal(t, sched.Deadlock, f.Kind)
	require.Equal(t, "2 tasks blocked, none runnable: main waits for a value on never (empty); other waits for mutex m (held by main)", f.Msg)
}

func TestTickerMisusePanicsAsGoDoes(t *testing.T) {
	f := run(func(rt *sched.Runtime) {
		msg := panicMsg(func() { rt.NewTicker(0) })
		tk := rt.NewTicker(time.Second)
		rt.Failf("%s | %s", msg, panicMsg(func() { tk.Reset(-1) }))
	})
	require.Equal(t, "non-positive interval for NewTicker | non-positive interval for Ticker.Reset", f.Msg)
}

func TestDFSExhaustsAProgramWithATicker(t *testing.T) {
	// Two tasks race to record the first tick; the ticker's firings are
	// events like any other, so the space is small and ends.
	seen := map[string]bool{}
	rep := sched.Explore(func(rt *sched.Runtime) {
		tk := rt.NewTicker(time.Second)
		var first string
		done := sched.NewWaitGroup(rt, "done")
		for _, name := range []string{"A", "B"} {
			done.Add(1)
			rt.Go(name, func() {
				defer done.Done()
				tk.C.Recv()
				if first == "" {
					first = name
				}
			})
		}
		done.Wait()
		tk.Stop()
		seen[first] = true
	}, sched.Options{Strategy: sched.DFS(-1)}, 0)
	require.Nil(t, rep.Failure)
	require.True(t, rep.Exhausted)
	require.Equal(t, map[string]bool{"A": true, "B": true}, seen)
	t.Logf("%d schedules", rep.Schedules)
}

func TestTimersInWildMode(t *testing.T) {
	res := sched.RunWild(func(rt *sched.Runtime) {
		tm := rt.NewTimer(time.Millisecond)
		at, _ := tm.C.Recv()
		tk := rt.NewTicker(time.Millisecond)
		tk.C.Recv()
		tk.C.Recv()
		tk.Stop()
		done := sched.NewChan[int](rt, "done", 1)
		rt.AfterFunc(time.Millisecond, func() { done.Send(1) })
		done.Recv()
		stopped := rt.NewTimer(time.Hour).Stop()
		rt.Sleep(time.Millisecond)
		rt.Failf("fired after start: %v, stopped: %v", at.After(time.Now().Add(-time.Minute)), stopped)
	}, sched.WildOptions{Jitter: 0.2})
	require.Equal(t, "fired after start: true, stopped: true", res.Failure.Msg)
}

// TestPCTAndDFSEndOnATickerProgram: timer firings are events, not a task
// that could always run, so every PCT run of a ticker loop ends, and a
// bounded DFS of a ticker and a racing task exhausts.
func TestPCTAndDFSEndOnATickerProgram(t *testing.T) {
	rep := sched.Explore(tickerLoop(200), sched.Options{Strategy: sched.PCT(1, 3, 0), MaxSteps: 5000}, 200)
	require.Nil(t, rep.Failure)
	require.Equal(t, 200, rep.Schedules)

	body := func(rt *sched.Runtime) {
		tk := rt.NewTicker(time.Second)
		defer tk.Stop()
		done := sched.NewChan[struct{}](rt, "done", 0)
		rt.Go("worker", func() {
			rt.Sleep(2500 * time.Millisecond)
			done.Close()
		})
		for {
			if rt.Select(tk.C.RecvCase(nil), done.RecvCase(nil)) == 1 {
				return
			}
		}
	}
	dfs := sched.DFS(2)
	rep = sched.Explore(body, sched.Options{Strategy: dfs}, 0)
	require.Nil(t, rep.Failure)
	require.True(t, rep.Exhausted)
	t.Logf("dfs(2) over a ticker loop: %d schedules", rep.Schedules)
}
