package harness

import (
	"fmt"
	"strconv"

	"github.com/interleave/interleave/sched"
)

// mergeDesign runs a MergeStrategy as a StreamDesign: the subscriber of
// chatd-model.md §5, with a snapshot, a cursor and a merge goroutine that
// runs the strategy for each notify.
type mergeDesign struct{ MergeStrategy }

func (d mergeDesign) NewStream(s *Subscriber) StreamHandler {
	r := s.replica
	s.notifyCh = s.notifyCh.Renew(r.rt, s.names.notifyCh, r.cfg.NotifyQueue) // nil for a new subscriber
	if s.mergeFn == nil {
		s.mergeFn, s.notifyFn = s.mergeLoop, mergeStream{s}.Notify
	}
	// The delivered set and the lookups' lists in the memory a Reuse kept
	// (newSubscriber), if any: the set empty, the lists emptied.
	delivered, cached, queried := s.ctx.delivered, s.ctx.cached, s.ctx.queried
	if delivered == nil {
		delivered = map[int64]bool{}
	}
	clear(delivered)
	clear(cached) // past their lengths, the lists hold zeros (keepLookup)
	clear(queried)
	s.ctx = MergeContext{sub: s, AfterMessageID: s.AfterMessageID, delivered: delivered, cached: cached[:0], queried: queried[:0]}
	s.handles = d.MergeStrategy
	return mergeStream{s}
}

// mergeStream is a merge strategy's stream. Its state lives in the
// Subscriber (the notify channel, the merge task, the MergeContext), where
// interleave debug's breakpoints read it.
type mergeStream struct{ s *Subscriber }

// Start is the snapshot (§5.2), the cursor (§5.3) and the merge goroutine
// (§5.4).
func (m mergeStream) Start() error {
	s := m.s
	// The snapshot in the memory of the merge's query list, which the
	// merge goroutine, started below, uses next.
	snap, err := queryInto(s.replica.store, s.ctx.queried, s.ChatID, s.AfterMessageID)
	s.ctx.queried = keepLookup(s.ctx.queried, snap)
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
	s.merge = s.rt.Go(s.names.merge, s.mergeFn) // s.mergeLoop
	return nil
}

// Notify is the pubsub callback (§5.1, §10): a notify goes into notifyCh,
// blocking while it is full; an error ends the stream.
func (m mergeStream) Notify(n Notify, err error) {
	if err != nil {
		m.s.end(err)
		return
	}
	m.s.notifyCh.Send(n)
}

// Close ends the merge goroutine once it has handled every queued notify,
// and waits for it.
func (m mergeStream) Close() {
	m.s.closeNotify()
	if m.s.merge != nil {
		m.s.merge.Join()
	}
}

// stop closes the notify channel when the stream ends: the merge drains it
// without handling what is left, and exits.
func (m mergeStream) stop() { m.s.closeNotify() }

func (s *Subscriber) closeNotify() {
	s.mu.lockPart(part{s.Name, "notify closed"}, sched.Write)
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
		s.mu.declarePart(part{s.Name, "live"}, sched.Write)
		s.notifies++
		s.liveSeen += s.live
		s.live = 0
		s.mu.Unlock()
		if n.AfterMessageID > 0 || n.FullRefresh {
			s.NewSync()
			if s.rt.Tracing() {
				s.note("merge: handle %s (lastMessageID %d)", n, s.ctx.last)
			}
			if s.replica.obs != nil {
				s.observe(ModelEvent{Kind: ModelMerge, Text: fmt.Sprintf("%s: merge: handle %s (lastMessageID %d)", s.Name, n, s.ctx.last)})
			}
			s.handles.HandleNotify(&s.ctx, n)
		}
		if n.QueueUpdate {
			// §10: the stream answers a queue update with a read of the
			// queue.
			q, err := s.replica.store.GetQueuedMessages(s.ChatID)
			if err != nil {
				s.note("merge: queue read failed: %v", err)
			} else {
				s.send(&Event{Kind: EventQueue, Queued: q})
			}
		}
		if n.Status != "" {
			s.send(&Event{Kind: EventStatus, Status: n.Status})
		}
	}
}
