package sched

import (
	"fmt"
	"sync"
)

// Cond is a condition variable with the semantics of sync.Cond: Wait
// atomically unlocks L and suspends the task, and relocks L before it
// returns; Signal wakes the task that has waited longest, Broadcast wakes
// them all, and neither needs L held. There are no spurious wake-ups, so a
// signal sent while no task waits is lost: the missed-signal bug of code
// that checks its condition outside the lock is a schedule away. Wait,
// Signal and Broadcast are scheduling points, and so is the relock. In wild
// mode it is a sync.Cond.
type Cond struct {
	rt    *Runtime
	id    ObjectID
	name  string
	sites bool
	// L is held while observing or changing the condition.
	L       sync.Locker
	waiters []waiter
	c       *sync.Cond // wild mode
}

// NewCond returns a condition variable with the locker l (a Mutex, or an
// RWMutex's RLocker); an empty name gives "cond#<id>" and labels with
// source lines (see NewMutex).
func NewCond(rt *Runtime, name string, l sync.Locker) *Cond {
	c := &Cond{rt: rt, id: rt.newObject(), L: l}
	if rt.wild != nil {
		c.c = sync.NewCond(l)
		return c
	}
	if name == "" {
		name, c.sites = objectName("cond", c.id), true
	}
	c.name = name
	return c
}

// ID returns the condition variable's object ID.
func (c *Cond) ID() ObjectID { return c.id }

// Wait unlocks L, waits for a Signal or Broadcast, and locks L again.
func (c *Cond) Wait() {
	rt := c.rt
	if rt.wild != nil {
		rt.jitter()
		c.c.Wait()
		return
	}
	rt.point(rt.sited("wait "+c.name, c.sites))
	c.waiters = append(c.waiters, rt.waiter())
	c.L.Unlock()
	rt.block(condWait{c})
	c.L.Lock()
}

// Signal wakes the task that has waited longest, if any.
func (c *Cond) Signal() {
	rt := c.rt
	if rt.wild != nil {
		rt.jitter()
		c.c.Signal()
		return
	}
	rt.point(rt.sited("signal "+c.name, c.sites))
	if len(c.waiters) > 0 {
		w := c.waiters[0]
		c.waiters = c.waiters[1:]
		rt.wake(w)
	}
}

// Broadcast wakes every waiting task.
func (c *Cond) Broadcast() {
	rt := c.rt
	if rt.wild != nil {
		rt.jitter()
		c.c.Broadcast()
		return
	}
	rt.point(rt.sited("broadcast "+c.name, c.sites))
	rt.wakeAll(&c.waiters)
}

type condWait struct{ c *Cond }

func (w condWait) describe() string {
	return fmt.Sprintf("a signal on cond %s (Signal or Broadcast)", w.c.name)
}
