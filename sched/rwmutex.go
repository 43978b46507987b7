package sched

import (
	"fmt"
	"sync"
)

// RWMutex is a reader/writer mutual exclusion lock with the semantics of
// sync.RWMutex, writer preference included: once a writer waits in Lock,
// new readers block until it has had its turn, and the readers that
// blocked during a write get the lock before the next writer. Lock, RLock,
// TryLock and TryRLock are scheduling points; Unlock and RUnlock are not.
// Unlocking a lock not held ends the run with a Fatal failure, as in Go. In
// wild mode it is a sync.RWMutex.
type RWMutex struct {
	rt    *Runtime
	id    ObjectID
	name  string
	sites bool
	// turn is the writer that announced itself (it holds the lock once
	// the readers have left: writer == turn); while turn is set, new
	// readers wait.
	turn, writer *task
	readers      int
	// blocked readers, admitted together when the writer unlocks; writers
	// waiting for their turn; the announced writer waiting for the
	// readers to leave.
	readerWaiters []waiter
	writerWaiters []waiter
	drainWaiters  []waiter
	mu            sync.RWMutex // wild mode
}

// NewRWMutex returns an unlocked reader/writer lock; an empty name gives
// "rwmutex#<id>" and labels with source lines (see NewMutex).
func NewRWMutex(rt *Runtime, name string) *RWMutex {
	m := &RWMutex{rt: rt, id: rt.newObject()}
	if name == "" && rt.wild == nil {
		name, m.sites = objectName("rwmutex", m.id), true
	}
	m.name = name
	return m
}

// ID returns the lock's object ID.
func (m *RWMutex) ID() ObjectID { return m.id }

// Lock locks for writing: it waits for other writers, then keeps new
// readers out and waits for the readers inside to leave.
func (m *RWMutex) Lock() {
	rt := m.rt
	if rt.wild != nil {
		rt.jitter()
		m.mu.Lock()
		return
	}
	rt.point(rt.sited("lock "+m.name, m.sites))
	for m.turn != nil {
		if m.turn == rt.cur {
			rt.Failf("task %s locks rwmutex %s, which it already holds or waits for", rt.cur.name, m.name)
		}
		m.writerWaiters = append(m.writerWaiters, rt.waiter())
		rt.block(rwWait{m, "write"})
	}
	m.turn = rt.cur
	for m.readers > 0 {
		m.drainWaiters = append(m.drainWaiters, rt.waiter())
		rt.block(rwWait{m, "drain"})
	}
	m.writer = rt.cur
}

// TryLock locks for writing if no one holds or waits for the lock, and
// reports whether it did.
func (m *RWMutex) TryLock() bool {
	rt := m.rt
	if rt.wild != nil {
		rt.jitter()
		return m.mu.TryLock()
	}
	rt.point(rt.sited("trylock "+m.name, m.sites))
	if m.turn != nil || m.readers > 0 {
		return false
	}
	m.turn, m.writer = rt.cur, rt.cur
	return true
}

// Unlock unlocks for writing, letting in first every reader that waited.
func (m *RWMutex) Unlock() {
	rt := m.rt
	if rt.wild != nil {
		m.mu.Unlock()
		return
	}
	if rt.aborted {
		return
	}
	if m.writer == nil {
		rt.fatal(fmt.Sprintf("sync: Unlock of unlocked RWMutex (task %s, rwmutex %s)", rt.cur.name, m.name))
	}
	m.writer, m.turn = nil, nil
	m.readers += len(m.readerWaiters)
	rt.wakeAll(&m.readerWaiters)
	rt.wakeAll(&m.writerWaiters)
}

// RLock locks for reading; it blocks while a writer holds the lock or
// waits for it.
func (m *RWMutex) RLock() {
	rt := m.rt
	if rt.wild != nil {
		rt.jitter()
		m.mu.RLock()
		return
	}
	rt.point(rt.sited("rlock "+m.name, m.sites))
	if m.turn == nil {
		m.readers++
		return
	}
	// The writer's Unlock counts this reader in and wakes it.
	m.readerWaiters = append(m.readerWaiters, rt.waiter())
	rt.block(rwWait{m, "read"})
}

// TryRLock locks for reading if no writer holds or waits for the lock, and
// reports whether it did.
func (m *RWMutex) TryRLock() bool {
	rt := m.rt
	if rt.wild != nil {
		rt.jitter()
		return m.mu.TryRLock()
	}
	rt.point(rt.sited("tryrlock "+m.name, m.sites))
	if m.turn != nil {
		return false
	}
	m.readers++
	return true
}

// RUnlock undoes one RLock.
func (m *RWMutex) RUnlock() {
	rt := m.rt
	if rt.wild != nil {
		m.mu.RUnlock()
		return
	}
	if rt.aborted {
		return
	}
	if m.readers == 0 {
		rt.fatal(fmt.Sprintf("sync: RUnlock of unlocked RWMutex (task %s, rwmutex %s)", rt.cur.name, m.name))
	}
	m.readers--
	if m.readers == 0 {
		rt.wakeAll(&m.drainWaiters)
	}
}

// RLocker returns a Locker whose Lock and Unlock are RLock and RUnlock.
func (m *RWMutex) RLocker() sync.Locker { return rlocker{m} }

type rlocker struct{ m *RWMutex }

func (r rlocker) Lock()   { r.m.RLock() }
func (r rlocker) Unlock() { r.m.RUnlock() }

type rwWait struct {
	m    *RWMutex
	what string
}

func (w rwWait) describe() string {
	m := w.m
	switch w.what {
	case "read":
		return fmt.Sprintf("a read lock on rwmutex %s (writer %s first)", m.name, m.turn.name)
	case "drain":
		return fmt.Sprintf("rwmutex %s's %d reader(s) to leave", m.name, m.readers)
	}
	if m.writer != nil {
		return fmt.Sprintf("rwmutex %s (write-locked by %s)", m.name, m.writer.name)
	}
	return fmt.Sprintf("rwmutex %s (writer %s waits for readers)", m.name, m.turn.name)
}
