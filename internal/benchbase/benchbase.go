// Package benchbase measures the baselines that the scheduler's benchmarks
// report against, in the benchmark's own process and interleaved with the
// work being measured, so that a ratio compares two things that saw the
// same machine: on a shared machine, a baseline taken before or after the
// work can be several times off. The ratios are of the process's CPU time,
// which a busy machine inflates much less than the time on the clock
// (with GOMAXPROCS=1, as in -cpu 1, the process's CPU time is the work's).
//
// The baselines are a raw handoff (two goroutines handing control back and
// forth over unbuffered channels: what a controlled task switch cost when
// tasks were goroutines) and a controlled switch (one scheduling decision
// that passes control to another task, as in the sched package's
// BenchmarkSchedSwitchAlternating).
//
// With INTERLEAVE_BENCH_BASELINES=off in the environment, no baseline is
// measured and the work runs in one piece: for a CPU profile of the work
// alone.
package benchbase

import (
	"os"
	"testing"
	"time"

	"github.com/interleave/interleave/sched"
)

// Slices is the number of pieces Interleave cuts the work into.
const Slices = 8

// Result is what Interleave measured.
type Result struct {
	// Work is the time the work took in all, on the clock; WorkCPU is the
	// process's CPU time during it. HandoffNs and SwitchNs are the mean CPU
	// costs of one raw handoff and of one controlled switch, measured
	// between the slices of the work.
	Work, WorkCPU time.Duration
	HandoffNs     float64
	SwitchNs      float64
	// Baselines is false when the baselines were not measured
	// (INTERLEAVE_BENCH_BASELINES=off): the ratios are not to be reported.
	Baselines bool
}

// PerOp returns the work's CPU time per op, for n ops: what Ratio compares.
func (r Result) PerOp(n int) float64 { return float64(r.WorkCPU.Nanoseconds()) / float64(max(n, 1)) }

// Interleave runs work(n) for b.N ops in all, in Slices slices; after each
// slice, with b's timer stopped, it measures raw handoffs and controlled
// switches for about as long as the slice took. work must do exactly n ops
// and may be called with n == 0.
func Interleave(b *testing.B, work func(n int)) Result {
	var res Result
	if os.Getenv("INTERLEAVE_BENCH_BASELINES") == "off" {
		start := time.Now()
		res.WorkCPU = cpuTime(func() { work(b.N) })
		res.Work = time.Since(start)
		return res
	}
	res.Baselines = true
	h := startPingPong()
	defer h.stop()
	var pool sched.Pool
	defer pool.Close()
	// First estimates, to size the baseline runs.
	handoffNs := cpuTime(func() { h.run(2000) }).Seconds() * 1e9 / 2000
	switchNs := cpuTime(func() { switches(&pool, 2000) }).Seconds() * 1e9 / 2000
	var hTime, sTime time.Duration
	var hN, sN int
	done := 0
	for s := 0; s < Slices; s++ {
		n := (b.N - done) / (Slices - s)
		start := time.Now()
		took := cpuTime(func() { work(n) })
		res.Work += time.Since(start)
		res.WorkCPU += took
		done += n
		b.StopTimer()
		k := count(took, handoffNs)
		hTime += cpuTime(func() { h.run(k) })
		hN += k
		k = count(took, switchNs)
		sTime += cpuTime(func() { switches(&pool, k) })
		sN += k
		b.StartTimer()
	}
	res.HandoffNs = hTime.Seconds() * 1e9 / float64(hN)
	res.SwitchNs = sTime.Seconds() * 1e9 / float64(sN)
	return res
}

// count is the number of baseline ops, each about perOp ns, that take about
// as long as d: at least 2000, at most 2 million.
func count(d time.Duration, perOp float64) int {
	return min(max(int(float64(d.Nanoseconds())/max(perOp, 1)), 2000), 2_000_000)
}

type pingPong struct{ ping, pong chan struct{} }

func startPingPong() *pingPong {
	p := &pingPong{make(chan struct{}), make(chan struct{})}
	go func() {
		for range p.ping {
			p.pong <- struct{}{}
		}
	}()
	return p
}

// run makes n handoffs (n/2 round trips).
func (p *pingPong) run(n int) {
	for i := 0; i < n; i += 2 {
		p.ping <- struct{}{}
		<-p.pong
	}
}

func (p *pingPong) stop() { close(p.ping) }

// PingPongRun is a run of two tasks that yield in turn, about steps
// decisions in all, under strat. It returns the number of preemptions
// (switches between tasks).
func PingPongRun(pool *sched.Pool, steps int, strat sched.Strategy) int {
	res := sched.Run(func(rt *sched.Runtime) {
		body := func() {
			for i := 0; i < steps/2; i++ {
				rt.Yield("ping")
			}
		}
		a, b := rt.Go("A", body), rt.Go("B", body)
		rt.JoinAll(a, b)
	}, sched.Options{Strategy: strat, Pool: pool})
	if res.Failure != nil {
		panic(res.Failure)
	}
	return res.Preemptions
}

// Alternate is a strategy that always picks the task that did not run
// last: with two tasks, every decision is a switch.
var Alternate = sched.Chooser(func(n int) int { return n - 1 })

// SwitchRunLen is the number of decisions in the runs that measure
// controlled switches: long enough that starting a run is a small share,
// short like real runs.
const SwitchRunLen = 1000

// switches makes about n switches in runs of SwitchRunLen decisions.
func switches(pool *sched.Pool, n int) {
	for done := 0; done < n; done += SwitchRunLen {
		PingPongRun(pool, min(SwitchRunLen, n-done), Alternate)
	}
}
