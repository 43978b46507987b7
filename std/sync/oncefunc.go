//go:build !interleave_off

package sync

// OnceFunc returns a function that calls f only the first time it is
// called (under control: the first time in each run). If f panics, every
// call panics with the same value.
func OnceFunc(f func()) func() {
	var (
		once      Once
		completed bool
		failure   any
	)
	call := func() {
		defer func() {
			if !completed {
				failure = recover()
			}
		}()
		f()
		completed = true
	}
	return func() {
		once.Do(call)
		if !completed {
			panic(failure)
		}
	}
}

// OnceValue returns a function that calls f only once and returns its
// value; see OnceFunc.
func OnceValue[T any](f func() T) func() T {
	var v T
	g := OnceFunc(func() { v = f() })
	return func() T {
		g()
		return v
	}
}

// OnceValues returns a function that calls f only once and returns its
// values; see OnceFunc.
func OnceValues[T1, T2 any](f func() (T1, T2)) func() (T1, T2) {
	var (
		v1 T1
		v2 T2
	)
	g := OnceFunc(func() { v1, v2 = f() })
	return func() (T1, T2) {
		g()
		return v1, v2
	}
}
