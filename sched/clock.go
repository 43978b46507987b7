package sched

import (
	"container/heap"
	"fmt"
	"time"
)

// Epoch is the time at which the virtual clock of every controlled run
// starts: midnight UTC on 1 January 2000, as in testing/synctest.
var Epoch = time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC)

// clock is a run's virtual clock. It advances only when no task can run,
// straight to the next timer (advance), so code takes no virtual time and
// a sleep of an hour costs nothing real. It stops when main has returned.
type clock struct {
	now      time.Duration // since Epoch
	pending  timerHeap
	seq      uint64
	advances int
	// task is the clock's place among the tasks, made when the first
	// timer is armed: runnable while a timer is due (its steps fire them,
	// one per step), done otherwise. It has no goroutine: the scheduler
	// fires the timer itself when the strategy picks it.
	task *task
}

// vtimer is one pending wake-up of the virtual clock.
type vtimer struct {
	label string // the clock's step label: "fire <name>"
	when  time.Duration
	seq   uint64 // order among timers due at the same instant: arming order
	index int    // in the heap; -1 when not pending
	fire  func()
	// inert, when set, reports that firing now would change nothing (a
	// ticker whose channel is full), so the clock need not advance for it.
	inert func() bool
}

type timerHeap []*vtimer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if h[i].when != h[j].when {
		return h[i].when < h[j].when
	}
	return h[i].seq < h[j].seq
}
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *timerHeap) Push(x any) {
	t := x.(*vtimer)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	t.index = -1
	return t
}

// arm makes t due d from now (d <= 0: due now: the clock can fire it at
// the next step).
func (rt *Runtime) arm(t *vtimer, d time.Duration) {
	rt.touch(keyClock, Write)
	c := &rt.clock
	if t.index >= 0 {
		heap.Remove(&c.pending, t.index)
	}
	t.when = c.now + max(d, 0)
	c.seq++
	t.seq = c.seq
	heap.Push(&c.pending, t)
	if c.task == nil {
		name := rt.uniqueName("clock")
		c.task = &task{rt: rt, id: TaskID(len(rt.tasks)), name: name, state: done}
		rt.tasks = append(rt.tasks, c.task)
		rt.touch(keyAlloc, Write)
		if rt.trace != nil {
			rt.trace.Tasks = append(rt.trace.Tasks, name)
		}
	}
	rt.clockDue()
}

// disarm takes t out of the pending timers and reports whether it was
// pending.
func (rt *Runtime) disarm(t *vtimer) bool {
	rt.touch(keyClock, Write)
	if t.index < 0 {
		return false
	}
	heap.Remove(&rt.clock.pending, t.index)
	rt.clockDue()
	return true
}

// clockDue makes the clock runnable exactly while a timer is due, with
// the label of the timer it fires next.
func (rt *Runtime) clockDue() {
	c := &rt.clock
	if len(c.pending) == 0 || c.pending[0].when > c.now {
		rt.setState(c.task, done)
		return
	}
	rt.setState(c.task, runnable)
	c.task.label = c.pending[0].label
}

// fire is a step of the clock: it fires the first timer due.
func (rt *Runtime) fire() {
	rt.touch(keyClock, Write)
	t := heap.Pop(&rt.clock.pending).(*vtimer)
	t.fire()
	rt.clockDue()
}

// advance is called by the scheduler when no task can run: it moves the
// clock to the next pending timer and makes the clock runnable; it reports
// whether it did. The clock then fires the timers due, one per step, each
// step a choice of the strategy like any other: a timer's firing is an
// event among the others (a deadline's cancel can run before or after a
// tick due at the same instant is delivered), and a ticker is never a task
// that could run forever. Firing makes a sleeper runnable, puts a tick in a
// timer's channel (waking a receiver) or starts an AfterFunc's task. The
// clock stands still once main has returned (the remaining tasks are then
// reported as blocked), and when the only timers left are tickers nobody
// reads.
func (rt *Runtime) advance() bool {
	c := &rt.clock
	if len(c.pending) == 0 || rt.tasks[0].state == done {
		return false
	}
	for _, t := range c.pending {
		if t.inert == nil || !t.inert() {
			if next := c.pending[0].when; next > c.now {
				c.now = next
				c.advances++
			}
			rt.clockDue()
			return true
		}
	}
	return false
}

// clockHint adds to a step-limit failure what the clock did, when it moved:
// a timer or ticker that keeps waking tasks is the usual cause of a run
// that never ends under virtual time.
func (rt *Runtime) clockHint() string {
	if rt.clock.advances == 0 {
		return ""
	}
	return fmt.Sprintf("; the virtual clock advanced %d times, to +%v: a ticker or timer keeps waking tasks (a loop that never exits?)", rt.clock.advances, rt.clock.now)
}

// Now returns the run's virtual time: Epoch plus the time the clock has
// advanced. In wild mode it is time.Now.
func (rt *Runtime) Now() time.Time {
	if rt.wild != nil {
		return time.Now()
	}
	rt.touch(keyClock, Read)
	return Epoch.Add(rt.clock.now)
}

// Since returns the virtual time elapsed since t.
func (rt *Runtime) Since(t time.Time) time.Duration { return rt.Now().Sub(t) }

// Sleep blocks the running task for d of virtual time: it becomes runnable
// again once every task is blocked and the clock has reached its wake-up
// time. It is a scheduling point, also for d <= 0, which does not block.
// In wild mode it is time.Sleep.
func (rt *Runtime) Sleep(d time.Duration) {
	if rt.wild != nil {
		rt.jitter()
		time.Sleep(d)
		return
	}
	label := "sleep " + d.String()
	if rt.trace != nil {
		label = rt.sited(label, true)
	}
	rt.point(label)
	if d <= 0 {
		return
	}
	w := rt.waiter()
	vt := &vtimer{label: "fire sleep of " + rt.cur.name, index: -1, fire: func() { rt.wake(w) }}
	rt.arm(vt, d)
	rt.block(sleepWait{rt, vt})
	rt.touch(keyClock, Write)
}

type sleepWait struct {
	rt *Runtime
	t  *vtimer
}

func (s sleepWait) describe() string {
	return fmt.Sprintf("the clock (sleeping until +%v)", s.t.when)
}
