//go:build !interleave_off

package chans

import (
	"reflect"
	"unsafe"

	"github.com/interleave/interleave/sched"
)

// Case is one case of a Select: OnRecv, OnRecvOK, OnSend or Default.
type Case struct {
	arm arm // nil for Default
}

type arm interface {
	controlled(rt *sched.Runtime) sched.Case
	real() reflect.SelectCase
	done(v reflect.Value, ok bool)
}

// OnRecv is the case <-c, or v := <-c when v is not nil (the value is
// stored in *v when the case is taken).
func OnRecv[T any](c <-chan T, v *T) Case { return Case{&recvArm[T]{c: c, v: v}} }

// OnRecvOK is the case v, ok := <-c (either pointer may be nil).
func OnRecvOK[T any](c <-chan T, v *T, ok *bool) Case {
	return Case{&recvArm[T]{c: c, v: v, ok: ok}}
}

// OnSend is the case c <- v.
func OnSend[T any](c chan<- T, v T) Case { return Case{&sendArm[T]{c: c, v: v}} }

// Default is the default case: Select takes it when no other case is
// ready.
func Default() Case { return Case{} }

// Select waits until one of its cases can proceed, performs it, and
// returns its index among the arguments: a select statement. When several
// are ready, one is taken at random (under control, the strategy chooses).
// Cases on a nil channel are never ready; a Select with no cases blocks
// forever. More than one Default panics.
func Select(cases ...Case) int {
	def := -1
	for i, c := range cases {
		if c.arm == nil {
			if def >= 0 {
				panic("chans: Select with more than one Default")
			}
			def = i
		}
	}
	rt := sched.Current()
	if rt != nil && !rt.Wild() {
		arms := make([]sched.Case, 0, len(cases))
		index := make([]int, 0, len(cases))
		for i, c := range cases {
			if c.arm != nil {
				arms = append(arms, c.arm.controlled(rt))
				index = append(index, i)
			}
		}
		var i int
		if def >= 0 {
			i = rt.TrySelect(arms...)
		} else {
			i = rt.Select(arms...)
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
	for i, c := range cases {
		if c.arm == nil {
			sc[i] = reflect.SelectCase{Dir: reflect.SelectDefault}
		} else {
			sc[i] = c.arm.real()
		}
	}
	i, v, ok := reflect.Select(sc)
	if i != def {
		cases[i].arm.done(v, ok)
	}
	return i
}

type recvArm[T any] struct {
	c  <-chan T
	v  *T
	ok *bool
}

func (a *recvArm[T]) store(v T, ok bool) {
	if a.v != nil {
		*a.v = v
	}
	if a.ok != nil {
		*a.ok = ok
	}
}

func (a *recvArm[T]) controlled(rt *sched.Runtime) sched.Case {
	return controlled[T](rt, unsafe.Pointer(&a.c)).RecvCase(a.store)
}

func (a *recvArm[T]) real() reflect.SelectCase {
	return reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(a.c)}
}

func (a *recvArm[T]) done(v reflect.Value, ok bool) {
	var t T
	if ok {
		t = v.Interface().(T)
	}
	a.store(t, ok)
}

type sendArm[T any] struct {
	c chan<- T
	v T
}

func (a *sendArm[T]) controlled(rt *sched.Runtime) sched.Case {
	return controlled[T](rt, unsafe.Pointer(&a.c)).SendCase(a.v, nil)
}

func (a *sendArm[T]) real() reflect.SelectCase {
	return reflect.SelectCase{Dir: reflect.SelectSend, Chan: reflect.ValueOf(a.c), Send: reflect.ValueOf(&a.v).Elem()}
}

func (a *sendArm[T]) done(reflect.Value, bool) {}
