//go:build !interleave_off

package sync

import (
	"sync"

	"github.com/interleave/interleave/sched"
)

// Pool is a set of temporary objects; see sync.Pool. Under control Get
// never returns a pooled object (it calls New), because which object a
// real pool hands out depends on the processor a goroutine runs on: the
// run would not be a function of its schedule.
type Pool struct {
	noCopy noCopy
	p      sync.Pool
	// New, when set, makes a value for Get when the pool has none.
	New func() any
}

// Get returns an object from the pool, or New's result.
func (p *Pool) Get() any {
	if rt := sched.Current(); rt == nil || rt.Wild() {
		if x := p.p.Get(); x != nil {
			return x
		}
	}
	if p.New != nil {
		return p.New()
	}
	return nil
}

// Put adds x to the pool (under control, drops it).
func (p *Pool) Put(x any) {
	if rt := sched.Current(); rt == nil || rt.Wild() {
		p.p.Put(x)
	}
}
