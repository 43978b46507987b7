// Package context mirrors the standard library's context package, so that
// cancellation and deadlines run under interleave's control by changing an
// import line. Context is the standard library's interface, so contexts
// still pass to every API that takes one.
//
// In a task of a controlled run, WithCancel, WithCancelCause, WithTimeout,
// WithDeadline (and their Cause forms) and AfterFunc make contexts of the
// run: deadlines are on the run's virtual clock (a timeout of an hour
// passes as soon as every task is blocked), the deadline's cancel runs in a
// task of its own as Go's runs in a goroutine of its own, cancel and Err
// are scheduling points, and Done is a channel of the run, to receive from
// with chans.Recv or in chans.Select. Done is also closed for real when the
// context is cancelled, so a plain non-blocking check of it keeps working.
// A context from outside the run (context.Background, t.Context()) can be
// a parent; its cancellation is seen only if it happened before the child
// was made. Derive contexts inside the run with this package: one derived
// by the standard library's functions has a Done channel the scheduler
// cannot wait on.
//
// Anywhere else the functions are the standard library's. Built with the
// tag interleave_off every name is the standard library's.
package context
