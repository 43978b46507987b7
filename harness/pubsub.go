package harness

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/interleave/interleave/sched"
)

// Notifier is the pubsub seam (§3): what replicas publish on and
// subscribers listen to. PubSub implements it under the scheduler; a real
// database implements it with pg_notify and LISTEN.
type Notifier interface {
	// Publish sends n on channel; it returns once the notify has
	// committed.
	Publish(channel string, n Notify)
	// Subscribe starts a listener that calls cb, in commit order, for
	// every notify committed on channel from now on, with a nil error.
	// When notifies were lost (the subscriber's queue overflowed, or the
	// listener connection reconnected) cb gets ErrDropped instead (§10).
	// cb runs on a task of its own and may block.
	Subscribe(name, channel string, cb func(Notify, error)) Subscription
	// Close delivers what has been committed to every listener, then
	// stops them, and returns when they have stopped. A subscription
	// made after Close gets nothing: nothing more is published then.
	Close()
}

// Subscription is one Subscribe.
type Subscription interface {
	// Cancel stops the subscription: its callback is not called again
	// once the call in progress, if any, has returned. Cancel may be
	// called from the callback itself, and more than once.
	Cancel()
}

// Disrupter is implemented by notifiers that can lose notifies on
// purpose, for scenarios that exercise the subscribers' recovery (§10).
type Disrupter interface {
	// DropNext makes the next notify for sub overflow its queue: it is
	// lost and sub gets ErrDropped after what is already queued.
	DropNext(sub Subscription)
	// Reconnect is a listener reconnect: every listed subscription gets
	// ErrDropped after what is already queued.
	Reconnect(subs ...Subscription)
}

// DefaultPubSubQueue is the number of notifies a pubsub subscriber's queue
// holds before it overflows (§10).
const DefaultPubSubQueue = 2048

// PubSub models PostgreSQL LISTEN/NOTIFY as chatd uses it (§3, §10). A
// publish is a scheduling point of its own: pg_notify runs on a pooled
// connection and becomes visible when that connection commits, so
// publishes from different tasks reach listeners in an order the scheduler
// picks, and one can stall behind others. Publishes from one task stay in
// order (each pg_notify returns only after its commit). Each subscription
// has a queue of QueueSize notifies, delivered in commit order by a task of
// its own ("listener") as late as the scheduler likes. A notify that finds
// the queue full is lost, and the subscriber gets ErrDropped after what is
// queued (upstream also gives up the newest queued notify to make room for
// the error; a subscriber ends its stream at the error, so which of the
// notifies before it survive does not change what it does). After the
// error, the subscription gets nothing more.
type PubSub struct {
	rt  *sched.Runtime
	obs Observer // typed events, when observed
	// QueueSize is each subscription's queue (default
	// DefaultPubSubQueue). Set it before the first Subscribe.
	QueueSize int

	mu        guard // guards the fields below; never held across a scheduling point
	listeners []*listener
	closed    bool
	// labels holds the label of each channel's publish ("pg_notify
	// <channel>"), made once, not at every publish; only read by key.
	labels map[string]string
	// lastChannel and lastLabel are the last publish's channel and label:
	// a run mostly publishes on one channel, and comparing with it costs
	// less than a lookup. Kept by a Reuse, like labels.
	lastChannel, lastLabel string
	published              int
	made                   madeList[listener] // the listeners' memory, kept by a Reuse
}

type listener struct {
	name    string
	channel string
	ps      *PubSub
	// pending holds the queue and one more slot, for the error.
	pending *sched.Queue[pubsubItem]
	cb      func(Notify, error)
	task    *sched.Task
	// queueName is name + " queue", kept with the listener's memory.
	queueName string
	run       func() // l.deliver, made once for this memory

	// Guarded by PubSub.mu.
	queued    int  // notifies in pending (not counting the error)
	failed    bool // the error is queued: nothing more goes in
	dropNext  bool // DropNext: the next notify overflows
	cancelled bool
	closed    bool   // pending is closed (or being closed)
	inFlight  []Item // the notifies queued, kept only when observed
}

// publishedCount is the count of publishes, to partial-order reduction.
var publishedCount = part{"pubsub", "published"}

// channelListeners names, to partial-order reduction, the listeners of a
// channel: the part of the list a publish on it reads.
func channelListeners(channel string) part { return part{"pubsub listeners", channel} }

// publishLabels is the labels of the publishes, to partial-order
// reduction: apart from the listeners.
var publishLabels = part{"pubsub", "labels"}

// declareTail and declareHead declare, to partial-order reduction, an
// access to the listener's queue of notifies as the publishes see it (its
// tail: queued, failed, dropNext) or as the listener task sees it (its
// head: what it takes out, cancelled). Like a sched.Queue's, the two
// commute while the queue is not close to full; a publish that finds it so
// reads the head too. Callers hold PubSub.mu.
func (l *listener) declareTail(mode sched.AccessMode) {
	l.ps.mu.declarePart(part{l.name, "tail"}, mode)
}

func (l *listener) declareHead(mode sched.AccessMode) {
	l.ps.mu.declarePart(part{l.name, "head"}, mode)
}

type pubsubItem struct {
	n   Notify
	err error
}

// NewPubSub returns a pubsub for the run of rt.
func NewPubSub(rt *sched.Runtime) *PubSub {
	p := &PubSub{rt: rt}
	p.mu.init(rt, shared(rt, "pubsub"))
	return p
}

func (p *PubSub) queueSize() int {
	if p.QueueSize > 0 {
		return p.QueueSize
	}
	return DefaultPubSubQueue
}

// Subscribe implements Notifier: it registers cb for the notifies of
// channel and starts the listener task that calls it. cb may block (the
// subscriber's callback blocks while its notify queue is full, §5).
func (p *PubSub) Subscribe(name, channel string, cb func(Notify, error)) Subscription {
	l := p.newListener(name) // new, or reset in the memory of the last run's
	l.channel, l.ps, l.cb = channel, p, cb
	l.pending = l.pending.Renew(p.rt, l.queueName, p.queueSize()+1) // nil for a new listener
	// The task starts under the mutex (starting a task is not a scheduling
	// point), so that Close, which joins it, finds it. It reads whether
	// the pubsub is closed, and adds to its channel's listeners.
	p.mu.LockRead()
	defer p.mu.Unlock()
	p.mu.declarePart(channelListeners(channel), sched.Write)
	if p.closed {
		// Nothing more will be published: a listener would deliver
		// nothing.
		l.cancelled, l.closed = true, true
		return l
	}
	p.listeners = append(p.listeners, l)
	if l.run == nil {
		l.run = l.deliver // made once for this memory
	}
	l.task = p.rt.Go(name, l.run)
	return l
}

// deliver is a listener's task: it hands each notify (or the error) its
// queue holds to the callback, until the queue is closed.
func (l *listener) deliver() {
	p, channel := l.ps, l.channel
	for {
		it, ok := l.pending.Recv()
		if !ok {
			return
		}
		p.mu.LockParts()
		l.declareHead(sched.Write)
		if it.err == nil {
			l.queued--
		}
		stop := l.cancelled
		p.mu.Unlock()
		if stop {
			continue // drain what a cancel left behind
		}
		if p.rt.Tracing() {
			if it.err != nil {
				p.rt.Notef("deliver error %q on %s", it.err, channel)
			} else {
				p.rt.Notef("deliver %s on %s", it.n, channel)
			}
		}
		if p.obs != nil && it.err == nil {
			p.obs.Observe(ModelEvent{Step: p.rt.Step(), Kind: ModelNotifyRecv, Who: channel,
				Text: fmt.Sprintf("deliver %s on %s", it.n, channel), IDs: announced(it.n), State: p.receivedState(l)})
		}
		l.cb(it.n, it.err)
	}
}

// queuedState adds n to each listener's notifies in flight and returns
// their queues as model fields (only when observed).
func (p *PubSub) queuedState(to []*listener, n Notify) []Field {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Field, 0, len(to))
	for _, l := range to {
		// Each notify is told apart by the number of its publish: the
		// same notify can be in a queue twice.
		l.inFlight = append(l.inFlight, Item{Text: n.String(), Key: "notify " + strconv.Itoa(p.published)})
		out = append(out, l.queueField())
	}
	return out
}

// receivedState takes the oldest notify off l's notifies in flight and
// returns its queue as a model field (only when observed).
func (p *PubSub) receivedState(l *listener) []Field {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(l.inFlight) > 0 {
		l.inFlight = l.inFlight[1:]
	}
	return []Field{l.queueField()}
}

// queueField is a listener's queue of notifies: each keyed by the message
// it announces, if any. Guarded by PubSub.mu.
func (l *listener) queueField() Field {
	return Field{Group: "pubsub", Name: l.name + " in flight", List: true, Items: slices.Clone(l.inFlight)}
}

// Cancel implements Subscription.
func (l *listener) Cancel() {
	p := l.ps
	p.mu.LockParts()
	l.declareHead(sched.Write)
	if l.cancelled {
		p.mu.Unlock()
		return
	}
	l.cancelled = true
	l.declareTail(sched.Write)
	p.mu.declarePart(channelListeners(l.channel), sched.Write)
	p.mu.declarePart(part{l.name, "closed"}, sched.Write)
	p.listeners = slices.DeleteFunc(p.listeners, func(x *listener) bool { return x == l })
	closeIt := !l.closed
	l.closed = true
	p.mu.Unlock()
	// The listener task drains what is queued without delivering it and
	// exits; Close no longer waits for it, so nothing may be left to
	// block it.
	if closeIt {
		l.pending.Close()
	}
}

// Wait waits until the listener's task has stopped: once it is cancelled,
// its callback is not called again, and the call in progress, if any, has
// returned. It is a scheduling point.
func (l *listener) Wait() {
	if l.task != nil {
		l.task.Join()
	}
}

// notifyLabels holds the labels of publishes on the first chats'
// channels, made once (read only).
var notifyLabels = func() map[string]string {
	m := make(map[string]string, len(chatChannels))
	for _, ch := range chatChannels {
		m[ch] = "pg_notify " + ch
	}
	return m
}()

// Publish sends n on channel: the notify commits at this scheduling point
// and is queued, in commit order, on every listener of the channel.
func (p *PubSub) Publish(channel string, n Notify) {
	p.mu.lockPart(publishLabels, sched.Read) // a label made on first use commutes
	label := p.lastLabel
	if channel != p.lastChannel || label == "" {
		label = p.label(channel)
		p.lastChannel, p.lastLabel = channel, label
	}
	p.mu.Unlock()
	p.rt.Yield(label)
	// A publish reads the list of listeners, and changes only the
	// listeners of its channel: publishes on other channels, and the
	// listeners taking notifies out of queues that are not close to full,
	// commute with it (see listener.declareHead). Publishes commute with
	// each other as far as the count goes: Published writes it.
	p.mu.lockPart(channelListeners(channel), sched.Read)
	p.mu.declarePart(publishedCount, sched.Read)
	p.published++
	var deliver, fail []*listener
	for _, l := range p.listeners {
		if l.channel != channel || l.failed {
			continue
		}
		l.declareTail(sched.Write)
		if l.queued >= p.queueSize()-1 {
			l.declareHead(sched.Read)
		}
		if l.dropNext || l.queued >= p.queueSize() {
			l.dropNext, l.failed = false, true
			fail = append(fail, l)
			continue
		}
		l.queued++
		deliver = append(deliver, l)
	}
	// Each queue has room: queued counts what is in it, and one slot
	// beyond QueueSize is kept for the error. The offers are made under
	// the mutex so that a Cancel, which closes the queue, comes before or
	// after them (in a wild run).
	for _, l := range deliver {
		l.pending.Offer(pubsubItem{n: n})
	}
	for _, l := range fail {
		l.pending.Offer(pubsubItem{err: ErrDropped})
	}
	p.mu.Unlock()
	if p.obs != nil {
		p.obs.Observe(ModelEvent{Step: p.rt.Step(), Kind: ModelNotify, Who: channel,
			Text: fmt.Sprintf("notify committed on %s: %s", channel, n), IDs: announced(n), State: p.queuedState(deliver, n)})
	}
	if p.rt.Tracing() {
		p.rt.Notef("notify committed on %s: %s", channel, n)
		for _, l := range fail {
			p.rt.Notef("%s: queue overflows: %s lost, ErrDropped queued", l.name, n)
		}
	}
}

// label returns the label of a publish on channel: "pg_notify <channel>",
// made once. The caller holds p.mu.
func (p *PubSub) label(channel string) string {
	label, ok := notifyLabels[channel]
	if !ok {
		label, ok = p.labels[channel]
	}
	if !ok {
		if p.labels == nil {
			p.labels = map[string]string{}
		}
		label = "pg_notify " + channel
		p.labels[channel] = label
	}
	return label
}

// DropNext implements Disrupter.
func (p *PubSub) DropNext(sub Subscription) {
	l := sub.(*listener)
	p.mu.LockParts()
	l.declareTail(sched.Write)
	l.dropNext = true
	p.mu.Unlock()
}

// Reconnect implements Disrupter: the listener connection dropped and came
// back; notifies sent meanwhile are gone, so each subscription gets
// ErrDropped. It is a scheduling point (the reconnect happens at some
// moment between the publishes).
func (p *PubSub) Reconnect(subs ...Subscription) {
	p.rt.Yield("pubsub: listener reconnect")
	var fail []*listener
	p.mu.LockRead()
	for _, sub := range subs {
		l := sub.(*listener)
		l.declareHead(sched.Read)
		l.declareTail(sched.Write)
		if l.cancelled || l.failed || p.closed {
			continue
		}
		l.failed = true
		l.pending.Offer(pubsubItem{err: ErrDropped})
		fail = append(fail, l)
	}
	p.mu.Unlock()
	for _, l := range fail {
		if p.rt.Tracing() {
			p.rt.Notef("%s: listener reconnected: ErrDropped queued", l.name)
		}
	}
}

// Close stops accepting listeners' deliveries once they have drained: each
// listener task delivers what is committed, then exits. Close waits for
// them.
func (p *PubSub) Close() {
	p.mu.Lock()
	ls := p.listeners
	// The list's memory is kept for the run a Reuse resets this pubsub
	// for: once closed, no listener joins it.
	p.listeners = ls[:0]
	p.closed = true
	for _, l := range ls {
		l.closed = true
		p.mu.declarePart(channelListeners(l.channel), sched.Write)
		p.mu.declarePart(part{l.name, "closed"}, sched.Write)
	}
	p.mu.Unlock()
	var tasks []*sched.Task
	for _, l := range ls {
		l.pending.Close()
		tasks = append(tasks, l.task)
	}
	p.rt.JoinAll(tasks...)
}

// Published returns how many notifies were published.
func (p *PubSub) Published() int {
	p.mu.lockPart(publishedCount, sched.Write)
	defer p.mu.Unlock()
	return p.published
}
