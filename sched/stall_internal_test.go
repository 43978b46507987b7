package sched

import (
	"testing"
	"time"
)

// TestStallCountsQuietTicksNotTime: the watchdog counts quiet time in
// ticks, so a process paused for long (a debugger's breakpoint) and then
// resumed is not reported stalled by the first late tick: a stall needs
// the timeout's worth of ticks without a beat, and a beat starts the count
// again.
func TestStallCountsQuietTicksNotTime(t *testing.T) {
	st := &stallState{timeout: 400 * time.Millisecond, every: 100 * time.Millisecond}
	ticks := func(n int) (stalledAt int) {
		for i := 1; i <= n; i++ {
			if st.quietTooLong() {
				return i
			}
		}
		return 0
	}
	st.beats.Add(1)
	if at := ticks(4); at != 0 {
		t.Fatalf("stalled at tick %d after a beat; the timeout is 4 ticks", at)
	}
	st.beats.Add(1) // the run moves on
	if at := ticks(10); at != 5 {
		t.Fatalf("stalled at tick %d, want 5 (one that sees the beat, then 4 quiet)", at)
	}
}

// TestPoolWatchTimerRunsOn: a pool's watchdog timer stays armed from run
// to run, holds no finished run, and stops when the pool closes.
func TestPoolWatchTimerRunsOn(t *testing.T) {
	var p Pool
	body := func(rt *Runtime) { rt.Go("a", func() { rt.Yield("x") }).Join() }
	Run(body, Options{Pool: &p})
	w := p.stallTimer
	for i := 0; i < 3; i++ {
		if res := Run(body, Options{Pool: &p}); res.Failure != nil {
			t.Fatal(res.Failure)
		}
		if p.stallTimer != w || w.rt.Load() != nil {
			t.Fatalf("run %d: the pool's timer was replaced, or holds the finished run", i)
		}
		w.mu.Lock()
		armed, every := w.armed, w.every
		w.mu.Unlock()
		if !armed || every != time.Second {
			t.Fatalf("run %d: armed %v, every %v", i, armed, every)
		}
	}
	p.Close()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.armed {
		t.Fatal("the timer of a closed pool is armed")
	}
}
