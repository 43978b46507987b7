//go:build !interleave_off

package sync

import (
	"sync"
	"sync/atomic"

	"github.com/interleave/interleave/sched"
)

// Cond is a condition variable; see sync.Cond. Under control L must be a
// Locker of this package.
type Cond struct {
	noCopy noCopy
	// L is held while observing or changing the condition.
	L    Locker
	real atomic.Pointer[sync.Cond]
}

// NewCond returns a new Cond with Locker l.
func NewCond(l Locker) *Cond { return &Cond{L: l} }

func (c *Cond) controlled(rt *sched.Runtime) *sched.Cond {
	if v := rt.Bound(c); v != nil {
		return v.(*sched.Cond)
	}
	k := sched.NewCond(rt, "", c.L)
	rt.Bind(c, k)
	return k
}

func (c *Cond) std() *sync.Cond {
	if r := c.real.Load(); r != nil {
		return r
	}
	c.real.CompareAndSwap(nil, sync.NewCond(c.L))
	return c.real.Load()
}

// Wait atomically unlocks c.L and suspends the goroutine; it locks c.L
// again before returning. It never returns without a Signal or Broadcast.
func (c *Cond) Wait() {
	if rt := sched.Current(); rt != nil {
		if !rt.Wild() {
			c.controlled(rt).Wait()
			return
		}
		rt.Yield("wait")
	}
	c.std().Wait()
}

// Signal wakes one goroutine waiting on c, if there is any.
func (c *Cond) Signal() {
	if rt := sched.Current(); rt != nil {
		if !rt.Wild() {
			c.controlled(rt).Signal()
			return
		}
		rt.Yield("signal")
	}
	c.std().Signal()
}

// Broadcast wakes all goroutines waiting on c.
func (c *Cond) Broadcast() {
	if rt := sched.Current(); rt != nil {
		if !rt.Wild() {
			c.controlled(rt).Broadcast()
			return
		}
		rt.Yield("broadcast")
	}
	c.std().Broadcast()
}
