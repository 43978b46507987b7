//go:build !interleave_off

package sync

import (
	"sync"

	"github.com/interleave/interleave/sched"
)

// A Locker represents an object that can be locked and unlocked.
type Locker = sync.Locker

// Mutex is a mutual exclusion lock; its zero value is unlocked. See
// sync.Mutex.
type Mutex struct {
	mu sync.Mutex
}

func newMutex(rt *sched.Runtime) *sched.Mutex { return sched.NewMutex(rt, "") }

// Lock locks m, blocking until it is available.
func (m *Mutex) Lock() {
	if rt := sched.Current(); rt != nil {
		if !rt.Wild() {
			controlled(rt, m, newMutex).Lock()
			return
		}
		rt.Yield("lock")
	}
	m.mu.Lock()
}

// TryLock locks m if it is free and reports whether it did.
func (m *Mutex) TryLock() bool {
	if rt := sched.Current(); rt != nil {
		if !rt.Wild() {
			return controlled(rt, m, newMutex).TryLock()
		}
		rt.Yield("trylock")
	}
	return m.mu.TryLock()
}

// Unlock unlocks m; unlocking an unlocked mutex is a fatal error.
func (m *Mutex) Unlock() {
	if rt := sched.Current(); rt != nil && !rt.Wild() {
		controlled(rt, m, newMutex).Unlock()
		return
	}
	m.mu.Unlock()
}

// RWMutex is a reader/writer mutual exclusion lock; its zero value is
// unlocked. See sync.RWMutex: a blocked Lock call keeps new readers out.
type RWMutex struct {
	mu sync.RWMutex
}

func newRWMutex(rt *sched.Runtime) *sched.RWMutex { return sched.NewRWMutex(rt, "") }

// Lock locks rw for writing.
func (rw *RWMutex) Lock() {
	if rt := sched.Current(); rt != nil {
		if !rt.Wild() {
			controlled(rt, rw, newRWMutex).Lock()
			return
		}
		rt.Yield("lock")
	}
	rw.mu.Lock()
}

// TryLock locks rw for writing if it can, and reports whether it did.
func (rw *RWMutex) TryLock() bool {
	if rt := sched.Current(); rt != nil {
		if !rt.Wild() {
			return controlled(rt, rw, newRWMutex).TryLock()
		}
		rt.Yield("trylock")
	}
	return rw.mu.TryLock()
}

// Unlock unlocks rw for writing.
func (rw *RWMutex) Unlock() {
	if rt := sched.Current(); rt != nil && !rt.Wild() {
		controlled(rt, rw, newRWMutex).Unlock()
		return
	}
	rw.mu.Unlock()
}

// RLock locks rw for reading.
func (rw *RWMutex) RLock() {
	if rt := sched.Current(); rt != nil {
		if !rt.Wild() {
			controlled(rt, rw, newRWMutex).RLock()
			return
		}
		rt.Yield("rlock")
	}
	rw.mu.RLock()
}

// TryRLock locks rw for reading if it can, and reports whether it did.
func (rw *RWMutex) TryRLock() bool {
	if rt := sched.Current(); rt != nil {
		if !rt.Wild() {
			return controlled(rt, rw, newRWMutex).TryRLock()
		}
		rt.Yield("tryrlock")
	}
	return rw.mu.TryRLock()
}

// RUnlock undoes a single RLock call.
func (rw *RWMutex) RUnlock() {
	if rt := sched.Current(); rt != nil && !rt.Wild() {
		controlled(rt, rw, newRWMutex).RUnlock()
		return
	}
	rw.mu.RUnlock()
}

// RLocker returns a Locker whose Lock and Unlock call rw.RLock and
// rw.RUnlock.
func (rw *RWMutex) RLocker() Locker { return rlocker{rw} }

type rlocker struct{ rw *RWMutex }

func (r rlocker) Lock()   { r.rw.RLock() }
func (r rlocker) Unlock() { r.rw.RUnlock() }
