package pgbackend

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

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
	Fence          string `json:"fence,omitempty"`
}

func encodeNotify(n harness.Notify) string {
	b, err := json.Marshal(wireNotify{AfterMessageID: n.AfterMessageID, FullRefresh: n.FullRefresh,
		Status: string(n.Status), QueueUpdate: n.QueueUpdate})
	if err != nil {
		panic(fmt.Sprintf("pgbackend: encode %s: %v", n, err)) // cannot happen: plain fields
	}
	return string(b)
}

// listener is one Subscribe: a dedicated LISTEN connection and the
// goroutine that hands its notifies to cb.
type listener struct {
	name    string
	channel string // the database's name (Run.Channel)
	l       *pgstore.Listener
	cb      func(harness.Notify)
	done    chan struct{} // closed when the goroutine has stopped and closed l

	// afters are the AfterMessageIDs of the message notifies delivered,
	// in order; only the goroutine writes them until done is closed.
	afters []int64
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
// returns is delivered), and starts a goroutine that calls cb for each
// notify, in the order PostgreSQL delivers them (commit order). cb may
// block. Subscribe panics if the database fails or the run is closed.
func (r *Run) Subscribe(name, channel string, cb func(harness.Notify)) {
	phys := r.Channel(channel)
	ctx, cancel := r.opCtx()
	l, err := r.db.Listen(ctx, phys)
	cancel()
	if err != nil {
		panic(r.wrap(err, "subscribe %s to %s", name, channel))
	}
	ln := &listener{name: name, channel: phys, l: l, cb: cb, done: make(chan struct{})}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		_ = l.Close()
		panic(fmt.Sprintf("pgbackend: run %d: Subscribe(%q, %q) after Close", r.id, name, channel))
	}
	r.listeners = append(r.listeners, ln)
	r.mu.Unlock()
	go r.listen(ln)
}

// listen is a listener's goroutine: it delivers notifies until its fence,
// a closed listener, an aborted run or a lost connection, then closes the
// connection. What goes wrong is recorded for Err.
func (r *Run) listen(ln *listener) {
	defer close(ln.done)
	// A failed Close means the connection was broken already; what broke
	// it is recorded below, or it was Close's own doing.
	defer func() { _ = ln.l.Close() }()
	defer func() {
		if p := recover(); p != nil {
			r.record(fmt.Errorf("postgres: run %d: listener %s on %s: callback panicked: %v", r.id, ln.name, ln.channel, p))
		}
	}()
	for {
		payload, err := ln.l.Next(r.ctx)
		switch {
		case errors.Is(err, pgstore.ErrListenerClosed):
			return // Close stopped it and recorded why
		case err != nil && r.ctx.Err() != nil:
			return // Abort recorded why
		case err != nil:
			_ = r.wrap(err, "listener %s on %s lost its connection before the run settled; notifies after that are missing", ln.name, ln.channel) // recorded for Err
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
		if w.AfterMessageID > 0 {
			ln.afters = append(ln.afters, w.AfterMessageID)
		}
		ln.cb(harness.Notify{AfterMessageID: w.AfterMessageID, FullRefresh: w.FullRefresh,
			Status: harness.ChatStatus(w.Status), QueueUpdate: w.QueueUpdate})
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
