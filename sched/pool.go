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
	// lastRun and lastRes are the Runtime and Result of the pool's last
	// run, when it ended complete (Runtime.complete), until the next run
	// starts: Reuse may hand their memory back. spareRun and spareRes are
	// that memory once handed back, for the next run (newRun).
	lastRun, spareRun *Runtime
	lastRes, spareRes *Result
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

// tick is the timer's function. It holds the timer's lock while it reads
// the run's stall state, so that a pool reusing a finished run's memory
// (Pool.renew, which takes the lock) never clears it under a tick that
// loaded the run before it ended.
func (w *watchTimer) tick() {
	w.mu.Lock()
	if rt := w.rt.Load(); rt != nil {
		st := &rt.stall
		st.mu.Lock()
		stalled := !st.stopped && st.quietTooLong()
		st.mu.Unlock()
		if stalled {
			w.dead, w.armed = true, false
			w.mu.Unlock()
			rt.stallFound()
			return
		}
	}
	// The run goes on, or is over: tick again while a run is there to check.
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
//
// When s is the schedule of the pool's last run, handed back before the
// pool's next run starts, and that run ended with all its tasks (it did
// not stall), Reuse takes back all of that run's memory: the next run
// of the pool starts in it rather than in a new allocation. Nothing of the
// run may be used afterwards then: not its Result (cleared at once, and
// the next run's once that starts), nor a Failure in it, nor a Task handle
// of its tasks (Name and ID panic until the next run starts, and then may
// name that run's tasks), nor its Runtime.
func (p *Pool) Reuse(s *Schedule) {
	if s == nil {
		return
	}
	if rt := p.lastRun; rt != nil && s == &rt.schedule {
		p.spareRun, p.spareRes = rt, p.lastRes
		p.lastRun, p.lastRes = nil, nil
		*p.spareRes = Result{}
		for i := range rt.firstTasks() {
			rt.firstBlock[:i+1][i].h.t = nil // a stale handle panics (Task.live)
		}
	}
	if cap(s.Choices) > cap(p.spareChoices) {
		p.spareChoices = s.Choices[:0]
	}
	s.Choices = nil
}

// firstTasks returns the number of tasks of the run in its first block.
func (rt *Runtime) firstTasks() int {
	first, b := rt.firstBlock, rt.taskBlock
	if cap(first) > 0 && cap(b) == cap(first) && &b[:1][0] == &first[:1][0] {
		return len(b)
	}
	return cap(first) // the first block filled up
}

// renew clears rt, a run's memory handed back (Reuse), for a new run, and
// reports whether it did: not when the pool's watchdog found a stall after
// the run ended (its handling may still read the run).
func (p *Pool) renew(rt *Runtime) bool {
	if w := p.stallTimer; w != nil {
		w.mu.Lock() // no tick reads rt's stall state meanwhile
		defer w.mu.Unlock()
		if w.dead {
			return false
		}
	}
	first := rt.firstBlock
	clear(first[:rt.firstTasks()])
	*rt = Runtime{taskBlock: first[:0], firstBlock: first[:0]}
	return true
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
	p.lastRun, p.lastRes, p.spareRun, p.spareRes = nil, nil, nil, nil
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
