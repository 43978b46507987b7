package sched

import (
	"slices"
	"testing"
	"time"
)

// maskBody is a program that blocks and wakes tasks every way the package
// does (channels and select, a mutex, joins, the clock's timers and
// sleeps, WaitIdle, data choices); seen is set to its run.
func maskBody(tasks int, seen **Runtime) func(rt *Runtime) {
	return func(rt *Runtime) {
		*seen = rt
		c := NewChan[int](rt, "c", 0)
		b := NewChan[int](rt, "b", 1)
		mu := NewMutex(rt, "mu")
		var hs []*Task
		for i := 0; i < tasks; i++ {
			hs = append(hs, rt.Go("w", func() {
				switch i % 4 {
				case 0:
					c.Send(i + rt.Choose(3))
				case 1:
					v, _ := c.Recv()
					b.Send(v)
				case 2:
					mu.Lock()
					rt.Sleep(time.Millisecond)
					rt.Yield("slept")
					mu.Unlock()
				default:
					var v int
					var ok bool
					rt.Select(b.RecvInto(&v, &ok), rt.After(time.Second).RecvInto(nil, nil))
				}
			}))
		}
		rt.AfterFunc(time.Millisecond, func() { rt.Yield("fired") })
		rt.WaitIdle()
		rt.JoinAll(hs...)
	}
}

// TestPCTFromTheMaskChoosesAsNext: a run under PCT without a trace decides
// from the runnable mask (pickPCT); with a trace, through Next and the
// runnable list. Both make the same choices, steps, preemptions and
// verdict (a label may say more with a trace), over seeds, depths, programs of few and of more than 64 tasks,
// and step limits that cut runs short.
func TestPCTFromTheMaskChoosesAsNext(t *testing.T) {
	for _, tasks := range []int{3, 10, 70} {
		for _, depth := range []int{1, 2, 3, 5} {
			for _, maxSteps := range []int{0, 25} {
				for seed := int64(1); seed <= 15; seed++ {
					var fast, slow *Runtime
					a := Run(maskBody(tasks, &fast), Options{Strategy: PCT(seed, depth, 40), MaxSteps: maxSteps, StallTimeout: -1})
					b := Run(maskBody(tasks, &slow), Options{Strategy: PCT(seed, depth, 40), MaxSteps: maxSteps, StallTimeout: -1, Trace: true})
					if fast.pct == nil || slow.pct != nil {
						t.Fatalf("the run without a trace must decide from the mask, the one with a trace through Next")
					}
					if !slices.Equal(a.Schedule.Choices, b.Schedule.Choices) || a.Steps != b.Steps || a.Preemptions != b.Preemptions {
						t.Fatalf("%d tasks, depth %d, max steps %d, seed %d: from the mask %d steps, %d preemptions, %v; through Next %d, %d, %v",
							tasks, depth, maxSteps, seed, a.Steps, a.Preemptions, a.Schedule.Choices, b.Steps, b.Preemptions, b.Schedule.Choices)
					}
					if (a.Failure == nil) != (b.Failure == nil) || (a.Failure != nil && (a.Failure.Kind != b.Failure.Kind || a.Failure.Step != b.Failure.Step || a.Failure.Task != b.Failure.Task)) {
						t.Fatalf("%d tasks, depth %d, max steps %d, seed %d: verdicts %v and %v", tasks, depth, maxSteps, seed, a.Failure, b.Failure)
					}
				}
			}
		}
	}
}
