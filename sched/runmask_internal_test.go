package sched

import (
	"slices"
	"testing"
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
// every way the package does (maskBody) with few tasks and with more than
// 64.
func TestRunnableMaskFollowsTheStates(t *testing.T) {
	for _, tasks := range []int{3, 10, 70} {
		for seed := int64(1); seed <= 20; seed++ {
			check := &maskChecker{Strategy: Random(seed), t: t}
			res := Run(maskBody(tasks, &check.rt), Options{Strategy: check, StallTimeout: -1})
			if res.Failure != nil {
				t.Fatalf("%d tasks, seed %d: %v", tasks, seed, res.Failure)
			}
			if check.decisions < tasks {
				t.Fatalf("%d tasks, seed %d: %d decisions checked", tasks, seed, check.decisions)
			}
		}
	}
}
