package sched

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultStallTimeout is Options.StallTimeout when it is 0.
const DefaultStallTimeout = 10 * time.Second

// A stall is a run whose running task has not come back to the scheduler
// for StallTimeout of real time: it blocks outside the scheduler's view,
// where no strategy can reach it. The usual cause is a statement the port
// missed: <-ch on a channel of the run instead of chans.Recv, a select
// statement, a sync.Mutex of the standard library, a real sleep, I/O.
// Without help such a run hangs until go test's own timeout, ten minutes
// later, with a goroutine dump to read. The watchdog turns it into a
// failure of kind Stall that names the task, with every goroutine's stack.
//
// It closes, for real, every Go channel the run made (through chans.Make,
// std/time and std/context), which releases a task stuck in a plain
// channel statement on one of them; the task then fails the run at its next
// scheduling point (or by the panic the close causes). A task stuck on
// anything else cannot be released: after a grace period Run returns the
// failure and leaves the run's goroutines behind.
type stallState struct {
	beats   atomic.Uint64        // one per resumption of a task
	running atomic.Pointer[task] // the task that resumed last
	failure atomic.Pointer[Failure]
	mu      sync.Mutex
	closers []func()
	given   chan struct{}
}

// beat records that the running task has come back from the scheduler.
// The atomic store orders every change the scheduler made before it
// ahead of the watchdog's load.
func (rt *Runtime) beat(t *task) {
	rt.stall.beats.Add(1)
	rt.stall.running.Store(t)
}

// OnStall registers f to run if the run stalls (see Options.StallTimeout):
// the packages under std close the Go channels that stand for the run's
// channels, to release a task stuck in a plain statement on one.
func (rt *Runtime) OnStall(f func()) {
	if rt.wild == nil {
		rt.stall.mu.Lock()
		rt.stall.closers = append(rt.stall.closers, f)
		rt.stall.mu.Unlock()
	}
}

// stalled fails the run from the running task if the watchdog has seen it
// stall; called at every scheduling point.
func (rt *Runtime) stalled() {
	if f := rt.stall.failure.Load(); f != nil && !rt.aborted {
		rt.fail(f)
		runtime.Goexit()
	}
}

// watch is the watchdog of one run; it returns when the run is done.
func (rt *Runtime) watch(timeout time.Duration) {
	every := min(timeout/4, time.Second)
	tick := time.NewTicker(every)
	defer tick.Stop()
	last, quiet := rt.stall.beats.Load(), time.Duration(0)
	for {
		select {
		case <-rt.done:
			return
		case <-tick.C:
		}
		if b := rt.stall.beats.Load(); b != last {
			last, quiet = b, 0
			continue
		}
		if quiet += every; quiet < timeout {
			continue
		}
		t := rt.stall.running.Load()
		name := "main"
		if t != nil {
			name = t.name
		}
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		f := &Failure{Kind: Stall, Task: name, Stack: string(buf),
			Msg: fmt.Sprintf("task %s has not come back to the scheduler for %v: it blocks outside the scheduler's view (a plain channel statement on a channel of the run instead of chans, a select statement, a sync primitive of the standard library instead of std/sync, a real sleep, or I/O?); every goroutine's stack is in the failure's Stack", name, timeout)}
		rt.stall.failure.Store(f)
		rt.stall.mu.Lock()
		closers := rt.stall.closers
		rt.stall.mu.Unlock()
		for _, c := range closers {
			func() {
				defer func() { recover() }() // already closed (a cancelled context)
				c()
			}()
		}
		select {
		case <-rt.done:
		case <-time.After(timeout):
			// The task is stuck on something no close releases: give the
			// failure back and leave the run's goroutines behind.
			close(rt.stall.given)
		}
		return
	}
}
