// Package sync mirrors the standard library's sync package, so that a
// program can run under interleave's control by changing an import line:
// Mutex, RWMutex, WaitGroup (with Go), Cond, Once, OnceFunc, OnceValue,
// OnceValues, Map, Pool and Locker, with the same API, zero values and
// panics.
//
// In a task of a controlled run (sched.Run, schedtest.Check) each
// operation is the controlled one of the sched package, a scheduling point
// where the real one could let another goroutine run, bound to the run
// through the primitive's address (sched.Runtime.Bind): the primitive
// needs no per-run state, and a package-level variable used by several runs
// is a fresh primitive in each. Anywhere else it is the standard library's
// primitive: in a wild run with jitter at each operation, and in
// production at the cost of one pointer load (see sched.Current). Built
// with the tag interleave_off every type is an alias of the standard one.
//
// Differences under control, each for determinism: Pool never reuses a
// value (Get calls New); a Cond must use a Locker of this package (a
// sync.Mutex of the standard library would block the task outside the
// scheduler's view); unlocking a mutex that is not locked ends the run as
// the fatal error it is in Go.
package sync
