package sched

import (
	"fmt"
	"sync"
)

// Mutex is a mutual exclusion lock. Lock is a scheduling point; Unlock is
// not (it only makes the waiters runnable). In wild mode it is a sync.Mutex.
type Mutex struct {
	rt        *Runtime
	name      string
	lockLabel string
	owner     *task
	waiters   []waiter
	mu        sync.Mutex // wild mode
}

// NewMutex returns an unlocked mutex; name appears in traces and deadlock
// reports.
func NewMutex(rt *Runtime, name string) *Mutex {
	return &Mutex{rt: rt, name: name, lockLabel: "lock " + name}
}

// Lock acquires the mutex, blocking while another task holds it.
func (m *Mutex) Lock() {
	rt := m.rt
	if rt.wild != nil {
		rt.jitter()
		m.mu.Lock()
		return
	}
	rt.point(m.lockLabel)
	for m.owner != nil {
		if m.owner == rt.cur {
			rt.Failf("task %s locks mutex %s, which it already holds", rt.cur.name, m.name)
		}
		m.waiters = append(m.waiters, rt.waiter())
		rt.block(m)
	}
	m.owner = rt.cur
}

// Unlock releases the mutex. Unlocking a mutex that is not locked fails the
// run, as it is a fatal error in Go.
func (m *Mutex) Unlock() {
	rt := m.rt
	if rt.wild != nil {
		m.mu.Unlock()
		return
	}
	if rt.aborted {
		return
	}
	if m.owner == nil {
		rt.Failf("task %s unlocks mutex %s, which is not locked", rt.cur.name, m.name)
	}
	m.owner = nil
	rt.wakeAll(&m.waiters)
}

func (m *Mutex) describe() string {
	if m.owner == nil {
		return fmt.Sprintf("mutex %s", m.name)
	}
	return fmt.Sprintf("mutex %s (held by %s)", m.name, m.owner.name)
}
