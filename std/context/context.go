//go:build !interleave_off

package context

import (
	"context"
	"time"

	"github.com/interleave/interleave/sched"
	"github.com/interleave/interleave/std/internal/ambient"
)

type (
	// Context is the standard library's context.Context.
	Context = context.Context
	// CancelFunc is context.CancelFunc.
	CancelFunc = context.CancelFunc
	// CancelCauseFunc is context.CancelCauseFunc.
	CancelCauseFunc = context.CancelCauseFunc
)

var (
	// Canceled is context.Canceled.
	Canceled = context.Canceled
	// DeadlineExceeded is context.DeadlineExceeded.
	DeadlineExceeded = context.DeadlineExceeded
)

// Background is context.Background.
func Background() Context { return context.Background() }

// TODO is context.TODO.
func TODO() Context { return context.TODO() }

// WithValue is context.WithValue.
func WithValue(parent Context, key, val any) Context { return context.WithValue(parent, key, val) }

// WithoutCancel is context.WithoutCancel.
func WithoutCancel(parent Context) Context { return context.WithoutCancel(parent) }

func controlled() *sched.Runtime {
	if rt := sched.Current(); rt != nil && !rt.Wild() {
		return rt
	}
	return nil
}

// WithCancel returns a copy of parent with a new Done channel, closed when
// the returned cancel function is called or parent's is closed.
func WithCancel(parent Context) (Context, CancelFunc) {
	if rt := controlled(); rt != nil {
		c := newCancelCtx(rt, parent)
		return c, func() { c.cancel(true, Canceled, nil) }
	}
	return context.WithCancel(parent)
}

// WithCancelCause is WithCancel with a cancel function that records a
// cause (see Cause).
func WithCancelCause(parent Context) (Context, CancelCauseFunc) {
	if rt := controlled(); rt != nil {
		c := newCancelCtx(rt, parent)
		return c, func(cause error) { c.cancel(true, Canceled, cause) }
	}
	return context.WithCancelCause(parent)
}

// WithDeadline returns a copy of parent cancelled with DeadlineExceeded at
// d (under control, on the run's virtual clock), if not cancelled before.
func WithDeadline(parent Context, d time.Time) (Context, CancelFunc) {
	return WithDeadlineCause(parent, d, nil)
}

// WithDeadlineCause is WithDeadline with a cause for the deadline.
func WithDeadlineCause(parent Context, d time.Time, cause error) (Context, CancelFunc) {
	rt := controlled()
	if rt == nil {
		return context.WithDeadlineCause(parent, d, cause)
	}
	if cur, ok := parent.Deadline(); ok && cur.Before(d) {
		return WithCancel(parent) // the parent's deadline comes first
	}
	c := newCancelCtx(rt, parent)
	c.deadline, c.hasDeadline = d, true
	if c.err == nil {
		if dur := d.Sub(rt.Now()); dur <= 0 {
			c.cancel(false, DeadlineExceeded, cause)
		} else {
			c.timer = rt.AfterFunc(dur, func() { c.cancelAtDeadline(cause) })
		}
	}
	return c, func() { c.cancel(true, Canceled, nil) }
}

// WithTimeout is WithDeadline(parent, Now().Add(timeout)), with the run's
// virtual Now under control.
func WithTimeout(parent Context, timeout time.Duration) (Context, CancelFunc) {
	return WithTimeoutCause(parent, timeout, nil)
}

// WithTimeoutCause is WithTimeout with a cause for the deadline.
func WithTimeoutCause(parent Context, timeout time.Duration, cause error) (Context, CancelFunc) {
	if rt := controlled(); rt != nil {
		return WithDeadlineCause(parent, rt.Now().Add(timeout), cause)
	}
	return context.WithTimeoutCause(parent, timeout, cause)
}

// Cause returns why c was cancelled: the cause given to its cancel
// function or deadline, else its Err; nil while it is not cancelled.
func Cause(c Context) error {
	if cc := ours(c); cc != nil && sched.Current() == cc.rt {
		cc.obj.Op("cause")
		return cc.cause
	}
	return context.Cause(c)
}

// AfterFunc arranges for f to run in its own goroutine (under control, a
// task of its own) once ctx is done; stop stops that if f has not started,
// and reports whether it did.
func AfterFunc(ctx Context, f func()) (stop func() bool) {
	if c := ours(ctx); c != nil && sched.Current() == c.rt {
		return c.AfterFunc(f)
	}
	return context.AfterFunc(ctx, f)
}

// cancelCtxKey is the key under which a cancelCtx returns itself, so that a
// context of the run is found below the standard library's value contexts.
var cancelCtxKey int

// cancelCtx is a cancellable context of a controlled run.
type cancelCtx struct {
	Context // the parent
	rt      *sched.Runtime
	obj     *sched.Atomic // the identity of cancel, Err and Cause
	done    chan struct{}
	ctl     *sched.Chan[struct{}]
	err     error
	cause   error

	deadline    time.Time
	hasDeadline bool
	timer       *sched.Timer

	children []*cancelCtx
	afters   []*afterFunc
}

type afterFunc struct {
	f                func()
	started, stopped bool
}

func newCancelCtx(rt *sched.Runtime, parent Context) *cancelCtx {
	if parent == nil {
		panic("cannot create context from nil parent")
	}
	c := &cancelCtx{Context: parent, rt: rt, obj: sched.NewAtomicKind(rt, "context")}
	c.done = make(chan struct{})
	c.ctl = sched.NewChan[struct{}](rt, "", 0)
	ambient.BindChan(rt, c.done, c.ctl)
	if p := ours(parent); p != nil && p.rt == rt {
		if p.err != nil {
			c.cancel(false, p.err, p.cause)
		} else {
			p.children = append(p.children, c)
		}
	} else if d := parent.Done(); d != nil {
		// A context from outside the run: only a cancellation that has
		// already happened can be seen.
		select {
		case <-d:
			c.cancel(false, parent.Err(), context.Cause(parent))
		default:
		}
	}
	return c
}

// ours returns the context of a run that ctx is or derives from through
// value contexts, or nil.
func ours(ctx Context) *cancelCtx {
	c, ok := ctx.Value(&cancelCtxKey).(*cancelCtx)
	if !ok || ctx.Done() != (<-chan struct{})(c.done) {
		return nil
	}
	return c
}

func (c *cancelCtx) Value(key any) any {
	if key == &cancelCtxKey {
		return c
	}
	return c.Context.Value(key)
}

func (c *cancelCtx) Deadline() (time.Time, bool) {
	if c.hasDeadline {
		return c.deadline, true
	}
	return c.Context.Deadline()
}

func (c *cancelCtx) Done() <-chan struct{} { return c.done }

func (c *cancelCtx) Err() error {
	if sched.Current() == c.rt {
		c.obj.Op("err")
	}
	return c.err
}

func (c *cancelCtx) String() string { return c.obj.Name() }

// cancelAtDeadline is the deadline's cancel, in the task of its timer.
func (c *cancelCtx) cancelAtDeadline(cause error) {
	c.obj.Op("deadline of")
	c.cancel(false, DeadlineExceeded, cause)
}

// cancel cancels c and its children: a scheduling point when point is set
// (a cancel function) and the caller is a task of the run.
func (c *cancelCtx) cancel(point bool, err, cause error) {
	inRun := sched.Current() == c.rt
	if point && inRun {
		c.obj.Op("cancel")
	}
	if c.err != nil {
		return
	}
	if cause == nil {
		cause = err
	}
	c.err, c.cause = err, cause
	if inRun {
		c.ctl.CloseNow()
	}
	close(c.done)
	if c.timer != nil {
		c.timer.Stop()
	}
	for _, child := range c.children {
		child.cancel(false, err, cause)
	}
	c.children = nil
	for _, a := range c.afters {
		if !a.stopped && inRun {
			a.started = true
			c.rt.Spawn(a.f)
		}
	}
	c.afters = nil
}

// AfterFunc lets the standard library's contexts derived from c (and this
// package's AfterFunc) run f when c is cancelled.
func (c *cancelCtx) AfterFunc(f func()) func() bool {
	a := &afterFunc{f: f}
	if c.err != nil {
		a.started = true
		c.rt.Spawn(f)
	} else {
		c.afters = append(c.afters, a)
	}
	return func() bool {
		if a.started || a.stopped {
			return false
		}
		a.stopped = true
		return true
	}
}
