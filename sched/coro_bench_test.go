package sched_test

import (
	"iter"
	"testing"

	"github.com/interleave/interleave/internal/benchbase"
)

// The ways to hand control from one task to another that were measured
// before tasks became coroutines (README, Speed). One op is one handoff
// from a task to another; x-handoff compares its CPU time with a raw
// goroutine handoff over channels measured in the same process.

// BenchmarkHandoffCoroutine is one bare coroutine switch (half an iter.Pull
// round trip): the floor of a controlled switch.
func BenchmarkHandoffCoroutine(b *testing.B) {
	next, stop := iter.Pull(func(yield func(struct{}) bool) {
		for yield(struct{}{}) {
		}
	})
	defer stop()
	r := benchbase.Interleave(b, func(n int) {
		for i := 0; i < n; i += 2 {
			next()
		}
	})
	if r.Baselines {
		b.ReportMetric(r.PerOp(b.N)/r.HandoffNs, "x-handoff")
	}
}

// BenchmarkHandoffDriverLoop is the alternative to switching directly: a
// scheduler loop resumes the chosen task, which yields back to it, so that
// a handoff from a task to another is two coroutine switches.
func BenchmarkHandoffDriverLoop(b *testing.B) {
	var tasks [2]func() (struct{}, bool)
	cur := 0
	for i := range tasks {
		next, stop := iter.Pull(func(yield func(struct{}) bool) {
			for {
				cur = 1 - cur // the decision: always the other task
				if !yield(struct{}{}) {
					return
				}
			}
		})
		defer stop()
		tasks[i] = next
	}
	r := benchbase.Interleave(b, func(n int) {
		for i := 0; i < n; i++ {
			tasks[cur]()
		}
	})
	if r.Baselines {
		b.ReportMetric(r.PerOp(b.N)/r.HandoffNs, "x-handoff")
	}
}
