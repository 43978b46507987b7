//go:build !interleave_off

package chans

import (
	"reflect"
	"unsafe"

	"github.com/interleave/interleave/sched"
	"github.com/interleave/interleave/std/internal/ambient"
)

// Case is one case of a Select: OnRecv, OnRecvOK, OnSend or Default. It is
// a value: a receive case allocates nothing.
type Case struct {
	ops caseOps        // what the element type needs; nil for Default
	ch  unsafe.Pointer // the channel, as a pointer
	v   unsafe.Pointer // a receive's *T, or a send's value (a *T to a copy)
	ok  *bool
}

// caseOps is implemented by zero-size types, one per element type and
// direction, so that a Case holds its type's operations without an
// allocation (a generic function value would be a closure).
type caseOps interface {
	// take gets a controlled arm for the case from the channel's binding
	// (returned too, nil for the nil channel).
	take(rt *sched.Runtime, ch, v unsafe.Pointer, ok *bool) (sched.Case, unsafe.Pointer)
	// put gives the arm back to the binding once the select is over.
	put(binding unsafe.Pointer, arm sched.Case)
	// real is the case outside a run; done stores what it received.
	real(ch, v unsafe.Pointer) reflect.SelectCase
	done(v unsafe.Pointer, ok *bool, rv reflect.Value, got bool)
}

type recvOps[T any] struct{}
type sendOps[T any] struct{}

// OnRecv is the case <-c, or v := <-c when v is not nil (the value is
// stored in *v when the case is taken).
func OnRecv[T any](c <-chan T, v *T) Case { return OnRecvOK(c, v, nil) }

// OnRecvOK is the case v, ok := <-c (either pointer may be nil).
func OnRecvOK[T any](c <-chan T, v *T, ok *bool) Case {
	return Case{ops: recvOps[T]{}, ch: *(*unsafe.Pointer)(unsafe.Pointer(&c)), v: unsafe.Pointer(v), ok: ok}
}

// OnSend is the case c <- v.
func OnSend[T any](c chan<- T, v T) Case {
	return Case{ops: sendOps[T]{}, ch: *(*unsafe.Pointer)(unsafe.Pointer(&c)), v: unsafe.Pointer(&v)}
}

// Default is the default case: Select takes it when no other case is
// ready.
func Default() Case { return Case{} }

func (recvOps[T]) take(rt *sched.Runtime, ch, v unsafe.Pointer, ok *bool) (sched.Case, unsafe.Pointer) {
	b := ambient.Lookup[T](rt, unsafe.Pointer(&ch))
	if b == nil { // the nil channel: never ready
		arm := new(sched.RecvArm[T])
		return arm.Set(nil, (*T)(v), ok), nil
	}
	return b.RecvArm().Set(b.Ctl, (*T)(v), ok), unsafe.Pointer(b)
}

func (recvOps[T]) put(b unsafe.Pointer, arm sched.Case) {
	if b != nil {
		(*ambient.Binding[T])(b).PutRecvArm(arm.(*sched.RecvArm[T]))
	}
}

func (recvOps[T]) real(ch, _ unsafe.Pointer) reflect.SelectCase {
	return reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(*(*<-chan T)(unsafe.Pointer(&ch)))}
}

func (recvOps[T]) done(v unsafe.Pointer, ok *bool, rv reflect.Value, got bool) {
	var t T
	if got {
		t = rv.Interface().(T)
	}
	if v != nil {
		*(*T)(v) = t
	}
	if ok != nil {
		*ok = got
	}
}

func (sendOps[T]) take(rt *sched.Runtime, ch, v unsafe.Pointer, _ *bool) (sched.Case, unsafe.Pointer) {
	b := ambient.Lookup[T](rt, unsafe.Pointer(&ch))
	if b == nil {
		arm := new(sched.SendArm[T])
		return arm.Set(nil, *(*T)(v)), nil
	}
	return b.SendArm().Set(b.Ctl, *(*T)(v)), unsafe.Pointer(b)
}

func (sendOps[T]) put(b unsafe.Pointer, arm sched.Case) {
	if b != nil {
		(*ambient.Binding[T])(b).PutSendArm(arm.(*sched.SendArm[T]))
	}
}

func (sendOps[T]) real(ch, v unsafe.Pointer) reflect.SelectCase {
	return reflect.SelectCase{Dir: reflect.SelectSend, Chan: reflect.ValueOf(*(*chan<- T)(unsafe.Pointer(&ch))), Send: reflect.ValueOf((*T)(v)).Elem()}
}

func (sendOps[T]) done(unsafe.Pointer, *bool, reflect.Value, bool) {}

// Select waits until one of its cases can proceed, performs it, and
// returns its index among the arguments: a select statement. When several
// are ready, one is taken at random (under control, the strategy chooses).
// Cases on a nil channel are never ready; a Select with no cases blocks
// forever. More than one Default panics.
func Select(cases ...Case) int {
	def := -1
	for i := range cases {
		if cases[i].ops == nil {
			if def >= 0 {
				panic("chans: Select with more than one Default")
			}
			def = i
		}
	}
	rt := sched.Current()
	if rt != nil && !rt.Wild() {
		var armBuf [8]sched.Case
		var takenBuf [8]unsafe.Pointer
		var indexBuf [8]int
		arms, taken, index := armBuf[:0], takenBuf[:0], indexBuf[:0]
		for i := range cases {
			if k := cases[i]; k.ops != nil {
				arm, p := k.ops.take(rt, k.ch, k.v, k.ok)
				arms, taken, index = append(arms, arm), append(taken, p), append(index, i)
			}
		}
		var i int
		if def >= 0 {
			i = rt.TrySelect(arms...)
		} else {
			i = rt.Select(arms...)
		}
		for n, j := range index {
			cases[j].ops.put(taken[n], arms[n])
		}
		if i < 0 {
			return def
		}
		return index[i]
	}
	if rt != nil {
		rt.Yield("select")
	}
	sc := make([]reflect.SelectCase, len(cases))
	for i, k := range cases {
		if k.ops == nil {
			sc[i] = reflect.SelectCase{Dir: reflect.SelectDefault}
		} else {
			sc[i] = k.ops.real(k.ch, k.v)
		}
	}
	i, v, ok := reflect.Select(sc)
	if i != def {
		cases[i].ops.done(cases[i].v, cases[i].ok, v, ok)
	}
	return i
}
