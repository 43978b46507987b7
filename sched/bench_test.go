package sched_test

import (
	"testing"
	"time"

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

// benchRunLen is the number of decisions per run in the switch benchmarks:
// long enough that starting a run is a small share, short like real runs.
const benchRunLen = 1000

// pingPongRuns makes n scheduling decisions in runs of two tasks that yield
// benchRunLen/2 times each, and returns the switches between tasks.
func pingPongRuns(b *testing.B, n int, strat sched.Strategy) (switches int) {
	for done := 0; done < n; done += benchRunLen {
		steps := min(benchRunLen, n-done)
		res := sched.Run(func(rt *sched.Runtime) {
			body := func() {
				for i := 0; i < steps/2; i++ {
					rt.Yield("ping")
				}
			}
			x, y := rt.Go("A", body), rt.Go("B", body)
			rt.JoinAll(x, y)
		}, sched.Options{Strategy: strat})
		if res.Failure != nil {
			b.Fatal(res.Failure)
		}
		switches += res.Preemptions
	}
	return switches
}

// rawHandoffNs measures a raw goroutine handoff (as in
// BenchmarkGoroutinePingPong) in the running benchmark's own process, so the
// scheduler's cost can be reported as a ratio to a baseline taken at the
// same time on the same machine.
func rawHandoffNs() float64 {
	const n = 200_000
	ping, pong := make(chan struct{}), make(chan struct{})
	go func() {
		for range ping {
			pong <- struct{}{}
		}
	}()
	start := time.Now()
	for i := 0; i < n; i += 2 {
		ping <- struct{}{}
		<-pong
	}
	elapsed := time.Since(start)
	close(ping)
	return float64(elapsed.Nanoseconds()) / n
}

// BenchmarkSchedSwitch: two tasks alternating through the scheduler with the
// random strategy. One op is one scheduling decision (a yield), including the
// amortised cost of starting runs of 1000 decisions. A random decision picks
// the other task about half the time, so ns/switch (time per actual handoff
// between goroutines) is reported too.
func BenchmarkSchedSwitch(b *testing.B) {
	start := time.Now()
	switches := pingPongRuns(b, b.N, sched.Random(1))
	elapsed := time.Since(start)
	b.StopTimer()
	if switches > 0 {
		b.ReportMetric(float64(elapsed.Nanoseconds())/float64(switches), "ns/switch")
	}
	b.ReportMetric(float64(switches)/float64(max(b.N, 1)), "switches/op")
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(max(b.N, 1))/rawHandoffNs(), "x-handoff")
}

// BenchmarkSchedSwitchAlternating: the same with a strategy that always picks
// the other task, so that every op is a handoff: the direct comparison with
// BenchmarkGoroutinePingPong.
func BenchmarkSchedSwitchAlternating(b *testing.B) {
	start := time.Now()
	pingPongRuns(b, b.N, sched.Chooser(func(n int) int { return n - 1 }))
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(max(b.N, 1))/rawHandoffNs(), "x-handoff")
}

// BenchmarkSchedules3x10 runs whole schedules of a 3-task x 10-step program
// with fresh random seeds and reports schedules per second.
func BenchmarkSchedules3x10(b *testing.B) {
	body := func(rt *sched.Runtime) {
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
	strat := sched.Random(1) // each Run starts its next seed
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if res := sched.Run(body, sched.Options{Strategy: strat}); res.Failure != nil {
			b.Fatal(res.Failure)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "schedules/s")
}
