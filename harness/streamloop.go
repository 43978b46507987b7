package harness

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/interleave/interleave/sched"
)

// StreamLoop is the design upstream runs since mid-2026 (stream-loop.md): a
// stream driven by versions. Writers go through the update entry point
// (the chat-row lock, then the snapshot version's bump) and, after each
// commit, publish a hint with the chat's new versions (HintPublisher). Each
// stream keeps the versions it has seen and knownMessages (ID -> revision
// sent); a hint, or the poller's read of the versions, that is newer and
// changed a tracked field (the history version, the status) starts a sync:
// one read-only REPEATABLE READ transaction that reads the chat row and
// the rows with revision > the history version seen, sends those not
// known at their revision (the initial sync also skips IDs <=
// afterMessageID) and moves the history version seen. A deleted row among
// them makes it send a history_reset and the whole visible history. A
// failed sync is retried, with backoff; the fifth failure closes the
// stream's channel with no error event. The oracle that judges it is
// OracleConvergence.
//
// The store must be a VersionStore (MemStore is; so is pgbackend's).
type StreamLoop struct{}

func (StreamLoop) Name() string { return "stream-loop" }

// PublishesHints implements HintPublisher.
func (StreamLoop) PublishesHints() bool { return true }

// Oracle implements Judged: stream-loop.md §4.
func (StreamLoop) Oracle() Oracle { return OracleConvergence }

// NewStream implements StreamDesign.
func (StreamLoop) NewStream(s *Subscriber) StreamHandler {
	vs, ok := s.replica.store.(VersionStore)
	if !ok {
		panic(fmt.Sprintf("harness: the stream loop needs a store with versions (VersionStore); %T is not one", s.replica.store))
	}
	cfg := s.replica.cfg
	l := &streamLoop{s: s, store: vs,
		hints:          sched.NewQueue[ChatVersions](s.rt, s.Name+" hints", cfg.HintQueue),
		polls:          sched.NewQueue[ChatVersions](s.rt, s.Name+" polls", 1),
		settling:       sched.NewQueue[struct{}](s.rt, s.Name+" settling", 1),
		period:         cfg.PollPeriod,
		pollsLeft:      cfg.Polls,
		known:          map[int64]int64{},
		seen:           ChatVersions{History: s.AfterRevision},
		afterMessageID: s.AfterMessageID}
	l.mu.init(s.rt, sharedSuffixed(s.rt, s.Name, " closing"))
	return l
}

// MaxSyncAttempts is how many times in a row the stream loop tries a sync
// before it closes the stream (stream-loop.md §3: five failures).
const MaxSyncAttempts = 5

// PollPeriod is the poller's period (stream-loop.md §3), the default of
// Config.PollPeriod.
const PollPeriod = 10 * time.Second

// DefaultPolls is how many polls a stream's poller makes before the world
// settles (Config.Polls), besides the one the settled world gets: a bound,
// so that a run whose tasks are all blocked for good ends as a deadlock
// instead of polling forever.
const DefaultPolls = 3

// SyncBackoff is the wait before retry n (from 1) of a failed sync: 100 ms,
// doubling, at most 1 s (stream-loop.md §3).
func SyncBackoff(n int) time.Duration {
	d := 100 * time.Millisecond << (n - 1)
	return min(d, time.Second)
}

// streamLoop is one stream of the stream loop. Its state (stream-loop.md
// §2) is touched only by its loop task; the pubsub callback and the poller
// reach it through the two channels.
//
// Time is the run's virtual clock (sched.Runtime.NewTicker, Sleep): it
// advances only when every task is blocked, so a poll comes when the run
// has nothing else to do, or when a task sleeps past it (a scenario's
// 'sleep'); a poll period costs nothing real, and what a lost hint costs
// shows as virtual time. In wild mode (PostgreSQL) the same calls run on
// real time, with the period of Config.PollPeriod.
type streamLoop struct {
	s     *Subscriber
	store VersionStore
	hints *sched.Queue[ChatVersions] // the pubsub callback's hints (it blocks while full)
	polls *sched.Queue[ChatVersions] // the poller's reads (a drop-on-full send)
	// settling is closed when the world settles: the poller makes the
	// last poll, one period later, and closes polls.
	settling  *sched.Queue[struct{}]
	period    time.Duration
	pollsLeft int // the poller's polls before the world settles

	loop, poller *sched.Task

	mu      guard // guards closing
	closing bool  // the world settles: hints is closed

	// The stream's state, the loop task's alone.
	seen           ChatVersions    // the versions seen (History starts at the cursor's AfterRevision)
	known          map[int64]int64 // knownMessages: ID -> revision sent; looked up by key only
	initialDone    bool
	afterMessageID int64
}

// Notify implements StreamHandler: a hint goes into the hint channel,
// blocking while it is full (capacity Config.HintQueue); a listener error
// is a lost hint: the stream subscribes anew and the poller covers what
// was lost (the design page is silent on errors; a Go service would log
// and resubscribe). Notifies that carry no versions mean nothing to the
// stream loop.
func (l *streamLoop) Notify(n Notify, err error) {
	s := l.s
	if err != nil {
		s.note("listener error (%v): hints were lost; subscribe anew (the next poll covers them)", err)
		s.Resubscribe()
		return
	}
	if !n.Hint {
		s.note("%s carries no versions: ignored", n)
		return
	}
	// Until the stream ends: a closed stream's callback must not block.
	s.rt.Select(l.hints.SendCase(n.Versions(), nil), s.done.RecvCase(nil))
}

// Start implements StreamHandler: it starts the loop, whose first act is
// the initial sync, and the poller.
func (l *streamLoop) Start() error {
	s := l.s
	l.loop = s.rt.Go(s.Name+" loop", l.run)
	l.poller = s.rt.Go(s.Name+" poller", l.poll)
	return nil
}

// Close implements StreamHandler. When the world settles, the hint channel
// closes; the loop handles what is in it, then makes the poll that the
// next poll period would bring, and exits.
func (l *streamLoop) Close() {
	if !l.s.isEnded() {
		l.mu.Lock()
		first := !l.closing
		l.closing = true
		l.mu.Unlock()
		if first {
			l.hints.Close()
			l.settling.Close()
		}
	}
	var tasks []*sched.Task
	for _, t := range []*sched.Task{l.loop, l.poller} {
		if t != nil {
			tasks = append(tasks, t)
		}
	}
	l.s.rt.JoinAll(tasks...)
}

// run is the loop task.
func (l *streamLoop) run() {
	s := l.s
	if !l.syncRetrying("initial sync") {
		return
	}
	hintsClosed := false
	for !s.isEnded() {
		var v ChatVersions
		var ok bool
		got := func(x ChatVersions, o bool) { v, ok = x, o }
		cases := []sched.Case{l.polls.RecvCase(got), s.done.RecvCase(nil), l.hints.RecvCase(got)}
		if hintsClosed {
			cases = cases[:2]
		}
		switch s.rt.Select(cases...) {
		case 0:
			if !ok {
				return // the settled world's last poll was handled
			}
			l.consider("poll", v)
		case 1:
			return // the stream ended
		default:
			if !ok {
				hintsClosed = true // the world settles: the last poll comes
				continue
			}
			l.consider("hint", v)
		}
	}
}

// poll is the poller task: a cheap read of the versions every poll period
// of the virtual clock, with a drop-on-full send into a channel of capacity
// 1. It makes at most Config.Polls polls before the world settles, then one
// more a period after the world settled (the oracle judges the stream after
// every hint and poll was handled, stream-loop.md §4), which it sends
// blocking, and closes the poll channel.
func (l *streamLoop) poll() {
	s := l.s
	rt := s.rt
	settled := false
	if l.pollsLeft > 0 {
		tk := rt.NewTicker(l.period)
		for ; l.pollsLeft > 0 && !settled; l.pollsLeft-- {
			switch rt.Select(tk.C.RecvCase(nil), l.settling.RecvCase(nil), s.done.RecvCase(nil)) {
			case 0:
				if v, ok := l.readVersions("poll"); ok {
					if l.polls.Offer(v) {
						s.note("poll: versions %s", v)
					} else {
						s.note("poll: versions %s; the poll channel is full: dropped", v)
					}
				}
			case 1:
				settled = true
			default:
				tk.Stop()
				return
			}
		}
		tk.Stop()
	}
	if !settled && rt.Select(l.settling.RecvCase(nil), s.done.RecvCase(nil)) == 1 {
		return
	}
	tm := rt.NewTimer(l.period)
	if rt.Select(tm.C.RecvCase(nil), s.done.RecvCase(nil)) == 1 {
		tm.Stop()
		return
	}
	if v, ok := l.readVersions("the settled world's poll"); ok {
		rt.Select(l.polls.SendCase(v, nil), s.done.RecvCase(nil))
	}
	l.polls.Close()
}

// readVersions is the poller's read.
func (l *streamLoop) readVersions(what string) (ChatVersions, bool) {
	v, err := l.store.ChatVersions(l.s.ChatID)
	if err != nil {
		l.s.note("%s: %v", what, err)
		return ChatVersions{}, false
	}
	return v, true
}

// shouldFetch says whether versions v start a sync (stream-loop.md §3): v
// must be newer than what was seen and change a tracked field (the history
// version, or the status when v carries one).
func (l *streamLoop) shouldFetch(v ChatVersions) (bool, string) {
	switch {
	case v.Snapshot <= l.seen.Snapshot:
		return false, fmt.Sprintf("snapshot %d is not newer than %d", v.Snapshot, l.seen.Snapshot)
	case v.History == l.seen.History && (v.Status == "" || v.Status == l.seen.Status):
		return false, fmt.Sprintf("snapshot %d is newer, but no tracked field changed (history %d, status %s)", v.Snapshot, v.History, l.seen.Status)
	}
	return true, ""
}

// consider handles versions from a hint or a poll.
func (l *streamLoop) consider(from string, v ChatVersions) {
	fetch, why := l.shouldFetch(v)
	l.decided(from, v, fetch)
	if !fetch {
		l.s.note("%s %s: skip the sync: %s", from, v, why)
		return
	}
	l.s.note("%s %s: sync (seen %s)", from, v, l.seen)
	l.syncRetrying(from)
}

// syncRetrying syncs, retrying a failed sync after SyncBackoff; after
// MaxSyncAttempts failures in a row it closes the stream and reports
// false.
func (l *streamLoop) syncRetrying(why string) bool {
	s := l.s
	for attempt := 1; ; attempt++ {
		err := l.sync(why)
		if err == nil {
			return true
		}
		if attempt == MaxSyncAttempts {
			s.CloseSilently(fmt.Sprintf("the sync failed %d times in a row (%v)", attempt, err))
			return false
		}
		d := SyncBackoff(attempt)
		s.note("sync failed (%v), attempt %d of %d: retry in %v", err, attempt, MaxSyncAttempts, d)
		s.rt.Sleep(d)
		if s.isEnded() {
			return false
		}
	}
}

// sync is one sync (stream-loop.md §3).
func (l *streamLoop) sync(why string) error {
	s := l.s
	var chat ChatVersions
	var rows, history []Message
	err := l.store.Sync(s.ChatID, func(tx SyncTx) error {
		var err error
		if chat, err = tx.Chat(); err != nil {
			return err
		}
		if rows, err = tx.ChangedSince(l.seen.History); err != nil {
			return err
		}
		for _, m := range rows {
			if m.Deleted {
				history, err = tx.History()
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	n := s.NewSync()
	l.synced(n, why, chat, rows)
	if s.rt.Tracing() {
		s.note("sync %d (%s): revision > %d -> %s, rows %s", n, why, l.seen.History, chat, revs(rows))
	}
	if history != nil {
		s.note("sync %d: a deleted row: history_reset, then the whole history %s", n, revs(history))
		s.ResetHistory()
		clear(l.known)
		for _, m := range history {
			l.send(m)
		}
	} else {
		for _, m := range rows {
			if k, ok := l.known[m.ID]; ok && k >= m.Revision {
				l.skipped(m, k)
				s.note("skip #%d@%d: known at revision %d", m.ID, m.Revision, k)
				continue
			}
			if !l.initialDone && m.ID <= l.afterMessageID {
				l.skipped(m, 0)
				s.note("skip #%d@%d: at or below afterMessageID %d (initial sync)", m.ID, m.Revision, l.afterMessageID)
				continue
			}
			l.send(m)
		}
	}
	if chat.Status != l.seen.Status {
		s.send(&Event{Kind: EventStatus, Status: chat.Status, HistoryVersion: chat.History})
		s.note("status %s (history version %d)", chat.Status, chat.History)
	}
	l.seen, l.initialDone = chat, true
	if s.replica.obs != nil {
		l.observeSync(n, why, rows)
	}
	return nil
}

// observeSync reports a sync to the model's observer: the rows it read, and
// the stream's state after it, the versions seen and the revision known of
// each message (in ID order).
func (l *streamLoop) observeSync(n int, why string, rows []Message) {
	s := l.s
	known := make([]int64, 0, len(l.known))
	for id := range l.known {
		known = append(known, id)
	}
	slices.Sort(known) // map order must not reach the page
	items := make([]Item, len(known))
	for i, id := range known {
		items[i] = Item{Text: fmt.Sprintf("#%d@%d", id, l.known[id])} // no key: a new revision is a new item
	}
	s.observe(ModelEvent{Kind: ModelSync, IDs: ids(rows), Text: fmt.Sprintf("%s: sync %d (%s): rows %s", s.Name, n, why, revs(rows)),
		State: []Field{
			ScalarField(s.Name, "versions seen", l.seen.String()),
			{Group: s.Name, Name: "known revisions", List: true, Items: items},
		}})
}

// send sends m and remembers its revision.
func (l *streamLoop) send(m Message) {
	l.known[m.ID] = m.Revision
	l.sending(m)
	l.s.deliver(m, "sync")
}

// The hooks below do nothing. They are where a debugger breaks (interleave
// debug does), with what was decided in scope; they compile to nothing in
// an optimised build.

// decided is called when versions from a hint or a poll were weighed:
// fetch says whether they start a sync.
func (l *streamLoop) decided(from string, v ChatVersions, fetch bool) {}

// synced is called after sync n read the chat and its changed rows.
func (l *streamLoop) synced(n int, why string, chat ChatVersions, rows []Message) {}

// skipped is called when a sync skips row m: known is its known revision,
// or 0 when the initial sync skips it as at or below afterMessageID.
func (l *streamLoop) skipped(m Message, known int64) {}

// sending is called before row m is sent to the client.
func (l *streamLoop) sending(m Message) {}

// revs renders rows as #ID@revision, deleted rows marked.
func revs(ms []Message) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = fmt.Sprintf("#%d@%d", m.ID, m.Revision)
		if m.Deleted {
			parts[i] += "(deleted)"
		}
	}
	return "[" + strings.Join(parts, " ") + "]"
}
