package harness

import (
	"fmt"
	"sync"

	"github.com/interleave/interleave/sched"
)

// Delivery is one message sent to a subscriber's client.
type Delivery struct {
	Message
	// Epoch is 0 until the first FullRefresh, then 1, and so on.
	Epoch int
	// Step is the scheduling step of the delivery (0 in wild mode).
	Step int
	// Via says where the message came from: snapshot, cache or db.
	Via string
}

// CursorMove records a change of the subscriber's lastMessageID.
type CursorMove struct {
	Step     int
	From, To int64
	// Epoch is the FullRefresh epoch the move was made in.
	Epoch int
}

// Subscriber is one SubscribeAuthorized call (§5): a pubsub listener feeding
// a notify queue, an initial snapshot, and a merge goroutine that runs the
// strategy for each notify.
type Subscriber struct {
	Name           string
	ChatID         int64
	AfterMessageID int64
	Strategy       MergeStrategy

	rt       *sched.Runtime
	replica  *Replica
	notifyCh *sched.Queue[Notify]
	merge    *sched.Task
	ctx      MergeContext

	mu         sync.Mutex // guards what readers outside the merge task see
	deliveries []Delivery
	cursor     []CursorMove
	epoch      int
	live       int // local fan-out events pending (capacity Config.FanOutQueue)
	liveSeen   int
	notifies   int
}

// SubscribeAuthorized subscribes to a chat's stream on this replica (§5):
// it subscribes to the pubsub channel first, then reads the snapshot after
// afterMessageID and delivers it, sets the cursor, and starts the merge
// goroutine. It must be called from a task of the run; the snapshot query
// is a scheduling point, so writers can interleave with it.
func (r *Replica) SubscribeAuthorized(name string, chatID, afterMessageID int64, strategy MergeStrategy) (*Subscriber, error) {
	s := &Subscriber{Name: name, ChatID: chatID, AfterMessageID: afterMessageID, Strategy: strategy, rt: r.rt, replica: r,
		notifyCh: sched.NewQueue[Notify](r.rt, name+" notifyCh", r.cfg.NotifyQueue)}
	s.ctx = MergeContext{sub: s, AfterMessageID: afterMessageID, delivered: map[int64]bool{}}
	// 1. Subscribe first. The callback blocks while notifyCh is full.
	r.ps.Subscribe(name+" listener", ChatChannel(chatID), func(n Notify) { s.notifyCh.Send(n) })
	st := r.stream(chatID)
	st.mu.Lock()
	st.local = append(st.local, s)
	st.mu.Unlock()
	// 2. Snapshot; every snapshot ID is delivered.
	snap, err := r.store.GetChatMessagesByChatID(chatID, afterMessageID)
	if err != nil {
		return nil, fmt.Errorf("subscribe %s: snapshot: %w", name, err)
	}
	if s.rt.Tracing() {
		s.note("snapshot after %d -> %v", afterMessageID, ids(snap))
	}
	for _, m := range snap {
		s.ctx.delivered[m.ID] = true
		s.deliver(m, "snapshot")
	}
	// 3. The cursor: afterMessageID, or the last snapshot row's ID (last by
	// created_at, not necessarily the largest).
	s.ctx.last = afterMessageID
	if len(snap) > 0 {
		s.ctx.SetLastMessageID(snap[len(snap)-1].ID)
	}
	// 4. The merge goroutine.
	s.merge = r.rt.Go(name+" merge", s.mergeLoop)
	return s, nil
}

func (s *Subscriber) mergeLoop() {
	for {
		n, ok := s.notifyCh.Recv()
		if !ok {
			return
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
			s.Strategy.HandleNotify(&s.ctx, n)
		}
	}
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

func (s *Subscriber) deliver(m Message, via string) {
	s.mu.Lock()
	s.deliveries = append(s.deliveries, Delivery{Message: m, Epoch: s.epoch, Step: s.rt.Step(), Via: via})
	s.mu.Unlock()
	if s.rt.Tracing() {
		s.note("deliver #%d via %s", m.ID, via)
	}
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
	s.notifyCh.Close()
	s.merge.Join()
}

// Deliveries returns what the client received, in order.
func (s *Subscriber) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.deliveries...)
}

// DeliveredIDs returns the IDs the client received, in order.
func (s *Subscriber) DeliveredIDs() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]int64, len(s.deliveries))
	for i, d := range s.deliveries {
		out[i] = d.ID
	}
	return out
}

// Cursor returns the history of lastMessageID.
func (s *Subscriber) Cursor() []CursorMove {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]CursorMove(nil), s.cursor...)
}

// LastMessageID returns the cursor (read it once the merge has settled).
func (s *Subscriber) LastMessageID() int64 { return s.ctx.last }
