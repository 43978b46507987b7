//go:build interleave_off

package chans

import (
	"iter"
	"reflect"
)

// Built with the tag interleave_off, every function is the Go statement it
// stands for and nothing else.

// Make returns make(chan T, size).
func Make[T any](size int) chan T { return make(chan T, size) }

// Send is c <- v.
func Send[T any](c chan<- T, v T) { c <- v }

// Recv is <-c.
func Recv[T any](c <-chan T) T { return <-c }

// RecvOK is v, ok := <-c.
func RecvOK[T any](c <-chan T) (v T, ok bool) {
	v, ok = <-c
	return v, ok
}

// Close is close(c).
func Close[T any](c chan<- T) { close(c) }

// Len is len(c).
func Len[T any](c <-chan T) int { return len(c) }

// Cap is cap(c).
func Cap[T any](c <-chan T) int { return cap(c) }

// Range is for v := range c.
func Range[T any](c <-chan T) iter.Seq[T] {
	return func(yield func(T) bool) {
		for v := range c {
			if !yield(v) {
				return
			}
		}
	}
}

// Go is go f().
func Go(f func()) { go f() }

// Case is one case of a Select.
type Case struct {
	sc   reflect.SelectCase
	done func(v reflect.Value, ok bool)
}

// OnRecv is the case <-c, or v := <-c.
func OnRecv[T any](c <-chan T, v *T) Case { return OnRecvOK(c, v, nil) }

// OnRecvOK is the case v, ok := <-c.
func OnRecvOK[T any](c <-chan T, v *T, ok *bool) Case {
	return Case{sc: reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(c)}, done: func(x reflect.Value, k bool) {
		if v != nil {
			var t T
			if k {
				t = x.Interface().(T)
			}
			*v = t
		}
		if ok != nil {
			*ok = k
		}
	}}
}

// OnSend is the case c <- v.
func OnSend[T any](c chan<- T, v T) Case {
	return Case{sc: reflect.SelectCase{Dir: reflect.SelectSend, Chan: reflect.ValueOf(c), Send: reflect.ValueOf(&v).Elem()}}
}

// Default is the default case.
func Default() Case { return Case{sc: reflect.SelectCase{Dir: reflect.SelectDefault}} }

// Select is a select statement over cases (through reflect.Select).
func Select(cases ...Case) int {
	sc := make([]reflect.SelectCase, len(cases))
	def := -1
	for i, c := range cases {
		sc[i] = c.sc
		if c.sc.Dir == reflect.SelectDefault {
			if def >= 0 {
				panic("chans: Select with more than one Default")
			}
			def = i
		}
	}
	i, v, ok := reflect.Select(sc)
	if cases[i].done != nil {
		cases[i].done(v, ok)
	}
	return i
}
