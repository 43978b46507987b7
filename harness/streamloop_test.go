package harness_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/harness"
	"github.com/interleave/interleave/sched"
)

// loopWorld builds a world for the stream loop with cfg (hints on), a
// chat and rows 1..seed, runs body on the main task and returns the
// oracle's verdict; the run must not fail otherwise.
func loopWorld(t *testing.T, cfg harness.WorldConfig, seed int, strategy sched.Strategy, body func(w *harness.World)) []harness.Violation {
	t.Helper()
	var got []harness.Violation
	cfg.Config = harness.ConfigFor(harness.StreamLoop{}, cfg.Config)
	res := sched.Run(func(rt *sched.Runtime) {
		w := harness.NewWorld(rt, cfg)
		w.Mem.CreateChat(harness.Chat{ID: chat, Status: harness.StatusWaiting})
		for i := 1; i <= seed; i++ {
			w.Mem.Seed(chat, harness.RoleUser, fmt.Sprintf("m%d", i))
		}
		body(w)
		got = w.Check()
	}, sched.Options{Strategy: strategy, Trace: true})
	requireRun(t, res)
	return got
}

// revisions renders a client's receipts as #ID@revision, a reset as "|".
func revisions(c *harness.Client) string {
	var parts []string
	epoch := map[int]int{}
	for _, r := range c.Received() {
		if r.Epoch > epoch[r.Stream] {
			epoch[r.Stream] = r.Epoch
			parts = append(parts, "|")
		}
		parts = append(parts, fmt.Sprintf("#%d@%d", r.ID, r.Revision))
	}
	return strings.Join(parts, " ")
}

// TestStoreVersions (stream-loop.md §1): the update entry point bumps the
// snapshot version first and every row it writes carries it; the AFTER
// trigger moves the history version at commit; the BEFORE trigger stamps
// from a plain read, so a writer that skips the bump gets the committed
// version, even while another transaction holds the lock and has bumped;
// edits and soft deletes are new revisions; the sync reads one snapshot.
func TestStoreVersions(t *testing.T) {
	res := sched.Run(func(rt *sched.Runtime) {
		s := harness.NewMemStore(rt)
		s.CreateChat(harness.Chat{ID: chat, Status: harness.StatusWaiting})
		m1 := s.Seed(chat, harness.RoleUser, "one")
		m2 := s.Seed(chat, harness.RoleUser, "two")
		require.Equal(t, []int64{1, 2}, []int64{m1.Revision, m2.Revision})
		versions := func() harness.ChatVersions {
			v, err := s.ChatVersions(chat)
			require.NoError(t, err)
			return v
		}
		require.Equal(t, harness.ChatVersions{Snapshot: 2, History: 2, Status: harness.StatusWaiting}, versions())

		// The entry point: lock, bump (3), insert stamped 3. Meanwhile a
		// writer that skips the entry point reads the committed version
		// (2) for its row: the trigger does not check the lock.
		var bumped, skipper harness.Message
		require.NoError(t, s.InTx(func(tx harness.Tx) error {
			if _, err := tx.LockChat(chat); err != nil {
				return err
			}
			v, err := tx.BumpChatVersion(chat)
			require.NoError(t, err)
			require.Equal(t, int64(3), v)
			if bumped, err = tx.InsertMessage(chat, harness.RoleAssistant, "bumped"); err != nil {
				return err
			}
			require.Equal(t, harness.ChatVersions{Snapshot: 2, History: 2, Status: harness.StatusWaiting}, versions(), "the bump is not visible before the commit")
			return s.InTx(func(tx2 harness.Tx) error {
				skipper, err = tx2.InsertMessage(chat, harness.RoleAssistant, "no bump")
				return err
			})
		}))
		require.Equal(t, int64(3), bumped.Revision)
		require.Equal(t, int64(2), skipper.Revision, "stamped with the committed version while the lock holder's bump was pending")
		require.Equal(t, harness.ChatVersions{Snapshot: 3, History: 3, Status: harness.StatusWaiting}, versions(), "the AFTER trigger: history = snapshot")

		// A writer that skips the bump after that: its row gets the
		// current version and the history version does not move.
		var late harness.Message
		require.NoError(t, s.InTx(func(tx harness.Tx) error {
			var err error
			late, err = tx.InsertMessage(chat, harness.RoleAssistant, "late")
			return err
		}))
		require.Equal(t, int64(3), late.Revision)
		require.Equal(t, harness.ChatVersions{Snapshot: 3, History: 3, Status: harness.StatusWaiting}, versions())

		// An edit and a soft delete through the entry point: revisions 4
		// and 5; the sync sees the deleted row, the history does not.
		entry := func(fn func(tx harness.Tx) error) {
			require.NoError(t, s.InTx(func(tx harness.Tx) error {
				if _, err := tx.LockChat(chat); err != nil {
					return err
				}
				if _, err := tx.BumpChatVersion(chat); err != nil {
					return err
				}
				return fn(tx)
			}))
		}
		entry(func(tx harness.Tx) error { _, err := tx.UpdateMessageContent(chat, m1.ID, "edited"); return err })
		entry(func(tx harness.Tx) error { return tx.DeleteMessage(chat, m2.ID) })
		require.Equal(t, harness.ChatVersions{Snapshot: 5, History: 5, Status: harness.StatusWaiting}, versions())

		// REPEATABLE READ: a commit during the sync is not in its reads.
		require.NoError(t, s.Sync(chat, func(tx harness.SyncTx) error {
			entry(func(tx harness.Tx) error {
				_, err := tx.InsertMessage(chat, harness.RoleAssistant, "during")
				return err
			})
			c, err := tx.Chat()
			require.NoError(t, err)
			require.Equal(t, harness.ChatVersions{Snapshot: 5, History: 5, Status: harness.StatusWaiting}, c)
			changed, err := tx.ChangedSince(3)
			require.NoError(t, err)
			var got []string
			for _, m := range changed {
				got = append(got, fmt.Sprintf("#%d@%d deleted=%v", m.ID, m.Revision, m.Deleted))
			}
			require.Equal(t, []string{"#1@4 deleted=false", "#2@5 deleted=true"}, got)
			hist, err := tx.History()
			require.NoError(t, err)
			require.Equal(t, []int64{1, 3, 4, 5}, ids(hist))
			return nil
		}))
		require.Equal(t, harness.ChatVersions{Snapshot: 6, History: 6, Status: harness.StatusWaiting}, versions())
	}, sched.Options{Strategy: firstRunnable()})
	requireRun(t, res)
}

// TestStreamLoopSync (stream-loop.md §3): the initial sync skips IDs at or
// below afterMessageID; later syncs send any row whose revision is newer
// than the one known (an edit below the floor too); a hint that is not
// newer starts no sync; a deleted row makes a history_reset and the whole
// visible history.
func TestStreamLoopSync(t *testing.T) {
	var c *harness.Client
	got := loopWorld(t, harness.WorldConfig{}, 4, firstRunnable(), func(w *harness.World) {
		r := w.Replicas[0]
		var err error
		c, err = w.Connect(r, "sub", chat, 2, harness.StreamLoop{})
		require.NoError(t, err)
		w.RT.WaitIdle()
		require.NoError(t, r.EditMessage(chat, 1, "edited")) // revision 5, below the floor
		w.RT.WaitIdle()
		v, err := w.Mem.ChatVersions(chat)
		require.NoError(t, err)
		w.PubSub.Publish(harness.ChatChannel(chat), harness.HintOf(v)) // the same versions again
		w.RT.WaitIdle()
		_, err = r.WriteMessage(chat, harness.RoleAssistant, "m5") // #5@6
		require.NoError(t, err)
		w.RT.WaitIdle()
		require.NoError(t, r.DeleteMessage(chat, 3)) // revision 7
	})
	require.Empty(t, got)
	require.Equal(t, "#3@3 #4@4 #1@5 #5@6 | #1@5 #2@2 #4@4 #5@6", revisions(c))
	require.Equal(t, 1, harness.Resets(c))
}

func TestShouldFetch(t *testing.T) {
	seen := harness.ChatVersions{Snapshot: 5, History: 4, Status: harness.StatusWaiting}
	for _, tc := range []struct {
		v    harness.ChatVersions
		want bool
	}{
		{harness.ChatVersions{Snapshot: 5, History: 5}, false},                                // not newer
		{harness.ChatVersions{Snapshot: 4, History: 6}, false},                                // older
		{harness.ChatVersions{Snapshot: 6, History: 4}, false},                                // newer, nothing tracked changed
		{harness.ChatVersions{Snapshot: 6, History: 4, Status: harness.StatusWaiting}, false}, // the same status
		{harness.ChatVersions{Snapshot: 6, History: 6}, true},                                 // the history moved
		{harness.ChatVersions{Snapshot: 6, History: 4, Status: harness.StatusRunning}, true},  // the status changed
		{harness.ChatVersions{Snapshot: 9, History: 9, Status: harness.StatusWaiting}, true},  // both newer
	} {
		require.Equal(t, tc.want, harness.ShouldFetch(seen, tc.v), "%s", tc.v)
	}
}

// TestStreamLoopHintChannel (stream-loop.md §3): the pubsub callback
// blocks on the hint channel of capacity 32 while it is full, and loses
// no hint: with the loop stuck on a full client channel, 40 more hints
// fill the channel, the callback waits with the 33rd, and once the client
// reads, the loop weighs all 40.
func TestStreamLoopHintChannel(t *testing.T) {
	var c *harness.Client
	var trace *sched.Trace
	cfg := harness.WorldConfig{Config: harness.ConfigFor(harness.StreamLoop{}, harness.Config{ClientQueue: 1})}
	res := sched.Run(func(rt *sched.Runtime) {
		w := harness.NewWorld(rt, cfg)
		w.Mem.CreateChat(harness.Chat{ID: chat, Status: harness.StatusWaiting})
		w.Mem.Seed(chat, harness.RoleUser, "m1")
		r := w.Replicas[0]
		var err error
		c, err = w.Connect(r, "sub", chat, 0, harness.StreamLoop{})
		require.NoError(t, err)
		_, err = r.WriteMessage(chat, harness.RoleAssistant, "m2")
		require.NoError(t, err)
		rt.WaitIdle() // the loop waits for room to send #2: #1 fills the channel
		for i := 0; i < 40; i++ {
			w.PubSub.Publish(harness.ChatChannel(chat), harness.HintOf(harness.ChatVersions{Snapshot: 2, History: 2}))
		}
		rt.WaitIdle()
		n, capacity := harness.HintBacklog(c.Streams()[0])
		require.Equal(t, 32, capacity)
		require.Equal(t, 32, n, "the channel is full; the callback holds the 33rd")
		require.Empty(t, w.Check())
	}, sched.Options{Strategy: firstRunnable(), Trace: true})
	requireRun(t, res)
	trace = res.Trace
	weighed := 0
	for _, ev := range trace.Events {
		if ev.Kind == sched.NoteEvent && strings.HasPrefix(ev.Text, "sub: hint {snapshot 2, history 2") {
			weighed++
		}
	}
	require.Equal(t, 41, weighed, "every hint reached the loop: the 40 and the write's own")
	require.Equal(t, []int64{1, 2}, c.ReceivedIDs())
}

// TestStreamLoopRetry (stream-loop.md §3, H4): a failed sync is retried
// after 100, 200, 400 and 800 ms of virtual time; the fifth failure in a
// row closes the stream with no error event, and the client, which cannot
// tell, does not come back: the convergence oracle reports what it never
// got. Four failures are survived.
func TestStreamLoopRetry(t *testing.T) {
	for _, failures := range []int{4, 5} {
		t.Run(fmt.Sprint(failures), func(t *testing.T) {
			var c *harness.Client
			var elapsed time.Duration
			// Every choice is its last option: a sync fails while it may.
			last := sched.Chooser(func(n int) int { return n - 1 })
			got := loopWorld(t, harness.WorldConfig{DB: harness.DBConfig{SyncFailures: failures}}, 2, last, func(w *harness.World) {
				var err error
				c, err = w.Connect(w.Replicas[0], "sub", chat, 0, harness.StreamLoop{})
				require.NoError(t, err)
				w.Settle()
				elapsed = w.RT.Since(sched.Epoch)
			})
			s := c.Streams()[0]
			require.Len(t, c.Streams(), 1, "no reconnect")
			require.NoError(t, s.Ended(), "no error event")
			if failures == 4 {
				require.Empty(t, got)
				require.Equal(t, []int64{1, 2}, c.ReceivedIDs())
				require.False(t, s.Over())
				return
			}
			require.True(t, s.Over())
			require.Empty(t, c.ReceivedIDs())
			require.Equal(t, []string{
				"sub: convergence: message #1 never received (the database has it at revision 1)",
				"sub: convergence: message #2 never received (the database has it at revision 2)",
			}, violationStrings(got))
			require.Equal(t, 1500*time.Millisecond, elapsed, "100+200+400+800 ms of backoff, and no poll after the stream closed")
		})
	}
}

// TestStreamLoopLostHint (stream-loop.md H4): a hint lost to a dropped
// pubsub notify costs one poll period of virtual time: #3 has not arrived
// 9 s after its commit, and has by 11 s (the poller's tick at 10 s).
func TestStreamLoopLostHint(t *testing.T) {
	var c *harness.Client
	var at9, at11 []int64
	got := loopWorld(t, harness.WorldConfig{}, 2, firstRunnable(), func(w *harness.World) {
		r := w.Replicas[0]
		var err error
		c, err = w.Connect(r, "sub", chat, 2, harness.StreamLoop{})
		require.NoError(t, err)
		w.RT.WaitIdle()
		c.Streams()[0].DropNext()
		_, err = r.WriteMessage(chat, harness.RoleAssistant, "m3")
		require.NoError(t, err)
		w.RT.Sleep(9 * time.Second)
		at9 = c.Streams()[0].DeliveredIDs()
		w.RT.Sleep(2 * time.Second)
		at11 = c.Streams()[0].DeliveredIDs()
	})
	require.Empty(t, got)
	require.Empty(t, at9, "the hint was lost: nothing before the poll")
	require.Equal(t, []int64{3}, at11, "the poll at 10 s brought it")
	require.Len(t, c.Streams(), 1, "the stream outlived the dropped notify")
}
