package harness_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/harness"
	"github.com/interleave/interleave/sched"
)

// The oracle (§7), one test per property: a real subscriber on the
// in-memory store runs a merge strategy written here that breaks the
// property on purpose, and Check must name the property, the IDs and say
// what happened, word for word. That the strategies plug in from outside the
// package is part of what is tested.

// scripted is a merge strategy made of a function.
type scripted struct {
	name   string
	handle func(c *harness.MergeContext, n harness.Notify)
}

func (s scripted) Name() string                                           { return s.name }
func (s scripted) HandleNotify(c *harness.MergeContext, n harness.Notify) { s.handle(c, n) }

// fromDB is an honest catch-up: everything in the database after the
// notify's AfterMessageID, not below the floor (outside a FullRefresh), not
// yet delivered. except reports messages to leave out.
func fromDB(c *harness.MergeContext, n harness.Notify, except func(id int64) bool) {
	after := max(n.AfterMessageID, c.AfterMessageID)
	if n.FullRefresh {
		after = 0
	}
	rows, err := c.QueryDB(after)
	if err != nil {
		panic(err)
	}
	for _, m := range rows {
		if c.Delivered(m.ID) || (except != nil && except(m.ID)) {
			continue
		}
		c.Send(m, "db")
		c.SetLastMessageID(max(c.LastMessageID(), m.ID))
	}
}

// honest delivers every notify from the database, and on FullRefresh starts
// a new epoch and re-delivers all; the oracle must find nothing.
var honest = scripted{name: "honest", handle: func(c *harness.MergeContext, n harness.Notify) {
	if n.FullRefresh {
		c.StartEpoch()
		c.SetLastMessageID(0)
		fromDB(c, n, nil)
		return
	}
	fromDB(c, n, nil)
}}

// oracleRun seeds chat with 1..4, subscribes after 2 (snapshot [3 4]), then
// writes 5 and 6 from another task and runs extra, if any, on the main task
// once those are handled; it settles and returns the subscriber and the
// oracle's verdict.
func oracleRun(t *testing.T, s harness.Design, extra func(w *harness.World)) (*harness.Subscriber, []harness.Violation) {
	t.Helper()
	var sub *harness.Subscriber
	var got []harness.Violation
	res := sched.Run(func(rt *sched.Runtime) {
		w := harness.NewWorld(rt, harness.WorldConfig{})
		w.Mem.CreateChat(harness.Chat{ID: chat, Status: harness.StatusWaiting})
		for i := 1; i <= 4; i++ {
			w.Mem.Seed(chat, harness.RoleUser, fmt.Sprintf("m%d", i))
		}
		r := w.Replicas[0]
		var err error
		if sub, err = r.SubscribeAuthorized("sub", chat, 2, s); err != nil {
			rt.Failf("subscribe: %v", err)
		}
		w.AddSubscriber(sub)
		w.Writer("writer", func() {
			for _, content := range []string{"m5", "m6"} {
				if _, err := r.WriteMessage(chat, harness.RoleAssistant, content); err != nil {
					rt.Failf("write: %v", err)
				}
			}
		})
		if extra != nil {
			rt.WaitIdle()
			extra(w)
		}
		got = w.Check()
	}, sched.Options{Strategy: sched.Random(7), Trace: true})
	requireRun(t, res)
	return sub, got
}

func TestOracleHonestStrategyPasses(t *testing.T) {
	sub, got := oracleRun(t, honest, nil)
	require.Empty(t, got)
	require.ElementsMatch(t, []int64{3, 4, 5, 6}, sub.DeliveredIDs())

	// An edit's FullRefresh: every visible message once more.
	sub, got = oracleRun(t, honest, func(w *harness.World) {
		if err := w.Replicas[0].EditMessage(chat, 3, "edited"); err != nil {
			w.RT.Failf("edit: %v", err)
		}
	})
	require.Empty(t, got)
	var epoch1 []int64
	for _, d := range sub.Deliveries() {
		if d.Epoch == 1 {
			epoch1 = append(epoch1, d.ID)
		}
	}
	require.Equal(t, []int64{1, 2, 3, 4, 5, 6}, epoch1)
}

func TestOracleExactlyOnceDuplicate(t *testing.T) {
	twice := scripted{name: "twice", handle: func(c *harness.MergeContext, n harness.Notify) {
		fromDB(c, n, nil)
		if n.AfterMessageID == 5 {
			rows, _ := c.QueryDB(5)
			c.Send(rows[0], "db") // #6 again
		}
	}}
	_, got := oracleRun(t, twice, nil)
	require.Equal(t, []harness.Violation{{Subscriber: "sub", Property: harness.ExactlyOnce, IDs: []int64{6}, Detail: "delivered more than once"}}, got)
	require.Equal(t, "sub: exactly once: message #6 delivered more than once", got[0].String())
}

func TestOracleExactlyOnceLost(t *testing.T) {
	skip6 := scripted{name: "skip-6", handle: func(c *harness.MergeContext, n harness.Notify) {
		fromDB(c, n, func(id int64) bool { return id == 6 })
	}}
	_, got := oracleRun(t, skip6, nil)
	require.Equal(t, []harness.Violation{{Subscriber: "sub", Property: harness.ExactlyOnce, IDs: []int64{6}, Detail: "never delivered"}}, got)
	require.Equal(t, "sub: exactly once: message #6 never delivered", got[0].String())

	// When the cursor jumps over the lost message, the oracle says when;
	// for a strategy that may look below its cursor, only that the cursor
	// passed it (see TestOracleCursorNote).
	jump := scripted{name: "jump", handle: func(c *harness.MergeContext, n harness.Notify) {
		if n.AfterMessageID == 4 {
			fromDB(c, n, func(id int64) bool { return id == 6 })
			c.SetLastMessageID(7)
		}
	}}
	sub, got := oracleRun(t, jump, nil)
	step, ok := cursorStep(sub, 5, 7)
	require.True(t, ok, "cursor: %v", sub.Cursor())
	detail := fmt.Sprintf("never delivered (the cursor passed it, 5 -> 7, at step %d)", step)
	require.Equal(t, []harness.Violation{{Subscriber: "sub", Property: harness.ExactlyOnce, IDs: []int64{6}, Detail: detail, Step: step}}, got)
	require.Equal(t, fmt.Sprintf("sub: exactly once: message #6 never delivered (the cursor passed it, 5 -> 7, at step %d)", step), got[0].String())
}

func TestOracleNoResendBelowFloor(t *testing.T) {
	resend := scripted{name: "resend", handle: func(c *harness.MergeContext, n harness.Notify) {
		fromDB(c, n, nil)
		if n.AfterMessageID == 4 {
			rows, _ := c.QueryDB(0)
			c.Send(rows[1], "db") // #2, at the floor
		}
	}}
	_, got := oracleRun(t, resend, nil)
	want := harness.Violation{Subscriber: "sub", Property: harness.NoResendBelowFloor, IDs: []int64{2},
		Detail: "delivered though the subscriber asked for messages after #2"}
	require.Equal(t, []harness.Violation{want}, got)
	require.Equal(t, "sub: no resend below the floor: message #2 delivered though the subscriber asked for messages after #2", got[0].String())
}

var errRollBack = errors.New("roll back")

func TestOracleNoPhantom(t *testing.T) {
	t.Run("unknown", func(t *testing.T) {
		invent := scripted{name: "invent", handle: func(c *harness.MergeContext, n harness.Notify) {
			fromDB(c, n, nil)
			if n.AfterMessageID == 5 {
				c.Send(harness.Message{ID: 999}, "nowhere")
			}
		}}
		_, got := oracleRun(t, invent, nil)
		require.Equal(t, []harness.Violation{{Subscriber: "sub", Property: harness.NoPhantom, IDs: []int64{999}, Detail: "delivered but never committed"}}, got)
		require.Equal(t, "sub: no phantom: message #999 delivered but never committed", got[0].String())
	})
	t.Run("rolled back", func(t *testing.T) {
		// A row inserted by a transaction that rolled back was never
		// committed: delivering it is a phantom too.
		var rolledBack harness.Message
		leak := scripted{name: "leak", handle: func(c *harness.MergeContext, n harness.Notify) {
			fromDB(c, n, nil)
			if n.AfterMessageID == 5 && rolledBack.ID != 0 {
				c.Send(rolledBack, "uncommitted")
			}
		}}
		_, got := oracleRun(t, leak, func(w *harness.World) {
			err := w.Store.InTx(func(tx harness.Tx) error {
				var err error
				if rolledBack, err = tx.InsertMessage(chat, harness.RoleUser, "never"); err != nil {
					return err
				}
				return errRollBack
			})
			if err != errRollBack {
				w.RT.Failf("InTx returned %v, want %v", err, errRollBack)
			}
			w.PubSub.Publish(harness.ChatChannel(chat), harness.Notify{AfterMessageID: 5})
		})
		require.Equal(t, int64(7), rolledBack.ID)
		require.Equal(t, []harness.Violation{{Subscriber: "sub", Property: harness.NoPhantom, IDs: []int64{7}, Detail: "delivered but never committed"}}, got)
		require.Equal(t, "sub: no phantom: message #7 delivered but never committed", got[0].String())
	})
}

// TestOracleFullRefreshEpoch: after an edit's FullRefresh every visible
// message must be delivered once more. A strategy that starts the epoch but
// re-delivers nothing, or only part, is caught, for each message it skipped.
func TestOracleFullRefreshEpoch(t *testing.T) {
	edit := func(w *harness.World) {
		if err := w.Replicas[0].EditMessage(chat, 3, "edited"); err != nil {
			w.RT.Failf("edit: %v", err)
		}
	}
	never := func(ids ...int64) ([]harness.Violation, []string) {
		var vs []harness.Violation
		var texts []string
		for _, id := range ids {
			vs = append(vs, harness.Violation{Subscriber: "sub", Property: harness.ExactlyOnce, IDs: []int64{id}, Detail: "never delivered in FullRefresh epoch 1"})
			texts = append(texts, fmt.Sprintf("sub: exactly once: message #%d never delivered in FullRefresh epoch 1", id))
		}
		return vs, texts
	}
	t.Run("nothing re-delivered", func(t *testing.T) {
		forget := scripted{name: "forget", handle: func(c *harness.MergeContext, n harness.Notify) {
			if n.FullRefresh {
				c.StartEpoch()
				c.SetLastMessageID(0)
				return
			}
			fromDB(c, n, nil)
		}}
		_, got := oracleRun(t, forget, edit)
		want, texts := never(1, 2, 3, 4, 5, 6)
		require.Equal(t, want, got)
		require.Equal(t, texts, violationStrings(got))
	})
	t.Run("only the edited message", func(t *testing.T) {
		cacheOnly := scripted{name: "cache-only", handle: func(c *harness.MergeContext, n harness.Notify) {
			if n.FullRefresh {
				c.StartEpoch()
				c.SetLastMessageID(0)
				for _, m := range c.CacheAfter(0) { // the cache holds just the edited #3
					c.Send(m, "cache")
				}
				return
			}
			fromDB(c, n, nil)
		}}
		_, got := oracleRun(t, cacheOnly, edit)
		want, texts := never(1, 2, 4, 5, 6)
		require.Equal(t, want, got)
		require.Equal(t, texts, violationStrings(got))
	})
	t.Run("duplicate within the epoch", func(t *testing.T) {
		twice := scripted{name: "twice", handle: func(c *harness.MergeContext, n harness.Notify) {
			honest.HandleNotify(c, n)
			if n.FullRefresh {
				c.Send(c.CacheAfter(0)[0], "cache") // #3 again
			}
		}}
		_, got := oracleRun(t, twice, edit)
		require.Equal(t, []harness.Violation{{Subscriber: "sub", Property: harness.ExactlyOnce, IDs: []int64{3}, Detail: "delivered more than once in FullRefresh epoch 1"}}, got)
		require.Equal(t, "sub: exactly once: message #3 delivered more than once in FullRefresh epoch 1", got[0].String())
	})
}

// commitRow inserts one row into chat in a transaction of its own.
func commitRow(t *testing.T, w *harness.World, content string) harness.Message {
	var m harness.Message
	err := w.Store.InTx(func(tx harness.Tx) error {
		var err error
		m, err = tx.InsertMessage(chat, harness.RoleAssistant, content)
		return err
	})
	if err != nil {
		w.RT.Failf("commit %s: %v", content, err)
	}
	return m
}

// TestOracleNoPhantomAtDelivery (§10): a publisher that appends its row to
// the cache before its transaction commits lets the merge send it while it
// is uncommitted. That is a phantom even though the row commits later; an
// oracle that looks only at the end state (db.Exists) passes it.
func TestOracleNoPhantomAtDelivery(t *testing.T) {
	for _, s := range harness.Strategies() {
		if _, merge := s.(harness.MergeStrategy); !merge {
			continue // the stream loop has no cache to append to (TestStreamLoopNoPhantom)
		}
		t.Run(s.Name(), func(t *testing.T) {
			var sub *harness.Subscriber
			var got []harness.Violation
			res := sched.Run(func(rt *sched.Runtime) {
				w := harness.NewWorld(rt, harness.WorldConfig{})
				w.Mem.CreateChat(harness.Chat{ID: chat, Status: harness.StatusWaiting})
				w.Mem.Seed(chat, harness.RoleUser, "m1")
				r := w.Replicas[0]
				c, err := w.Connect(r, "sub", chat, 1, s)
				require.NoError(t, err)
				sub = c.Streams()[0]
				inserted := sched.NewQueue[harness.Message](rt, "inserted", 1)
				release := sched.NewQueue[struct{}](rt, "release", 1)
				w.Writer("broken publisher", func() {
					err := w.Store.InTx(func(tx harness.Tx) error {
						m, err := tx.InsertMessage(chat, harness.RoleAssistant, "m2")
						inserted.Send(m)
						release.Recv() // commit only once the merge has sent it
						return err
					})
					require.NoError(t, err)
				})
				m, _ := inserted.Recv()
				r.AppendDurable(chat, m) // before the commit: against §3
				w.PubSub.Publish(harness.ChatChannel(chat), harness.Notify{AfterMessageID: m.ID - 1})
				rt.WaitIdle()
				require.Equal(t, []int64{2}, sub.DeliveredIDs(), "the merge sent #2 from the cache")
				release.Send(struct{}{})
				got = w.Check()
			}, sched.Options{Strategy: firstRunnable()})
			requireRun(t, res)
			step := sub.Deliveries()[0].Step
			require.True(t, sub.Deliveries()[0].Uncommitted)
			detail := fmt.Sprintf("delivered (first at step %d) before its transaction committed", step)
			require.Equal(t, []harness.Violation{{Subscriber: "sub", Property: harness.NoPhantom, IDs: []int64{2}, Detail: detail}}, got)
			require.Equal(t, "sub: no phantom: message #2 "+detail, got[0].String())
		})
	}
}

// cursorWalk is a merge strategy that sends what the database has except
// #6 and moves the cursor as told, one move per notify; bound says whether
// it claims to look up only after its cursor.
type cursorWalk struct {
	bound bool
	moves map[int64]int64 // notify After -> the cursor after it
}

func (cursorWalk) Name() string               { return "cursor-walk" }
func (w cursorWalk) LooksUpAfterCursor() bool { return w.bound }
func (w cursorWalk) HandleNotify(c *harness.MergeContext, n harness.Notify) {
	rows, err := c.QueryDB(c.AfterMessageID)
	if err != nil {
		panic(err)
	}
	for _, m := range rows {
		if m.ID != 6 && !c.Delivered(m.ID) {
			c.Send(m, "db")
		}
	}
	if to, ok := w.moves[n.AfterMessageID]; ok {
		c.SetLastMessageID(to)
	}
}

// TestOracleCursorNote: the step the oracle names for a lost message must
// be true for the strategy. For one that looks up only after its cursor
// (CursorBound, as naive) it is the move after which the cursor stayed past
// the message, not the first move past it: here the cursor passes #6 (4 ->
// 7), comes back below it (7 -> 5) and passes it again for good (5 -> 8).
// For any other strategy the oracle says only that the cursor passed it.
func TestOracleCursorNote(t *testing.T) {
	moves := map[int64]int64{4: 7, 5: 5, 6: 8}
	run := func(bound bool) (*harness.Subscriber, []harness.Violation) {
		var sub *harness.Subscriber
		var got []harness.Violation
		res := sched.Run(func(rt *sched.Runtime) {
			w := harness.NewWorld(rt, harness.WorldConfig{})
			w.Mem.CreateChat(harness.Chat{ID: chat, Status: harness.StatusWaiting})
			for i := 1; i <= 4; i++ {
				w.Mem.Seed(chat, harness.RoleUser, fmt.Sprintf("m%d", i))
			}
			r := w.Replicas[0]
			c, err := w.Connect(r, "sub", chat, 4, cursorWalk{bound: bound, moves: moves})
			require.NoError(t, err)
			sub = c.Streams()[0]
			for _, content := range []string{"m5", "m6", "m7"} {
				m := commitRow(t, w, content)
				w.PubSub.Publish(harness.ChatChannel(chat), harness.Notify{AfterMessageID: m.ID - 1})
				rt.WaitIdle()
			}
			got = w.Check()
		}, sched.Options{Strategy: firstRunnable()})
		requireRun(t, res)
		return sub, got
	}

	sub, got := run(true)
	first, ok := cursorStep(sub, 4, 7)
	require.True(t, ok, "cursor: %v", sub.Cursor())
	require.Equal(t, []int64{7, 5, 8}, []int64{sub.Cursor()[0].To, sub.Cursor()[1].To, sub.Cursor()[2].To})
	last, ok := cursorStep(sub, 5, 8)
	require.True(t, ok, "cursor: %v", sub.Cursor())
	require.Less(t, first, last)
	detail := fmt.Sprintf("never delivered (lastMessageID moved past it for good, 5 -> 8, at step %d)", last)
	require.Equal(t, []harness.Violation{{Subscriber: "sub", Property: harness.ExactlyOnce, IDs: []int64{6}, Detail: detail, Step: last, Inevitable: true}}, got)

	sub, got = run(false)
	first, _ = cursorStep(sub, 4, 7)
	detail = fmt.Sprintf("never delivered (the cursor passed it, 4 -> 7, at step %d)", first)
	require.Equal(t, []harness.Violation{{Subscriber: "sub", Property: harness.ExactlyOnce, IDs: []int64{6}, Detail: detail, Step: first}}, got)
}

// reconnectRun commits #6 and #7 (row lock on: in ID order), publishes #7
// first, lets the subscriber handle it, then makes #6's notify overflow the
// subscriber's pubsub queue: the stream ends and the client reconnects with
// afterMessageID = the last ID it received (§10).
func reconnectRun(t *testing.T, s harness.Design) (*harness.Client, []harness.Violation) {
	t.Helper()
	var c *harness.Client
	var got []harness.Violation
	res := sched.Run(func(rt *sched.Runtime) {
		w := harness.NewWorld(rt, harness.WorldConfig{})
		w.Mem.CreateChat(harness.Chat{ID: chat, Status: harness.StatusWaiting})
		for i := 1; i <= 5; i++ {
			w.Mem.Seed(chat, harness.RoleUser, fmt.Sprintf("m%d", i))
		}
		r := w.Replicas[0]
		var err error
		c, err = w.Connect(r, "sub", chat, 5, s)
		require.NoError(t, err)
		m6, m7 := commitRow(t, w, "m6"), commitRow(t, w, "m7")
		r.PublishMessage(chat, m7)
		rt.WaitIdle()
		c.Streams()[0].DropNext()
		r.PublishMessage(chat, m6)
		got = w.Check()
	}, sched.Options{Strategy: firstRunnable(), Trace: true})
	requireRun(t, res)
	return c, got
}

// TestOracleAcrossAReconnect: the oracle judges the client, the union of
// its streams (§10). naive sent #7 from the cache and never asked the
// database, so the client reconnects after #7 and #6 is lost between the
// streams; fixed sent #7 then #6, so the client reconnects after #6 and the
// new snapshot sends #7 again.
func TestOracleAcrossAReconnect(t *testing.T) {
	c, got := reconnectRun(t, harness.Naive{})
	streams := c.Streams()
	require.Len(t, streams, 2)
	require.Equal(t, harness.ErrDropped, streams[0].Ended())
	require.Equal(t, int64(7), streams[1].AfterMessageID)
	require.Equal(t, []int64{7}, c.ReceivedIDs())
	require.Equal(t, []string{"sub: exactly once: message #6 never delivered (sub ended before delivering it, and the reconnect asked for messages after #7)"}, violationStrings(got))

	c, got = reconnectRun(t, harness.Fixed{})
	streams = c.Streams()
	require.Len(t, streams, 2)
	require.Equal(t, int64(6), streams[1].AfterMessageID)
	require.Equal(t, []int64{7, 6, 7}, c.ReceivedIDs())
	require.Equal(t, []string{"sub/2: exactly once: message #7 delivered again after the reconnect with afterMessageID #6: the client already had it"}, violationStrings(got))
}

// TestOracleClientView (§10): a client that subscribes after #6 holds what
// it read before. With writers that skip the row lock, #5 can commit after
// that read: it is at or below the floor, so no strategy looks for it, and
// the oracle reports it lost instead of assuming the client has it.
func TestOracleClientView(t *testing.T) {
	for _, s := range []harness.Design{harness.Naive{}, harness.Fixed{}} {
		t.Run(s.Name(), func(t *testing.T) {
			var got []harness.Violation
			var view []int64
			res := sched.Run(func(rt *sched.Runtime) {
				w := harness.NewWorld(rt, harness.WorldConfig{Config: harness.Config{SkipRowLock: true}})
				w.Mem.CreateChat(harness.Chat{ID: chat, Status: harness.StatusWaiting})
				for i := 1; i <= 4; i++ {
					w.Mem.Seed(chat, harness.RoleUser, fmt.Sprintf("m%d", i))
				}
				r := w.Replicas[0]
				inserted := sched.NewQueue[harness.Message](rt, "inserted", 1)
				release := sched.NewQueue[struct{}](rt, "release", 1)
				w.Writer("slow writer", func() {
					var m harness.Message
					err := w.Store.InTx(func(tx harness.Tx) error {
						var err error
						m, err = tx.InsertMessage(chat, harness.RoleAssistant, "m5")
						inserted.Send(m)
						release.Recv()
						return err
					})
					require.NoError(t, err)
					r.PublishMessage(chat, m)
				})
				inserted.Recv()
				m6 := commitRow(t, w, "m6")
				r.PublishMessage(chat, m6)
				c, err := w.Connect(r, "sub", chat, 6, s)
				require.NoError(t, err)
				view, _ = c.View()
				release.Send(struct{}{})
				got = w.Check()
			}, sched.Options{Strategy: firstRunnable()})
			requireRun(t, res)
			require.Equal(t, []int64{1, 2, 3, 4, 6}, view)
			require.Equal(t, []string{"sub: exactly once: message #5 never delivered (it is at or below afterMessageID #6, and it committed after the client read its history)"}, violationStrings(got))
		})
	}
}
