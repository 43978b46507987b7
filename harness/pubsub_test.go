package harness_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/harness"
	"github.com/interleave/interleave/sched"
)

// recorder is a pubsub callback that keeps what it gets.
type recorder struct {
	afters []int64
	errs   []error
}

func (r *recorder) cb(n harness.Notify, err error) {
	if err != nil {
		r.errs = append(r.errs, err)
		return
	}
	r.afters = append(r.afters, n.AfterMessageID)
}

// TestPubSubQueueOverflowDropsWithAnError (§10): each subscription has a
// queue of QueueSize notifies (2048 by default). A notify that finds it full
// is lost, the subscriber gets ErrDropped after what is queued, and nothing
// more; the panic the old 4096-entry backlog had on overflow is gone.
func TestPubSubQueueOverflowDropsWithAnError(t *testing.T) {
	require.Equal(t, 2048, harness.DefaultPubSubQueue)
	var got recorder
	res := sched.Run(func(rt *sched.Runtime) {
		ps := harness.NewPubSub(rt)
		ps.QueueSize = 2
		block := sched.NewQueue[struct{}](rt, "block", 1)
		first := true
		ps.Subscribe("l", "c", func(n harness.Notify, err error) {
			if first {
				first = false
				block.Recv() // the callback holds #1 until every publish is in
			}
			got.cb(n, err)
		})
		for i := int64(1); i <= 5; i++ {
			ps.Publish("c", harness.Notify{AfterMessageID: i})
			if i == 1 {
				rt.WaitIdle() // the listener has taken #1 and blocks in the callback
			}
		}
		block.Send(struct{}{})
		ps.Close()
		require.Equal(t, 5, ps.Published())
	}, sched.Options{Strategy: firstRunnable()})
	requireRun(t, res)
	require.Equal(t, []int64{1, 2, 3}, got.afters, "#4 overflowed; #5 came after the error")
	require.Equal(t, []error{harness.ErrDropped}, got.errs)
}

// TestPubSubReconnectAndCancel: a listener reconnect gives each listed
// subscription ErrDropped after what it has queued; DropNext makes the next
// notify overflow; a cancelled subscription gets nothing more, and Close
// does not wait for it. A subscription after Close gets nothing.
func TestPubSubReconnectAndCancel(t *testing.T) {
	var a, b, c, late recorder
	res := sched.Run(func(rt *sched.Runtime) {
		ps := harness.NewPubSub(rt)
		sa := ps.Subscribe("a", "ch", a.cb)
		ps.Subscribe("b", "ch", b.cb)
		sc := ps.Subscribe("c", "ch", c.cb)
		ps.Publish("ch", harness.Notify{AfterMessageID: 1})
		ps.Reconnect(sa)
		ps.DropNext(sc)
		ps.Publish("ch", harness.Notify{AfterMessageID: 2})
		rt.WaitIdle()
		sc.Cancel()
		sc.Cancel() // idempotent
		ps.Close()
		ps.Subscribe("late", "ch", late.cb)
	}, sched.Options{Strategy: firstRunnable()})
	requireRun(t, res)
	require.Equal(t, []int64{1}, a.afters)
	require.Equal(t, []error{harness.ErrDropped}, a.errs)
	require.Equal(t, []int64{1, 2}, b.afters)
	require.Empty(t, b.errs)
	require.Equal(t, []int64{1}, c.afters)
	require.Equal(t, []error{harness.ErrDropped}, c.errs)
	require.Empty(t, late.afters)
}

// TestPromoteQueuedPostCommitOrder (§10): after its commit PromoteQueued
// sends a queue-update notify, publishes each synthetic tool row and then
// the promoted row (cache append, then notify), sends a status notify, and
// signals the worker without blocking. The stream answers the queue update
// with a read of the queue, and passes the status on to its client.
func TestPromoteQueuedPostCommitOrder(t *testing.T) {
	var c *harness.Client
	res := sched.Run(func(rt *sched.Runtime) {
		w := harness.NewWorld(rt, harness.WorldConfig{})
		w.Mem.CreateChat(harness.Chat{ID: chat, Status: harness.StatusRequiresAction, PendingToolCalls: []string{"a", "b"}})
		w.Mem.Seed(chat, harness.RoleUser, "m1")
		q := w.Mem.Queue(chat, "queued")
		r := w.Replicas[0]
		var err error
		c, err = w.Connect(r, "sub", chat, 1, harness.Fixed{})
		require.NoError(t, err)
		w.Writer("promote", func() {
			_, _, err := r.PromoteQueued(chat, q.ID)
			require.NoError(t, err)
			// The signal waits for a worker (there is none here) in a
			// queue of capacity 1; sending it did not block.
			require.Equal(t, 1, harness.WakeLen(r))
		})
		w.Check()
	}, sched.Options{Strategy: firstRunnable(), Trace: true})
	requireRun(t, res)
	var promote []string
	for _, e := range res.Trace.Events {
		if e.Kind == sched.NoteEvent && res.Trace.TaskName(e.Task) == "promote" {
			promote = append(promote, e.Text)
		}
	}
	require.Equal(t, []string{
		`inserted #2 tool "interrupted by queued message promotion: a" (uncommitted, created_at 2)`,
		`inserted #3 tool "interrupted by queued message promotion: b" (uncommitted, created_at 2)`,
		`inserted #4 user "queued" (uncommitted, created_at 2)`,
		`chose 0 of 3`,
		`chose 0 of 2`,
		`commit: rows [2 3 4] land in the table in the order [2 3 4] (their created_at is the same)`,
		`notify committed on chat:1: notify{QueueUpdate}`,
		`replica1: cache append #2 -> cache [2], evictedBefore 0`,
		`notify committed on chat:1: notify{After=1}`,
		`replica1: cache append #3 -> cache [2 3], evictedBefore 0`,
		`notify committed on chat:1: notify{After=2}`,
		`replica1: cache append #4 -> cache [2 3 4], evictedBefore 0`,
		`notify committed on chat:1: notify{After=3}`,
		`notify committed on chat:1: notify{Status=pending}`,
	}, promote)
	require.Equal(t, []int64{2, 3, 4}, c.ReceivedIDs())
	require.Equal(t, []harness.ChatStatus{harness.StatusPending}, c.Statuses())
	require.Equal(t, 1, c.Queues(), "the queue update was answered with a read of the queue")
	require.Contains(t, res.Trace.String(), "db: query queue")
}
