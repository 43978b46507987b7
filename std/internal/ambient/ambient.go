// Package ambient holds what the packages under std share to find, for a
// primitive or a channel of the program, the object of the running
// controlled run that stands for it.
package ambient

import (
	"unsafe"

	"github.com/interleave/interleave/sched"
)

// Every package under std imports this one: the tasks of every run then
// tag their goroutines, so that sched.Current finds them.
func init() { sched.UseCurrent() }

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

// Binding is what a run keeps for a Go channel: the controlled channel
// that stands for it, and the select arms of finished selects on it, for
// the next ones (a select allocates nothing for its receive cases).
type Binding[T any] struct {
	Ctl  *sched.Chan[T]
	recv []*sched.RecvArm[T]
	send []*sched.SendArm[T]
}

// RecvArm returns a receive arm for a select on the channel.
func (b *Binding[T]) RecvArm() *sched.RecvArm[T] {
	if n := len(b.recv); n > 0 {
		a := b.recv[n-1]
		b.recv = b.recv[:n-1]
		return a
	}
	return new(sched.RecvArm[T])
}

// SendArm returns a send arm for a select on the channel.
func (b *Binding[T]) SendArm() *sched.SendArm[T] {
	if n := len(b.send); n > 0 {
		a := b.send[n-1]
		b.send = b.send[:n-1]
		return a
	}
	return new(sched.SendArm[T])
}

// PutRecvArm and PutSendArm take back the arm of a select that is over.
func (b *Binding[T]) PutRecvArm(a *sched.RecvArm[T]) { b.recv = append(b.recv, a) }
func (b *Binding[T]) PutSendArm(a *sched.SendArm[T]) { b.send = append(b.send, a) }

// BindChan makes ctl the controlled counterpart of c in rt.
func BindChan[T any](rt *sched.Runtime, c chan T, ctl *sched.Chan[T]) {
	rt.Bind(ChanKey(unsafe.Pointer(&c)), &Binding[T]{Ctl: ctl})
	rt.OnStall(func() { close(c) })
}

// Lookup returns the binding in rt of the channel at p, or nil for the nil
// channel. A channel the run does not know fails the run: the scheduler
// cannot wait on it.
func Lookup[T any](rt *sched.Runtime, p unsafe.Pointer) *Binding[T] {
	k := ChanKey(p)
	if k == unsafe.Pointer(nil) {
		return nil
	}
	v := rt.Bound(k)
	if v == nil {
		rt.Failf("chans: a channel that was not made by chans.Make in this run is used under control (made with make, or outside the run?); the scheduler cannot wait on it")
	}
	return v.(*Binding[T])
}

// Chan returns the controlled counterpart in rt of the channel at p (nil
// for the nil channel); see Lookup.
func Chan[T any](rt *sched.Runtime, p unsafe.Pointer) *sched.Chan[T] {
	if b := Lookup[T](rt, p); b != nil {
		return b.Ctl
	}
	return nil
}
