package sched

import (
	"fmt"
	"sync"
)

// Once performs an action exactly once, with the semantics of sync.Once:
// Do calls f the first time, later calls return at once, and a call made
// while f runs in another task waits for it to return (or panic). Do is a
// scheduling point. In wild mode it is a sync.Once.
type Once struct {
	rt      *Runtime
	id      ObjectID
	name    string
	sites   bool
	done    bool
	running *task
	waiters []waiter
	o       sync.Once // wild mode
}

// NewOnce returns a Once; an empty name gives "once#<id>" and labels with
// source lines (see NewMutex).
func NewOnce(rt *Runtime, name string) *Once {
	o := &Once{rt: rt, id: rt.newObject()}
	if name == "" && rt.wild == nil {
		name, o.sites = objectName("once", o.id), true
	}
	o.name = name
	return o
}

// ID returns the Once's object ID.
func (o *Once) ID() ObjectID { return o.id }

// Do calls f if and only if Do is being called for the first time. If f
// panics, Do considers it returned.
func (o *Once) Do(f func()) {
	rt := o.rt
	if rt.wild != nil {
		rt.jitter()
		o.o.Do(f)
		return
	}
	rt.point(rt.sited("once "+o.name, o.sites))
	for o.running != nil {
		// A Do inside f's own task blocks for good, as in Go; the
		// deadlock report names it.
		o.waiters = append(o.waiters, rt.waiter())
		rt.block(onceWait{o})
	}
	if o.done {
		return
	}
	o.running = rt.cur
	defer func() {
		o.done, o.running = true, nil
		rt.wakeAll(&o.waiters)
	}()
	f()
}

type onceWait struct{ o *Once }

func (w onceWait) describe() string {
	return fmt.Sprintf("once %s (its function runs in task %s)", w.o.name, w.o.running.name)
}
