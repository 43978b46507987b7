package harness

import (
	"fmt"
	"slices"

	"github.com/interleave/interleave/sched"
)

// Delivery is one message a stream sent its client.
type Delivery struct {
	Message
	// Epoch is 0 until the stream's first FullRefresh (or, for the stream
	// loop, history_reset), then 1, and so on.
	Epoch int
	// Sync numbers the stream's catch-ups from 1: the merge's handling of
	// a notify, or a sync of the stream loop; 0 is a merge's snapshot.
	Sync int
	// Step is the scheduling step of the delivery (0 in wild mode).
	Step int
	// Via says where the message came from: snapshot, cache, db or sync.
	Via string
	// Uncommitted is true when the store said, at the moment of the
	// delivery, that the row had not committed (only stores that are a
	// CommitChecker can say).
	Uncommitted bool
}

// CursorMove records a change of the subscriber's lastMessageID.
type CursorMove struct {
	Step     int
	From, To int64
	// Epoch is the FullRefresh epoch the move was made in.
	Epoch int
}

// Cursor is where a client resumes a stream (stream-loop.md §2): after
// this message ID, and, for the stream loop, after this history version.
// The merge strategies read only AfterMessageID.
type Cursor struct {
	AfterMessageID, AfterRevision int64
}

// Subscriber is one stream: one SubscribeAuthorized call (§5), run by its
// design's StreamHandler. The Subscriber is what every design shares: the
// pubsub subscription, the channel to the client, of capacity
// Config.ClientQueue, whose sends block while it is full (§10), and the
// record of what the stream sent, for the oracle. A merge strategy's stream
// reads an initial snapshot, then a merge goroutine runs the strategy for
// each notify (§5); a listener error (ErrDropped) becomes an error event
// and ends it (§10), and the Client reconnects.
type Subscriber struct {
	Name           string
	ChatID         int64
	AfterMessageID int64
	// AfterRevision is the cursor's history version (the stream loop
	// starts its first sync there; 0 for a fresh stream).
	AfterRevision int64
	Strategy      Design

	rt       *sched.Runtime
	replica  *Replica
	commits  CommitChecker // the replica's store, if it can say what committed
	handler  StreamHandler
	notifyCh *sched.Queue[Notify]   // the merge's notify channel (§5.1)
	room     *sched.Queue[struct{}] // a token when the client has read: room in the channel
	done     *sched.Queue[struct{}] // closed when the stream ends
	subMu    guard                  // guards sub: a stream may subscribe anew
	sub      Subscription
	merge    *sched.Task
	ctx      MergeContext

	mu           guard // guards what readers outside the stream's tasks see
	snapshot     []Delivery
	deliveries   []Delivery
	cursor       []CursorMove
	epoch        int
	syncs        int
	live         int // local fan-out events pending (capacity Config.FanOutQueue)
	liveSeen     int
	notifies     int
	ended        bool  // the stream is over: a listener error, the client left, or it closed itself
	endErr       error // the listener error that ended it, if that is what did
	notifyClosed bool
	client       *Client // the client reading events, once there is one
	// The channel to the client: events sent and not yet read, at most
	// outCap of them unless draining (the client reads everything from
	// now on, see Client).
	out      []Event
	outCap   int
	draining bool
	// spare is the client's last read, handed back (recycle) to hold the
	// next events: one list per stream instead of one per read.
	spare []Event
	names streamNames // kept, with the lists' memory, by a Reuse
	// A merge strategy's functions, made once for this memory: the merge
	// task's body and the pubsub callback (see mergeDesign.NewStream).
	mergeFn  func()
	notifyFn func(Notify, error)
	// handles is the merge strategy that handles the notifies: Strategy
	// as a MergeStrategy, found once, when the stream is made, not at
	// every notify.
	handles MergeStrategy
}

// SubscribeAuthorized subscribes to a chat's stream on this replica (§5):
// it subscribes to the pubsub channel first, then starts the stream (for a
// merge strategy: reads the snapshot after afterMessageID and delivers it,
// sets the cursor, and starts the merge goroutine). It must be called from
// a task of the run; the snapshot query is a scheduling point, so writers
// can interleave with it. It is Listen then Start.
func (r *Replica) SubscribeAuthorized(name string, chatID, afterMessageID int64, strategy Design) (*Subscriber, error) {
	return r.SubscribeCursor(name, chatID, Cursor{AfterMessageID: afterMessageID}, strategy)
}

// SubscribeCursor is SubscribeAuthorized resuming at a cursor: the stream
// loop reads its AfterRevision too.
func (r *Replica) SubscribeCursor(name string, chatID int64, cur Cursor, strategy Design) (*Subscriber, error) {
	s := r.listen(name, chatID, cur, strategy)
	if err := s.Start(); err != nil {
		return nil, err
	}
	return s, nil
}

// Listen is the first half of SubscribeAuthorized: the pubsub subscription
// (§5.1). Notifies from now on queue up (the callback blocks once the
// notify queue is full) until Start reads the snapshot and starts the
// merge; other tasks can run in between.
func (r *Replica) Listen(name string, chatID, afterMessageID int64, strategy Design) *Subscriber {
	return r.listen(name, chatID, Cursor{AfterMessageID: afterMessageID}, strategy)
}

func (r *Replica) listen(name string, chatID int64, cur Cursor, strategy Design) *Subscriber {
	s := r.newSubscriber() // new, or reset with its lists' memory
	s.Name, s.ChatID, s.AfterMessageID, s.AfterRevision, s.Strategy, s.rt, s.replica =
		name, chatID, cur.AfterMessageID, cur.AfterRevision, strategy, r.rt, r
	s.names.set(name)
	s.room = s.room.Renew(r.rt, s.names.room, 1) // nil for a new subscriber
	s.done = s.done.Renew(r.rt, s.names.done, 1)
	s.outCap = r.cfg.ClientQueue
	s.commits, _ = r.store.(CommitChecker)
	s.mu.init(r.rt, shared(r.rt, name))
	s.subMu.init(r.rt, sharedSuffixed(r.rt, name, " subscription"))
	s.handler = streamDesign(strategy).NewStream(s)
	if h, ok := s.handler.(mergeStream); ok && h.s == s {
		s.sub = r.ps.Subscribe(s.names.listener, ChatChannel(chatID), s.notifyFn) // h.Notify, made once
	} else {
		s.sub = r.ps.Subscribe(s.names.listener, ChatChannel(chatID), s.handler.Notify)
	}
	st := r.stream(chatID)
	st.mu.Lock()
	st.local = append(st.local, s)
	st.mu.Unlock()
	r.mu.lockPart(part{r.Name, "subs"}, sched.Write) // the streams stay as they are
	r.subs = append(r.subs, s)
	r.mu.Unlock()
	return s
}

// Start is the second half of SubscribeAuthorized: the design's start (for
// a merge strategy, the snapshot (§5.2), the cursor (§5.3) and the merge
// goroutine (§5.4)).
func (s *Subscriber) Start() error { return s.handler.Start() }

// Resubscribe cancels the stream's pubsub subscription and makes a new one
// on the same channel, for a design whose stream outlives a listener
// error: the notifies committed in between are lost. It must be called from
// the stream's own callback or tasks.
func (s *Subscriber) Resubscribe() {
	s.subMu.Lock()
	old := s.sub
	s.subMu.Unlock()
	old.Cancel()
	if s.isEnded() {
		return
	}
	nsub := s.replica.ps.Subscribe(s.Name+" listener", ChatChannel(s.ChatID), s.handler.Notify)
	s.subMu.Lock()
	s.sub = nsub
	s.subMu.Unlock()
}

func (s *Subscriber) subscription() Subscription {
	s.subMu.Lock()
	v := s.sub
	s.subMu.Unlock()
	return v
}

// end turns a listener error into an error event and ends the stream: the
// subscription is cancelled, the merge stops, and the client reconnects.
// The error event goes into the channel whatever its room: the client reads
// every event before it and then reconnects.
func (s *Subscriber) end(err error) {
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		return
	}
	s.ended, s.endErr = true, err
	s.mu.declarePart(part{s.Name, "out"}, sched.Write)
	s.out = append(s.out, Event{Kind: EventError, Err: err})
	c := s.client
	s.mu.Unlock()
	s.note("listener error (%v): error event; the stream ends", err)
	// The reconnect is registered before the subscription is cancelled:
	// from then on Settle no longer waits for this listener task, and
	// must find the reconnect to wait for instead.
	if c != nil {
		c.reconnectAfter(s)
	}
	s.done.Close()
	s.subscription().Cancel()
	s.stopHandler()
}

// CloseSilently ends the stream without an error event: its channel to the
// client just closes (stream-loop.md §3, after the fifth failed sync). The
// client cannot tell that from an orderly end, and does not reconnect.
func (s *Subscriber) CloseSilently(why string) {
	if !s.finish() {
		return
	}
	s.note("the stream closes, with no error event: %s", why)
}

// disconnect is the client leaving, from the client's task: the stream
// ends with no error event, and its tasks stop. The pubsub callback in
// progress, if any, returns first (a merge's callback may be waiting for
// room in its notify channel, which the merge keeps draining), so that
// nothing sends on a channel the stream closes.
func (s *Subscriber) disconnect() {
	s.mu.Lock()
	ended := s.ended
	s.ended = true
	s.mu.Unlock()
	if !ended {
		s.note("the client disconnects: the stream ends")
		s.done.Close()
		sub := s.subscription()
		sub.Cancel()
		if w, ok := sub.(interface{ Wait() }); ok {
			w.Wait()
		}
		s.stopHandler()
	}
	s.close()
}

// finish marks the stream ended without an error and stops it, from one of
// the stream's own tasks; it reports false if it had ended already.
func (s *Subscriber) finish() bool {
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		return false
	}
	s.ended = true
	s.mu.Unlock()
	s.done.Close()
	s.subscription().Cancel()
	s.stopHandler()
	return true
}

// stopHandler tells the handler, without waiting, that the stream ended.
func (s *Subscriber) stopHandler() {
	if st, ok := s.handler.(interface{ stop() }); ok {
		st.stop()
	}
}

func (s *Subscriber) isEnded() bool {
	s.mu.LockRead()
	v := s.ended
	s.mu.Unlock()
	return v
}

// Ended returns the listener error that ended the stream, or nil.
func (s *Subscriber) Ended() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.endErr
}

// Over reports whether the stream has ended, for any reason.
func (s *Subscriber) Over() bool { return s.isEnded() }

// Runtime returns the run the stream is part of.
func (s *Subscriber) Runtime() *sched.Runtime { return s.rt }

// Replica returns the replica the stream subscribed on.
func (s *Subscriber) Replica() *Replica { return s.replica }

// NewSync marks the start of a catch-up (a merge's handling of a notify,
// a sync of the stream loop): the deliveries from now on carry its number,
// which it returns.
func (s *Subscriber) NewSync() int {
	s.mu.Lock()
	s.syncs++
	n := s.syncs
	s.mu.Unlock()
	return n
}

// ResetHistory starts a new epoch and sends the client an
// EventHistoryReset (stream-loop.md §3): the client clears its view, and
// the stream sends the whole visible history next.
func (s *Subscriber) ResetHistory() bool {
	s.mu.Lock()
	s.epoch++
	e := s.epoch
	s.mu.Unlock()
	s.note("history_reset: epoch %d starts", e)
	return s.Send(Event{Kind: EventHistoryReset})
}

// Send sends an event to the client (see send).
func (s *Subscriber) Send(ev Event) bool { return s.send(&ev) }

// Deliver sends m to the client as a message event; via says where it was
// found. Nothing goes out once the stream has ended.
func (s *Subscriber) Deliver(m Message, via string) { s.deliver(m, via) }

// Notef adds a note to the run's trace, attributed to the stream.
func (s *Subscriber) Notef(format string, args ...any) { s.note(format, args...) }

// send sends an event to the client: into the channel if it has room (not
// a scheduling point: the client reads later, see Client, so nothing
// observes the moment), else it blocks until the client reads or the stream
// ends. It reports whether the event went out. The event is copied once,
// into the channel: it is large (a Delivery and more), and the callers
// build it in place.
func (s *Subscriber) send(ev *Event) bool {
	for {
		// The channel to the client is a part of its own: sends and
		// the client's reads commute with the merge's other state,
		// and with drain unless the channel is full.
		s.mu.LockRead()
		s.mu.declarePart(part{s.Name, "out"}, sched.Write)
		if s.ended {
			s.mu.Unlock()
			return false
		}
		if len(s.out) >= s.outCap {
			s.mu.declarePart(part{s.Name, "draining"}, sched.Read)
		}
		if len(s.out) < s.outCap || s.draining {
			if s.out == nil {
				s.out = make([]Event, 0, min(s.outCap, initialEvents))
			}
			s.out = append(s.out, *ev)
			s.mu.Unlock()
			return true
		}
		s.mu.Unlock()
		s.note("channel to the client full (%d events): the send blocks", s.outCap)
		s.rt.Select(s.room.RecvCase(nil), s.done.RecvCase(nil))
	}
}

// initialEvents is the room a stream's lists of events and deliveries
// start with: about what a short run sends, in one allocation.
const initialEvents = 8

// take is the client reading: every event sent so far, in order. The
// client hands the list back with recycle once it has read it.
func (s *Subscriber) take() []Event {
	s.mu.lockPart(part{s.Name, "out"}, sched.Write)
	evs := s.out
	s.out, s.spare = s.spare, nil
	s.mu.Unlock()
	s.room.Offer(struct{}{})
	return evs
}

// recycle takes back a list take returned, read and no longer used.
func (s *Subscriber) recycle(evs []Event) {
	if cap(evs) == 0 {
		return
	}
	clear(evs)
	s.mu.Lock()
	if s.spare == nil {
		s.spare = evs[:0]
	}
	s.mu.Unlock()
}

// drain makes every send from now on go through: the client reads
// everything (Settle).
func (s *Subscriber) drain() {
	s.mu.lockPart(part{s.Name, "draining"}, sched.Write)
	s.draining = true
	s.mu.Unlock()
	s.room.Offer(struct{}{})
}

// fanOut is the local fan-out's non-blocking send; it reports false when
// the channel is full (the event is dropped). The stream's mutex is held.
// This model's subscriber takes durable messages only from the merge, so a
// fan-out event is counted, not delivered.
func (s *Subscriber) fanOut(Message) bool {
	s.mu.lockPart(part{s.Name, "live"}, sched.Write)
	room := s.live < s.replica.cfg.FanOutQueue
	if room {
		s.live++
	}
	s.mu.Unlock()
	return room
}

// deliver sends m to the client: with the snapshot, or as an event from the
// merge. Nothing goes out once the stream has ended.
func (s *Subscriber) deliver(m Message, via string) {
	if s.isEnded() && via != "snapshot" {
		return
	}
	// The delivery is built in the event the merge sends (see send).
	ev := Event{Kind: EventMessage}
	d := &ev.Delivery
	s.mu.Lock()
	*d = Delivery{Message: m, Epoch: s.epoch, Sync: s.syncs, Step: s.rt.Step(), Via: via}
	s.mu.Unlock()
	if s.commits != nil {
		d.Uncommitted = !s.commits.Committed(m.ID)
	}
	if via == "snapshot" {
		s.mu.Lock()
		s.snapshot = append(s.snapshot, *d)
		s.deliveries = append(s.deliveries, *d)
		s.mu.Unlock()
		if s.rt.Tracing() {
			s.note("deliver #%d via %s", m.ID, via)
		}
		s.observeDelivery(m.ID, via)
		return
	}
	if !s.send(&ev) {
		return
	}
	s.mu.Lock()
	if s.deliveries == nil {
		s.deliveries = make([]Delivery, 0, initialEvents)
	}
	s.deliveries = append(s.deliveries, *d)
	s.mu.Unlock()
	if s.rt.Tracing() {
		s.note("deliver #%d via %s", m.ID, via)
	}
	s.observeDelivery(m.ID, via)
}

// observe sends a model event of the subscriber, when observed.
func (s *Subscriber) observe(e ModelEvent) {
	if o := s.replica.obs; o != nil {
		e.Step, e.Who = s.rt.Step(), s.Name
		o.Observe(e)
	}
}

// observeDelivery sends a delivery with the subscriber's delivered
// messages, in the order sent.
func (s *Subscriber) observeDelivery(id int64, via string) {
	if s.replica.obs == nil {
		return
	}
	s.observe(ModelEvent{Kind: ModelDeliver, IDs: []int64{id}, Text: fmt.Sprintf("%s: deliver #%d via %s", s.Name, id, via),
		State: []Field{arrivalField(s.Name, "delivered", s.DeliveredIDs())}})
}

// note adds a note attributed to the subscriber when the run records a
// trace. Callers whose arguments cost something to build check
// rt.Tracing() first.
func (s *Subscriber) note(format string, args ...any) {
	if s.rt.Tracing() {
		s.rt.Notef(s.Name+": "+format, args...)
	}
}

// close ends the stream's tasks once they have handled what is queued
// (they stop at once if the stream has ended), and waits for them.
func (s *Subscriber) close() { s.handler.Close() }

// Snapshot returns what the snapshot delivered.
func (s *Subscriber) Snapshot() []Delivery {
	s.mu.LockRead()
	defer s.mu.Unlock()
	return slices.Clone(s.snapshot)
}

// snapshotView returns what Snapshot does without a copy, for the
// client, which only reads it: the snapshot is only ever appended to.
func (s *Subscriber) snapshotView() []Delivery {
	s.mu.LockRead()
	v := s.snapshot[:len(s.snapshot):len(s.snapshot)]
	s.mu.Unlock()
	return v
}

// Deliveries returns what the stream sent its client, in order: the
// snapshot, then each message the merge sent before the stream ended.
func (s *Subscriber) Deliveries() []Delivery {
	s.mu.LockRead()
	defer s.mu.Unlock()
	return slices.Clone(s.deliveries)
}

// DeliveredIDs returns the IDs of Deliveries, in order.
func (s *Subscriber) DeliveredIDs() []int64 {
	s.mu.LockRead()
	defer s.mu.Unlock()
	out := make([]int64, len(s.deliveries))
	for i, d := range s.deliveries {
		out[i] = d.ID
	}
	return out
}

// DropNext makes the next notify for this stream overflow its pubsub queue
// (Replica.DropNext): it is lost, and the stream ends with ErrDropped.
func (s *Subscriber) DropNext() { s.replica.DropNext(s) }

// Epoch returns the stream's epoch: how many FullRefresh epochs (or
// history resets) it started.
func (s *Subscriber) Epoch() int {
	s.mu.LockRead()
	defer s.mu.Unlock()
	return s.epoch
}

// Cursor returns the history of lastMessageID.
func (s *Subscriber) Cursor() []CursorMove {
	s.mu.LockRead()
	defer s.mu.Unlock()
	return slices.Clone(s.cursor)
}

// LastMessageID returns the cursor (read it once the merge has settled).
func (s *Subscriber) LastMessageID() int64 { return s.ctx.last }
