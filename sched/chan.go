package sched

import (
	"fmt"
	"iter"
	"reflect"
)

// Chan is a channel under control, with the semantics of a Go channel:
// unbuffered (capacity 0: a send completes when a receiver takes the value)
// or buffered, closable, receivable after close until drained. Send, Recv
// and Close are scheduling points, and Select takes its cases. Misuse
// panics as in Go: send on a closed channel, close of a closed channel.
// Receivers and senders are served in the order they blocked, as the Go
// runtime serves them.
//
// A nil *Chan is the nil channel: Send and Recv block forever (finding
// their run with Current, so in a program that calls UseCurrent, as the std
// packages do; elsewhere they panic, having no run to block in), a Select
// case on it is never ready, and Close panics.
//
// In wild mode a Chan is a Go channel.
type Chan[T any] struct {
	rt                               *Runtime
	id                               ObjectID
	name                             string
	sites                            bool
	sendLabel, recvLabel, closeLabel string
	buf                              []T // ring buffer of capacity cap
	head, n                          int
	closed                           bool
	// recvq and sendq hold the blocked receivers and senders, oldest
	// first. An entry of a select that another case has completed is
	// stale: it is skipped, and removed when its select resumes.
	recvq, sendq []*sudog[T]
	// spare is a sudog of a finished Send or Recv, for the next one.
	spare    *sudog[T]
	blockers [2]*chanWait[T]
	// timer makes Len and Cap report 0, as for the channel of a Go timer.
	timer bool
	ch    chan T // wild mode
}

// sudog is a task blocked on a channel, in a Send, a Recv or one case of a
// Select (named after the Go runtime's own).
type sudog[T any] struct {
	w   waiter
	sel *selecting // nil outside a select
	idx int        // the case, in a select
	v   T          // the value to send, or the value received
	ok  bool       // a receive got a value (not the close)
	// done is set when the operation completed: the value was handed
	// over, or (receive) the channel was closed. A sender woken without
	// done finds the channel closed.
	done bool
}

func (s *sudog[T]) live() bool { return s.sel == nil || s.sel.fired < 0 }

// complete marks the operation done (or, for a sender, failed by a close)
// and makes the task runnable.
func (s *sudog[T]) complete(rt *Runtime, done bool) {
	s.done = done
	if s.sel != nil {
		s.sel.fired = s.idx
	}
	rt.wake(s.w)
}

// NewChan returns a channel of the given capacity (0: unbuffered). name
// appears in traces and deadlock reports; an empty name gives "chan#<id>"
// and labels that carry the source line of each operation in traced runs.
func NewChan[T any](rt *Runtime, name string, capacity int) *Chan[T] {
	if capacity < 0 {
		panic("makechan: size out of range")
	}
	return newChan[T](rt, rt.newObject(), "chan", name, capacity)
}

func newChan[T any](rt *Runtime, id ObjectID, kind, name string, capacity int) *Chan[T] {
	c := &Chan[T]{rt: rt, id: id}
	if rt.wild != nil {
		c.ch = make(chan T, capacity)
		return c
	}
	if name == "" {
		name, c.sites = objectName(kind, id), true
	}
	c.name = name
	c.sendLabel, c.recvLabel, c.closeLabel = "send "+name, "recv "+name, "close "+name
	c.buf = make([]T, capacity)
	return c
}

// Name returns the channel's name.
func (c *Chan[T]) Name() string { return c.name }

// ID returns the channel's object ID.
func (c *Chan[T]) ID() ObjectID { return c.id }

// Len returns the number of values buffered.
func (c *Chan[T]) Len() int {
	switch {
	case c == nil || c.timer:
		return 0
	case c.ch != nil:
		return len(c.ch)
	}
	c.rt.touch(idKey(c.id), Read)
	return c.n
}

// Cap returns the channel's capacity.
func (c *Chan[T]) Cap() int {
	switch {
	case c == nil || c.timer:
		return 0
	case c.ch != nil:
		return cap(c.ch)
	}
	return len(c.buf)
}

func (c *Chan[T]) push(v T) {
	c.buf[(c.head+c.n)%len(c.buf)] = v
	c.n++
}

func (c *Chan[T]) pop() T {
	var zero T
	v := c.buf[c.head]
	c.buf[c.head] = zero
	c.head = (c.head + 1) % len(c.buf)
	c.n--
	return v
}

// first returns the oldest live entry of q, dropping stale ones before it.
func first[T any](q *[]*sudog[T]) *sudog[T] {
	for len(*q) > 0 {
		s := (*q)[0]
		if s.live() {
			return s
		}
		popFront(q)
	}
	return nil
}

func dequeue[T any](q *[]*sudog[T]) *sudog[T] {
	s := first(q)
	if s != nil {
		popFront(q)
	}
	return s
}

// popFront drops the first entry; a queue that empties keeps the start of
// its array, so that the next append does not allocate.
func popFront[T any](q *[]*sudog[T]) {
	(*q)[0] = nil
	if len(*q) == 1 {
		*q = (*q)[:0]
		return
	}
	*q = (*q)[1:]
}

func remove[T any](q *[]*sudog[T], s *sudog[T]) {
	for i, x := range *q {
		if x == s {
			*q = append((*q)[:i], (*q)[i+1:]...)
			return
		}
	}
}

// sendReady reports whether a send would complete (or panic) at once.
func (c *Chan[T]) sendReady() bool {
	return c.closed || first(&c.recvq) != nil || c.n < len(c.buf)
}

// recvReady reports whether a receive would complete at once.
func (c *Chan[T]) recvReady() bool {
	return c.n > 0 || first(&c.sendq) != nil || c.closed
}

// sendNow completes a ready send: to the oldest blocked receiver, or into
// the buffer. It panics on a closed channel.
func (c *Chan[T]) sendNow(v T) {
	if c.closed {
		panic(runtimeError("send on closed channel"))
	}
	if r := dequeue(&c.recvq); r != nil {
		r.v, r.ok = v, true
		r.complete(c.rt, true)
		return
	}
	c.push(v)
}

// recvNow completes a ready receive: from the buffer (refilled from the
// oldest blocked sender), from a blocked sender, or the close.
func (c *Chan[T]) recvNow() (v T, ok bool) {
	if c.n > 0 {
		v = c.pop()
		if s := dequeue(&c.sendq); s != nil {
			c.push(s.v)
			s.complete(c.rt, true)
		}
		return v, true
	}
	if s := dequeue(&c.sendq); s != nil {
		v = s.v
		s.complete(c.rt, true)
		return v, true
	}
	return v, false // closed
}

// offer sends v if that can be done at once, without being a scheduling
// point, and reports whether it did: how a firing timer delivers its tick.
func (c *Chan[T]) offer(v T) bool {
	c.rt.touch(idKey(c.id), Write)
	if c.closed || !c.sendReady() {
		return false
	}
	c.sendNow(v)
	return true
}

// drain empties the buffer without waking anyone (a timer's Stop or Reset)
// and reports whether there was a value.
func (c *Chan[T]) drain() bool {
	c.rt.touch(idKey(c.id), Write)
	had := c.n > 0
	for c.n > 0 {
		c.pop()
	}
	return had
}

// Send sends v, blocking until a receiver takes it (unbuffered) or there is
// room in the buffer. It panics if the channel is closed, or gets closed
// while Send waits.
func (c *Chan[T]) Send(v T) {
	if c == nil {
		nilChanRun("send on").blockForever("send on a nil channel")
		return
	}
	rt := c.rt
	if c.ch != nil {
		rt.jitter()
		c.ch <- v
		return
	}
	rt.point(rt.sited(c.sendLabel, c.sites))
	rt.touch(idKey(c.id), Write)
	if c.sendReady() {
		c.sendNow(v)
		return
	}
	s := c.sudog(rt.waiter())
	s.v = v
	c.sendq = append(c.sendq, s)
	rt.block(c.waits(true))
	rt.touch(idKey(c.id), Write)
	done := s.done
	c.release(s)
	if !done {
		panic(runtimeError("send on closed channel"))
	}
}

// sudog returns a sudog for a blocking Send or Recv, the spare one if
// there is one.
func (c *Chan[T]) sudog(w waiter) *sudog[T] {
	s := c.spare
	if s == nil {
		return &sudog[T]{w: w}
	}
	c.spare = nil
	s.w = w
	return s
}

// release keeps a sudog whose operation is over as the spare.
func (c *Chan[T]) release(s *sudog[T]) {
	*s = sudog[T]{}
	c.spare = s
}

// Recv receives a value, blocking until one is sent. ok is false when the
// channel is closed and drained (v is then the zero value).
func (c *Chan[T]) Recv() (v T, ok bool) {
	if c == nil {
		nilChanRun("receive from").blockForever("receive from a nil channel")
		return v, false
	}
	rt := c.rt
	if c.ch != nil {
		rt.jitter()
		v, ok = <-c.ch
		return v, ok
	}
	rt.point(rt.sited(c.recvLabel, c.sites))
	rt.touch(idKey(c.id), Write)
	if c.recvReady() {
		return c.recvNow()
	}
	s := c.sudog(rt.waiter())
	c.recvq = append(c.recvq, s)
	rt.block(c.waits(false))
	rt.touch(idKey(c.id), Write)
	v, ok = s.v, s.ok
	c.release(s)
	return v, ok
}

// Range returns an iterator over the values received until the channel is
// closed and drained: for v := range c.Range() is for v := range ch.
func (c *Chan[T]) Range() iter.Seq[T] {
	return func(yield func(T) bool) {
		for {
			v, ok := c.Recv()
			if !ok || !yield(v) {
				return
			}
		}
	}
}

// Close closes the channel: blocked receivers get the zero value and ok ==
// false, blocked senders panic, later receivers drain the buffer first.
// Closing a closed channel panics, as does closing the nil channel.
func (c *Chan[T]) Close() {
	if c == nil {
		panic(runtimeError("close of nil channel"))
	}
	rt := c.rt
	if c.ch != nil {
		rt.jitter()
		close(c.ch)
		return
	}
	if rt.aborted {
		return
	}
	rt.point(rt.sited(c.closeLabel, c.sites))
	c.closeNow()
}

// CloseNow is Close without its scheduling point: the close is part of
// the running task's current step. Use it when closing is one effect of a
// larger action that must not be split, such as a context's cancel, which
// closes the Done channel of the context and of its children at once.
func (c *Chan[T]) CloseNow() {
	if c.ch != nil {
		close(c.ch)
		return
	}
	c.closeNow()
}

// closeNow closes the channel within the current step.
func (c *Chan[T]) closeNow() {
	c.rt.touch(idKey(c.id), Write)
	if c.closed {
		panic(runtimeError("close of closed channel"))
	}
	c.closed = true
	for s := dequeue(&c.recvq); s != nil; s = dequeue(&c.recvq) {
		var zero T
		s.v, s.ok = zero, false
		s.complete(c.rt, true)
	}
	for s := dequeue(&c.sendq); s != nil; s = dequeue(&c.sendq) {
		s.complete(c.rt, false)
	}
}

type chanWait[T any] struct {
	c    *Chan[T]
	send bool
}

// waits returns what a blocked sender or receiver waits for, made once per
// channel (a blocker made at each wait would be an allocation per wait).
func (c *Chan[T]) waits(send bool) blocker {
	if c.blockers[0] == nil {
		c.blockers = [2]*chanWait[T]{{c, false}, {c, true}}
	}
	if send {
		return c.blockers[1]
	}
	return c.blockers[0]
}

func (w *chanWait[T]) describe() string {
	c := w.c
	switch {
	case w.send && len(c.buf) == 0:
		return fmt.Sprintf("a receiver on %s (unbuffered)", c.name)
	case w.send:
		return fmt.Sprintf("room in %s (full, %d/%d)", c.name, c.n, len(c.buf))
	}
	return fmt.Sprintf("a value on %s (empty)", c.name)
}

// RecvCase is a Select arm that receives from c and passes the value (and
// ok, false when c is closed) to f (f may be nil).
func (c *Chan[T]) RecvCase(f func(v T, ok bool)) Case { return &chanRecvCase[T]{c: c, f: f} }

// RecvInto is a Select arm that receives from c into *v and *ok (either
// may be nil).
func (c *Chan[T]) RecvInto(v *T, ok *bool) Case { return &chanRecvCase[T]{c: c, v: v, ok: ok} }

// RecvArm is a receive arm held by value, for code that builds Select
// cases in structures of its own without allocating (std/chans): Set it,
// and pass the Case it returns (the arm itself) to Select.
type RecvArm[T any] struct{ chanRecvCase[T] }

// Set makes the arm a receive from c into *v and *ok (either may be nil)
// and returns it as a Case.
func (a *RecvArm[T]) Set(c *Chan[T], v *T, ok *bool) Case {
	a.chanRecvCase = chanRecvCase[T]{c: c, v: v, ok: ok}
	return a
}

// SendArm is a send arm held by value; see RecvArm.
type SendArm[T any] struct{ chanSendCase[T] }

// Set makes the arm a send of v to c and returns it as a Case.
func (a *SendArm[T]) Set(c *Chan[T], v T) Case {
	a.chanSendCase = chanSendCase[T]{c: c, v: v}
	return a
}

// SendCase is a Select arm that sends v to c and then calls f (f may be
// nil). Selecting it on a closed channel panics.
func (c *Chan[T]) SendCase(v T, f func()) Case { return &chanSendCase[T]{c: c, v: v, f: f} }

type chanRecvCase[T any] struct {
	c  *Chan[T]
	f  func(T, bool)
	v  *T    // or the value goes here,
	ok *bool // and ok here
	s  sudog[T]
}

func (k *chanRecvCase[T]) deliver(v T, ok bool) {
	if k.f != nil {
		k.f(v, ok)
	}
	if k.v != nil {
		*k.v = v
	}
	if k.ok != nil {
		*k.ok = ok
	}
}

func (k *chanRecvCase[T]) ready() bool { return k.c != nil && k.c.recvReady() }

// touchBlocked is touch: a blocked case is in the channel's wait queue,
// where the other side completes it.
func (k *chanRecvCase[T]) touchBlocked(rt *Runtime) { k.touch(rt) }

func (k *chanRecvCase[T]) touch(rt *Runtime) {
	if k.c != nil {
		rt.touch(idKey(k.c.id), Write)
	}
}
func (k *chanRecvCase[T]) commit() { k.deliver(k.c.recvNow()) }
func (k *chanRecvCase[T]) register(sel *selecting, idx int, w waiter) {
	if k.c == nil {
		return
	}
	k.s = sudog[T]{w: w, sel: sel, idx: idx}
	k.c.recvq = append(k.c.recvq, &k.s)
}
func (k *chanRecvCase[T]) unregister() {
	if k.s.sel != nil {
		remove(&k.c.recvq, &k.s)
	}
}
func (k *chanRecvCase[T]) finish()      { k.deliver(k.s.v, k.s.ok) }
func (k *chanRecvCase[T]) what() string { return "recv " + chanName(k.c) }
func (k *chanRecvCase[T]) sited() bool  { return k.c != nil && k.c.sites }
func (k *chanRecvCase[T]) selectCase() reflect.SelectCase {
	sc := reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf((chan T)(nil))}
	if k.c != nil {
		sc.Chan = reflect.ValueOf(k.c.ch)
	}
	return sc
}
func (k *chanRecvCase[T]) wildDone(v reflect.Value, ok bool) {
	var t T
	if ok {
		t = v.Interface().(T)
	}
	k.deliver(t, ok)
}

type chanSendCase[T any] struct {
	c *Chan[T]
	v T
	f func()
	s sudog[T]
}

func (k *chanSendCase[T]) ready() bool { return k.c != nil && k.c.sendReady() }

// touchBlocked is touch: a blocked case is in the channel's wait queue,
// where the other side completes it.
func (k *chanSendCase[T]) touchBlocked(rt *Runtime) { k.touch(rt) }

func (k *chanSendCase[T]) touch(rt *Runtime) {
	if k.c != nil {
		rt.touch(idKey(k.c.id), Write)
	}
}
func (k *chanSendCase[T]) commit() {
	k.c.sendNow(k.v)
	if k.f != nil {
		k.f()
	}
}
func (k *chanSendCase[T]) register(sel *selecting, idx int, w waiter) {
	if k.c == nil {
		return
	}
	k.s = sudog[T]{w: w, sel: sel, idx: idx, v: k.v}
	k.c.sendq = append(k.c.sendq, &k.s)
}
func (k *chanSendCase[T]) unregister() {
	if k.s.sel != nil {
		remove(&k.c.sendq, &k.s)
	}
}
func (k *chanSendCase[T]) finish() {
	if !k.s.done {
		panic(runtimeError("send on closed channel"))
	}
	if k.f != nil {
		k.f()
	}
}
func (k *chanSendCase[T]) what() string { return "send " + chanName(k.c) }
func (k *chanSendCase[T]) sited() bool  { return k.c != nil && k.c.sites }
func (k *chanSendCase[T]) selectCase() reflect.SelectCase {
	sc := reflect.SelectCase{Dir: reflect.SelectSend, Chan: reflect.ValueOf((chan T)(nil)), Send: reflect.ValueOf(&k.v).Elem()}
	if k.c != nil {
		sc.Chan = reflect.ValueOf(k.c.ch)
	}
	return sc
}
func (k *chanSendCase[T]) wildDone(reflect.Value, bool) {
	if k.f != nil {
		k.f()
	}
}

func chanName[T any](c *Chan[T]) string {
	if c == nil {
		return "nil chan"
	}
	return c.name
}

// runtimeError is a panic value with the text and the type of the Go
// runtime's own (it implements runtime.Error).
type runtimeError string

func (e runtimeError) Error() string { return string(e) }
func (runtimeError) RuntimeError()   {}

// wake makes one waiter runnable if it is still in the wait it registered
// for: wakeAll for one waiter, without a slice to allocate.
func (rt *Runtime) wake(w waiter) {
	if w.t.state == blocked && w.t.epoch == w.epoch {
		rt.setState(w.t, runnable)
		w.t.blockedOn = nil
	}
}

// nilChanRun is the run of a task that operates on a nil *Chan.
func nilChanRun(op string) *Runtime {
	if rt := Current(); rt != nil {
		return rt
	}
	if !currentUsed.Load() {
		panic("sched: " + op + " a nil *Chan, which blocks forever: the operation finds its run with Current, which needs UseCurrent (the std packages call it)")
	}
	return nil // outside any run: block the goroutine, as Go does
}

// blockForever blocks the running task for good: an operation on a nil
// channel, or a select with no cases. Outside a run it blocks the goroutine,
// as Go does.
func (rt *Runtime) blockForever(what string) {
	if rt == nil || rt.wild != nil {
		select {}
	}
	rt.point(what)
	rt.block(foreverWait(what))
	panic("interleave engine bug: a task blocked forever was woken")
}

type foreverWait string

func (w foreverWait) describe() string { return string(w) + " (blocks forever)" }
