package harness

import (
	"sync"

	"github.com/interleave/interleave/sched"
)

// guard is the mutex of state that tasks share outside the scheduler's
// primitives (a replica's cache, the store, the pubsub, a subscriber's or
// a client's state). Every critical section is, to partial-order reduction
// (the dpor search), an access to the object the guard stands for: Lock
// declares a write, LockRead a read (sched.Runtime.Access). Sections are
// never held across a scheduling point, so each falls within one step.
type guard struct {
	sync.Mutex
	rt  *sched.Runtime
	obj any
}

// init names the guarded object: a *sched.Shared, or a value that names it
// the same way in every run.
func (g *guard) init(rt *sched.Runtime, obj any) { g.rt, g.obj = rt, obj }

// Lock locks, and declares a write of the guarded object.
func (g *guard) Lock() {
	g.Mutex.Lock()
	g.access(sched.Write)
}

// LockRead locks, and declares a read: the section only reads, or only
// does what commutes with itself (a lookup that creates an entry on first
// use).
func (g *guard) LockRead() {
	g.Mutex.Lock()
	g.access(sched.Read)
}

// LockAs locks, and declares an access to another object than the guard's:
// a section that touches only part of the guarded state.
func (g *guard) LockAs(obj any, mode sched.AccessMode) {
	g.Mutex.Lock()
	if g.rt != nil {
		g.rt.Access(obj, mode)
	}
}

// LockParts locks, and declares nothing: the caller declares the parts of
// the guarded state the section touches with declare.
func (g *guard) LockParts() { g.Mutex.Lock() }

// declare declares an access to obj by the current step (with the mutex
// held or not: it is not a scheduling point).
func (g *guard) declare(obj any, mode sched.AccessMode) {
	if g.rt != nil {
		g.rt.Access(obj, mode)
	}
}

func (g *guard) access(mode sched.AccessMode) {
	if g.rt != nil {
		g.rt.Access(g.obj, mode)
	}
}

// shared returns a shared object of rt's run, or nil outside any run and
// in a run without partial-order reduction, where nothing reads it (the
// keys of the objects made after it are then never compared either).
func shared(rt *sched.Runtime, name string) *sched.Shared {
	if rt == nil || !rt.Reducing() {
		return nil
	}
	return sched.NewShared(rt, name)
}

// sharedSuffixed is shared(rt, name+suffix), with the name made only when
// the shared object is.
func sharedSuffixed(rt *sched.Runtime, name, suffix string) *sched.Shared {
	if rt == nil || !rt.Reducing() {
		return nil
	}
	return sched.NewShared(rt, name+suffix)
}

// streamKey names a replica's stream of a chat (its durable cache and local
// subscribers): a value, the same in every run, whichever task creates the
// stream first.
type streamKey struct {
	replica string
	chat    int64
}

// part names a part of a named object's state that steps touch apart from
// the rest (a subscriber's count of local events, a listener's queue, a
// chat's rows): a value, the same in every run. Two objects with the same
// name share their parts, which only adds dependencies.
type part struct {
	owner string
	what  string
}

// chatPart names a part of the store's state that belongs to one chat.
type chatPart struct {
	what string
	chat int64
}
