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
func oracleRun(t *testing.T, s harness.MergeStrategy, extra func(w *harness.World)) (*harness.Subscriber, []harness.Violation) {
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

	// When the cursor jumps over the lost message, the oracle says when.
	jump := scripted{name: "jump", handle: func(c *harness.MergeContext, n harness.Notify) {
		if n.AfterMessageID == 4 {
			fromDB(c, n, func(id int64) bool { return id == 6 })
			c.SetLastMessageID(7)
		}
	}}
	sub, got := oracleRun(t, jump, nil)
	step, ok := cursorStep(sub, 5, 7)
	require.True(t, ok, "cursor: %v", sub.Cursor())
	detail := fmt.Sprintf("never delivered (lastMessageID moved past it, 5 -> 7, at step %d)", step)
	require.Equal(t, []harness.Violation{{Subscriber: "sub", Property: harness.ExactlyOnce, IDs: []int64{6}, Detail: detail, Step: step}}, got)
	require.Equal(t, fmt.Sprintf("sub: exactly once: message #6 never delivered (lastMessageID moved past it, 5 -> 7, at step %d)", step), got[0].String())
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
