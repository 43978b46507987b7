package sched

import (
	"iter"
	"runtime"
)

// Tasks of a controlled run are coroutines: each runs on a goroutine of its
// own (a worker), created by iter.Pull, and control passes from one to the
// next by the runtime's coroutine switch, which hands the thread directly
// to the resumed goroutine without the Go scheduler's run queue. A switch
// costs a fraction of a channel handoff between goroutines (README, Speed).
//
// iter.Pull gives each coroutine a pair of operations, next (from the
// caller) and yield (from inside), that both do the same thing: they park
// the goroutine that calls them in the coroutine and resume the goroutine
// parked there. Used that way, a coroutine is a parking place, and a
// goroutine can resume any other one directly by switching through the
// coroutine where it waits, with whichever of next or yield that
// coroutine's alternation expects; the caller then waits there instead. A
// switch between two tasks is one coroutine switch, not two through a
// scheduler loop, which measured about twice as expensive.
//
// A fiber is a goroutine taking part in this: a worker, or the caller of
// Run (the run's home fiber), which waits in a coroutine while the run goes
// on and is resumed when it ends. Exactly one fiber runs at a time. Every
// other fiber waits in exactly one live coroutine, and every live coroutine
// holds exactly one waiting fiber.
//
// When a worker's goroutine ends, the runtime switches to the fiber waiting
// in that worker's coroutine, which may not be the one meant to run next.
// So a switch marks the fiber it resumes, and a fiber that wakes unmarked
// was woken by an end: unless it is switchboard.afterExit, it switches on to
// that one (a hop). The ended goroutine's coroutine is then gone.
//
// iter.Pull re-raises in the caller of next a panic or runtime.Goexit that
// ended the iterator. Task panics are recovered before the coroutine ends.
// A Goexit cannot be stopped, so a worker whose task ends by Goexit
// (t.FailNow, or the unwinding of a failed run) raises errCoroExit as its
// goroutine's last act; iter.Pull recovers it (the Goexit still completes)
// and hands it to the fiber waiting in next, which recovers it in
// callNext. A fiber waiting in yield sees the coroutine's end as yield
// returning false.
//
// A worker whose task returns (or panics) is not spent: with a Pool, it
// waits for the next task of a later run, keeping its grown stack.

// coro is a coroutine used as a parking place.
type coro struct {
	next func() (struct{}, bool)
	// yield is set when the coroutine's goroutine starts.
	yield func(struct{}) bool
	// inNext is true when the fiber waiting here called next (and is
	// resumed by yield); false when it called yield, or is the coroutine's
	// own goroutine, not yet started (both resumed by next).
	inNext bool
}

// fiber is a goroutine that takes part in the switches.
type fiber struct {
	// parked is the coroutine the fiber waits in, while it waits.
	parked *coro
	// resumed is set by the switch that resumes the fiber (a bool: the
	// switch writes no pointer, and pays no GC write barrier).
	resumed bool
}

// switchboard is shared by the fibers that switch among themselves: those
// of one run, or of every run that uses one Pool.
type switchboard struct {
	// afterExit is the fiber to run once the goroutine that is about to
	// end has ended; set before every end.
	afterExit *fiber
	// switches counts the switches made.
	switches uint
}

// schedulerTurn is the number of switches between two turns given to the
// Go scheduler (a power of two): a turn costs about a channel handoff when
// no other goroutine waits.
const schedulerTurn = 256

// coroExit is the panic value that carries the end of a goroutine that
// exits by runtime.Goexit to the fiber waiting in its coroutine.
type coroExit struct{}

var errCoroExit any = coroExit{}

// switchTo parks the running fiber from and resumes to. It returns when
// from is resumed again.
func (sw *switchboard) switchTo(from, to *fiber) {
	sw.turn()
	for {
		// Park from in the coroutine where to waits, and resume to. (Runtime.point
		// has a copy of these lines: see there why.)
		c := to.parked
		from.parked = c
		to.resumed = true
		if c.inNext {
			c.inNext = false
			c.yield(struct{}{})
		} else {
			c.inNext = true
			callNext(c)
		}
		// Resumed: by a switch, or by the end of the goroutine that owned
		// the coroutine this fiber waited in. (from.parked is stale now;
		// it is read only when another fiber switches to this one, which
		// sets it first.)
		if from.resumed {
			from.resumed = false
			return
		}
		if sw.afterExit == from {
			return
		}
		to = sw.afterExit // a hop
	}
}

// turn counts a switch and gives the Go scheduler a turn now and then.
// Coroutine switches never pass through it, so other goroutines on this
// processor, the garbage collector's workers among them, would wait for
// the next preemption (10 ms): a collection would drag on, with its write
// barriers on.
func (sw *switchboard) turn() {
	sw.switches++
	if sw.switches&(schedulerTurn-1) == 0 {
		runtime.Gosched()
	}
}

// switched finishes a switch from from made as switchTo's loop does, once:
// if an end rather than a switch resumed from, it goes on as switchTo does.
func (sw *switchboard) switched(from *fiber) {
	if from.resumed {
		from.resumed = false
		return
	}
	if sw.afterExit != from {
		sw.switchTo(from, sw.afterExit)
	}
}

// callNext resumes the fiber waiting in c through next, turning the
// errCoroExit that a goroutine ending by Goexit raises into a plain return.
func callNext(c *coro) {
	returned := false
	defer func() {
		if returned { // recover costs a call on every switch; most return
			return
		}
		if r := recover(); r != nil && r != errCoroExit {
			panic(r)
		}
	}()
	c.next()
	returned = true
}

// worker is a goroutine that runs tasks: one, or with a pool, one after
// another across runs.
type worker struct {
	fiber
	own  coro
	sw   *switchboard
	pool *Pool // nil: the worker ends with its task
	// t is the task to run when the worker is next resumed.
	t *task
	// quitTo, when set, asks an idle worker to end; the fiber runs next.
	quitTo *fiber
}

func newWorker(sw *switchboard, pool *Pool) *worker {
	w := &worker{sw: sw, pool: pool}
	w.parked = &w.own
	w.own.next, _ = iter.Pull(func(yield func(struct{}) bool) {
		w.own.yield = yield
		if pool != nil {
			growStack() // see pool.go
		}
		w.main()
	})
	// The stop function is never needed: every worker's coroutine runs to
	// its end, even one whose task was never picked (it starts, sees the
	// run aborted, ends), and a pool's idle workers end when it closes.
	return w
}

// main is the body of the worker's goroutine.
func (w *worker) main() {
	w.resumed = false // the switch that started it marked it; later ones wake it in switchTo
	for {
		if w.quitTo != nil {
			w.sw.afterExit = w.quitTo
			return
		}
		t := w.t
		w.t = nil
		t.rt.taskMain(t) // does not return if the task ends by Goexit
		if w.pool == nil || t.rt.stall.failure.Load() != nil {
			// A run that stalled may have been given up (its pool
			// abandoned): its workers do not go back to the pool.
			return
		}
		w.pool.idle = append(w.pool.idle, w)
		w.sw.switchTo(&w.fiber, w.sw.afterExit) // taskMain chose it as for an end
	}
}
