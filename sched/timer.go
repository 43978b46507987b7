package sched

import (
	"sync"
	"time"
)

// Timer is a timer on the run's virtual clock, with the semantics of a Go
// timer since Go 1.23: its channel C receives the firing time once, Stop
// and Reset discard a tick not yet received (so no stale value is ever
// received after they return), and Len and Cap of C report 0. A timer made
// by AfterFunc has no channel and runs its function in a task of its own.
// Stop and Reset are not scheduling points: the clock cannot move while a
// task runs, so what they return does not depend on the interleaving.
//
// In wild mode a Timer runs on real time.
type Timer struct {
	rt *Runtime
	id ObjectID
	// C delivers the time at which the timer fired (nil for AfterFunc).
	C  *Chan[time.Time]
	f  func()
	vt *vtimer
	// wild mode
	mu   sync.Mutex
	real *time.Timer
	gen  uint64
}

// NewTimer returns a timer that sends the virtual time on its channel once
// d has elapsed.
func (rt *Runtime) NewTimer(d time.Duration) *Timer {
	return rt.newTimer("timer", d)
}

func (rt *Runtime) newTimer(kind string, d time.Duration) *Timer {
	t := &Timer{rt: rt, id: rt.newObject()}
	t.C = newChan[time.Time](rt, t.id, kind, "", 1)
	if rt.wild != nil {
		t.real = time.AfterFunc(d, t.wildFire(t.gen))
		return t
	}
	t.C.timer = true
	t.vt = &vtimer{label: "fire " + t.C.name, index: -1, fire: func() { t.C.offer(rt.Now()) }}
	rt.arm(t.vt, d)
	return t
}

// After returns the channel of a new timer: it receives the virtual time
// once d has elapsed.
func (rt *Runtime) After(d time.Duration) *Chan[time.Time] { return rt.NewTimer(d).C }

// AfterFunc returns a timer that, once d has elapsed, starts f in a task of
// its own (named "afterfunc#<id>").
func (rt *Runtime) AfterFunc(d time.Duration, f func()) *Timer {
	t := &Timer{rt: rt, id: rt.newObject(), f: f}
	if rt.wild != nil {
		t.real = time.AfterFunc(d, func() { rt.Go("afterfunc", f) })
		return t
	}
	name := objectName("afterfunc", t.id)
	t.vt = &vtimer{label: "fire " + name, index: -1, fire: func() { rt.newTask(name, rt.tagged(name, f)) }}
	rt.arm(t.vt, d)
	return t
}

// Stop prevents the timer from firing. It returns true if the call stops
// the timer, false if the timer had already fired (and its tick was
// received, or its function started) or been stopped.
func (t *Timer) Stop() bool {
	if t.rt.wild != nil {
		t.mu.Lock()
		defer t.mu.Unlock()
		t.gen++
		stopped := t.real.Stop()
		if t.C != nil && t.drainWild() {
			stopped = true
		}
		return stopped
	}
	stopped := t.rt.disarm(t.vt)
	if t.C != nil && t.C.drain() {
		stopped = true
	}
	return stopped
}

// Reset makes the timer fire d from now, discarding a tick not yet
// received. It returns what Stop would have.
func (t *Timer) Reset(d time.Duration) bool {
	if t.rt.wild != nil {
		t.mu.Lock()
		defer t.mu.Unlock()
		t.gen++
		active := t.real.Stop()
		if t.C != nil {
			if t.drainWild() {
				active = true
			}
			t.real = time.AfterFunc(d, t.wildFire(t.gen))
		} else {
			t.real.Reset(d)
		}
		return active
	}
	active := t.rt.disarm(t.vt)
	if t.C != nil && t.C.drain() {
		active = true
	}
	t.rt.arm(t.vt, d)
	return active
}

// wildFire sends the tick of generation gen, unless Stop or Reset came
// since.
func (t *Timer) wildFire(gen uint64) func() {
	return func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		if t.gen != gen {
			return
		}
		select {
		case t.C.ch <- time.Now():
		default:
		}
	}
}

func (t *Timer) drainWild() bool {
	select {
	case <-t.C.ch:
		return true
	default:
		return false
	}
}

// Ticker delivers the virtual time on its channel C every period. A tick
// that finds the previous one still unreceived is dropped, as Go's ticker
// drops ticks for slow receivers, and a ticker nobody receives from does
// not keep the clock moving. Stop and Reset are not scheduling points.
//
// In wild mode a Ticker runs on real time.
type Ticker struct {
	t      *Timer
	period time.Duration
	// C delivers the ticks.
	C *Chan[time.Time]
}

// NewTicker returns a ticker with the given period; it panics if period
// is not positive, as time.NewTicker does.
func (rt *Runtime) NewTicker(period time.Duration) *Ticker {
	if period <= 0 {
		panic("non-positive interval for NewTicker")
	}
	tk := &Ticker{period: period}
	if rt.wild != nil {
		tk.t = rt.newTimer("ticker", period)
		tk.C = tk.t.C
		tk.t.mu.Lock()
		tk.t.real.Stop()
		tk.t.real = time.AfterFunc(period, tk.wildTick(tk.t.gen))
		tk.t.mu.Unlock()
		return tk
	}
	tk.t = rt.newTimer("ticker", period)
	tk.C = tk.t.C
	vt := tk.t.vt
	vt.fire = func() {
		tk.C.offer(rt.Now())
		rt.arm(vt, tk.period)
	}
	vt.inert = func() bool { return !tk.C.sendReady() }
	return tk
}

func (tk *Ticker) wildTick(gen uint64) func() {
	return func() {
		t := tk.t
		t.mu.Lock()
		defer t.mu.Unlock()
		if t.gen != gen {
			return
		}
		select {
		case t.C.ch <- time.Now():
		default:
		}
		t.real = time.AfterFunc(tk.period, tk.wildTick(gen))
	}
}

// Stop turns the ticker off; no tick is received after it returns.
func (tk *Ticker) Stop() {
	if tk.t.rt.wild != nil {
		tk.t.Stop()
		return
	}
	tk.t.rt.disarm(tk.t.vt)
	tk.C.drain()
}

// Reset stops the ticker and restarts it with the new period; it panics
// if period is not positive, as time.Ticker.Reset does.
func (tk *Ticker) Reset(period time.Duration) {
	if period <= 0 {
		panic("non-positive interval for Ticker.Reset")
	}
	tk.period = period
	t := tk.t
	if t.rt.wild != nil {
		t.mu.Lock()
		defer t.mu.Unlock()
		t.gen++
		t.real.Stop()
		t.drainWild()
		t.real = time.AfterFunc(period, tk.wildTick(t.gen))
		return
	}
	t.rt.disarm(t.vt)
	tk.C.drain()
	t.rt.arm(t.vt, period)
}
