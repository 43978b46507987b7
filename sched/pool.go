package sched

import (
	"sync"
	"sync/atomic"
	"time"
)

// A Pool keeps the goroutines of finished tasks for the tasks of later
// runs (Options.Pool), so that a run does not pay for starting goroutines
// and growing their stacks: for a run of a few dozen steps that is most of
// what it costs beyond the code under test. A loop that makes many runs,
// such as Explore, uses one Pool for all of them and closes it at the end.
//
// A goroutine returns to the pool when its task returns or panics; one
// whose task ends by runtime.Goexit (t.FailNow, Runtime.Failf, or the
// unwinding of a failed run) exits: a check at a task's end that fails the
// run keeps the goroutine with Runtime.FailfOnReturn. The pool also keeps
// the goroutine that stands in for the caller of Run as the home fiber of
// its runs with a stall watchdog (Options.StallTimeout). Between runs, the
// pool's goroutines wait, parked, until the next run or Close.
//
// A Pool may be used by one run at a time; one used from a goroutine locked
// to its OS thread (runtime.LockOSThread) must be used from that goroutine
// only, as coroutines made on a locked thread must run on it. The zero Pool
// is ready to use.
type Pool struct {
	sw   switchboard
	idle []*worker
	busy bool
	// abandoned is set when a run that used the pool stalled for good
	// (Options.StallTimeout): its tasks still hold the switchboard, so
	// later runs do without the pool.
	abandoned bool
	// choices and tasks are the number of choices the last run made and
	// of tasks it started.
	choices, tasks int
	// spareChoices is the memory of a schedule handed back (Reuse), for
	// the next run's choices.
	spareChoices []Choice
	// spareTasks is the task list of the last run, cleared, for the next
	// run's (its tasks are not kept: their handles may outlive the run).
	spareTasks []*task
	// spareRunnable is the memory of the last run's Decision.Runnable.
	spareRunnable []TaskID
	// joinLabels holds the join labels ("join <name>") the runs made, by
	// task ID, for later runs whose task of that ID has the same name.
	joinLabels []string
	// stallTimer is the stall watchdog's timer of the pool's runs.
	stallTimer *watchTimer
	// home is the home fiber of the pool's runs with a watchdog, waiting
	// between them (homeRunner).
	home *homeRunner
}

// A watchTimer is the stall watchdog's timer of a pool, which serves run
// after run: it is not stopped when a run ends (a Stop and a Reset a run
// took the runtime's timer locks), and each tick checks the run in rt.
// A tick that finds no run stops re-arming it (armed false) until a run
// does. A tick that finds a stall retires the timer (dead): the stall's
// handling may keep its goroutine, and the pool's next run makes another.
type watchTimer struct {
	rt atomic.Pointer[Runtime]
	mu sync.Mutex // guards the fields below
	t  *time.Timer
	// every is the period the timer was last armed with.
	every       time.Duration
	armed, dead bool
}

// watchTimer returns the pool's watchdog timer, a new one if it has none
// fit to serve.
func (p *Pool) watchTimer() *watchTimer {
	if w := p.stallTimer; w != nil {
		w.mu.Lock()
		dead := w.dead
		w.mu.Unlock()
		if !dead {
			return w
		}
	}
	p.stallTimer = &watchTimer{}
	return p.stallTimer
}

// serve makes the timer check the run rt, armed with its period.
func (w *watchTimer) serve(rt *Runtime) {
	w.rt.Store(rt)
	every := rt.stall.every
	w.mu.Lock()
	switch {
	case w.t == nil:
		// Under the lock the tick takes: the timer can fire before
		// AfterFunc has returned.
		w.t = time.AfterFunc(every, w.tick)
	case !w.armed || w.every != every:
		w.t.Reset(every)
	}
	w.armed, w.every = true, every
	w.mu.Unlock()
}

// tick is the timer's function.
func (w *watchTimer) tick() {
	if rt := w.rt.Load(); rt != nil {
		st := &rt.stall
		st.mu.Lock()
		if !st.stopped && st.quietTooLong() {
			st.mu.Unlock()
			w.mu.Lock()
			w.dead, w.armed = true, false
			w.mu.Unlock()
			rt.stallFound()
			return
		}
		st.mu.Unlock()
	}
	// The run goes on, or is over: tick again while a run is there to check.
	w.mu.Lock()
	if w.rt.Load() != nil && !w.dead {
		w.t.Reset(w.every)
	} else {
		w.armed = false
	}
	w.mu.Unlock()
}

// stop stops the timer of a pool that closes.
func (w *watchTimer) stop() {
	w.mu.Lock()
	if w.t != nil {
		w.t.Stop()
	}
	w.armed = false
	w.mu.Unlock()
}

// joinLabel returns "join <name>" for the task, made once for each task
// ID and name in the pool's runs.
func (p *Pool) joinLabel(t *task) string {
	id := int(t.id)
	if id < len(p.joinLabels) {
		if l := p.joinLabels[id]; len(l) == len("join ")+len(t.name) && l[len("join "):] == t.name {
			return l
		}
	} else if id < 1024 {
		p.joinLabels = append(p.joinLabels, make([]string, id+1-len(p.joinLabels))...)
	} else {
		return "join " + t.name
	}
	l := "join " + t.name
	p.joinLabels[id] = l
	return l
}

// Reuse hands back the schedule of a run of the pool that nobody will read
// again, so that a later run records its choices in the same memory: for a
// loop that keeps the schedules of few of its runs, such as an
// exploration, which keeps those that fail. The schedule must not be used
// afterwards (its choices are cleared).
func (p *Pool) Reuse(s *Schedule) {
	if s == nil {
		return
	}
	if cap(s.Choices) > cap(p.spareChoices) {
		p.spareChoices = s.Choices[:0]
	}
	s.Choices = nil
}

// Close ends the pool's goroutines and returns once they have exited. The
// pool can be used again afterwards; it starts empty. Close must not be
// called while a run uses the pool.
func (p *Pool) Close() {
	if p.busy {
		panic("sched: Pool.Close called while a run uses the pool")
	}
	var closer fiber
	for len(p.idle) > 0 {
		w := p.idle[len(p.idle)-1]
		p.idle[len(p.idle)-1] = nil
		p.idle = p.idle[:len(p.idle)-1]
		w.quitTo = &closer
		p.sw.switchTo(&closer, &w.fiber)
	}
	if w := p.stallTimer; w != nil && !p.abandoned { // an abandoned pool's timer may serve its stalled run
		w.stop()
	}
	if h := p.home; h != nil { // an abandoned pool's runner is its stalled run's, and gone
		p.home = nil
		h.next() // with no run: the runner ends
	}
	if !p.abandoned { // an abandoned pool's switchboard is its stalled run's
		p.sw.afterExit = nil
	}
}

// Idle returns the number of goroutines waiting in the pool for tasks (not
// counting the one that stands in as the home fiber of its runs with a
// stall watchdog).
func (p *Pool) Idle() int { return len(p.idle) }

// get returns an idle worker, or nil.
func (p *Pool) get() *worker {
	if len(p.idle) == 0 {
		return nil
	}
	w := p.idle[len(p.idle)-1]
	p.idle[len(p.idle)-1] = nil
	p.idle = p.idle[:len(p.idle)-1]
	return w
}

// workerStack is the stack a pool's new goroutine grows to before its
// first task: about what the tasks of the harness's chat model reach.
const workerStack = 16 << 10

// growStack grows the calling goroutine's stack to workerStack at once,
// while it holds a few frames: a goroutine grown in steps by its task
// copies the task's deep stack each time, some 25,000 instructions a
// copy. A pool makes new goroutines when a run's task ended by Goexit (its
// goroutine exits): the main task of every run that fails an assertion
// (Runtime.Failf).
//
//go:noinline
func growStack() {
	var frame [workerStack]byte
	keep(frame[:])
}

//go:noinline
func keep([]byte) {}
