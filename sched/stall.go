package sched

import (
	"fmt"
	"iter"
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
	// beats counts the resumptions of tasks. Every write of rt.cur is
	// followed by a beat of the task it names, before that task can stall,
	// so the watchdog reads rt.cur safely after loading beats.
	beats   atomic.Uint64
	failure atomic.Pointer[Failure]
	// ended tells runHome, for a run without a pool, how the run ended:
	// true, its home fiber came back; false, the watchdog gave the failure
	// of a run stuck for good. It has room for both (neither side waits),
	// and false, when sent, comes first: it is sent only before over is
	// set, under mu.
	ended chan bool
	// over is set when the run's home fiber came back; overCh, made by
	// the watchdog when it waits for a stalled run, is closed then.
	over   bool
	overCh chan struct{}
	// home is the stand-in home fiber of a run with a pool (homeRunner).
	// givenUp is set, under mu and only while over is not, when the
	// watchdog gives a run stuck for good up; handedOver is closed once
	// the caller of Run is back with the failure.
	home       *homeRunner
	givenUp    atomic.Bool
	handedOver chan struct{}

	// The watchdog is a timer that checks the beats every `every`; it
	// starts no goroutine until it fires, so a run shorter than that
	// costs a timer and nothing more. timer is a run's own, without a
	// pool; a pool's runs share the pool's (watchTimer), which runs on.
	mu             sync.Mutex
	closers        []func()
	timer          *time.Timer
	every, timeout time.Duration
	last           uint64
	quiet          time.Duration
	stopped        bool
}

// beat records that the running task has come back from the scheduler
// (one atomic add: it is on the path of every scheduling point). The
// atomic orders every change the scheduler made before it, rt.cur among
// them, ahead of the watchdog's load.
func (rt *Runtime) beat() {
	rt.stall.beats.Add(1)
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
	if rt.stall.failure.Load() != nil { // inlined: one load on the path of every point
		rt.failStalled()
	}
}

func (rt *Runtime) failStalled() {
	if !rt.aborted {
		rt.fail(rt.stall.failure.Load())
		runtime.Goexit()
	}
}

// runHome runs the run from its home fiber until it ends. With a watchdog
// (see watch), the home fiber is not the caller of Run: a task stuck where
// nothing releases it leaves the home fiber waiting for ever, and the
// caller must still get the failure. Without a pool the home fiber is a
// goroutine of its own, which tells the caller on a channel that the run
// is over; with one, the pool's homeRunner (runPoolHome). res.Failure is
// set in that case only; the run's pool, whose switchboard the stuck run
// still holds, is then abandoned (later runs go without it).
func (rt *Runtime) runHome(main *task, timeout time.Duration, res *Result) {
	if timeout < 0 { // no watchdog
		rt.sw.switchTo(&rt.home, &main.w.fiber)
		return
	}
	if p := rt.pool; p != nil {
		rt.runPoolHome(p, main, timeout, res)
		return
	}
	st := &rt.stall
	st.ended = make(chan bool, 2)
	rt.watch(timeout)
	go func() {
		rt.sw.switchTo(&rt.home, &main.w.fiber)
		st.mu.Lock()
		st.over = true
		if st.overCh != nil {
			close(st.overCh)
		}
		st.mu.Unlock()
		st.ended <- true
	}()
	if <-st.ended {
		rt.unwatch()
		return
	}
	res.Failure = st.failure.Load()
	res.Failure.Schedule = res.Schedule
}

// watch arms the watchdog of the run (timeout 0: DefaultStallTimeout; >= 0).
func (rt *Runtime) watch(timeout time.Duration) {
	st := &rt.stall
	if timeout == 0 {
		timeout = DefaultStallTimeout
	}
	st.timeout, st.every = timeout, min(timeout/4, time.Second)
	if p := rt.pool; p != nil {
		p.watchTimer().serve(rt)
		return
	}
	// Under the lock that check takes: on a loaded machine the timer can
	// fire before AfterFunc has returned.
	st.mu.Lock()
	st.timer = time.AfterFunc(st.every, rt.check)
	st.mu.Unlock()
}

// unwatch disarms the watchdog once the run is done.
func (rt *Runtime) unwatch() {
	st := &rt.stall
	st.mu.Lock()
	st.stopped = true
	st.mu.Unlock()
	if st.timer != nil {
		st.timer.Stop()
	} else if p := rt.pool; p != nil && p.stallTimer != nil {
		p.stallTimer.rt.CompareAndSwap(rt, nil) // keep no finished run alive
	}
}

// quietTooLong is the watchdog's tick for the run, under st.mu: it
// reports whether the run has had no beat for the timeout. Quiet time is
// counted in ticks, not read on the clock: after a pause of the whole
// process (a debugger's breakpoint), however long, the first tick counts
// one period, and a stall needs the timeout's worth of ticks that run.
func (st *stallState) quietTooLong() bool {
	if b := st.beats.Load(); b != st.last || st.quiet+st.every < st.timeout {
		if b != st.last {
			st.last, st.quiet = b, 0
		} else {
			st.quiet += st.every
		}
		return false
	}
	return true
}

// check is the watchdog's tick for a run without a pool, on the timer's
// goroutine.
func (rt *Runtime) check() {
	st := &rt.stall
	st.mu.Lock()
	if st.stopped {
		st.mu.Unlock()
		return
	}
	if !st.quietTooLong() {
		st.timer.Reset(st.every)
		st.mu.Unlock()
		return
	}
	st.mu.Unlock()
	rt.stallFound()
}

// stallFound makes the failure of a run that stalled, closes the run's
// channels, and gives the run up if that released nothing.
func (rt *Runtime) stallFound() {
	st := &rt.stall
	st.mu.Lock()
	closers := st.closers
	st.mu.Unlock()

	name := rt.cur.name // see beats
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	f := &Failure{Kind: Stall, Task: name, Stack: string(buf),
		Msg: fmt.Sprintf("task %s has not come back to the scheduler for %v: it blocks outside the scheduler's view (a plain channel statement on a channel of the run instead of chans, a select statement, a sync primitive of the standard library instead of std/sync, a real sleep, or I/O?); every goroutine's stack is in the failure's Stack", name, st.timeout)}
	st.failure.Store(f)
	for _, c := range closers {
		func() {
			defer func() { recover() }() // already closed (a cancelled context)
			c()
		}()
	}
	st.mu.Lock()
	if st.over {
		st.mu.Unlock()
		return
	}
	st.overCh = make(chan struct{})
	over := st.overCh
	st.mu.Unlock()
	grace := time.NewTimer(st.timeout)
	defer grace.Stop()
	select {
	case <-over:
	case <-grace.C:
		// The task is stuck on something no close releases: give the
		// failure back and leave the run's goroutines behind.
		st.mu.Lock()
		if st.over {
			st.mu.Unlock()
			return
		}
		st.givenUp.Store(true)
		if st.home == nil {
			st.ended <- false
			st.mu.Unlock()
			return
		}
		st.handedOver = make(chan struct{})
		h := st.home
		st.mu.Unlock()
		h.giveUp()
	}
}

// A homeRunner stands in for the caller of Run as the home fiber of a
// pool's runs with a watchdog: a goroutine of its own, as it must be (see
// runHome), but resumed by a coroutine switch rather than started and
// waited for on a channel, which cost a goroutine start and two handoffs
// through the Go scheduler a run. The caller waits in the runner's
// coroutine, and only there: the runner makes the run's switches, hops
// included (coro.go), and the caller is resumed by exactly one of two
// switches into that coroutine, the runner's when the run is over or the
// watchdog's when it gives the run up (see check), whichever set over or
// givenUp first, under the run's stall lock.
//
// A run given up leaves the runner with its stuck task, and the
// watchdog's goroutine waiting in the runner's coroutine in the caller's
// place. If the task is ever released, the run fails and unwinds, its last
// task resumes the runner, which sees the run given up and ends, once the
// caller is back (handedOver); its end resumes the watchdog's goroutine,
// which ends too. No goroutine of such a run is left behind.
//
// The runner's goroutine waits in its coroutine between runs, as a pool's
// idle workers do, until Pool.Close ends it.
type homeRunner struct {
	next  func() (struct{}, bool)
	yield func(struct{}) bool
	// rt and main are the run to run and its main task when the runner is
	// next resumed; a nil rt ends the runner.
	rt      *Runtime
	main    *task
	timeout time.Duration
}

func newHomeRunner() *homeRunner {
	h := &homeRunner{}
	h.next, _ = iter.Pull(func(yield func(struct{}) bool) {
		h.yield = yield
		h.loop()
	})
	// The stop function is never needed: Pool.Close ends the runner by
	// resuming it with no run, and a runner given up ends with its run.
	return h
}

// loop is the body of the runner's goroutine.
func (h *homeRunner) loop() {
	for {
		rt, main := h.rt, h.main
		h.rt, h.main = nil, nil // keep no finished run alive
		if rt == nil {
			return // Pool.Close
		}
		// Armed here, the watchdog can only give up a run whose caller
		// waits in the runner's coroutine.
		rt.watch(h.timeout)
		rt.sw.switchTo(&rt.home, &main.w.fiber)
		st := &rt.stall
		st.mu.Lock()
		st.over = true
		if st.overCh != nil {
			close(st.overCh)
		}
		st.mu.Unlock()
		if st.givenUp.Load() {
			// The watchdog resumes the caller: wait until it has, and
			// end, which resumes the watchdog's goroutine.
			<-st.handedOver
			return
		}
		if !h.yield(struct{}{}) {
			return
		}
	}
}

// giveUp, on the watchdog's goroutine, resumes the caller of the run
// given up, waiting in the runner's coroutine, and waits there in its
// place: until the runner ends, if its run is ever released.
func (h *homeRunner) giveUp() {
	h.yield(struct{}{})
}

// runPoolHome is runHome for a run with a pool and a watchdog: the pool's
// homeRunner is its home fiber.
func (rt *Runtime) runPoolHome(p *Pool, main *task, timeout time.Duration, res *Result) {
	st := &rt.stall
	h := p.home
	if h == nil {
		h = newHomeRunner()
		p.home = h
	}
	st.home = h // before the runner arms the watchdog, whose store of the run orders it before the ticks
	h.rt, h.main, h.timeout = rt, main, timeout
	h.next()
	if !st.givenUp.Load() {
		rt.unwatch()
		return
	}
	// Resumed by the watchdog: the runner stays with the stuck run.
	close(st.handedOver)
	p.home = nil
	res.Failure = st.failure.Load()
	res.Failure.Schedule = res.Schedule
	p.abandoned = true
}
