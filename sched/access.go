package sched

import (
	"fmt"
	"reflect"
)

// AccessMode says whether a step reads or writes a shared object: two steps
// of different tasks conflict when they touch the same object and at least
// one of them writes it.
type AccessMode uint8

const (
	// Read declares a read: reads of one object commute with each other.
	Read AccessMode = 1 << iota
	// Write declares a write (or a read and a write).
	Write
	// await declares that the step could not have run before the last
	// write of the object: it was enabled by it (a join by the end of the
	// task it joins, a receive by the send of the value it takes). The
	// step happens after that write, and the two are no race to reverse:
	// running the step first would only block. Internal to the
	// primitives, which know when it holds.
	await
)

// objKey names a shared object for partial-order reduction. The
// synchronisation objects of a run are named by their ObjectID; the other
// kinds live in ranges of their own. A key must name the same object in
// every run that made the same choices up to the object's creation, so that
// the accesses DPOR remembers from one run (its sleep sets) mean the same
// in the next: every key is either given at creation, in the run's creation
// order, or is a value declared by the program ([Runtime.Access]).
type objKey int64

const (
	keyTask  objKey = 1 << 40 // | TaskID: the task's end (Join)
	keyClock objKey = 2 << 40 // the virtual clock and its timers
	// keyAlloc is written by every step that creates an object or a task:
	// keys given in creation order are only comparable between runs while
	// the same objects have been created, so two steps that create are
	// dependent (see DPORStrategy).
	keyAlloc objKey = 3 << 40
	keyExtra objKey = 4 << 40 // | n: queues and Shared objects, in creation order
	keyValue objKey = 5 << 40 // | n: values given to Runtime.Access, interned
)

// Parts name other objects of the same primitive: a queue's head (what
// receives change; the key itself is its tail, what sends change) and its
// closing, a mutex's release (what Unlock changes; the key itself is its
// acquisition).
const (
	partHead    objKey = 1 << 39
	partClose   objKey = 1 << 38
	partRelease objKey = 1 << 39
)

func taskKey(id TaskID) objKey { return keyTask | objKey(id) }

func idKey(id ObjectID) objKey { return objKey(id) }

// touch records that the running step accesses k, when the run is under
// partial-order reduction; otherwise it is one test of a nil pointer.
func (rt *Runtime) touch(k objKey, m AccessMode) {
	if rt.por != nil {
		rt.por.access(k, m)
	}
}

// extraKey gives a key to an object with no ObjectID (a Queue, a Shared),
// in creation order. It leaves the object IDs, which name unnamed objects in
// traces, as they were.
func (rt *Runtime) extraKey() objKey {
	rt.extras++
	if rt.por != nil {
		rt.por.access(keyAlloc, Write)
	}
	return keyExtra | objKey(rt.extras)
}

// Access declares that the running task's current step (from its last
// scheduling point to its next) reads or writes obj, for partial-order
// reduction (the dpor search, [DPOR]). It is not a scheduling point, and
// under any other strategy, and in wild mode, it does nothing.
//
// obj is a [*Shared], a primitive of this package (anything with an
// ID() ObjectID method: Mutex, Chan, Atomic...), or a comparable value that
// does not contain pointers, such as a string or a struct of strings and
// integers ("cache of r1/chat 1"): the value itself is the object's
// identity, so it must be the same in every run. Pointers are refused
// (Access panics): the same object has a new address in every run.
//
// Soundness: DPOR treats two steps as independent, and explores only one of
// their orders, when the objects they declare (and those of the primitives
// they use) do not conflict. Plain memory is invisible to it. A program
// whose tasks share memory only through this package's primitives (a
// data-race-free program, in the Go memory model's sense) needs no
// declarations; memory shared otherwise (tasks that read and write a
// variable between Yields, as under a scheduler that runs one task at a
// time they may) must be declared with Access at every step that touches
// it, or the orders of those steps are not explored.
func (rt *Runtime) Access(obj any, mode AccessMode) {
	if rt.por == nil || mode == 0 {
		return
	}
	rt.por.access(rt.por.keyOf(obj), mode)
}

// Reducing reports whether the run is under partial-order reduction: only
// then do Access and a Shared's Read and Write record anything, so a
// program may skip making what only they would read.
func (rt *Runtime) Reducing() bool { return rt.por != nil }

// Shared is a shared object declared to the scheduler: memory that tasks
// share outside this package's primitives. Its Read and Write declare the
// current step's access (see Runtime.Access); Load and Store helpers are
// left to the program, which keeps the value where it likes.
type Shared struct {
	rt   *Runtime
	key  objKey
	name string
}

// NewShared returns a shared object named name (for the reader of the
// code: accesses are not traced).
func NewShared(rt *Runtime, name string) *Shared {
	s := &Shared{rt: rt, name: name}
	if rt.wild == nil {
		s.key = rt.extraKey()
	}
	return s
}

// Name returns the object's name.
func (s *Shared) Name() string { return s.name }

// Read declares that the current step reads the object.
func (s *Shared) Read() { s.rt.touch(s.key, Read) }

// Write declares that the current step writes the object.
func (s *Shared) Write() { s.rt.touch(s.key, Write) }

// keyOf returns the key of an object given to Runtime.Access.
func (s *DPORStrategy) keyOf(obj any) objKey {
	switch o := obj.(type) {
	case *Shared:
		return o.key
	case interface{ ID() ObjectID }:
		return idKey(o.ID())
	}
	t := reflect.TypeOf(obj)
	if t == nil || !t.Comparable() {
		panic(fmt.Sprintf("sched: Access(%T): the object must be a *sched.Shared, a primitive of package sched, or a comparable value", obj))
	}
	if k, ok := s.intern[obj]; ok {
		return k
	}
	if err := checkValueKey(t); err != nil {
		panic(fmt.Sprintf("sched: Access(%T): %v", obj, err))
	}
	if s.intern == nil {
		s.intern = map[any]objKey{}
	}
	k := keyValue | objKey(len(s.intern)+1)
	s.intern[obj] = k
	return k
}

// checkValueKey refuses the types whose values are not the same object from
// run to run: pointers and anything holding one, and what cannot be
// compared.
func checkValueKey(t reflect.Type) error {
	if t == nil {
		return fmt.Errorf("a nil object")
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.UnsafePointer, reflect.Chan, reflect.Func, reflect.Map, reflect.Slice, reflect.Interface:
		return fmt.Errorf("a %s is not the same object in every run: declare a *sched.Shared, or name the object with a value (a string)", t.Kind())
	case reflect.Array:
		return checkValueKey(t.Elem())
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			if err := checkValueKey(t.Field(i).Type); err != nil {
				return err
			}
		}
	}
	return nil
}

// Blocking attempts. A step that finds its primitive not ready (a lock
// held, a queue empty, a task not ended) and blocks changes nothing another
// task can see: it only waits. It declares a read of what could have made
// it succeed had it come first (a lock acquisition, a receive that took the
// last value), and nothing of what makes it ready later (an unlock, a
// send, a task's end): those only enable it, and running it after them is
// the step that succeeds, which declares [await] on them. Schedules that
// differ only in whether a task tried and blocked before the step that
// enabled it are one trace.
