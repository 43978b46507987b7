package sched

import (
	"fmt"
	"sync"
)

// WaitGroup waits for a collection of tasks to finish, with the semantics
// of sync.WaitGroup: Add with a positive delta and Wait are scheduling
// points, Done is not (it only makes the waiters runnable), a negative
// counter panics with "sync: negative WaitGroup counter", and a waiter that
// finds the counter raised again before it resumed panics with "sync:
// WaitGroup is reused before previous Wait has returned". In wild mode it
// is a sync.WaitGroup.
type WaitGroup struct {
	rt      *Runtime
	id      ObjectID
	name    string
	sites   bool
	n       int
	waiters []waiter
	wg      sync.WaitGroup // wild mode
}

// NewWaitGroup returns a WaitGroup with a zero counter; an empty name
// gives "waitgroup#<id>" and labels with source lines (see NewMutex).
func NewWaitGroup(rt *Runtime, name string) *WaitGroup {
	g := &WaitGroup{rt: rt, id: rt.newObject()}
	if name == "" && rt.wild == nil {
		name, g.sites = objectName("waitgroup", g.id), true
	}
	g.name = name
	return g
}

// ID returns the WaitGroup's object ID.
func (g *WaitGroup) ID() ObjectID { return g.id }

// Add adds delta, which may be negative, to the counter; at zero the
// waiters are released.
func (g *WaitGroup) Add(delta int) {
	rt := g.rt
	if rt.wild != nil {
		if delta > 0 {
			rt.jitter()
		}
		g.wg.Add(delta)
		return
	}
	if rt.aborted {
		return
	}
	if delta > 0 {
		rt.point(rt.sited(fmt.Sprintf("add %d to %s", delta, g.name), g.sites))
	}
	rt.touch(idKey(g.id), Write)
	g.n += delta
	if g.n < 0 {
		g.n = 0
		panic("sync: negative WaitGroup counter")
	}
	if g.n == 0 {
		rt.wakeAll(&g.waiters)
	}
}

// Done decrements the counter by one.
func (g *WaitGroup) Done() { g.Add(-1) }

// Wait blocks until the counter is zero.
func (g *WaitGroup) Wait() {
	rt := g.rt
	if rt.wild != nil {
		rt.jitter()
		g.wg.Wait()
		return
	}
	rt.point(rt.sited("wait "+g.name, g.sites))
	if g.n == 0 {
		rt.touch(idKey(g.id), await|Read)
		return
	}
	// A blocked Wait reads the counter (an Add before it would, reversed,
	// let it through); the one that returns after it could only come
	// after the Add that brought the counter to zero (see "Blocking
	// attempts" in access.go).
	rt.touch(idKey(g.id), Read)
	g.waiters = append(g.waiters, rt.waiter())
	rt.block(wgWait{g})
	rt.touch(idKey(g.id), await|Read)
	if g.n != 0 {
		panic("sync: WaitGroup is reused before previous Wait has returned")
	}
}

// Go adds one to the counter and runs f in a new task, named after the
// line that calls Go, which calls Done when f returns.
func (g *WaitGroup) Go(f func()) {
	g.Add(1)
	g.rt.Spawn(func() {
		defer g.Done()
		f()
	})
}

type wgWait struct{ g *WaitGroup }

func (w wgWait) describe() string {
	return fmt.Sprintf("waitgroup %s (counter %d)", w.g.name, w.g.n)
}
