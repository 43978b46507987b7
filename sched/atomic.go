package sched

// Atomic stands for a value read and written atomically (a sync/atomic
// value) in a run: it gives the value an identity and makes each
// operation on it a scheduling point, so that a racy check-then-act on
// atomics (a Load, then a Store that depends on it) is explored without a
// Yield written by hand. The value itself lives wherever the program keeps
// it; std/sync/atomic keeps it in a real atomic, so the same memory
// operations run under control, in wild mode and in production.
type Atomic struct {
	rt    *Runtime
	id    ObjectID
	name  string
	sites bool
}

// NewAtomic returns the stand-in of an atomic value; an empty name gives
// "atomic#<id>" and labels with source lines (see NewMutex).
func NewAtomic(rt *Runtime, name string) *Atomic {
	a := &Atomic{rt: rt, id: rt.newObject()}
	if name == "" && rt.wild == nil {
		name, a.sites = objectName("atomic", a.id), true
	}
	a.name = name
	return a
}

// NewAtomicKind is NewAtomic without a name, named after kind instead of
// "atomic" ("context#3"): the identity of a shared object of another kind
// whose operations are scheduling points.
func NewAtomicKind(rt *Runtime, kind string) *Atomic {
	a := &Atomic{rt: rt, id: rt.newObject()}
	if rt.wild == nil {
		a.name, a.sites = objectName(kind, a.id), true
	}
	return a
}

// ID returns the value's object ID.
func (a *Atomic) ID() ObjectID { return a.id }

// Op is the scheduling point before operation op ("load", "store", "add",
// "swap", "cas", ...) on the value. In wild mode it is a jitter point.
func (a *Atomic) Op(op string) {
	rt := a.rt
	if rt.wild != nil {
		rt.jitter()
		return
	}
	rt.point(rt.sited(op+" "+a.name, a.sites))
}

// Name returns the value's name.
func (a *Atomic) Name() string { return a.name }
