package sched_test

import (
	"testing"

	"github.com/interleave/interleave/internal/benchbase"
	"github.com/interleave/interleave/sched"
)

// BenchmarkGoroutinePingPong is the baseline: two raw goroutines handing a
// token over unbuffered channels. One op is one handoff.
func BenchmarkGoroutinePingPong(b *testing.B) {
	ping, pong := make(chan struct{}), make(chan struct{})
	go func() {
		for range ping {
			pong <- struct{}{}
		}
	}()
	b.ResetTimer()
	for i := 0; i < b.N; i += 2 {
		ping <- struct{}{}
		<-pong
	}
	b.StopTimer()
	close(ping)
}

// pingPongRuns makes n scheduling decisions in runs of two tasks that yield
// benchbase.SwitchRunLen/2 times each, and returns the switches between
// tasks.
func pingPongRuns(pool *sched.Pool, n int, strat sched.Strategy) (switches int) {
	for done := 0; done < n; done += benchbase.SwitchRunLen {
		switches += benchbase.PingPongRun(pool, min(benchbase.SwitchRunLen, n-done), strat)
	}
	return switches
}

// BenchmarkSchedSwitch: two tasks alternating through the scheduler with the
// random strategy. One op is one scheduling decision (a yield), including the
// amortised cost of starting runs of 1000 decisions. A random decision picks
// the other task about half the time, so ns/switch (time per actual switch
// between tasks) is reported too, and x-handoff, the cost of an op in raw
// goroutine handoffs measured in the same process (internal/benchbase).
func BenchmarkSchedSwitch(b *testing.B) {
	var pool sched.Pool
	defer pool.Close()
	b.ReportAllocs()
	switches := 0
	r := benchbase.Interleave(b, func(n int) { switches += pingPongRuns(&pool, n, sched.Random(1)) })
	if switches > 0 {
		b.ReportMetric(float64(r.Work.Nanoseconds())/float64(switches), "ns/switch")
	}
	b.ReportMetric(float64(switches)/float64(max(b.N, 1)), "switches/op")
	if r.Baselines {
		b.ReportMetric(r.PerOp(b.N)/r.HandoffNs, "x-handoff")
	}
}

// BenchmarkSchedSwitchAlternating: the same with a strategy that always picks
// the other task, so that every op is a switch between tasks: the direct
// comparison with BenchmarkGoroutinePingPong.
func BenchmarkSchedSwitchAlternating(b *testing.B) {
	var pool sched.Pool
	defer pool.Close()
	b.ReportAllocs()
	r := benchbase.Interleave(b, func(n int) { pingPongRuns(&pool, n, benchbase.Alternate) })
	if r.Baselines {
		b.ReportMetric(r.PerOp(b.N)/r.HandoffNs, "x-handoff")
	}
}

// body3x10 is a program of three tasks of ten steps each.
func body3x10(rt *sched.Runtime) {
	var ts []*sched.Task
	for _, name := range []string{"A", "B", "C"} {
		ts = append(ts, rt.Go(name, func() {
			for i := 0; i < 9; i++ {
				rt.Yield("step")
			}
		}))
	}
	rt.JoinAll(ts...)
}

// BenchmarkSchedules3x10 runs whole schedules of a 3-task x 10-step program
// with fresh random seeds and reports schedules per second, with a Pool (as
// Explore runs) and without one (every task starts a goroutine).
func BenchmarkSchedules3x10(b *testing.B) {
	for _, pooled := range []bool{true, false} {
		name := "pool"
		if !pooled {
			name = "no-pool"
		}
		b.Run(name, func(b *testing.B) {
			var pool sched.Pool
			defer pool.Close()
			opts := sched.Options{Strategy: sched.Random(1)} // each Run starts its next seed
			if pooled {
				opts.Pool = &pool
			}
			b.ReportAllocs()
			steps := 0
			r := benchbase.Interleave(b, func(n int) {
				for i := 0; i < n; i++ {
					res := sched.Run(body3x10, opts)
					if res.Failure != nil {
						b.Fatal(res.Failure)
					}
					steps += res.Steps
				}
			})
			b.ReportMetric(float64(b.N)/r.Work.Seconds(), "schedules/s")
			if r.Baselines {
				b.ReportMetric(r.PerOp(steps)/r.SwitchNs, "x-switch/step")
			}
		})
	}
}
