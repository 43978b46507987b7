// Package time mirrors the standard library's time package, so that a
// program's clock, sleeps, timers and tickers run on interleave's virtual
// clock by changing an import line. Everything that does not read or wait
// on the clock (Duration, Time, Month, Location, Parse, Date, the layouts
// and constants...) is the standard library's own, by alias or forwarding.
//
// In a task of a controlled run, Now, Since, Until, Sleep, After, Tick,
// NewTimer, NewTicker and AfterFunc use the run's virtual clock
// (sched.Runtime.Now), in the manner of testing/synctest: it starts at
// midnight UTC on 1 January 2000, advances only when every task is
// blocked, straight to the next timer, and costs nothing real, so a ticker
// loop of a thousand one-second ticks runs in well under a millisecond.
// Timer firings are ordinary scheduling events: the tasks they wake are
// runnable tasks like any other, for every strategy. Timer and ticker
// channels are channels of the run (receive from them with chans.Recv or
// in chans.Select), with Go 1.23's semantics: no stale tick after Stop or
// Reset. The clock stops when the run's main task returns.
//
// Anywhere else, in a wild run and in production, the functions are the
// standard library's. Built with the tag interleave_off every name is the
// standard library's.
package time
