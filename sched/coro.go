package sched

import "iter"

// Tasks of a controlled run are coroutines: each runs on a goroutine of its
// own, created by iter.Pull, and control passes from one to the next by the
// runtime's coroutine switch, which hands the thread directly to the
// resumed goroutine without the Go scheduler's run queue. A switch costs
// about a fifth of a channel handoff between goroutines (README, Speed).
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
// A fiber is a goroutine taking part in this: a task, or the caller of Run
// (the home fiber), which waits in a coroutine while the run goes on and is
// resumed when it ends. Exactly one fiber runs at a time; Runtime.running
// names it. Every other fiber waits in exactly one live coroutine, and
// every live coroutine holds exactly one waiting fiber.
//
// When a task's goroutine ends, the runtime switches to the fiber waiting in
// that task's coroutine, which may not be the one meant to run next: a
// fiber that wakes and finds that it is not Runtime.running switches on to
// the one that is (a hop). The ending goroutine's coroutine is then gone.
//
// iter.Pull re-raises in the caller of next a panic or runtime.Goexit that
// ended the iterator. Task panics are recovered before the coroutine ends.
// A Goexit cannot be stopped, so a task that ends by Goexit (t.FailNow, or
// the unwinding of a failed run) raises errCoroExit as its goroutine's last
// act; iter.Pull recovers it (the Goexit still completes) and hands it to
// the fiber waiting in next, which recovers it in callNext. A fiber waiting
// in yield sees the coroutine's end as yield returning false.

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

// fiber is a goroutine that takes part in the run's switches.
type fiber struct {
	// parked is the coroutine the fiber waits in; nil while it runs.
	parked *coro
}

// coroExit is the panic value that carries the end of a goroutine that
// exits by runtime.Goexit to the fiber waiting in its coroutine.
type coroExit struct{}

var errCoroExit any = coroExit{}

// newCoro makes a coroutine whose goroutine runs body when first resumed.
// body receives the coroutine, with yield set.
func newCoro(c *coro, body func(c *coro)) {
	c.next, _ = iter.Pull(func(yield func(struct{}) bool) {
		c.yield = yield
		body(c)
	})
	// The stop function is never needed: every task's coroutine runs to its
	// end, even one never picked (it starts, sees the run aborted, ends).
}

// switchTo parks the running fiber from and resumes rt.running, which the
// caller has set to to. It returns when from is rt.running again.
func (rt *Runtime) switchTo(from, to *fiber) {
	for {
		c := to.parked
		from.parked = c
		if c.inNext {
			c.inNext = false
			c.yield(struct{}{})
		} else {
			c.inNext = true
			callNext(c)
		}
		// Resumed: by a switch, or by the end of the goroutine that owned
		// the coroutine this fiber waited in.
		from.parked = nil
		if rt.running == from {
			return
		}
		to = rt.running // a hop
	}
}

// callNext resumes the fiber waiting in c through next, turning the
// errCoroExit that a goroutine ending by Goexit raises into a plain return.
func callNext(c *coro) {
	defer catchCoroExit()
	c.next()
}

func catchCoroExit() {
	if r := recover(); r != nil && r != errCoroExit {
		panic(r)
	}
}
