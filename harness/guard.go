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
//
// In a controlled run the guard takes no real lock: one task runs at a
// time, and a section never spans a scheduling point, so no two sections
// overlap. The memory of the sections is still ordered, for the race
// detector too: control passes from task to task by coroutine switches,
// each a release by the task that stops and an acquire by the one that
// goes on (iter.Pull annotates them), and a run's end reaches its caller
// the same way or by a channel. A wild run, and a guard outside any run,
// lock the mutex for real. (That saves an atomic pair at each of a
// schedule's sections, about a twentieth of its CPU time.)
type guard struct {
	sync.Mutex
	rt  *sched.Runtime
	obj any
	// controlled is set for a guard of a controlled run: it locks nothing.
	controlled bool
	// reduce is rt.Reducing(), which a run settles before it starts:
	// declarations are made only then, and the check at each section is
	// a field's load instead of a call.
	reduce bool
	// free is controlled && !reduce: a section then neither locks nor
	// declares, and the Lock methods, which test it first, inline to
	// that test (their other work is a call of lockSlow).
	free bool
}

// init names the guarded object: a *sched.Shared, or a value that names it
// the same way in every run.
func (g *guard) init(rt *sched.Runtime, obj any) {
	g.rt, g.obj = rt, obj
	g.controlled, g.reduce = rt != nil && !rt.Wild(), rt != nil && rt.Reducing()
	g.free = g.controlled && !g.reduce
}

// lockSlow locks the mutex unless the run is controlled, and declares an
// access of mode to obj under reduction: what the Lock methods do where
// the guard is not free.
func (g *guard) lockSlow(obj any, mode sched.AccessMode) {
	g.lock()
	if g.reduce {
		g.rt.Access(obj, mode)
	}
}

// lock locks the mutex, unless the guard's run is controlled.
func (g *guard) lock() {
	if !g.controlled {
		g.Mutex.Lock()
	}
}

// Unlock unlocks what Lock, LockRead, LockAs, LockParts, lockPart or
// lockChat locked.
func (g *guard) Unlock() {
	if !g.controlled {
		g.Mutex.Unlock()
	}
}

// Lock locks, and declares a write of the guarded object.
func (g *guard) Lock() {
	if !g.free {
		g.lockSlow(g.obj, sched.Write)
	}
}

// LockRead locks, and declares a read: the section only reads, or only
// does what commutes with itself (a lookup that creates an entry on first
// use).
func (g *guard) LockRead() {
	if !g.free {
		g.lockSlow(g.obj, sched.Read)
	}
}

// LockAs locks, and declares an access to another object than the guard's:
// a section that touches only part of the guarded state.
func (g *guard) LockAs(obj any, mode sched.AccessMode) {
	if !g.free {
		g.lockSlow(obj, mode)
	}
}

// LockParts locks, and declares nothing: the caller declares the parts of
// the guarded state the section touches with declarePart or declareChat.
func (g *guard) LockParts() { g.lock() }

// lockPart and lockChat are LockAs for the harness's named parts, and
// declarePart and declareChat declare an access of the current step to one
// (with the mutex held or not: a declaration is no scheduling point). They
// take the name by value and make the interface value Access takes only
// under partial-order reduction: an argument of type any is boxed by the
// caller, a heap allocation at every step of every run, searched or not (25
// a schedule of promote-while-requires-action for the chats alone).

// reducing reports whether the run records accesses (sched.Runtime.Reducing).
func (g *guard) reducing() bool { return g.reduce }

// lockPart is LockAs for a part of a named object.
func (g *guard) lockPart(p part, mode sched.AccessMode) {
	if !g.free {
		g.lockPartSlow(p, mode)
	}
}

// lockPartSlow is lockPart where the guard is not free: the part is made
// an interface value only here.
func (g *guard) lockPartSlow(p part, mode sched.AccessMode) {
	g.lock()
	if g.reducing() {
		g.rt.Access(p, mode)
	}
}

// declarePart declares an access to a part of a named object.
func (g *guard) declarePart(p part, mode sched.AccessMode) {
	if g.reducing() {
		g.rt.Access(p, mode)
	}
}

// lockChat is LockAs for one chat's part of the store (chatObj).
func (g *guard) lockChat(chatID int64, mode sched.AccessMode) {
	if !g.free {
		g.lockChatSlow(chatID, mode)
	}
}

// lockChatSlow is lockChat where the guard is not free.
func (g *guard) lockChatSlow(chatID int64, mode sched.AccessMode) {
	g.lock()
	if g.reducing() {
		g.rt.Access(chatObj(chatID), mode)
	}
}

// declareChat declares an access to one chat's part of the store (chatObj).
func (g *guard) declareChat(chatID int64, mode sched.AccessMode) {
	if g.reducing() {
		g.rt.Access(chatObj(chatID), mode)
	}
}

func (g *guard) access(mode sched.AccessMode) {
	if g.reduce {
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
