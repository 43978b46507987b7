//go:build !interleave_off

package chans

import (
	"iter"
	"unsafe"

	"github.com/interleave/interleave/sched"
	"github.com/interleave/interleave/std/internal/ambient"
)

// controlled returns the controlled channel that stands for the channel
// at p in rt.
func controlled[T any](rt *sched.Runtime, p unsafe.Pointer) *sched.Chan[T] {
	return ambient.Chan[T](rt, p)
}

// Make returns a channel of capacity size (0: unbuffered), as
// make(chan T, size).
func Make[T any](size int) chan T {
	rt := sched.Current()
	if rt == nil || rt.Wild() {
		return make(chan T, size)
	}
	c := make(chan T) // its identity only: the values go through the run
	ambient.BindChan(rt, c, sched.NewChan[T](rt, "", size))
	return c
}

// Send sends v on c: c <- v.
func Send[T any](c chan<- T, v T) {
	if rt := sched.Current(); rt != nil {
		if !rt.Wild() {
			controlled[T](rt, unsafe.Pointer(&c)).Send(v)
			return
		}
		rt.Yield("send")
	}
	c <- v
}

// Recv receives from c: <-c.
func Recv[T any](c <-chan T) T {
	v, _ := RecvOK(c)
	return v
}

// RecvOK receives from c, with ok false once c is closed and drained:
// v, ok := <-c.
func RecvOK[T any](c <-chan T) (v T, ok bool) {
	if rt := sched.Current(); rt != nil {
		if !rt.Wild() {
			return controlled[T](rt, unsafe.Pointer(&c)).Recv()
		}
		rt.Yield("recv")
	}
	v, ok = <-c
	return v, ok
}

// Close closes c: close(c).
func Close[T any](c chan<- T) {
	if rt := sched.Current(); rt != nil {
		if !rt.Wild() {
			controlled[T](rt, unsafe.Pointer(&c)).Close()
			return
		}
		rt.Yield("close")
	}
	close(c)
}

// Len returns the number of values buffered in c: len(c).
func Len[T any](c <-chan T) int {
	if rt := sched.Current(); rt != nil && !rt.Wild() {
		return controlled[T](rt, unsafe.Pointer(&c)).Len()
	}
	return len(c)
}

// Cap returns the capacity of c: cap(c).
func Cap[T any](c <-chan T) int {
	if rt := sched.Current(); rt != nil && !rt.Wild() {
		return controlled[T](rt, unsafe.Pointer(&c)).Cap()
	}
	return cap(c)
}

// Range returns an iterator over the values received from c until it is
// closed and drained: for v := range Range(c) is for v := range c.
func Range[T any](c <-chan T) iter.Seq[T] {
	return func(yield func(T) bool) {
		for {
			v, ok := RecvOK(c)
			if !ok || !yield(v) {
				return
			}
		}
	}
}

// Go runs f in a new goroutine: go f(). Under control the goroutine is a
// task of the run, named after the line that calls Go.
func Go(f func()) {
	if rt := sched.Current(); rt != nil {
		rt.Spawn(f)
		return
	}
	go f()
}
