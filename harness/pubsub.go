package harness

import (
	"fmt"
	"sync"

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
	// every notify committed on channel from now on.
	Subscribe(name, channel string, cb func(Notify))
	// Close delivers what has been committed to every listener, then
	// stops them, and returns when they have stopped.
	Close()
}

// PubSub models PostgreSQL LISTEN/NOTIFY as chatd uses it (§3). A publish is
// a scheduling point of its own: pg_notify runs on a pooled connection and
// becomes visible when that connection commits, so publishes from different
// tasks reach listeners in an order the scheduler picks, and one can stall
// behind others. Publishes from one task stay in order (each pg_notify
// returns only after its commit). Each listener connection then delivers,
// in commit order, as a task of its own ("listener"), as late as the
// scheduler likes.
type PubSub struct {
	rt *sched.Runtime

	mu        sync.Mutex // guards listeners and labels; never held across a scheduling point
	listeners []*listener
	closed    bool
	// labels holds the label of each channel's publish ("pg_notify
	// <channel>"), made once, not at every publish; only read by key.
	labels map[string]string
	// Published counts notifies published, by anyone.
	published int
}

// listenerBacklog bounds the notifies committed but not yet delivered to
// one listener. PostgreSQL's queue is 8 GB; any test that fills this is
// broken.
const listenerBacklog = 4096

type listener struct {
	channel string
	pending *sched.Queue[Notify]
	cb      func(Notify)
	task    *sched.Task
}

// NewPubSub returns a pubsub for the run of rt.
func NewPubSub(rt *sched.Runtime) *PubSub { return &PubSub{rt: rt} }

// Subscribe registers cb for the notifies of channel and starts the
// listener task that calls it. cb runs on that task and may block (the
// subscriber's callback blocks while its notify queue is full, §5).
func (p *PubSub) Subscribe(name, channel string, cb func(Notify)) {
	l := &listener{channel: channel, cb: cb, pending: sched.NewQueue[Notify](p.rt, name+" conn", listenerBacklog)}
	p.mu.Lock()
	p.listeners = append(p.listeners, l)
	p.mu.Unlock()
	l.task = p.rt.Go(name, func() {
		for {
			n, ok := l.pending.Recv()
			if !ok {
				return
			}
			if p.rt.Tracing() {
				p.rt.Notef("deliver %s on %s", n, channel)
			}
			l.cb(n)
		}
	})
}

// Publish sends n on channel: the notify commits at this scheduling point
// and is queued, in commit order, on every listener of the channel.
func (p *PubSub) Publish(channel string, n Notify) {
	p.mu.Lock()
	label, ok := p.labels[channel]
	if !ok {
		if p.labels == nil {
			p.labels = map[string]string{}
		}
		label = "pg_notify " + channel
		p.labels[channel] = label
	}
	p.mu.Unlock()
	p.rt.Yield(label)
	p.mu.Lock()
	p.published++
	var targets []*listener
	for _, l := range p.listeners {
		if l.channel == channel {
			targets = append(targets, l)
		}
	}
	p.mu.Unlock()
	if p.rt.Tracing() {
		p.rt.Notef("notify committed on %s: %s", channel, n)
	}
	for _, l := range targets {
		if !l.pending.Offer(n) {
			panic(fmt.Sprintf("harness: listener %s has %d undelivered notifies", l.channel, listenerBacklog))
		}
	}
}

// Close stops accepting listeners' deliveries once they have drained: each
// listener task delivers what is committed, then exits. Close waits for
// them.
func (p *PubSub) Close() {
	p.mu.Lock()
	ls := p.listeners
	p.closed = true
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
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.published
}
