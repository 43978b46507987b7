package pgbackend

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/interleave/interleave/harness"
	"github.com/interleave/interleave/pgstore"
)

var _ harness.Notifier = (*Run)(nil)

// wireNotify is a notify's payload on the wire (JSON). A fence carries
// nothing but Fence.
type wireNotify struct {
	AfterMessageID int64  `json:"after_message_id,omitempty"`
	FullRefresh    bool   `json:"full_refresh,omitempty"`
	Status         string `json:"status,omitempty"`
	QueueUpdate    bool   `json:"queue_update,omitempty"`
	// A hint of the stream loop: the chat's versions after a commit.
	Hint            bool   `json:"hint,omitempty"`
	SnapshotVersion int64  `json:"snapshot_version,omitempty"`
	HistoryVersion  int64  `json:"history_version,omitempty"`
	Fence           string `json:"fence,omitempty"`
}

func encodeNotify(n harness.Notify) string {
	b, err := json.Marshal(wireNotify{AfterMessageID: n.AfterMessageID, FullRefresh: n.FullRefresh,
		Status: string(n.Status), QueueUpdate: n.QueueUpdate,
		Hint: n.Hint, SnapshotVersion: n.SnapshotVersion, HistoryVersion: n.HistoryVersion})
	if err != nil {
		panic(fmt.Sprintf("pgbackend: encode %s: %v", n, err)) // cannot happen: plain fields
	}
	return string(b)
}

// listener is one Subscribe: a dedicated LISTEN connection, the goroutine
// that reads its notifies into a bounded queue, and the goroutine that
// hands them to cb (as upstream's pubsub does, chatd-model.md section 10).
type listener struct {
	run     *Run
	name    string
	channel string // the database's name (Run.Channel)
	l       *pgstore.Listener
	cb      func(harness.Notify, error)
	size    int
	queue   chan listenerItem // size notifies, and one slot for the error
	done    chan struct{}     // closed when both goroutines have stopped and l is closed

	mu        sync.Mutex // guards the fields below
	failed    bool       // ErrDropped is queued: nothing more goes in
	cancelled bool
	dropped   int // notifies lost to a full queue

	// afters are the AfterMessageIDs of the message notifies delivered,
	// in order; only the delivering goroutine writes them until done is
	// closed.
	afters []int64
}

type listenerItem struct {
	n   harness.Notify
	err error
}

// Cancel implements harness.Subscription: cb is not called again, and the
// listener's connection is closed.
func (ln *listener) Cancel() {
	ln.mu.Lock()
	if ln.cancelled {
		ln.mu.Unlock()
		return
	}
	ln.cancelled = true
	ln.mu.Unlock()
	_ = ln.l.Close() // its reader stops; a failed Close means it was broken already
}

// Publish implements harness.Notifier: pg_notify on a pooled connection, in
// a transaction of its own, so it returns once the notify has committed. It
// panics if the database fails.
func (r *Run) Publish(channel string, n harness.Notify) {
	r.yield("pg_notify " + channel)
	if err := r.notify(r.Channel(channel), encodeNotify(n)); err != nil {
		panic(r.wrap(err, "publish %s on %s", n, channel))
	}
}

func (r *Run) notify(channel, payload string) error {
	ctx, cancel := r.opCtx()
	defer cancel()
	return r.db.Notify(ctx, channel, payload)
}

// Subscribe implements harness.Notifier: it opens a dedicated connection,
// LISTENs on the run's channel (so every notify committed after Subscribe
// returns is delivered), and starts two goroutines: one reads the notifies,
// in the order PostgreSQL delivers them (commit order), into a queue of
// Run.QueueSize; the other calls cb for each. cb may block; when the queue
// is full, the notify is lost and cb gets harness.ErrDropped after what is
// queued, and nothing more. Subscribe panics if the database fails or the
// run is closed.
func (r *Run) Subscribe(name, channel string, cb func(harness.Notify, error)) harness.Subscription {
	phys := r.Channel(channel)
	ctx, cancel := r.opCtx()
	l, err := r.db.Listen(ctx, phys)
	cancel()
	if err != nil {
		panic(r.wrap(err, "subscribe %s to %s", name, channel))
	}
	size := r.QueueSize
	if size <= 0 {
		size = harness.DefaultPubSubQueue
	}
	ln := &listener{run: r, name: name, channel: phys, l: l, cb: cb, size: size,
		queue: make(chan listenerItem, size+1), done: make(chan struct{})}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		_ = l.Close()
		panic(fmt.Sprintf("pgbackend: run %d: Subscribe(%q, %q) after Close", r.id, name, channel))
	}
	r.listeners = append(r.listeners, ln)
	r.mu.Unlock()
	delivered := make(chan struct{})
	go func() {
		defer close(delivered)
		r.deliver(ln)
	}()
	go func() {
		defer close(ln.done)
		r.listen(ln)
		close(ln.queue)
		<-delivered
	}()
	return ln
}

// deliver is a listener's second goroutine: it calls cb for each queued
// notify (or the error) until the queue closes; after Cancel it only
// drains. A panic of cb is recorded for Err.
func (r *Run) deliver(ln *listener) {
	panicked := false
	for it := range ln.queue {
		ln.mu.Lock()
		skip := ln.cancelled || panicked
		ln.mu.Unlock()
		if skip {
			continue
		}
		if it.err == nil && it.n.AfterMessageID > 0 {
			ln.afters = append(ln.afters, it.n.AfterMessageID)
		}
		func() {
			defer func() {
				if p := recover(); p != nil {
					panicked = true
					r.record(fmt.Errorf("postgres: run %d: listener %s on %s: callback panicked: %v", r.id, ln.name, ln.channel, p))
				}
			}()
			ln.cb(it.n, it.err)
		}()
	}
}

// enqueue puts a notify in the listener's queue, or, when the queue is
// full, loses it and queues ErrDropped once.
func (ln *listener) enqueue(n harness.Notify) {
	ln.mu.Lock()
	defer ln.mu.Unlock()
	if ln.failed {
		ln.dropped++
		return
	}
	if len(ln.queue) >= ln.size {
		ln.failed = true
		ln.dropped++
		ln.queue <- listenerItem{err: harness.ErrDropped} // the slot kept for it
		return
	}
	ln.queue <- listenerItem{n: n}
}

// lose ends the listener's stream with harness.ErrDropped after what is
// queued, as a full queue does, for a lost connection.
func (ln *listener) lose() {
	ln.run.lostListeners.Add(1)
	ln.mu.Lock()
	defer ln.mu.Unlock()
	if !ln.failed {
		ln.failed = true
		ln.queue <- listenerItem{err: harness.ErrDropped} // the slot kept for it
	}
}

// LostListeners returns how many of the run's listeners lost their
// connection while the run went on (each subscriber was told ErrDropped).
func (r *Run) LostListeners() int { return int(r.lostListeners.Load()) }

// listen is a listener's first goroutine: it reads notifies into the queue
// until its fence, a closed listener, an aborted run or a lost connection
// (which it reports to the subscriber as ErrDropped), then closes the
// connection. What goes wrong otherwise is recorded for Err.
func (r *Run) listen(ln *listener) {
	// A failed Close means the connection was broken already; what broke
	// it is recorded below, or it was Close's own doing.
	defer func() { _ = ln.l.Close() }()
	for {
		payload, err := ln.l.Next(r.ctx)
		switch {
		case errors.Is(err, pgstore.ErrListenerClosed):
			return // Close stopped it and recorded why
		case err != nil && r.ctx.Err() != nil:
			return // Abort recorded why
		case err != nil:
			// The LISTEN connection is gone, and the notifies sent while
			// it is down with it. Upstream's pubsub then reconnects its
			// listener and tells each subscriber that it dropped
			// notifies (chatd-model.md section 10): the stream ends with
			// that error and the client subscribes again, on a new
			// connection. If the database itself is gone, that
			// Subscribe fails and the run fails there.
			ln.lose()
			return
		}
		if payload == r.fence {
			return
		}
		var w wireNotify
		if err := json.Unmarshal([]byte(payload), &w); err != nil {
			r.record(fmt.Errorf("postgres: run %d: listener %s on %s: undecodable notify %q: %v", r.id, ln.name, ln.channel, payload, err))
			continue
		}
		if w.Fence != "" {
			continue // another run's fence: channels are namespaced, so not expected
		}
		ln.enqueue(harness.Notify{AfterMessageID: w.AfterMessageID, FullRefresh: w.FullRefresh,
			Status: harness.ChatStatus(w.Status), QueueUpdate: w.QueueUpdate,
			Hint: w.Hint, SnapshotVersion: w.SnapshotVersion, HistoryVersion: w.HistoryVersion})
	}
}

// Close implements harness.Notifier: it settles the listeners. It publishes
// a fence on each subscribed channel; each listener delivers every notify
// committed before its fence, then closes its connection and stops. A fence
// that cannot be published, or that a listener has not reached within
// FenceTimeout, is recorded for Err and that listener is stopped at once.
// Close returns when every listener has stopped (a cb that never returns
// would hold it). Calls after the first return at once.
func (r *Run) Close() {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.closed = true
	ls := slices.Clone(r.listeners)
	r.mu.Unlock()

	// One fence per channel, in the order of the first subscription to it.
	var channels, unfenced []string
	for _, ln := range ls {
		if !slices.Contains(channels, ln.channel) {
			channels = append(channels, ln.channel)
		}
	}
	for _, ch := range channels {
		if err := r.notify(ch, r.fence); err != nil {
			_ = r.wrap(err, "settle: publish the fence on %s", ch) // recorded for Err
			unfenced = append(unfenced, ch)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.fenceTimeout())
	defer cancel()
	for _, ln := range ls {
		if slices.Contains(unfenced, ln.channel) {
			_ = ln.l.Close()
			<-ln.done
			continue
		}
		select {
		case <-ln.done:
		case <-ctx.Done():
			r.record(fmt.Errorf("postgres: run %d: settle: listener %s on %s did not deliver its fence within %v; stopped it, so notifies may be missing",
				r.id, ln.name, ln.channel, r.fenceTimeout()))
			_ = ln.l.Close()
			<-ln.done
		}
	}
}

// NotifyOrder returns, for each listener in the order they subscribed, the
// AfterMessageID of each message notify it delivered, in delivery order.
// Call it after Close.
func (r *Run) NotifyOrder() [][]int64 {
	r.mu.Lock()
	ls := slices.Clone(r.listeners)
	r.mu.Unlock()
	var out [][]int64
	for _, ln := range ls {
		select {
		case <-ln.done:
			out = append(out, slices.Clone(ln.afters))
		default:
			out = append(out, nil) // still running: not safe to read
		}
	}
	return out
}

// ListenerPIDs returns the server process IDs of the run's listener
// connections, for fault injection (pg_terminate_backend) and for checking
// that they are gone.
func (r *Run) ListenerPIDs() []uint32 {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]uint32, len(r.listeners))
	for i, ln := range r.listeners {
		out[i] = ln.l.BackendPID()
	}
	return out
}
