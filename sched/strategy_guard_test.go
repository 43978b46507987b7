package sched_test

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/sched"
)

// The scheduler guards the decisions of an outside strategy (a Chooser)
// with the recovers at the top of each task and at a task's end, not with
// one around each decision (ask). These tests reach a decision from every
// path that asks, and make the strategy panic there.

// decisionPaths names the ways a decision is reached, each told by the
// functions on the stack of the strategy's call.
var decisionPaths = map[string]func(stack []string) bool{
	"point":  func(s []string) bool { return has(s, "sched.(*Runtime).point") },
	"block":  func(s []string) bool { return has(s, "sched.(*Runtime).block") },
	"finish": func(s []string) bool { return has(s, "sched.(*Runtime).finish") },
	"Choose": func(s []string) bool { return has(s, "sched.(*Runtime).Choose") },
	// After the clock fires, pick takes the next decision: pick in pick.
	"clock": func(s []string) bool { return count(s, "sched.(*Runtime).pick") >= 2 },
	// A deferred scheduling point of a task that exits by runtime.Goexit
	// (t.FailNow).
	"goexit": func(s []string) bool { return has(s, "runtime.Goexit") },
}

// everyPath is a program that reaches each of decisionPaths under a
// strategy that always picks the last option.
func everyPath(rt *sched.Runtime) {
	a := rt.Go("A", func() {
		rt.Sleep(time.Second)
		rt.Yield("a")
	})
	b := rt.Go("B", func() {
		rt.Sleep(time.Second)
		rt.Yield("b")
	})
	c := rt.Go("C", func() { _ = rt.Choose(3) })
	d := rt.Go("D", func() {
		defer rt.Yield("deferred")
		runtime.Goexit()
	})
	rt.Yield("main")
	rt.JoinAll(a, b, c, d)
}

func callStack() []string {
	pcs := make([]uintptr, 64)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs)])
	var names []string
	for {
		f, more := frames.Next()
		names = append(names, f.Function)
		if !more {
			return names
		}
	}
}

func has(s []string, fn string) bool { return count(s, fn) > 0 }

func count(s []string, fn string) int {
	n := 0
	for _, f := range s {
		if strings.HasSuffix(f, fn) {
			n++
		}
	}
	return n
}

type pathPanic struct{ path string }

// panickingChooserAt panics at the first decision reached by path.
func panickingChooserAt(path string) sched.Strategy {
	at := decisionPaths[path]
	return sched.Chooser(func(n int) int {
		if at(callStack()) {
			panic(pathPanic{path})
		}
		return n - 1
	})
}

func TestStrategyPanicOnEveryPathThatAsksBecomesAFailure(t *testing.T) {
	// First, that the program does reach a decision by each path.
	seen := map[string]bool{}
	res := sched.Run(everyPath, sched.Options{Strategy: sched.Chooser(func(n int) int {
		s := callStack()
		for path, at := range decisionPaths {
			if at(s) {
				seen[path] = true
			}
		}
		return n - 1
	})})
	require.Nil(t, res.Failure)
	for path := range decisionPaths {
		require.True(t, seen[path], "no decision reached by %s", path)
	}

	for path := range decisionPaths {
		t.Run(path, func(t *testing.T) {
			res := sched.Run(everyPath, sched.Options{Strategy: panickingChooserAt(path)})
			require.NotNil(t, res.Failure)
			require.Equal(t, sched.Panic, res.Failure.Kind, res.Failure.Msg)
			require.Equal(t, pathPanic{path}, res.Failure.Value)
			require.Contains(t, res.Failure.Msg, "panic in the strategy")
			require.Empty(t, res.Failure.Task, "not a task's panic")
			require.Contains(t, res.Failure.Stack, "panickingChooserAt", "the strategy's stack")
			// A task's panic after that is still a task's panic: the
			// guard is off once the strategy's panic is dealt with.
			again := sched.Run(func(rt *sched.Runtime) {
				rt.Go("P", func() { panic("task") })
				rt.Yield("main")
			}, sched.Options{Strategy: sched.Chooser(func(n int) int { return n - 1 })})
			require.NotNil(t, again.Failure)
			require.Equal(t, "P", again.Failure.Task)
		})
	}
}

// recoverer is a task that recovers every panic of a scheduling point.
func recoverer(rt *sched.Runtime) {
	func() {
		defer func() { _ = recover() }()
		rt.Yield("guarded")
	}()
	rt.Yield("after")
}

func TestStrategyPanicRecoveredByATaskStillFailsTheRun(t *testing.T) {
	for _, more := range []bool{false, true} { // the task ends at once, or asks again
		res := sched.Run(func(rt *sched.Runtime) {
			e := rt.Go("E", func() {
				recoverer(rt)
				if more {
					rt.Yield("more")
				}
			})
			rt.Go("F", func() { rt.Yield("f") })
			rt.Yield("main")
			e.Join()
		}, sched.Options{Strategy: sched.Chooser(func(n int) int {
			if has(callStack(), "sched_test.recoverer") {
				panic("the task's code recovers this")
			}
			return n - 1
		})})
		require.NotNil(t, res.Failure, "more=%v", more)
		require.Equal(t, sched.StrategyError, res.Failure.Kind)
		require.Contains(t, res.Failure.Msg, "the strategy did not return from a decision: it panicked and the task's code recovered the panic")
	}
}

func TestStrategyGoexitFailsTheRun(t *testing.T) {
	res := sched.Run(twoByThree, sched.Options{Strategy: sched.Chooser(func(n int) int {
		runtime.Goexit()
		return 0
	})})
	require.NotNil(t, res.Failure)
	require.Equal(t, sched.StrategyError, res.Failure.Kind)
	require.Contains(t, res.Failure.Msg, "or it exited the goroutine (runtime.Goexit)")
}

func TestChooserOutOfRangeFailsTheRunOnEveryPath(t *testing.T) {
	// The scheduler calls a Chooser's function itself for its decisions
	// between tasks, and through Next for Choose; Explore wraps it. Each
	// checks the answer the same way.
	for _, v := range []int{-1, 5} {
		bad := func(n int) int { return v }
		res := sched.Run(twoByThree, sched.Options{Strategy: sched.Chooser(bad)})
		require.NotNil(t, res.Failure)
		require.Equal(t, sched.StrategyError, res.Failure.Kind)
		require.Contains(t, res.Failure.Msg, "chooser returned")
		require.Contains(t, res.Failure.Msg, "for a decision with 2 options")

		rep := sched.Explore(twoByThree, sched.Options{Strategy: sched.Chooser(bad)}, 1)
		require.NotNil(t, rep.Failure)
		require.Contains(t, rep.Failure.Msg, "for a decision with 2 options")

		res = sched.Run(func(rt *sched.Runtime) { rt.Choose(3) }, sched.Options{Strategy: sched.Chooser(bad)})
		require.NotNil(t, res.Failure)
		require.Contains(t, res.Failure.Msg, "for a decision with 3 options")
	}
}
