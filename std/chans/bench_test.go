package chans_test

import (
	"testing"
	"time"

	"github.com/interleave/interleave/sched"
	"github.com/interleave/interleave/std/chans"
)

// pingPong sends n values to an echo goroutine over unbuffered channels
// and takes each back: the same code is controlled in a run and real
// outside one.
func pingPong(n int) {
	ping, pong := chans.Make[int](0), chans.Make[int](0)
	chans.Go(func() {
		for v := range chans.Range(ping) {
			chans.Send(pong, v)
		}
		chans.Close(pong)
	})
	for i := 0; i < n; i++ {
		chans.Send(ping, i)
		chans.Recv(pong)
	}
	chans.Close(ping)
	chans.Recv(pong)
}

// controlled runs work(n) for b.N units in runs of at most perRun units,
// under the random strategy, and returns the time it took.
func controlled(b *testing.B, perRun int, work func(n int)) time.Duration {
	start := time.Now()
	strat := sched.Random(1) // each run takes the next seed
	for done := 0; done < b.N; done += perRun {
		n := min(perRun, b.N-done)
		if res := sched.Run(func(rt *sched.Runtime) { work(n) }, sched.Options{Strategy: strat}); res.Failure != nil {
			b.Fatal(res.Failure)
		}
	}
	return time.Since(start)
}

// real runs work(n) outside any run: the standard library's primitives on
// real goroutines.
func real(n int, work func(n int)) time.Duration {
	start := time.Now()
	work(n)
	return time.Since(start)
}

// BenchmarkChanPingPong: one op is a round trip of a value over two
// unbuffered channels under control; x-real is its cost over the same
// round trip between real goroutines, measured in the same run.
func BenchmarkChanPingPong(b *testing.B) {
	ctl := controlled(b, 500, pingPong)
	b.StopTimer()
	base := real(max(b.N, 1000), pingPong)
	b.ReportMetric(float64(ctl)/float64(b.N)/(float64(base)/float64(max(b.N, 1000))), "x-real")
}
