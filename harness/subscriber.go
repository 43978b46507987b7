package harness

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/interleave/interleave/sched"
)

// Delivery is one message a stream sent its client.
type Delivery struct {
	Message
	// Epoch is 0 until the stream's first FullRefresh, then 1, and so on.
	Epoch int
	// Step is the scheduling step of the delivery (0 in wild mode).
	Step int
	// Via says where the message came from: snapshot, cache or db.
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

// Subscriber is one stream: one SubscribeAuthorized call (§5). A pubsub
// subscription feeds the notify queue, an initial snapshot is read, and a
// merge goroutine runs the strategy for each notify and sends what it finds
// to the client over a channel of capacity Config.ClientQueue, blocking
// while it is full (§10). A listener error (ErrDropped) becomes an error
// event and ends the stream (§10); the Client then reconnects.
type Subscriber struct {
	Name           string
	ChatID         int64
	AfterMessageID int64
	Strategy       MergeStrategy

	rt       *sched.Runtime
	replica  *Replica
	notifyCh *sched.Queue[Notify]
	room     *sched.Queue[struct{}] // a token when the client has read: room in the channel
	done     *sched.Queue[struct{}] // closed when the stream ends
	sub      Subscription
	merge    *sched.Task
	ctx      MergeContext

	mu           guard // guards what readers outside the merge task see
	snapshot     []Delivery
	deliveries   []Delivery
	cursor       []CursorMove
	epoch        int
	live         int // local fan-out events pending (capacity Config.FanOutQueue)
	liveSeen     int
	notifies     int
	ended        bool  // a listener error ended the stream
	endErr       error // that error
	notifyClosed bool
	client       *Client // the client reading events, once there is one
	// The channel to the client: events sent and not yet read, at most
	// outCap of them unless draining (the client reads everything from
	// now on, see Client).
	out      []Event
	outCap   int
	draining bool
}

// SubscribeAuthorized subscribes to a chat's stream on this replica (§5):
// it subscribes to the pubsub channel first, then reads the snapshot after
// afterMessageID and delivers it, sets the cursor, and starts the merge
// goroutine. It must be called from a task of the run; the snapshot query
// is a scheduling point, so writers can interleave with it. It is Listen
// then Start.
func (r *Replica) SubscribeAuthorized(name string, chatID, afterMessageID int64, strategy MergeStrategy) (*Subscriber, error) {
	s := r.Listen(name, chatID, afterMessageID, strategy)
	if err := s.Start(); err != nil {
		return nil, err
	}
	return s, nil
}

// Listen is the first half of SubscribeAuthorized: the pubsub subscription
// (§5.1). Notifies from now on queue up (the callback blocks once the
// notify queue is full) until Start reads the snapshot and starts the
// merge; other tasks can run in between.
func (r *Replica) Listen(name string, chatID, afterMessageID int64, strategy MergeStrategy) *Subscriber {
	s := &Subscriber{Name: name, ChatID: chatID, AfterMessageID: afterMessageID, Strategy: strategy, rt: r.rt, replica: r,
		notifyCh: sched.NewQueue[Notify](r.rt, name+" notifyCh", r.cfg.NotifyQueue),
		room:     sched.NewQueue[struct{}](r.rt, name+" channel room", 1),
		done:     sched.NewQueue[struct{}](r.rt, name+" done", 1),
		outCap:   r.cfg.ClientQueue}
	s.mu.init(r.rt, shared(r.rt, name))
	s.ctx = MergeContext{sub: s, AfterMessageID: afterMessageID, delivered: map[int64]bool{}}
	s.sub = r.ps.Subscribe(name+" listener", ChatChannel(chatID), s.onNotify)
	st := r.stream(chatID)
	st.mu.Lock()
	st.local = append(st.local, s)
	st.mu.Unlock()
	r.mu.Lock()
	r.subs = append(r.subs, s)
	r.mu.Unlock()
	return s
}

// Start is the second half of SubscribeAuthorized: the snapshot (§5.2), the
// cursor (§5.3) and the merge goroutine (§5.4).
func (s *Subscriber) Start() error {
	snap, err := s.replica.store.GetChatMessagesByChatID(s.ChatID, s.AfterMessageID)
	if err != nil {
		return fmt.Errorf("subscribe %s: snapshot: %w", s.Name, err)
	}
	if s.rt.Tracing() {
		s.note("snapshot after %d -> %v", s.AfterMessageID, ids(snap))
	}
	if s.replica.obs != nil {
		s.observe(ModelEvent{Kind: ModelSnapshot, IDs: ids(snap), Text: fmt.Sprintf("%s: snapshot after %d -> %v", s.Name, s.AfterMessageID, ids(snap)),
			State: []Field{ScalarField(s.Name, "afterMessageID", strconv.FormatInt(s.AfterMessageID, 10)),
				ScalarField(s.Name, "lastMessageID", strconv.FormatInt(s.AfterMessageID, 10))}})
	}
	for _, m := range snap {
		s.ctx.delivered[m.ID] = true
		s.deliver(m, "snapshot")
	}
	// The cursor: afterMessageID, or the last snapshot row's ID (last by
	// created_at, not necessarily the largest, §10).
	s.ctx.last = s.AfterMessageID
	if len(snap) > 0 {
		s.ctx.SetLastMessageID(snap[len(snap)-1].ID)
	}
	s.merge = s.rt.Go(s.Name+" merge", s.mergeLoop)
	return nil
}

// onNotify is the pubsub callback (§5.1, §10): a notify goes into notifyCh,
// blocking while it is full; an error ends the stream.
func (s *Subscriber) onNotify(n Notify, err error) {
	if err != nil {
		s.end(err)
		return
	}
	s.notifyCh.Send(n)
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
	s.sub.Cancel()
	s.closeNotify()
}

func (s *Subscriber) isEnded() bool {
	s.mu.LockRead()
	defer s.mu.Unlock()
	return s.ended
}

func (s *Subscriber) closeNotify() {
	s.mu.Lock()
	closed := s.notifyClosed
	s.notifyClosed = true
	s.mu.Unlock()
	if !closed {
		s.notifyCh.Close()
	}
}

func (s *Subscriber) mergeLoop() {
	for {
		n, ok := s.notifyCh.Recv()
		if !ok {
			return
		}
		if s.isEnded() {
			continue // the stream is over: what is left goes nowhere
		}
		s.mu.Lock()
		s.notifies++
		s.liveSeen += s.live
		s.live = 0
		s.mu.Unlock()
		if n.AfterMessageID > 0 || n.FullRefresh {
			if s.rt.Tracing() {
				s.note("merge: handle %s (lastMessageID %d)", n, s.ctx.last)
			}
			if s.replica.obs != nil {
				s.observe(ModelEvent{Kind: ModelMerge, Text: fmt.Sprintf("%s: merge: handle %s (lastMessageID %d)", s.Name, n, s.ctx.last)})
			}
			s.Strategy.HandleNotify(&s.ctx, n)
		}
		if n.QueueUpdate {
			// §10: the stream answers a queue update with a read of the
			// queue.
			q, err := s.replica.store.GetQueuedMessages(s.ChatID)
			if err != nil {
				s.note("merge: queue read failed: %v", err)
			} else {
				s.send(Event{Kind: EventQueue, Queued: q})
			}
		}
		if n.Status != "" {
			s.send(Event{Kind: EventStatus, Status: n.Status})
		}
	}
}

// send sends an event to the client: into the channel if it has room (not
// a scheduling point: the client reads later, see Client, so nothing
// observes the moment), else it blocks until the client reads or the stream
// ends. It reports whether the event went out.
func (s *Subscriber) send(ev Event) bool {
	for {
		s.mu.Lock()
		if s.ended {
			s.mu.Unlock()
			return false
		}
		if len(s.out) < s.outCap || s.draining {
			s.out = append(s.out, ev)
			s.mu.Unlock()
			return true
		}
		s.mu.Unlock()
		s.note("channel to the client full (%d events): the send blocks", s.outCap)
		s.rt.Select(s.room.RecvCase(nil), s.done.RecvCase(nil))
	}
}

// take is the client reading: every event sent so far, in order.
func (s *Subscriber) take() []Event {
	s.mu.Lock()
	evs := s.out
	s.out = nil
	s.mu.Unlock()
	s.room.Offer(struct{}{})
	return evs
}

// drain makes every send from now on go through: the client reads
// everything (Settle).
func (s *Subscriber) drain() {
	s.mu.Lock()
	s.draining = true
	s.mu.Unlock()
	s.room.Offer(struct{}{})
}

// fanOut is the local fan-out's non-blocking send; it reports false when
// the channel is full (the event is dropped). The stream's mutex is held.
// This model's subscriber takes durable messages only from the merge, so a
// fan-out event is counted, not delivered.
func (s *Subscriber) fanOut(Message) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.live >= s.replica.cfg.FanOutQueue {
		return false
	}
	s.live++
	return true
}

// deliver sends m to the client: with the snapshot, or as an event from the
// merge. Nothing goes out once the stream has ended.
func (s *Subscriber) deliver(m Message, via string) {
	if s.isEnded() && via != "snapshot" {
		return
	}
	d := Delivery{Message: m, Epoch: s.epoch, Step: s.rt.Step(), Via: via}
	if cc, ok := s.replica.store.(CommitChecker); ok {
		d.Uncommitted = !cc.Committed(m.ID)
	}
	if via == "snapshot" {
		s.mu.Lock()
		s.snapshot = append(s.snapshot, d)
		s.deliveries = append(s.deliveries, d)
		s.mu.Unlock()
		s.note("deliver #%d via %s", m.ID, via)
		s.observeDelivery(m.ID, via)
		return
	}
	if !s.send(Event{Kind: EventMessage, Delivery: d}) {
		return
	}
	s.mu.Lock()
	s.deliveries = append(s.deliveries, d)
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

// close ends the merge goroutine once it has handled every queued notify,
// and waits for it.
func (s *Subscriber) close() {
	s.closeNotify()
	if s.merge != nil {
		s.merge.Join()
	}
}

// Snapshot returns what the snapshot delivered.
func (s *Subscriber) Snapshot() []Delivery {
	s.mu.LockRead()
	defer s.mu.Unlock()
	return slices.Clone(s.snapshot)
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

// Ended returns the listener error that ended the stream, or nil.
func (s *Subscriber) Ended() error {
	s.mu.LockRead()
	defer s.mu.Unlock()
	return s.endErr
}

// Cursor returns the history of lastMessageID.
func (s *Subscriber) Cursor() []CursorMove {
	s.mu.LockRead()
	defer s.mu.Unlock()
	return slices.Clone(s.cursor)
}

// LastMessageID returns the cursor (read it once the merge has settled).
func (s *Subscriber) LastMessageID() int64 { return s.ctx.last }
