// Package sched runs Go code one task at a time and lets a seeded strategy
// choose every interleaving.
//
// # Running code under control
//
// [Run] calls a body function as the task "main". The body starts further
// tasks with [Runtime.Go] (or [Runtime.Spawn], which names the task after
// its line) and coordinates them only through this package's primitives,
// which have the semantics of Go's own, misuse panics included: [Chan]
// (unbuffered or buffered, with [Runtime.Select] over its cases), [Mutex]
// (with TryLock), [RWMutex] (writer preference as in Go), [WaitGroup] (with
// Go), [Cond], [Once], [Atomic] (the scheduling points of atomic values),
// the virtual clock ([Runtime.Now], [Runtime.Sleep], [Runtime.NewTimer],
// [Runtime.NewTicker], [Runtime.AfterFunc]); and [Queue] (a bounded,
// closable queue with Offer), [Task.Join], [Runtime.JoinAll],
// [Runtime.Yield], [Runtime.Choose] and [Runtime.WaitIdle] (wait until
// every other task is blocked: a system has settled, without sleeps).
// Exactly one task runs at any moment. Each operation that can block, or
// that reads or writes state another task can observe, is a scheduling
// point: the running task stops there and the [Strategy] picks which
// runnable task goes next. Releasing operations (Mutex.Unlock,
// RWMutex.RUnlock, WaitGroup.Done, Timer.Stop) are not: they only make
// waiters runnable, and the waiters' own points order them. Code between
// two scheduling points runs atomically, so the set of interleavings is the
// set of choices the strategy can make, and the same choices always give
// the same run. Objects created without a name are named by kind and
// number ("mutex#3"), and in traced runs their step labels carry the
// source line of each operation ("lock mutex#3 at bank.go:21").
//
// A task that blocks (a locked mutex, an empty channel, a task not yet
// finished) is not runnable until another task changes what it waits on. A
// task must not block in any other way (on a Go channel not made by the
// run, a mutex of the standard library, I/O or a real sleep) while running
// under control: the scheduler cannot see such waits. A watchdog
// ([Options.StallTimeout]) turns a task that stays away from the scheduler
// into a failure of kind Stall that names it, rather than a hang.
//
// # Virtual time
//
// Each controlled run has a clock of its own, as in testing/synctest. It
// starts at [Epoch], and it advances only when no task can run, straight
// to the next timer, so code takes no virtual time and an hour of sleeping
// costs nothing real. Timers due at the current instant are fired by a
// task of the run named "clock", which is runnable exactly while a timer is
// due and fires one timer per step: the strategy orders a timer's firing
// among the other tasks' steps like any event (a deadline's cancel before
// or after a tick due at the same instant), and a ticker is never a task
// that could keep the run going by itself. The clock stands still once main
// has returned; a ticker nobody reads does not keep it moving; a loop that
// keeps consuming ticks ends at the step limit, whose message says what the
// clock did.
//
// # Code that does not pass a Runtime
//
// Go has no goroutine-local storage, so code must either be handed its
// run or find it. Handing it means threading a *Runtime through every
// constructor and call of the program under test: the most invasive
// option. A small interface the program already takes (a clock, a locker)
// covers only the code written that way, and none of the channels, the
// goroutines, the atomics. So the packages under std mirror the standard
// library (sync, sync/atomic, time, context) with the same API and zero
// values, plus chans for what the language spells with statements
// (make(chan), <-, select, close, go): a port changes import lines, and the
// channel statements and go statements, which no import can intercept
// (examples/ counts the lines).
//
// They find their run themselves, with [Current]: in a program that uses
// it ([UseCurrent]; the std packages call it when they are linked in), every
// task of a run sets its own profiler label set on its goroutine when it
// starts, and Current looks up the pointer to the calling goroutine's label
// set, which costs a pointer load and a map hit, where learning a
// goroutine's ID by parsing runtime.Stack costs microseconds. (Tagging
// costs a few microseconds per task; a program that passes its *Runtime,
// as the harness does, does not pay it.) A goroutine that is no task of any run
// answers nil after the pointer load alone, and the std packages then are
// the standard library's primitives; built with the tag interleave_off
// they are aliases of them, at no cost at all. Under control each
// primitive finds its controlled object with [Runtime.Bound], keyed by its
// address (or, for a channel, by the channel), so a primitive holds no
// per-run state: a package-level mutex is a fresh one in every run, and
// parallel runs (t.Parallel) never share one. Parallel runs are told apart
// by their tasks' label sets.
//
// # Tasks are coroutines
//
// Each task runs on a goroutine of its own, a coroutine made with iter.Pull:
// a switch from one task to the next hands the thread directly to the next
// task's goroutine, without the Go scheduler, for a fraction of the cost of
// waking a goroutine through a channel. The race detector sees every switch
// as a synchronisation, so data handed from task to task through this
// package's primitives is not reported as a race. A task's stack, in a
// panic's report or a debugger, ends in the scheduler's frames and
// iter.Pull's; tasks waiting for their turn (and the caller of Run) wait in
// the state "coroutine".
//
// A [Pool] (Options.Pool) keeps the goroutines of finished tasks for the
// tasks of later runs, so that a run does not start goroutines or grow their
// stacks. [Explore], [Shrink] and [CheckDeterminism] use one.
//
// Coroutines and threads locked with runtime.LockOSThread do not mix: a task
// must not reach a scheduling point while its goroutine is locked to its
// thread (switching away from it is a fatal error of the Go runtime, not a
// failure of the run), and a Pool used from a goroutine locked to its thread
// must be used from that goroutine only.
//
// # Strategies
//
// One file each: [Random] (seeded, uniform), [PCT] (probabilistic concurrency
// testing with a bug depth; it calibrates its step count itself), [DFS]
// (exhaustive, stateless, with a bound on preemptions and, with
// [DFSBounded], one on data choices),
// [Replay] (a recorded [Schedule], strictly), [Guided] (a recorded schedule as
// far as it applies, to steer a changed program) and [Chooser] (decisions
// drawn from an outside source, such as a property-based testing library). A
// strategy sees only the runnable tasks, ordered with the running task first,
// so choice 0 never preempts.
//
// [Explore] runs a strategy until a failure or a budget; [CheckDeterminism]
// runs a schedule twice and reports the first step where the runs differ;
// [Shrink] makes a failing schedule smaller in preemptions. Package
// schedtest drives all of this from go test.
//
// # Failures
//
// A run never hangs. A deadlock (no runnable task while some are blocked), a
// run longer than [Options.MaxSteps], a panic in a task, a fatal misuse
// (unlocking an unlocked mutex), a call to [Runtime.Failf], a stall and a
// replay that diverges from its schedule all end the run with a [*Failure]
// that carries the schedule to replay. The other tasks are then unwound, one
// at a time: each exits by runtime.Goexit where it waits, running its
// deferred calls; a task never picked does not run at all. A task that calls
// runtime.Goexit itself (t.FailNow, say) has finished, as a goroutine that
// exits. Every goroutine the run started has exited by the time Run returns,
// on success and on failure, but for those waiting in the run's Pool, which
// end when it is closed, and a stalled task stuck where nothing the run made
// can release it.
//
// # Schedules and traces
//
// A [Schedule] is the list of choices a run made, versioned and with a text
// form ([Schedule.String], [ParseSchedule]). A [Trace] records every step
// (which task ran and what it was about to do) and the notes tasks added with
// [Runtime.Notef]; it renders as a timeline and has a stable hash.
//
// # Wild mode
//
// [RunWild] runs the same body on real goroutines: each primitive is the
// standard library's (Mutex a sync.Mutex, Chan and Queue Go channels, Select
// a select, the clock real time), and scheduling points optionally yield or
// sleep at random (seeded jitter), so the code can be stress tested under
// the Go scheduler and the race detector.
package sched
