// Package ambient holds what the packages under std share to find, for a
// primitive or a channel of the program, the object of the running
// controlled run that stands for it.
package ambient

import (
	"unsafe"

	"github.com/interleave/interleave/sched"
)

// Controlled returns the object of run rt bound to key (a primitive's
// address), made by mk and bound on first use.
func Controlled[T any](rt *sched.Runtime, key any, mk func(rt *sched.Runtime) *T) *T {
	if v := rt.Bound(key); v != nil {
		return v.(*T)
	}
	t := mk(rt)
	rt.Bind(key, t)
	return t
}

// ChanKey returns the key a run binds a Go channel's controlled
// counterpart to: the channel itself as a pointer, whatever its direction.
// p points to a variable of channel type.
func ChanKey(p unsafe.Pointer) any { return *(*unsafe.Pointer)(p) }

// BindChan makes ctl the controlled counterpart of c in rt.
func BindChan[T any](rt *sched.Runtime, c chan T, ctl *sched.Chan[T]) {
	rt.Bind(ChanKey(unsafe.Pointer(&c)), ctl)
	rt.OnStall(func() { close(c) })
}

// Chan returns the controlled counterpart in rt of the channel at p (nil
// for the nil channel). A channel the run does not know fails the run: the
// scheduler cannot wait on it.
func Chan[T any](rt *sched.Runtime, p unsafe.Pointer) *sched.Chan[T] {
	k := ChanKey(p)
	if k == unsafe.Pointer(nil) {
		return nil
	}
	v := rt.Bound(k)
	if v == nil {
		rt.Failf("chans: a channel that was not made by chans.Make in this run is used under control (made with make, or outside the run?); the scheduler cannot wait on it")
	}
	return v.(*sched.Chan[T])
}
