package sched

import (
	"fmt"
	"runtime"
	"sync"
)

// Mutex is a mutual exclusion lock. Lock and TryLock are scheduling
// points; Unlock is not (it only makes the waiters runnable). Unlocking a
// mutex that is not locked ends the run with a Fatal failure, as it is a
// fatal error in Go. In wild mode it is a sync.Mutex.
type Mutex struct {
	rt        *Runtime
	id        ObjectID
	name      string
	sites     bool
	lockLabel string
	owner     *task
	waiters   []waiter
	mu        sync.Mutex // wild mode
}

// NewMutex returns an unlocked mutex; name appears in traces and deadlock
// reports. An empty name gives "mutex#<id>" and labels that carry the
// source line of each operation in traced runs.
func NewMutex(rt *Runtime, name string) *Mutex {
	m := &Mutex{rt: rt, id: rt.newObject()}
	if name == "" && rt.wild == nil {
		name, m.sites = objectName("mutex", m.id), true
	}
	m.name, m.lockLabel = name, "lock "+name
	return m
}

// Renew returns an unlocked mutex, as NewMutex(rt, name) does, made in
// m's memory: its waiters' list's, and its lock label's when the name is
// the same. m may be nil (NewMutex then makes one), and a wild run or an
// empty name gets a new mutex. It is for a program that runs many runs one
// after another and keeps its objects from one to the next: m must belong
// to a run that is over, and nothing may use it as the mutex it was.
func (m *Mutex) Renew(rt *Runtime, name string) *Mutex {
	if m == nil || rt.wild != nil || name == "" || m.sites {
		return NewMutex(rt, name)
	}
	waiters, label := m.waiters, m.lockLabel
	clearWaiters(waiters)
	if m.name != name || label == "" {
		label = "lock " + name
	}
	*m = Mutex{rt: rt, id: rt.newObject(), name: name, lockLabel: label, waiters: waiters[:0]}
	return m
}

// ID returns the mutex's object ID.
func (m *Mutex) ID() ObjectID { return m.id }

// Lock acquires the mutex, blocking while another task holds it. Locking a
// mutex the task already holds fails the run (in Go the task would block
// forever).
func (m *Mutex) Lock() {
	rt := m.rt
	if rt.wild != nil {
		rt.jitter()
		m.mu.Lock()
		return
	}
	rt.point(rt.sited(m.lockLabel, m.sites))
	// Acquisitions write the mutex; a blocked attempt reads it (the
	// acquisition that holds it would, reversed, let it in) and nothing
	// of the Unlock that lets it in (see "Blocking attempts" in
	// access.go).
	for m.owner != nil {
		if m.owner == rt.cur {
			rt.Failf("task %s locks mutex %s, which it already holds", rt.cur.name, m.name)
		}
		rt.touch(idKey(m.id), Read)
		m.waiters = append(m.waiters, rt.waiter())
		rt.block(m)
	}
	rt.touch(idKey(m.id), Write)
	m.owner = rt.cur
}

// TryLock acquires the mutex if it is free and reports whether it did; it
// never blocks.
func (m *Mutex) TryLock() bool {
	rt := m.rt
	if rt.wild != nil {
		rt.jitter()
		return m.mu.TryLock()
	}
	rt.point(rt.sited("trylock "+m.name, m.sites))
	rt.touch(idKey(m.id), Write)
	rt.touch(idKey(m.id)|partRelease, Write) // a failed TryLock sees the Unlock not made yet
	if m.owner != nil {
		return false
	}
	m.owner = rt.cur
	return true
}

// Unlock releases the mutex. Unlocking a mutex that is not locked ends the
// run: "fatal error: sync: unlock of unlocked mutex", as in Go. As in Go,
// a task may unlock a mutex another task locked.
func (m *Mutex) Unlock() {
	rt := m.rt
	if rt.wild != nil {
		m.mu.Unlock()
		return
	}
	if rt.aborted {
		return
	}
	if m.owner != rt.cur {
		// Not its own lock (or none): no acquisition of this task
		// orders it.
		rt.touch(idKey(m.id), Write)
	}
	if m.owner == nil {
		rt.fatal(fmt.Sprintf("sync: unlock of unlocked mutex (task %s unlocks mutex %s, which is not locked)", rt.cur.name, m.name))
	}
	m.owner = nil
	// The owner's Unlock only enables the next Lock, which races with
	// this one's Lock instead; TryLock sees it.
	rt.touch(idKey(m.id)|partRelease, Write)
	rt.wakeAll(&m.waiters)
}

func (m *Mutex) describe() string {
	if m.owner == nil {
		return fmt.Sprintf("mutex %s", m.name)
	}
	return fmt.Sprintf("mutex %s (held by %s)", m.name, m.owner.name)
}

// fatal ends the run with a Fatal failure: a misuse that Go reports as a
// fatal error, which no recover catches. The running task exits.
func (rt *Runtime) fatal(msg string) {
	if rt.aborted {
		runtime.Goexit()
	}
	rt.fail(&Failure{Kind: Fatal, Task: rt.cur.name, Msg: "fatal error: " + msg})
	runtime.Goexit()
}
