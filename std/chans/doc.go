// Package chans is Go's channel statements as functions, so that a program
// can run its channels under interleave's control: make(chan T, n) is
// Make[T](n), ch <- v is Send(ch, v), <-ch is Recv(ch), v, ok := <-ch is
// RecvOK(ch), close(ch) is Close(ch), for v := range ch is for v := range
// Range(ch), a select statement is a switch on Select, and go f() is Go(f).
// The channels stay Go channels (chan T, <-chan T, chan<- T), so types,
// fields and signatures do not change.
//
// In a task of a controlled run (sched.Run, schedtest.Check) every one of
// these is the controlled operation of the sched package: a scheduling
// point, with Go's semantics and panics, on a channel that the run keeps
// for each channel Make made in it. Anywhere else, in a wild run (with
// jitter) and in production, each is the plain Go statement, Select
// excepted: it is a reflect.Select, some hundreds of nanoseconds dearer
// than a select statement (no import can turn cases built at run time into
// one). Built with the tag interleave_off the others are nothing but those
// statements.
//
// A select statement
//
//	select {
//	case s := <-in:
//		batch = append(batch, s)
//	case out <- x:
//		sent++
//	case <-ctx.Done():
//		return ctx.Err()
//	default:
//		idle()
//	}
//
// becomes a switch on the index of the case taken, with its bodies (and
// their return, break and continue) unchanged:
//
//	var s string
//	switch chans.Select(chans.OnRecv(in, &s), chans.OnSend(out, x), chans.OnRecv(ctx.Done(), nil), chans.Default()) {
//	case 0:
//		batch = append(batch, s)
//	case 1:
//		sent++
//	case 2:
//		return ctx.Err()
//	default:
//		idle()
//	}
//
// Under control, a channel must come from Make in the same run (the
// channels of std/time timers and std/context contexts do): a channel made
// with make, or outside the run, cannot be waited on by the scheduler, and
// using it fails the run with a message that says so. A plain channel
// statement on a channel Make made in a run blocks the task outside the
// scheduler's view: port every statement on such a channel.
package chans
