// Package sched runs Go code one task at a time and lets a seeded strategy
// choose every interleaving.
//
// # Running code under control
//
// [Run] calls a body function as the task "main". The body starts further
// tasks with [Runtime.Go] and coordinates them only through this package's
// primitives: [Mutex], [Queue] (a bounded, closable, channel-like queue),
// [Runtime.Select], [Task.Join], [Runtime.JoinAll], [Runtime.Yield],
// [Runtime.Choose] and [Runtime.WaitIdle] (wait until every other task is
// blocked: a system has settled, without sleeps). Exactly
// one task runs at any moment. Each primitive that can affect another task is
// a scheduling point: the running task stops there and the [Strategy] picks
// which runnable task goes next. Code between two scheduling points runs
// atomically, so the set of interleavings is the set of choices the strategy
// can make, and the same choices always give the same run.
//
// A task that blocks (a locked mutex, an empty or full queue, a task not yet
// finished) is not runnable until another task changes what it waits on. A
// task must not block in any other way (on a Go channel, a sync.Mutex, I/O or
// a sleep) while running under control: the scheduler cannot see such waits,
// and the run would stop making progress.
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
// testing with a bug depth), [DFS] (exhaustive, stateless, with a preemption
// bound), [Replay] (a recorded [Schedule], strictly), [Guided] (a recorded
// schedule as far as it applies, to steer a changed program) and [Chooser]
// (decisions drawn from an outside source, such as a property-based testing
// library). A strategy sees only the runnable tasks, ordered with the running
// task first, so choice 0 never preempts.
//
// [Explore] runs a strategy until a failure or a budget; [CheckDeterminism]
// runs a schedule twice and reports the first step where the runs differ;
// [Shrink] makes a failing schedule smaller in preemptions.
//
// # Failures
//
// A run never hangs. A deadlock (no runnable task while some are blocked), a
// run longer than [Options.MaxSteps], a panic in a task, a call to
// [Runtime.Failf] and a replay that diverges from its schedule all end the run
// with a [*Failure] that carries the schedule to replay. The other tasks are
// then unwound, one at a time: each exits by runtime.Goexit where it waits,
// running its deferred calls; a task never picked does not run at all. A
// task that calls runtime.Goexit itself (t.FailNow, say) has finished, as a
// goroutine that exits. Every goroutine the run started has exited by the
// time Run returns, on success and on failure, but for those waiting in the
// run's Pool, which end when it is closed.
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
// [RunWild] runs the same body on real goroutines: Mutex becomes a
// sync.Mutex, Queue a buffered channel, and scheduling points optionally
// yield or sleep at random (seeded jitter), so the code can be stress tested
// under the Go scheduler and the race detector.
package sched
