package sched

import (
	"fmt"
	"reflect"
)

// Queue is a bounded FIFO queue with close, the controlled counterpart of a
// buffered channel: Send blocks while it is full, Recv while it is empty and
// open, Send on a closed queue panics, Recv on a closed and drained queue
// returns ok == false. Send, Recv and Close are scheduling points. In wild
// mode a Queue is a buffered channel.
type Queue[T any] struct {
	rt                   *Runtime
	key                  objKey
	name                 string
	sendLabel, recvLabel string
	closeLabel           string
	// buf is a ring buffer that grows on demand up to capacity, so that a
	// queue with a generous bound costs what it holds, not its bound.
	buf                      []T
	head, n, capacity        int
	closed                   bool
	recvWaiters, sendWaiters []waiter
	ch                       chan T // wild mode
}

// NewQueue returns an empty queue holding at most capacity values;
// capacity must be at least 1.
func NewQueue[T any](rt *Runtime, name string, capacity int) *Queue[T] {
	if capacity < 1 {
		panic(fmt.Sprintf("sched: NewQueue(%q, %d): capacity must be at least 1", name, capacity))
	}
	// The three labels share one allocation.
	labels := "send " + name + "recv " + name + "close " + name
	n := len(name)
	q := &Queue[T]{rt: rt, name: name, capacity: capacity,
		sendLabel: labels[:5+n], recvLabel: labels[5+n : 10+2*n], closeLabel: labels[10+2*n:]}
	if rt.wild != nil {
		q.ch = make(chan T, capacity)
	} else {
		q.key = rt.extraKey()
	}
	return q
}

// Renew returns a new empty queue of rt's run, as NewQueue(rt, name,
// capacity) does, made in q's memory: its buffer's and its labels' (when
// the name is the same). q may be nil (NewQueue then makes one). It is
// for a program that runs many runs one after another and keeps its
// objects from one to the next: q must belong to a run that is over, and
// nothing may use it as the queue it was.
func (q *Queue[T]) Renew(rt *Runtime, name string, capacity int) *Queue[T] {
	if q == nil || rt.wild != nil || q.ch != nil {
		return NewQueue[T](rt, name, capacity)
	}
	if capacity < 1 {
		panic(fmt.Sprintf("sched: NewQueue(%q, %d): capacity must be at least 1", name, capacity))
	}
	// Field by field, storing only what changes: the composite literal
	// and its copy cost twice as much. Every field is set here but ch,
	// which is nil (checked above); a new field must be too.
	if len(q.buf) > capacity {
		q.buf = nil
	} else if q.n > 0 {
		// Only the values still queued: pop zeroes the slot it takes and
		// grow starts from a new buffer, so every other slot is zero.
		buf := q.buf
		if end := q.head + q.n; end <= len(buf) {
			clear(buf[q.head:end])
		} else {
			clear(buf[q.head:])
			clear(buf[:end-len(buf)])
		}
	}
	clearWaiters(q.recvWaiters)
	clearWaiters(q.sendWaiters)
	q.recvWaiters, q.sendWaiters = q.recvWaiters[:0], q.sendWaiters[:0]
	if q.name != name || q.sendLabel == "" {
		labels := "send " + name + "recv " + name + "close " + name
		n := len(name)
		q.name = name
		q.sendLabel, q.recvLabel, q.closeLabel = labels[:5+n], labels[5+n:10+2*n], labels[10+2*n:]
	}
	q.rt, q.capacity = rt, capacity
	q.head, q.n, q.closed = 0, 0, false
	q.key = rt.extraKey()
	return q
}

// Name returns the queue's name.
func (q *Queue[T]) Name() string { return q.name }

// Len returns the number of values in the queue.
func (q *Queue[T]) Len() int {
	if q.ch != nil {
		return len(q.ch)
	}
	q.rt.touch(q.key, Read)
	q.rt.touch(q.key|partHead, Read)
	return q.n
}

// Cap returns the queue's capacity.
func (q *Queue[T]) Cap() int {
	if q.ch != nil {
		return cap(q.ch)
	}
	return q.capacity
}

func (q *Queue[T]) push(v T) {
	if q.n == len(q.buf) {
		q.grow()
	}
	q.buf[(q.head+q.n)%len(q.buf)] = v
	q.n++
	q.rt.wakeAll(&q.recvWaiters)
}

// grow makes room for one more value; the caller has checked that the
// queue is below its capacity.
func (q *Queue[T]) grow() {
	buf := make([]T, min(max(2*len(q.buf), 4), q.capacity))
	for i := 0; i < q.n; i++ {
		buf[i] = q.buf[(q.head+i)%len(q.buf)]
	}
	q.buf, q.head = buf, 0
}

func (q *Queue[T]) pop() T {
	var zero T
	v := q.buf[q.head]
	q.buf[q.head] = zero
	q.head = (q.head + 1) % len(q.buf)
	q.n--
	q.rt.wakeAll(&q.sendWaiters)
	return v
}

// Send adds v to the queue, blocking while it is full.
func (q *Queue[T]) Send(v T) {
	rt := q.rt
	if q.ch != nil {
		rt.jitter()
		q.ch <- v
		return
	}
	rt.point(q.sendLabel)
	// A send and a receive commute when both can run (see access.go):
	// sends change the tail, receives the head. A blocked send reads the
	// tail, which the sends that filled the queue wrote.
	for !q.closed && q.n == q.capacity {
		rt.touch(q.key, Read)
		rt.touch(q.key|partClose, Read)
		q.sendWaiters = append(q.sendWaiters, rt.waiter())
		rt.block(sendWait[T]{q})
	}
	rt.touch(q.key, Write)
	rt.touch(q.key|partClose, Read)
	if q.closed {
		panic(fmt.Sprintf("sched: send on closed queue %s", q.name))
	}
	q.push(v)
}

// TrySend adds v if the queue has room and reports whether it did; it never
// blocks. It is a scheduling point, then an Offer.
func (q *Queue[T]) TrySend(v T) bool {
	if q.ch != nil {
		q.rt.jitter()
	} else {
		q.rt.point(q.sendLabel)
	}
	return q.Offer(v)
}

// Offer adds v if the queue has room and reports whether it did, without
// being a scheduling point: the offer is part of the caller's current atomic
// step. Use it when enqueuing is one effect of a larger action that must
// not be split, such as a commit that queues a notify for every listener.
func (q *Queue[T]) Offer(v T) bool {
	if q.ch != nil {
		select {
		case q.ch <- v:
			return true
		default:
			return false
		}
	}
	// A failed offer reads the tail; whether it fits depends on the
	// receives too: a receive before it would let a failed offer in, or
	// keep a successful one out of a queue that was full.
	mode := Write
	if q.n == q.capacity {
		mode = Read
	}
	q.rt.touch(q.key, mode)
	q.rt.touch(q.key|partClose, Read)
	if q.n >= q.capacity-1 {
		q.rt.touch(q.key|partHead, Read)
	}
	if q.closed {
		panic(fmt.Sprintf("sched: send on closed queue %s", q.name))
	}
	if q.n == q.capacity {
		return false
	}
	q.push(v)
	return true
}

// Recv takes the oldest value, blocking while the queue is empty and open.
// ok is false once the queue is closed and drained.
func (q *Queue[T]) Recv() (v T, ok bool) {
	rt := q.rt
	if q.ch != nil {
		rt.jitter()
		v, ok = <-q.ch
		return v, ok
	}
	rt.point(q.recvLabel)
	// A blocked receive reads the head, which the receives that emptied
	// the queue wrote; the send that wakes it only enables it.
	for !q.closed && q.n == 0 {
		rt.touch(q.key|partHead, Read)
		q.recvWaiters = append(q.recvWaiters, rt.waiter())
		rt.block(recvWait[T]{q})
	}
	if q.n == 0 {
		// Closed and drained: this could only come after the close.
		rt.touch(q.key|partClose, await)
		rt.touch(q.key|partHead, Read)
		return v, false
	}
	if q.n == 1 {
		// The value is the last one sent: this receive could only
		// come after that send, the last write of the tail.
		rt.touch(q.key, await)
	}
	rt.touch(q.key|partHead, Write)
	return q.pop(), true
}

// Close closes the queue: receivers drain what is left, then get ok ==
// false. Closing twice panics.
func (q *Queue[T]) Close() {
	rt := q.rt
	if q.ch != nil {
		close(q.ch)
		return
	}
	if rt.aborted {
		return
	}
	rt.point(q.closeLabel)
	rt.touch(q.key|partClose, Write)
	if q.closed {
		panic(fmt.Sprintf("sched: close of closed queue %s", q.name))
	}
	q.closed = true
	rt.wakeAll(&q.recvWaiters)
	rt.wakeAll(&q.sendWaiters)
}

type sendWait[T any] struct{ q *Queue[T] }

func (w sendWait[T]) describe() string {
	return fmt.Sprintf("room in queue %s (full, %d/%d)", w.q.name, w.q.n, w.q.capacity)
}

type recvWait[T any] struct{ q *Queue[T] }

func (w recvWait[T]) describe() string { return fmt.Sprintf("a value in queue %s (empty)", w.q.name) }

// RecvCase is a Select arm that receives from q and passes the value to f.
func (q *Queue[T]) RecvCase(f func(v T, ok bool)) Case { return &recvCase[T]{q: q, f: f} }

// SendCase is a Select arm that sends v to q and then calls f (f may be nil).
func (q *Queue[T]) SendCase(v T, f func()) Case { return &sendCase[T]{q: q, v: v, f: f} }

type recvCase[T any] struct {
	q *Queue[T]
	f func(T, bool)
}

func (c *recvCase[T]) ready() bool { return c.q.n > 0 || c.q.closed }

// touch declares what the case reads to tell whether it is ready: the
// whole queue. The case that fires writes its part in commit: a receive
// the head, a send the tail (only sends write the tail: a receive's await,
// in Recv, finds the send it waited for).
func (c *recvCase[T]) touch(rt *Runtime) { c.q.touchRead(rt) }

// touchBlocked is a blocked receive's read (as in Recv): the head, which
// the receives that emptied the queue wrote. A send or the close only
// wakes the select.
func (c *recvCase[T]) touchBlocked(rt *Runtime) { rt.touch(c.q.key|partHead, Read) }

func (q *Queue[T]) touchRead(rt *Runtime) {
	rt.touch(q.key, Read)
	rt.touch(q.key|partHead, Read)
	rt.touch(q.key|partClose, Read)
}

func (c *recvCase[T]) commit() {
	c.q.rt.touch(c.q.key|partHead, Write)
	var v T
	ok := c.q.n > 0
	if ok {
		v = c.q.pop()
	}
	if c.f != nil {
		c.f(v, ok)
	}
}
func (c *recvCase[T]) register(_ *selecting, _ int, w waiter) {
	c.q.recvWaiters = append(c.q.recvWaiters, w)
}
func (c *recvCase[T]) unregister() {}
func (c *recvCase[T]) finish() {
	panic("interleave engine bug: a queue case completed by another task")
}
func (c *recvCase[T]) what() string { return "recv " + c.q.name }
func (c *recvCase[T]) sited() bool  { return false }
func (c *recvCase[T]) selectCase() reflect.SelectCase {
	return reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(c.q.ch)}
}
func (c *recvCase[T]) wildDone(v reflect.Value, ok bool) {
	if c.f == nil {
		return
	}
	var t T
	if ok {
		t = v.Interface().(T)
	}
	c.f(t, ok)
}

type sendCase[T any] struct {
	q *Queue[T]
	v T
	f func()
}

func (c *sendCase[T]) ready() bool       { return c.q.closed || c.q.n < c.q.capacity }
func (c *sendCase[T]) touch(rt *Runtime) { c.q.touchRead(rt) }

// touchBlocked is a blocked send's read (as in Send): the tail, which the
// sends that filled the queue wrote, and its closing. A receive only wakes
// the select.
func (c *sendCase[T]) touchBlocked(rt *Runtime) {
	rt.touch(c.q.key, Read)
	rt.touch(c.q.key|partClose, Read)
}
func (c *sendCase[T]) commit() {
	c.q.rt.touch(c.q.key, Write)
	if c.q.closed {
		panic(fmt.Sprintf("sched: send on closed queue %s", c.q.name))
	}
	c.q.push(c.v)
	if c.f != nil {
		c.f()
	}
}
func (c *sendCase[T]) register(_ *selecting, _ int, w waiter) {
	c.q.sendWaiters = append(c.q.sendWaiters, w)
}
func (c *sendCase[T]) unregister() {}
func (c *sendCase[T]) finish() {
	panic("interleave engine bug: a queue case completed by another task")
}
func (c *sendCase[T]) what() string { return "send " + c.q.name }
func (c *sendCase[T]) sited() bool  { return false }
func (c *sendCase[T]) selectCase() reflect.SelectCase {
	return reflect.SelectCase{Dir: reflect.SelectSend, Chan: reflect.ValueOf(c.q.ch), Send: reflect.ValueOf(&c.v).Elem()}
}
func (c *sendCase[T]) wildDone(reflect.Value, bool) {
	if c.f != nil {
		c.f()
	}
}
