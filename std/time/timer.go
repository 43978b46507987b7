//go:build !interleave_off

package time

import (
	"time"

	"github.com/interleave/interleave/sched"
	"github.com/interleave/interleave/std/internal/ambient"
)

// Timer is a single event; see time.Timer. Under control it is a timer of
// the run's virtual clock and C a channel of the run.
type Timer struct {
	// C delivers the time at which the timer fired (nil for AfterFunc).
	C    <-chan Time
	real *time.Timer
	ctl  *sched.Timer
}

// timerChan makes the Go channel that stands for a controlled timer's
// channel in rt.
func timerChan(rt *sched.Runtime, ctl *sched.Chan[time.Time]) <-chan Time {
	c := make(chan Time)
	ambient.BindChan(rt, c, ctl)
	return c
}

// NewTimer returns a timer that sends the current time on its channel
// after at least d.
func NewTimer(d Duration) *Timer {
	if rt := controlled(); rt != nil {
		ctl := rt.NewTimer(d)
		return &Timer{C: timerChan(rt, ctl.C), ctl: ctl}
	}
	t := time.NewTimer(d)
	return &Timer{C: t.C, real: t}
}

// After waits for d to elapse and then sends the current time on the
// returned channel: NewTimer(d).C.
func After(d Duration) <-chan Time { return NewTimer(d).C }

// AfterFunc waits for d to elapse and then calls f in its own goroutine
// (under control, a task of its own). The Timer can stop the call.
func AfterFunc(d Duration, f func()) *Timer {
	if rt := controlled(); rt != nil {
		return &Timer{ctl: rt.AfterFunc(d, f)}
	}
	return &Timer{real: time.AfterFunc(d, f)}
}

// Stop prevents the timer from firing; it returns true if the call stops
// the timer, false if it had already expired or been stopped.
func (t *Timer) Stop() bool {
	switch {
	case t.ctl != nil:
		return t.ctl.Stop()
	case t.real != nil:
		return t.real.Stop()
	}
	panic("time: Stop called on uninitialized Timer")
}

// Reset changes the timer to expire after d; it returns what Stop would
// have.
func (t *Timer) Reset(d Duration) bool {
	switch {
	case t.ctl != nil:
		return t.ctl.Reset(d)
	case t.real != nil:
		return t.real.Reset(d)
	}
	panic("time: Reset called on uninitialized Timer")
}

// Ticker delivers ticks at intervals; see time.Ticker. Under control it
// ticks on the run's virtual clock, and a tick nobody receives is dropped.
type Ticker struct {
	// C delivers the ticks.
	C    <-chan Time
	real *time.Ticker
	ctl  *sched.Ticker
}

// NewTicker returns a ticker with period d; d must be positive.
func NewTicker(d Duration) *Ticker {
	if rt := controlled(); rt != nil {
		ctl := rt.NewTicker(d)
		return &Ticker{C: timerChan(rt, ctl.C), ctl: ctl}
	}
	t := time.NewTicker(d)
	return &Ticker{C: t.C, real: t}
}

// Tick is NewTicker(d).C, or nil if d <= 0.
func Tick(d Duration) <-chan Time {
	if d <= 0 {
		return nil
	}
	return NewTicker(d).C
}

// Stop turns off the ticker.
func (t *Ticker) Stop() {
	switch {
	case t.ctl != nil:
		t.ctl.Stop()
	case t.real != nil:
		t.real.Stop()
	}
}

// Reset stops the ticker and resets its period to d.
func (t *Ticker) Reset(d Duration) {
	switch {
	case t.ctl != nil:
		t.ctl.Reset(d)
	case t.real != nil:
		t.real.Reset(d)
	default:
		panic("time: Reset called on uninitialized Ticker")
	}
}
