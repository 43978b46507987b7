package sync_test

import (
	"testing"
	"time"

	"github.com/interleave/interleave/sched"
	"github.com/interleave/interleave/std/sync"
)

// controlled runs work(n) for b.N units in runs of at most perRun units,
// under the random strategy, and returns the time it took.
func controlled(b *testing.B, perRun int, work func(n int)) time.Duration {
	start := time.Now()
	strat := sched.Random(1)
	for done := 0; done < b.N; done += perRun {
		n := min(perRun, b.N-done)
		if res := sched.Run(func(rt *sched.Runtime) { work(n) }, sched.Options{Strategy: strat}); res.Failure != nil {
			b.Fatal(res.Failure)
		}
	}
	return time.Since(start)
}

// report adds x-real: the cost of a unit under control over its cost with
// the real primitives on real goroutines, measured in the same run.
func report(b *testing.B, ctl time.Duration, work func(n int)) {
	b.StopTimer()
	n := max(b.N, 2000)
	start := time.Now()
	work(n)
	base := time.Since(start)
	b.ReportMetric(float64(ctl)/float64(b.N)/(float64(base)/float64(n)), "x-real")
}

const workers = 4

// contended: four goroutines take turns incrementing a counter under a
// mutex; a unit is one Lock/Unlock.
func contended(n int) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	count := 0
	for w := 0; w < workers; w++ {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				mu.Lock()
				count++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// BenchmarkMutexContended: one op is a Lock/Unlock of a mutex four
// goroutines contend for.
func BenchmarkMutexContended(b *testing.B) {
	report(b, controlled(b, 1000, contended), contended)
}

// readMostly: four goroutines read a value under an RWMutex, and every
// tenth access writes it; a unit is one lock/unlock.
func readMostly(n int) {
	var rw sync.RWMutex
	var wg sync.WaitGroup
	value := 0
	for w := 0; w < workers; w++ {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				if i%10 == 0 {
					rw.Lock()
					value++
					rw.Unlock()
				} else {
					rw.RLock()
					_ = value
					rw.RUnlock()
				}
			}
		})
	}
	wg.Wait()
}

// BenchmarkRWMutexContended: one op is a read (nine in ten) or write lock
// and unlock of an RWMutex four goroutines contend for.
func BenchmarkRWMutexContended(b *testing.B) {
	report(b, controlled(b, 1000, readMostly), readMostly)
}

// fanIn starts n goroutines that each report to a WaitGroup, and waits
// for them: a unit is one goroutine started, done and waited for.
func fanIn(n int) {
	var wg sync.WaitGroup
	results := make([]int, n)
	for i := 0; i < n; i++ {
		wg.Go(func() { results[i] = i })
	}
	wg.Wait()
}

// BenchmarkWaitGroupFanIn: one op is a goroutine started with wg.Go and
// waited for.
func BenchmarkWaitGroupFanIn(b *testing.B) {
	report(b, controlled(b, 100, fanIn), fanIn)
}
