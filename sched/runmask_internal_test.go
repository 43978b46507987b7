package sched

import (
	"slices"
	"testing"
	"time"
)

// maskChecker is Random that checks, at every decision, that the runnable
// list pick built from rt.runMask is the one the tasks' states give.
type maskChecker struct {
	Strategy
	rt        *Runtime
	t         *testing.T
	decisions int
}

func (m *maskChecker) Next(d *Decision) (int, error) {
	if d.Kind == PickTask {
		m.decisions++
		rt := m.rt
		var want []TaskID
		if rt.cur.state == runnable {
			want = append(want, rt.cur.id)
		}
		for _, t := range rt.tasks {
			if t.state == runnable && t != rt.cur {
				want = append(want, t.id)
			}
		}
		if !slices.Equal(d.Runnable, want) {
			m.t.Fatalf("step %d: runnable %v, the states say %v", d.Step, d.Runnable, want)
		}
	}
	return m.Strategy.Next(d)
}

// TestRunnableMaskFollowsTheStates runs programs that block and wake tasks
// every way the package does (channels and select, a mutex, joins, the
// clock's timers and sleeps, WaitIdle) with few tasks and with more than
// 64.
func TestRunnableMaskFollowsTheStates(t *testing.T) {
	for _, tasks := range []int{3, 10, 70} {
		for seed := int64(1); seed <= 20; seed++ {
			check := &maskChecker{Strategy: Random(seed), t: t}
			res := Run(func(rt *Runtime) {
				check.rt = rt
				c := NewChan[int](rt, "c", 0)
				b := NewChan[int](rt, "b", 1)
				mu := NewMutex(rt, "mu")
				var hs []*Task
				for i := 0; i < tasks; i++ {
					hs = append(hs, rt.Go("w", func() {
						switch i % 4 {
						case 0:
							c.Send(i)
						case 1:
							v, _ := c.Recv()
							b.Send(v)
						case 2:
							mu.Lock()
							rt.Sleep(time.Millisecond)
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
			}, Options{Strategy: check, StallTimeout: -1})
			if res.Failure != nil {
				t.Fatalf("%d tasks, seed %d: %v", tasks, seed, res.Failure)
			}
			if check.decisions < tasks {
				t.Fatalf("%d tasks, seed %d: %d decisions checked", tasks, seed, check.decisions)
			}
		}
	}
}
