package sched

import (
	"errors"
	"fmt"
	"math/bits"
	"runtime"
	"runtime/debug"
	"time"
)

// DefaultMaxSteps is the step limit of a run when Options.MaxSteps is 0.
const DefaultMaxSteps = 100_000

// Options configure one controlled run.
type Options struct {
	// Strategy makes the run's decisions. Nil means Random(1).
	Strategy Strategy
	// MaxSteps bounds the number of scheduling steps; a run that goes past
	// it fails (a spin loop is the usual cause). 0 means DefaultMaxSteps.
	MaxSteps int
	// Trace records every step and note. Off, a run records only its
	// schedule, which is enough to replay it with the trace on.
	Trace bool
	// Runnable also records the runnable set of every step in the trace, for
	// the nondeterminism check.
	Runnable bool
	// StallTimeout is how long, in real time, the running task may stay
	// away from the scheduler before the run fails as a Stall (it blocks
	// where the scheduler cannot see); 0 means DefaultStallTimeout, < 0
	// no watchdog.
	StallTimeout time.Duration
	// Pool, when set, lends the run's tasks goroutines kept from earlier
	// runs and keeps theirs for later ones. Without it, every task starts a
	// goroutine that ends with it.
	Pool *Pool
}

// Result is the outcome of one run.
type Result struct {
	// Schedule lists the choices the run made; replaying it gives the same
	// run.
	Schedule *Schedule
	// Trace is the run's timeline, or nil when Options.Trace was off.
	Trace *Trace
	// Steps counts scheduling steps; Preemptions counts the steps at which
	// a runnable task was switched away from.
	Steps       int
	Preemptions int
	// Failure is nil when the run ended with every task finished, or was
	// pruned.
	Failure *Failure
	// Pruned is set when a DPOR search abandoned the run before its end:
	// it could only repeat a trace already explored.
	Pruned bool
}

type taskState uint8

const (
	runnable taskState = iota
	blocked
	done
)

type task struct {
	rt *Runtime
	// w is the goroutine the task runs on (coro.go).
	w     *worker
	id    TaskID
	name  string
	fn    func()
	state taskState
	// label is what the task is about to do when it next runs.
	label string
	// blockedOn says what a blocked task waits for; epoch tells stale
	// wake-ups from the current wait.
	blockedOn blocker
	epoch     uint64
	// ended is set when the task's goroutine leaves its function other
	// than by runtime.Goexit.
	ended bool
	// joiners wait for the task to finish; joinersBuf holds the first
	// without an allocation. joinLabel is "join <name>", made once.
	joiners    []waiter
	joinersBuf [1]waiter
	joinLabel  string
	// joinNeed counts the tasks a JoinAll of this task still waits for.
	joinNeed int
	// h is the task's handle, returned by Go.
	h Task
	// failOnReturn is the failure FailfOnReturn set, made when the task's
	// function returns.
	failOnReturn *Failure
	// wild mode
	doneCh chan struct{}
}

// Task is a handle on a task started with Runtime.Go.
type Task struct {
	rt *Runtime
	t  *task
}

// Name returns the task's name, unique within the run.
func (h *Task) Name() string { return h.live().name }

// ID returns the task's ID.
func (h *Task) ID() TaskID { return h.live().id }

// live returns the handle's task, and panics for a handle of a run whose
// memory was handed back to its pool (Pool.Reuse) and not yet taken by the
// pool's next run. (Once that run has started, the handle names one of its
// tasks, or none: it must not be used.)
func (h *Task) live() *task {
	if h.t == nil {
		panic("sched: a Task handle used after its run's memory was handed back (Pool.Reuse)")
	}
	return h.t
}

// Runtime is the scheduler of one run, handed to the body and used by every
// task of the run. Its methods must be called only from tasks of that run.
type Runtime struct {
	wild *wildState // nil under control

	strat   Strategy
	guarded bool // see builtIn
	asking  bool // an outside strategy is deciding (ask)
	// choose is the function of a Chooser strategy, which pick calls
	// without going through Next.
	choose   func(n int) int
	maxSteps int
	tasks    []*task
	// runMask has bit i set while task i is runnable, for the first 64
	// tasks (setState); pick reads it while a run has no more.
	runMask uint64
	// taskBlock holds the run's tasks (newTask), made a block at a time;
	// firstBlock is the first, made with the Runtime (newRun), which a
	// pool's next run reuses with it (Pool.Reuse).
	taskBlock  []task
	firstBlock []task
	// body is the function of the main task (Run).
	body     func(rt *Runtime)
	cur      *task
	dec      Decision
	step     int
	preempts int
	schedule Schedule
	trace    *Trace
	recRun   bool
	// names holds the task names once a run has many tasks (uniqueName);
	// only read by key, never iterated.
	names map[string]struct{}

	stall stallState
	// objects counts the synchronisation objects of the run (ObjectID);
	// bound maps the primitives of the packages under std to their
	// controlled objects (Bind); clock is the run's virtual clock.
	objects  int
	bound    map[any]any
	clock    clock
	spareSel *selecting

	// pct is the strategy when it is PCT and the run records no trace and
	// is no DPOR search: pick then asks it for the highest task of the
	// runnable mask (pickPCT) without building the runnable list.
	pct *pctStrategy
	// por is the strategy when it is a DPOR search: each step reports to
	// it what it touches (access.go); extras counts the objects keyed
	// outside ObjectIDs.
	por    *DPORStrategy
	extras int

	failure  *Failure
	aborted  bool
	detector *task

	// home is the caller of Run, waiting while the run goes on; sw names
	// the fiber that runs (coro.go).
	home  fiber
	sw    *switchboard
	ownSW switchboard
	pool  *Pool
	// ownFailure is the first failure FailfOnReturn makes in the run, in
	// the run's memory; ownFailureUsed says it is taken.
	ownFailure     Failure
	ownFailureUsed bool
	// complete is set when Run returns with every task of the run ended
	// and no watchdog's work on the run pending: only such a run's memory
	// may serve a later run (Pool.Reuse).
	complete bool
}

// Run runs body under control as the task "main" and returns when every task
// has finished or the run has failed. It never hangs on a deadlock and leaves
// no goroutine behind but those it returns to opts.Pool.
func Run(body func(rt *Runtime), opts Options) *Result {
	if opts.Strategy == nil {
		opts.Strategy = Random(1)
	}
	if opts.MaxSteps <= 0 {
		opts.MaxSteps = DefaultMaxSteps
	}
	// The run's tasks come from one block sized for about what the
	// pool's last run had (newTask).
	block := 8
	if p := opts.Pool; p != nil && !p.abandoned && p.tasks > 0 {
		block = p.tasks // the task list has room to spare; the block not
	}
	rt, res := newRun(block, opts.Pool)
	rt.strat = opts.Strategy
	rt.guarded = guarded(opts.Strategy)
	rt.choose = chooserFunc(opts.Strategy)
	rt.maxSteps = opts.MaxSteps
	rt.recRun = opts.Runnable
	if opts.Trace {
		rt.trace = &Trace{}
	}
	rt.sw = &rt.ownSW
	choices, tasks := 64, 8
	if p := opts.Pool; p != nil && !p.abandoned {
		if p.busy {
			panic("sched: a Pool is used by two runs at once")
		}
		p.busy = true
		p.lastRun, p.lastRes = nil, nil
		defer func() {
			p.busy = false
			if rt.complete && !p.abandoned {
				p.lastRun, p.lastRes = rt, res // for Reuse
			}
			p.choices, p.tasks = len(rt.schedule.Choices), len(rt.tasks)
			if !p.abandoned && cap(rt.tasks) > cap(p.spareTasks) {
				// The run is over and nothing reads its task list again
				// (a stalled run's goroutines may: it abandons the pool).
				clear(rt.tasks)
				p.spareTasks, rt.tasks = rt.tasks[:0], nil
			}
			if !p.abandoned && cap(rt.dec.Runnable) > cap(p.spareRunnable) {
				// Strategies read a decision's list only while they
				// decide: pick builds it anew at every step.
				p.spareRunnable, rt.dec.Runnable = rt.dec.Runnable[:0], nil
			}
		}()
		rt.pool, rt.sw = p, &p.sw
		// Runs that share a pool are usually runs of one program: size the
		// schedule and the task list for about what the last one had.
		choices = max(choices, p.choices+p.choices/4)
		tasks = max(tasks, p.tasks)
	}
	strat := opts.Strategy
	if st, ok := strat.(started); ok {
		strat = st.Strategy
	}
	rt.por, _ = strat.(*DPORStrategy)
	if !opts.Trace && !opts.Runnable {
		rt.pct, _ = strat.(*pctStrategy)
	}
	if p := rt.pool; p != nil && cap(p.spareChoices) >= choices {
		rt.schedule.Choices, p.spareChoices = p.spareChoices[:0], nil
	} else {
		rt.schedule.Choices = make([]Choice, 0, choices)
	}
	if p := rt.pool; p != nil {
		rt.dec.Runnable, p.spareRunnable = p.spareRunnable, nil
	}
	if p := rt.pool; p != nil && cap(p.spareTasks) >= tasks {
		rt.tasks, p.spareTasks = p.spareTasks[:0], nil
	} else {
		rt.tasks = make([]*task, 0, tasks)
	}
	res.Schedule = &rt.schedule
	calibrate(opts.Strategy, body, opts.MaxSteps)
	if !rt.strat.Start() {
		res.Failure = &Failure{Kind: StrategyError, Msg: "the strategy has no more runs to offer"}
		res.Failure.Schedule = res.Schedule
		return res
	}
	var mainFn func() // nil: runTask calls rt.body, with no closure to make
	if currentUsed.Load() {
		mainFn = rt.tagged("main", func() { body(rt) })
	}
	rt.body = body
	main := rt.newTask("main", mainFn)
	rt.cur = main
	if rt.por != nil {
		if err := rt.por.begin(main.id, []TaskID{main.id}, false); err != nil {
			res.Failure = strategyFailure(err)
			res.Failure.Schedule = res.Schedule
			return res
		}
	}
	rt.step = 1
	rt.traceStep(main)
	rt.runHome(main, opts.StallTimeout, res)
	if res.Failure != nil {
		return res // a stall no close released: the run's goroutines stay behind
	}
	if f := rt.stall.failure.Load(); f != nil && rt.failure == nil {
		rt.failure = f // the stalled task came back and the run ended
	}
	res.Trace = rt.trace
	res.Steps = rt.step
	res.Preemptions = rt.preempts
	if rt.failure == nil {
		if f, ok := rt.strat.(Finisher); ok {
			if err := f.Finish(); err != nil {
				rt.failure = &Failure{Kind: Divergence, Msg: err.Error(), Step: rt.step}
			}
		}
	}
	if rt.failure != nil && rt.failure.pruned {
		res.Pruned, rt.failure = true, nil
	}
	if rt.failure != nil {
		rt.failure.Schedule = res.Schedule
		rt.failure.Trace = rt.trace
		res.Failure = rt.failure
	}
	rt.complete = rt.stall.failure.Load() == nil
	return res
}

// newRun returns a new run's Runtime and Result, and the Runtime's first
// block of tasks with room for at least block tasks, all in one
// allocation: the Result's schedule is the Runtime's, which keeps its
// tasks, so the Result keeps them all alive in any case. With a pool that
// was handed back the memory of its last run (Pool.Reuse), that memory
// serves again, cleared, if its block is large enough.
func newRun(block int, p *Pool) (*Runtime, *Result) {
	if p != nil && p.spareRun != nil && !p.abandoned {
		rt, res := p.spareRun, p.spareRes
		p.spareRun, p.spareRes = nil, nil
		if cap(rt.firstBlock) >= block && p.renew(rt) {
			*res = Result{} // cleared by Reuse already; for the record
			return rt, res
		}
	}
	switch {
	case block <= 4:
		m := new(runMem[[4]task])
		return m.start(m.block[:0])
	case block <= 6:
		m := new(runMem[[6]task])
		return m.start(m.block[:0])
	case block <= 8:
		m := new(runMem[[8]task])
		return m.start(m.block[:0])
	case block <= 12:
		m := new(runMem[[12]task])
		return m.start(m.block[:0])
	case block <= 16:
		m := new(runMem[[16]task])
		return m.start(m.block[:0])
	}
	m := new(runMem[[0]task])
	return m.start(make([]task, 0, block))
}

// start makes first, the memory of m's tasks or a list of its own, the
// run's first block of tasks, and returns the run's Runtime and Result.
func (m *runMem[B]) start(first []task) (*Runtime, *Result) {
	m.rt.firstBlock, m.rt.taskBlock = first, first
	return &m.rt, &m.res
}

// runMem is the memory of a run (newRun).
type runMem[B any] struct {
	rt    Runtime
	res   Result
	block B
}

// newTask registers a task and gives it a worker, idle in the pool or new,
// which runs it when the scheduler first picks the task.
func (rt *Runtime) newTask(name string, fn func()) *task {
	name = rt.uniqueName(name)
	if len(rt.taskBlock) == cap(rt.taskBlock) {
		// A new block: the tasks in the full one stay where they are, as
		// their handles may be held.
		rt.taskBlock = make([]task, 0, max(8, 2*cap(rt.taskBlock)))
	}
	rt.taskBlock = rt.taskBlock[:len(rt.taskBlock)+1]
	t := &rt.taskBlock[len(rt.taskBlock)-1]
	// The block's memory is new (zero): set only what is not.
	t.rt, t.id, t.name, t.fn, t.label = rt, TaskID(len(rt.tasks)), name, fn, "start"
	t.h = Task{rt: rt, t: t}
	t.joiners = t.joinersBuf[:0]
	var w *worker
	if rt.pool != nil {
		w = rt.pool.get()
	}
	if w == nil {
		w = newWorker(rt.sw, rt.pool)
	}
	w.t, t.w = t, w
	rt.tasks = append(rt.tasks, t)
	if rt.por != nil {
		rt.por.access(keyAlloc, Write)
		rt.por.spawn(t.id)
	}
	rt.runMask |= 1 << uint(t.id) // runnable
	if rt.trace != nil {
		rt.trace.Tasks = append(rt.trace.Tasks, name)
	}
	return t
}

// uniqueName returns name, or name#id (id the new task's) if a task of the
// run already has that name. Runs of a few tasks compare names; runs of
// many keep a set.
func (rt *Runtime) uniqueName(name string) string {
	const setFrom = 32
	taken := false
	if rt.names != nil {
		_, taken = rt.names[name]
	} else {
		for _, t := range rt.tasks {
			if t.name == name {
				taken = true
				break
			}
		}
	}
	if taken {
		name = fmt.Sprintf("%s#%d", name, len(rt.tasks))
	}
	if rt.names == nil && len(rt.tasks) >= setFrom {
		rt.names = make(map[string]struct{}, 2*len(rt.tasks))
		for _, t := range rt.tasks {
			rt.names[t.name] = struct{}{}
		}
	}
	if rt.names != nil {
		rt.names[name] = struct{}{}
	}
	return name
}

// taskMain runs a task on its worker. The task ends by returning, by a
// panic (recovered in runTask) or by runtime.Goexit (its own, or the
// unwinding of a failed run); either way finish picks what runs next.
// taskMain returns unless the task ended by Goexit.
func (rt *Runtime) taskMain(t *task) {
	defer rt.taskGoexit(t)
	if !rt.aborted { // a task never picked before the run failed does not run
		rt.runTask(t)
	}
	if f := t.failOnReturn; f != nil && !rt.aborted {
		rt.fail(f) // FailfOnReturn: as a Failf would have, before the task ends
	}
	t.ended = true
	rt.finish(t)
}

func (rt *Runtime) runTask(t *task) {
	defer rt.taskPanic(t)
	rt.beat() // the task starts: a beat for the stall watchdog
	if t.fn == nil && t.id == 0 {
		rt.body(rt) // the main task (Run)
		return
	}
	t.fn()
}

// taskPanic ends the run when the task panics, or when the strategy
// panicked while deciding for the task (ask).
func (rt *Runtime) taskPanic(t *task) {
	r := recover()
	if rt.asking {
		if r != nil {
			rt.strategyPanicked(r)
		} else if !rt.aborted {
			rt.fail(strategyFailure(errStrategyLost))
		}
		return
	}
	if r == nil || rt.aborted { // a panic while unwinding is not news: the run already failed
		return
	}
	rt.fail(&Failure{Kind: Panic, Task: t.name, Value: r, Stack: string(debug.Stack()),
		Msg: fmt.Sprintf("panic in task %s: %v", t.name, r)})
}

// taskGoexit ends a task whose goroutine exits by runtime.Goexit: called by
// the task itself (t.FailNow, say), it has finished like a return; called
// by the scheduler, the task is being unwound.
func (rt *Runtime) taskGoexit(t *task) {
	if t.ended {
		return
	}
	rt.finish(t)
	panic(errCoroExit) // see coro.go: the Goexit goes on, the panic reaches the next fiber
}

// finish marks the ending task done and sets the fiber that runs when its
// goroutine has exited: the next task, the task unwinding the failed run, or
// the caller of Run when the run is over.
func (rt *Runtime) finish(t *task) {
	rt.setState(t, done)
	if rt.aborted {
		if t == rt.detector {
			rt.sw.afterExit = &rt.home
		} else {
			rt.sw.afterExit = &rt.detector.w.fiber
		}
		return
	}
	rt.touch(taskKey(t.id), Write)
	rt.wakeAll(&t.joiners)
	next := rt.pickAtEnd()
	if next == nil { // every task has finished, or the run failed here
		rt.sw.afterExit = &rt.home
		return
	}
	rt.cur = next
	rt.sw.afterExit = &next.w.fiber
}

// pick makes the decision of one scheduling step. It returns nil when the
// run is over: every task finished, or the run failed (rt.aborted is set and
// the other tasks have been unwound). A step of the clock (a timer firing)
// is taken here and followed by the next decision. It is on the path of
// every scheduling point: the rare cases are in functions of their own.
func (rt *Runtime) pick() *task {
	if rt.pct != nil {
		if next, ok := rt.pickPCT(); ok {
			return next
		}
	}
	cur := rt.cur
	tasks := rt.tasks
	// The runnable set is built in place in rt.dec.Runnable: re-slicing a
	// field to itself stores only its length, so the hot path writes no
	// pointer (and pays no GC write barrier).
	if cap(rt.dec.Runnable) < len(tasks) {
		rt.dec.Runnable = make([]TaskID, 0, 2*len(tasks))
	}
	buf := rt.dec.Runnable[:len(tasks)] // a local view: the loop keeps it in registers
	n := 0
	curRunnable := cur.state == runnable
	if curRunnable {
		buf[0] = cur.id
		n = 1
	}
	if len(tasks) <= 64 {
		// The runnable tasks but cur, in ID order, from the mask: a few
		// instructions a runnable task rather than a load of every task.
		for m := rt.runMask &^ (1 << uint(cur.id)); m != 0; m &= m - 1 {
			buf[n] = TaskID(bits.TrailingZeros64(m))
			n++
		}
	} else {
		for _, t := range tasks {
			if t.state == runnable && t != cur {
				buf[n] = t.id
				n++
			}
		}
	}
	rt.dec.Runnable = rt.dec.Runnable[:n]
	if n == 0 || (n == 1 && rt.clock.task != nil && tasks[buf[0]] == rt.clock.task) {
		if !rt.wakeIdle() {
			return nil
		}
		n = len(rt.dec.Runnable)
	}
	rt.step++
	if rt.step > rt.maxSteps {
		rt.failStepLimit()
		return nil
	}
	if n == 1 {
		return rt.picked(rt.tasks[rt.dec.Runnable[0]], curRunnable, 1)
	}
	// The strategy's call: after it, every value is loaded from rt again
	// rather than kept across the call (which would store it on the stack
	// and load it back).
	rt.dec.Kind, rt.dec.Step, rt.dec.Current, rt.dec.N = PickTask, rt.step, curRunnable, 0
	// ask, written out (its call was 4% of a decision), and for a Chooser
	// its function called directly (Next's call and checks were 4% more).
	var i int
	var err error
	switch {
	case !rt.guarded:
		i, err = rt.strat.Next(&rt.dec)
	case rt.asking:
		i, err = -1, errStrategyLost
	case rt.choose != nil:
		rt.asking = true
		i = rt.choose(n)
		rt.asking = false
	default:
		rt.asking = true
		i, err = rt.strat.Next(&rt.dec)
		rt.asking = false
	}
	runnable := rt.dec.Runnable
	if err != nil || uint(i) >= uint(len(runnable)) {
		rt.failStrategy(i, err)
		return nil
	}
	id := runnable[i]
	rt.schedule.Choices = append(rt.schedule.Choices, Choice{Kind: TaskChoice, Value: int(id)})
	next := rt.tasks[id]
	if rt.por != nil || rt.trace != nil || next == rt.clock.task {
		return rt.pickedRare(next, rt.dec.Current, len(runnable))
	}
	if rt.dec.Current && next != rt.cur {
		rt.preempts++
	}
	return next
}

// pickPCT is pick for a PCT strategy (rt.pct) at a step with two or more
// runnable tasks, no change point and no task PCT has not seen: the
// decision is the runnable task of the highest priority, found from the
// runnable mask, as Next would find it in the runnable list (ties go to
// the lower ID either way), without the list or Next's call. It reports
// false, having changed nothing, for every other step, which pick's
// general path takes.
func (rt *Runtime) pickPCT() (*task, bool) {
	m := rt.runMask
	if m&(m-1) == 0 || len(rt.tasks) > 64 {
		return nil, false // no decision to make, or a wake-up, or too many tasks for the mask
	}
	s := rt.pct
	id, ok := s.highest(m)
	if !ok {
		return nil, false
	}
	rt.step++
	if rt.step > rt.maxSteps {
		rt.failStepLimit()
		return nil, true
	}
	s.choices++
	s.last = id
	rt.schedule.Choices = append(rt.schedule.Choices, Choice{Kind: TaskChoice, Value: int(id)})
	next, cur := rt.tasks[id], rt.cur
	curRunnable := cur.state == runnable
	if next == rt.clock.task {
		return rt.pickedRare(next, curRunnable, 0), true
	}
	if curRunnable && next != cur {
		rt.preempts++
	}
	return next, true
}

// picked ends pick once next is chosen among the n runnable tasks.
func (rt *Runtime) picked(next *task, curRunnable bool, n int) *task {
	if rt.por != nil || rt.trace != nil || next == rt.clock.task {
		return rt.pickedRare(next, curRunnable, n)
	}
	if curRunnable && next != rt.cur {
		rt.preempts++
	}
	return next
}

// pickedRare is picked in a DPOR search, with a trace, or when the clock
// was picked.
func (rt *Runtime) pickedRare(next *task, curRunnable bool, n int) *task {
	if rt.por != nil {
		if err := rt.por.begin(next.id, rt.dec.Runnable[:n], curRunnable); err != nil {
			rt.fail(strategyFailure(err))
			return nil
		}
	}
	if curRunnable && next != rt.cur {
		rt.preempts++
	}
	if rt.trace != nil {
		rt.traceStep(next)
	}
	if next == rt.clock.task {
		rt.fire()
		return rt.pick()
	}
	return next
}

// wakeIdle is pick when no task is runnable but perhaps the clock: if no
// task but the clock is left, the run is over and wakeIdle returns false;
// if the clock is runnable, it is the runnable set. Otherwise the tasks
// waiting for exactly this (WaitIdle) wake up and become the runnable set,
// in ID order; if there are none, the clock advances to its next timer;
// and if it has none, the run is deadlocked and wakeIdle returns false.
func (rt *Runtime) wakeIdle() bool {
	live := false
	for _, t := range rt.tasks {
		if t.state != done && t != rt.clock.task {
			live = true
			break
		}
	}
	if !live {
		rt.dec.Runnable = rt.dec.Runnable[:0] // the clock alone does not keep a run going
		return false
	}
	if len(rt.dec.Runnable) > 0 {
		return true // the clock, with timers due for the tasks that wait
	}
	// Nothing can run: wake the tasks waiting for exactly this (WaitIdle).
	for _, t := range rt.tasks {
		if t.state == blocked {
			if _, ok := t.blockedOn.(idleWait); ok {
				rt.setState(t, runnable)
				t.blockedOn = nil
				rt.dec.Runnable = append(rt.dec.Runnable, t.id)
			}
		}
	}
	// Then let the virtual clock move to the next timer; only if it has
	// none is it a deadlock.
	if len(rt.dec.Runnable) == 0 && rt.advance() {
		for _, t := range rt.tasks {
			if t.state == runnable {
				rt.dec.Runnable = append(rt.dec.Runnable, t.id)
			}
		}
	}
	if len(rt.dec.Runnable) == 0 {
		rt.fail(rt.deadlock())
		return false
	}
	if rt.por != nil {
		rt.por.barrier()
	}
	return true
}

func (rt *Runtime) failStepLimit() {
	cur := rt.cur
	rt.fail(&Failure{Kind: StepLimit, Task: cur.name,
		Msg: fmt.Sprintf("exceeded %d steps (last task %s at %q): a spin loop, or a run that needs a higher step limit%s", rt.maxSteps, cur.name, cur.label, rt.clockHint())})
}

// failStrategy ends the run when the strategy could not decide: it
// returned an error, or an index out of range.
func (rt *Runtime) failStrategy(i int, err error) {
	if err == nil && rt.choose != nil {
		err = chooserRange(i, len(rt.dec.Runnable))
	}
	if err == nil {
		err = fmt.Errorf("interleave engine bug: strategy %T chose %d of %d runnable tasks", rt.strat, i, len(rt.dec.Runnable))
	}
	rt.fail(strategyFailure(err))
}

// ask gets the strategy's decision for rt.dec. A strategy that panics (an
// outside source of decisions may use panics for its own control flow)
// ends the run with a Panic failure carrying the value and the strategy's
// stack, which the caller of Run can re-panic; the panic is not let loose
// on a task's goroutine. This package's own strategies are not guarded
// (builtIn).
//
// The guard is not a deferred recover around each decision: that cost a
// tenth of a decision that always switches (about 55 instructions of 600,
// callgrind). rt.asking is set while an outside strategy decides, and the
// recovers already on every path that asks tell a strategy's panic from a
// task's by it: taskPanic, at the top of every task's function (points,
// blocks, Choose, the clock's firing all run inside it), and pickAtEnd,
// for the decision taken when a task ends. If the task's own code recovers
// the strategy's panic, or the strategy exits the goroutine, the decision
// never returns and rt.asking stays set: the run fails at the next
// decision, or when the task ends (errStrategyLost).
func (rt *Runtime) ask() (int, error) {
	if !rt.guarded {
		return rt.strat.Next(&rt.dec)
	}
	if rt.asking {
		return -1, errStrategyLost
	}
	rt.asking = true
	i, err := rt.strat.Next(&rt.dec)
	rt.asking = false
	return i, err
}

// errStrategyLost is the failure of a run whose strategy did not return
// from a decision, and whose task went on.
var errStrategyLost = errors.New("the strategy did not return from a decision: it panicked and the task's code recovered the panic, or it exited the goroutine (runtime.Goexit)")

// strategyPanicked turns the panic p, raised while an outside strategy was
// deciding (rt.asking), into the run's failure. It must be called by the
// deferred function that recovered p, so that the stack is the strategy's.
func (rt *Runtime) strategyPanicked(p any) {
	rt.asking = false
	rt.fail(strategyFailure(&strategyPanic{value: p, stack: string(debug.Stack())}))
}

// pickAtEnd is pick for finish, which runs after the task's function, out
// of taskPanic's reach: it guards the decision against a strategy's panic
// itself (once per task, not once per decision).
func (rt *Runtime) pickAtEnd() (next *task) {
	if rt.guarded {
		defer func() {
			if rt.asking {
				if p := recover(); p != nil {
					rt.strategyPanicked(p)
					next = nil
				}
			}
		}()
	}
	return rt.pick()
}

// point is a scheduling point: the running task is about to do label, and
// the strategy may let another task go first.
func (rt *Runtime) point(label string) {
	if rt.aborted || rt.wild != nil {
		rt.pointOff()
		return
	}
	rt.stalled()
	cur := rt.cur
	cur.label = label
	if next := rt.pick(); next != cur {
		// switchAway and switchTo, written out: this is the path of every
		// switch at a scheduling point. A frame between the task and the
		// coroutine switch costs more time than its instructions: one
		// fewer made SchedSwitchAlternating 4% cheaper in CPU time for 1%
		// fewer instructions. (Likely cause: after a coroutine switch, the
		// processor predicts the returns of the goroutine that switched
		// away, and misses each return of the resumed one until it calls
		// again.)
		if next == nil {
			runtime.Goexit()
		}
		rt.cur = next
		sw := rt.sw
		sw.turn()
		from, to := &cur.w.fiber, &next.w.fiber
		c := to.parked // as in switchTo
		from.parked = c
		to.resumed = true
		if c.inNext {
			c.inNext = false
			c.yield(struct{}{})
		} else {
			c.inNext = true
			callNext(c)
		}
		sw.switched(from)
		if rt.aborted {
			runtime.Goexit()
		}
	}
	rt.beat()
}

// pointOff is point in wild mode (Yield's jitter) or in a failed run.
func (rt *Runtime) pointOff() {
	if rt.wild != nil {
		rt.jitter()
		return
	}
	runtime.Goexit()
}

// block parks the running task until a wake-up for its current epoch. The
// caller has registered the task as a waiter with epoch cur.epoch+1.
func (rt *Runtime) block(on blocker) {
	if rt.aborted {
		runtime.Goexit()
	}
	cur := rt.cur
	rt.setState(cur, blocked)
	cur.blockedOn = on
	cur.epoch++
	if next := rt.pick(); next != cur { // cur itself, when it waits idle and nothing else can run
		rt.switchAway(cur, next)
	}
	rt.beat()
}

// switchAway parks the running task cur and runs next, which pick chose,
// until cur is picked again. A nil next means the run failed while cur was
// in the scheduler.
func (rt *Runtime) switchAway(cur, next *task) {
	if next == nil {
		runtime.Goexit()
	}
	rt.cur = next
	rt.sw.switchTo(&cur.w.fiber, &next.w.fiber)
	if rt.aborted {
		runtime.Goexit()
	}
}

// setState sets the task's state, and its bit of rt.runMask.
func (rt *Runtime) setState(t *task, s taskState) {
	t.state = s
	if s == runnable {
		rt.runMask |= 1 << uint(t.id)
	} else {
		rt.runMask &^= 1 << uint(t.id)
	}
}

// waiter is a task waiting on a primitive, for one epoch of its waits.
type waiter struct {
	t     *task
	epoch uint64
	// need, when set, counts the events still awaited: the waiter wakes
	// when it drops to zero (JoinAll).
	need *int
}

func (rt *Runtime) waiter() waiter { return waiter{t: rt.cur, epoch: rt.cur.epoch + 1} }

// wakeAll makes runnable every waiter still in the wait it registered for.
func (rt *Runtime) wakeAll(ws *[]waiter) {
	for _, w := range *ws {
		if w.need != nil {
			if *w.need--; *w.need > 0 {
				continue
			}
		}
		if w.t.state == blocked && w.t.epoch == w.epoch {
			rt.setState(w.t, runnable)
			w.t.blockedOn = nil
		}
	}
	*ws = (*ws)[:0]
}

// clearWaiters drops the tasks that ws's memory still names, up to its
// capacity (wakeAll truncates a list without clearing it), so that a
// primitive renewed for a new run (Queue.Renew, Mutex.Renew) keeps no
// task of its old run from the garbage collector. It stores the two
// pointers field by field: for the few waiters a primitive has, a clear
// of the slice (memclrHasPointers and its write-barrier check) cost three
// times as many instructions.
func clearWaiters(ws []waiter) {
	ws = ws[:cap(ws)]
	for i := range ws {
		ws[i].t, ws[i].need = nil, nil
	}
}

// fail ends the run: it records the failure and unwinds every other task,
// one at a time, so that their deferred functions run without racing. The
// caller, the running task, must then exit.
func (rt *Runtime) fail(f *Failure) {
	if s := rt.stall.failure.Load(); s != nil {
		f = s // a stall explains what follows it
	}
	if f.Step == 0 {
		f.Step = rt.step
	}
	rt.failure = f
	rt.aborted = true
	det := rt.cur
	rt.detector = det
	for _, t := range rt.tasks {
		if t == det || t.state == done || t == rt.clock.task {
			continue // the clock has no goroutine to unwind
		}
		// The task wakes at its scheduling point (or starts, if it never
		// ran) and exits, running its deferred calls; then this task runs
		// again. rt.cur stays the detector, as notes made while unwinding
		// have always been attributed.
		rt.sw.switchTo(&det.w.fiber, &t.w.fiber)
	}
}

// Go starts a task running fn and returns its handle. Starting a task is
// not a scheduling point: the new task first runs when the strategy picks
// it. Names should be unique; a repeated name gets a "#id" suffix.
func (rt *Runtime) Go(name string, fn func()) *Task {
	if rt.wild != nil {
		return rt.wildGo(name, fn)
	}
	if rt.aborted {
		return &Task{rt: rt, t: &task{name: name, state: done}}
	}
	return &rt.newTask(name, rt.tagged(name, fn)).h
}

// Spawn starts a task running fn, named "go file.go:line" after the line
// of the program that started it (the caller of Spawn, or of chans.Go or
// WaitGroup.Go, which use it): Go for code that does not name its
// goroutines.
func (rt *Runtime) Spawn(fn func()) *Task { return rt.Go("go "+callSite(), fn) }

// Join waits until the task has finished. Waiting is not a scheduling point
// of its own: if the task has finished, Join returns at once.
func (h *Task) Join() { h.rt.JoinAll(h) }

// JoinAll waits until every task in ts has finished. The waiting task is
// woken once, when the last of them finishes, so joining several tasks adds
// no scheduling choices of its own.
func (rt *Runtime) JoinAll(ts ...*Task) {
	if rt.wild != nil {
		for _, h := range ts {
			<-h.t.doneCh
		}
		return
	}
	for {
		need := 0
		var first *task
		for _, h := range ts {
			if h.t.state != done {
				if first == nil {
					first = h.t
				}
				need++
			}
		}
		if need == 0 {
			// The join that returns could only come after the
			// tasks' ends; a blocked attempt declares nothing (see
			// "Blocking attempts" in access.go).
			if rt.por != nil {
				for _, h := range ts {
					if h.t.rt == rt {
						rt.por.access(taskKey(h.t.id), await)
					}
				}
			}
			return
		}
		w := rt.waiter()
		if need > 1 {
			// The counter is the waiting task's: it waits in one JoinAll
			// at a time, and every joined task's end has counted down
			// (and dropped w from its joiners) before this one returns.
			w.need = &rt.cur.joinNeed
			*w.need = need
		}
		for _, h := range ts {
			if h.t.state != done {
				h.t.joiners = append(h.t.joiners, w)
			}
		}
		if first.joinLabel == "" {
			if rt.pool != nil {
				first.joinLabel = rt.pool.joinLabel(first)
			} else {
				first.joinLabel = "join " + first.name
			}
		}
		rt.cur.label = first.joinLabel
		rt.block(joinWait{first})
	}
}

// WaitIdle blocks the running task until no other task can run: every
// other task has finished or is blocked. Tests use it to let a system
// settle ("every notify has been handled") without sleeps or timeouts. It
// must not be called in wild mode, where idleness cannot be observed.
func (rt *Runtime) WaitIdle() {
	if rt.wild != nil {
		panic("sched: WaitIdle is not available in wild mode")
	}
	rt.cur.label = "wait idle"
	rt.block(idleWait{})
}

type idleWait struct{}

func (idleWait) describe() string { return "the other tasks to block (WaitIdle)" }

// Yield is a scheduling point with a label that names what the task is
// about to do; the label appears in the trace.
func (rt *Runtime) Yield(label string) {
	rt.point(label) // in wild mode too: one call, which the compiler inlines
}

// Choose returns a value in [0, n) chosen by the strategy: data
// nondeterminism that exhaustive search explores like task choices. n < 1
// panics.
func (rt *Runtime) Choose(n int) int {
	if n < 1 {
		panic(fmt.Sprintf("sched: Choose(%d): n must be at least 1", n))
	}
	if rt.wild != nil {
		return rt.wildIntn(n)
	}
	if n == 1 {
		return 0
	}
	if rt.aborted {
		runtime.Goexit()
	}
	rt.dec.Kind, rt.dec.Step, rt.dec.Current, rt.dec.N = PickValue, rt.step, false, n
	rt.dec.Runnable = rt.dec.Runnable[:0]
	v, err := rt.ask()
	if err == nil && (v < 0 || v >= n) {
		err = fmt.Errorf("interleave engine bug: strategy %T chose value %d of %d", rt.strat, v, n)
	}
	if err != nil {
		rt.fail(strategyFailure(err))
		runtime.Goexit()
	}
	rt.schedule.Choices = append(rt.schedule.Choices, Choice{Kind: ValueChoice, Value: v})
	if rt.trace != nil {
		rt.note(fmt.Sprintf("chose %d of %d", v, n))
	}
	return v
}

// Tracing reports whether the run records a trace, so that a task can skip
// building notes that would be thrown away.
func (rt *Runtime) Tracing() bool { return rt.trace != nil }

// Notef adds a note to the trace at the current step, attributed to the
// running task. It does nothing when the run records no trace.
func (rt *Runtime) Notef(format string, args ...any) {
	if rt.trace == nil {
		return
	}
	rt.note(fmt.Sprintf(format, args...))
}

// Failf ends the run with a failure of kind Assertion: a property the task
// checks does not hold.
func (rt *Runtime) Failf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if rt.wild != nil {
		panic(assertion(msg))
	}
	if rt.aborted {
		runtime.Goexit()
	}
	rt.fail(&Failure{Kind: Assertion, Task: rt.cur.name, Msg: msg})
	runtime.Goexit()
}

// FailfOnReturn is Failf made when the calling task's function returns:
// the run then fails just as if the task had called Failf last, with the
// message formatted now. A task that checks its properties at its very end
// can use it to let its goroutine go back to the run's Pool (Options.Pool):
// Failf ends the task's goroutine by runtime.Goexit, and a new one must be
// started (and its stack grown) for a later run. If the task panics or the
// run fails before the function returns, that failure is the run's. In wild
// mode it is Failf.
func (rt *Runtime) FailfOnReturn(format string, args ...any) {
	if rt.wild != nil || rt.aborted {
		rt.Failf(format, args...)
	}
	rt.failOnReturn(fmt.Sprintf(format, args...))
}

// FailOnReturn is FailfOnReturn with the message made already: nothing is
// formatted, and msg is the failure's message as it is.
func (rt *Runtime) FailOnReturn(msg string) {
	if rt.wild != nil || rt.aborted {
		rt.Failf("%s", msg)
	}
	rt.failOnReturn(msg)
}

func (rt *Runtime) failOnReturn(msg string) {
	f := &rt.ownFailure
	if rt.ownFailureUsed {
		f = new(Failure)
	}
	// The run's first such failure lives in the run's own memory (Run),
	// which its Result keeps alive: no other run reaches it.
	rt.ownFailureUsed = true
	*f = Failure{Kind: Assertion, Task: rt.cur.name, Msg: msg}
	rt.cur.failOnReturn = f
}

// assertion is the panic value of Failf in wild mode.
type assertion string

// TaskName returns the name of the running task ("" in wild mode, where
// several run at once).
func (rt *Runtime) TaskName() string {
	if rt.wild != nil {
		return ""
	}
	return rt.cur.name
}

// Step returns the number of the current scheduling step (0 in wild mode).
func (rt *Runtime) Step() int { return rt.step }

// Wild reports whether the run is on real goroutines (RunWild).
func (rt *Runtime) Wild() bool { return rt.wild != nil }
