package scenarios

import (
	"fmt"

	"github.com/interleave/interleave/harness"
	"github.com/interleave/interleave/sched"
)

const chatID = 1

// Every built-in scenario models upstream as it is (chatd-model.md §10):
// writers take the chat-row lock, so within a chat IDs commit in ID order;
// created_at is the transaction's start; the catch-up query orders by
// created_at; IDs come from one sequence shared by all chats. A scenario
// that turns one of these off says so in its name and its Doc.

// seedChat creates chat 1 with n committed rows (user and assistant
// alternating) and returns them; toolCalls > 0 leaves the chat waiting on
// that many tool calls (requires_action).
func seedChat(w *harness.World, n int, toolCalls ...string) []harness.Message {
	return seedChatID(w, chatID, n, toolCalls...)
}

// seedChatID is seedChat for any chat.
func seedChatID(w *harness.World, chat int64, n int, toolCalls ...string) []harness.Message {
	c := harness.Chat{ID: chat, Status: harness.StatusWaiting}
	if len(toolCalls) > 0 {
		c.Status, c.PendingToolCalls = harness.StatusRequiresAction, toolCalls
	}
	w.Seeder.CreateChat(c)
	var out []harness.Message
	for i := 0; i < n; i++ {
		role := harness.RoleUser
		if i%2 == 1 {
			role = harness.RoleAssistant
		}
		out = append(out, w.Seeder.Seed(chat, role, fmt.Sprintf("history %d", i+1)))
	}
	return out
}

// writers starts one plain writer per replica index in on, each committing
// one row in its own transaction and publishing it from its replica.
func writers(w *harness.World, on []int) []*sched.Task {
	return chatWriters(w, chatID, "", on)
}

// chatWriters is writers for any chat; prefix goes before the task names.
func chatWriters(w *harness.World, chat int64, prefix string, on []int) []*sched.Task {
	var out []*sched.Task
	for i, ri := range on {
		r := w.Replicas[ri]
		out = append(out, w.Writer(fmt.Sprintf("%swriter%d@%s", prefix, i+1, r.Name), func() {
			if _, err := r.WriteMessage(chat, harness.RoleAssistant, fmt.Sprintf("message from writer %d", i+1)); err != nil {
				panic(err)
			}
		}))
	}
	return out
}

// snapshotOrder is the §9 hazard "snapshot ordered by created_at while the
// cursor uses IDs", with the row lock on: two writers race; the one that
// began first can take the lock second, so its row has the higher ID and
// the earlier created_at. A client then subscribes, and its snapshot's
// last row (by created_at) is not its largest ID; a third message follows.
func snapshotOrder(name string, db harness.DBConfig) func(Gen) harness.Workload {
	return func(Gen) harness.Workload {
		return harness.Workload{Name: name, Config: harness.WorldConfig{DB: db}, Setup: func(w *harness.World, s harness.Design) {
			h := seedChat(w, 2)
			r := w.Replicas[0]
			w.RT.JoinAll(writers(w, []int{0, 0})...)
			if _, err := w.Connect(r, "sub", chatID, h[1].ID, s); err != nil {
				panic(err)
			}
			chatWriters(w, chatID, "later ", []int{0})
		}}
	}
}

func builtins() []*Scenario {
	return []*Scenario{
		{
			Name: "promote-while-requires-action",
			Doc:  "the original flaky test (§9): a queued message is promoted while the chat waits on 2 tool calls; the worker resumes and races the promote's publishes; the stored history, ordered by created_at with no tie-break (§10), can also put the promoted row before the tool rows of its transaction, under every strategy",
			Build: func(Gen) harness.Workload {
				return harness.PromoteWhileRequiresAction(harness.PromoteParams{ToolCalls: 2})
			},
			Expect: map[string]Verdict{"naive": Fail, "fixed-r1": Fail, "fixed": Fail, "producer-lock": Fail, "stream-loop": Fail},
		},
		{
			Name: "promote-while-requires-action-by-id",
			Doc:  "promote-while-requires-action with the catch-up query ordered by id (the later upstream change): the stored history is in order, and what is left is the stream's race",
			Build: func(Gen) harness.Workload {
				wl := harness.PromoteWhileRequiresAction(harness.PromoteParams{ToolCalls: 2})
				wl.Name = "promote-while-requires-action-by-id"
				wl.Config.DB.OrderByID = true
				return wl
			},
			Expect: map[string]Verdict{"naive": Fail, "producer-lock": Fail},
		},
		{
			Name: "out-of-order",
			Doc:  "three writers on the subscriber's replica commit and publish in any order (§8, out-of-order durable message)",
			Build: func(Gen) harness.Workload {
				return harness.Workload{Name: "out-of-order", Setup: func(w *harness.World, s harness.Design) {
					h := seedChat(w, 4)
					w.Subscribe(w.Replicas[0], "sub", chatID, h[1].ID, s)
					writers(w, []int{0, 0, 0})
				}}
			},
			Expect: map[string]Verdict{"naive": Fail, "producer-lock": Fail},
		},
		{
			Name:  "reconnect-late-notify",
			Doc:   "a client reconnects after #5 while #5's notify is still in flight, so a notify below the reconnect floor arrives (§8)",
			Small: true,
			Build: func(Gen) harness.Workload {
				return harness.Workload{Name: "reconnect-late-notify", Setup: func(w *harness.World, s harness.Design) {
					seedChat(w, 4)
					r := w.Replicas[0]
					committed := sched.NewQueue[int64](w.RT, "committed", 1)
					w.Writer("writer", func() {
						var m harness.Message
						err := w.Store.InTx(func(tx harness.Tx) error {
							if _, err := tx.LockChat(chatID); err != nil {
								return err
							}
							var err error
							m, err = tx.InsertMessage(chatID, harness.RoleAssistant, "the last message the client saw")
							return err
						})
						if err != nil {
							panic(err)
						}
						committed.Offer(m.ID)
						r.PublishMessage(chatID, m)
					})
					w.Writer("reconnect", func() {
						last, _ := committed.Recv()
						if _, err := w.Connect(r, "sub", chatID, last, s); err != nil {
							panic(err)
						}
					})
				}}
			},
			Expect: map[string]Verdict{"fixed-r1": Fail},
		},
		{
			Name: "cross-replica-fallback",
			Doc:  "one writer on the subscriber's replica, one on another replica whose row only the database has (§8, DB fallback)",
			Build: func(Gen) harness.Workload {
				return harness.Workload{Name: "cross-replica-fallback", Config: harness.WorldConfig{Replicas: 2}, Setup: func(w *harness.World, s harness.Design) {
					h := seedChat(w, 5)
					w.Subscribe(w.Replicas[0], "sub", chatID, h[4].ID, s)
					writers(w, []int{1, 0})
				}}
			},
			Expect: map[string]Verdict{"naive": Fail, "fixed-r1": Fail, "producer-lock": Fail},
		},
		{
			Name: "cache-eviction",
			Doc:  "a durable cache of capacity 2 and four writers: entries are evicted out of ID order and evictedBefore moves down (§9)",
			Build: func(Gen) harness.Workload {
				return harness.Workload{Name: "cache-eviction", Config: harness.WorldConfig{Config: harness.Config{CacheCapacity: 2}}, Setup: func(w *harness.World, s harness.Design) {
					h := seedChat(w, 2)
					w.Subscribe(w.Replicas[0], "sub", chatID, h[1].ID, s)
					writers(w, []int{0, 0, 0, 0})
				}}
			},
			Expect: map[string]Verdict{"naive": Fail, "producer-lock": Fail},
		},
		{
			Name: "full-refresh-edit",
			Doc:  "an edit replaces the cache and sends FullRefresh while two writers append (§9)",
			Build: func(Gen) harness.Workload {
				return harness.Workload{Name: "full-refresh-edit", Setup: func(w *harness.World, s harness.Design) {
					h := seedChat(w, 3)
					r := w.Replicas[0]
					w.Subscribe(r, "sub", chatID, h[0].ID, s)
					writers(w, []int{0, 0})
					w.Writer("editor", func() {
						if err := r.EditMessage(chatID, h[1].ID, "history 2 (edited)"); err != nil {
							panic(err)
						}
					})
				}}
			},
			Expect: map[string]Verdict{"naive": Fail, "producer-lock": Fail},
		},
		{
			Name: "two-chats",
			Doc:  "two chats share the ID sequence (§10): chat 2 starts empty and its first messages, written while a client is subscribed, get IDs above chat 1's, so their notifies pass the AfterMessageID > 0 gate; two writers per chat",
			Build: func(Gen) harness.Workload {
				return harness.Workload{Name: "two-chats", Setup: func(w *harness.World, s harness.Design) {
					h := seedChat(w, 2)
					seedChatID(w, 2, 0)
					r := w.Replicas[0]
					w.Subscribe(r, "sub1", chatID, h[1].ID, s)
					w.Subscribe(r, "sub2", 2, 0, s)
					chatWriters(w, 2, "chat2 ", []int{0, 0})
					chatWriters(w, chatID, "chat1 ", []int{0, 0})
				}}
			},
			Expect: map[string]Verdict{"naive": Fail, "producer-lock": Fail},
		},
		{
			Name:   "snapshot-order",
			Doc:    "the snapshot is ordered by created_at, the transaction's start (§9, §10): a writer that began first but took the row lock second has the higher ID and the earlier created_at, so the subscriber's initial lastMessageID is below its largest snapshot ID and naive sends that message again",
			Build:  snapshotOrder("snapshot-order", harness.DBConfig{}),
			Expect: map[string]Verdict{"naive": Fail, "producer-lock": Fail},
		},
		{
			Name:  "snapshot-order-by-id",
			Doc:   "snapshot-order with the catch-up query ordered by id (the later upstream change): the snapshot's last row is its largest ID",
			Build: snapshotOrder("snapshot-order-by-id", harness.DBConfig{OrderByID: true}),
		},
		{
			Name:      "random-workload",
			Doc:       "a generated mix: 1-2 replicas, cache capacity 2-256, 1-2 subscribers with an afterMessageID, 1-4 writers, maybe an edit, maybe a promote with its worker",
			Generated: true,
			Build:     randomWorkload,
			Expect:    map[string]Verdict{"naive": Fail, "fixed-r1": Fail, "producer-lock": Fail},
		},
	}
}

// randomWorkload draws a workload from g. Draws of 0 give the smallest
// workload, so rapid shrinks towards it.
func randomWorkload(g Gen) harness.Workload {
	replicas := 1 + g.Intn(2)
	capacity := []int{256, 2, 3}[g.Intn(3)]
	history := 2 + g.Intn(3)
	type sub struct {
		replica int
		after   int64
	}
	subs := []sub{{replica: 0, after: int64(g.Intn(history + 1))}}
	if g.Intn(2) == 1 {
		subs = append(subs, sub{replica: g.Intn(replicas), after: int64(g.Intn(history + 1))})
	}
	var on []int
	for i, n := 0, 1+g.Intn(4); i < n; i++ {
		on = append(on, g.Intn(replicas))
	}
	edit := g.Intn(3) == 2
	promote := g.Intn(2) == 1
	toolCalls := 1 + g.Intn(2)
	return harness.Workload{
		Name:   "random-workload",
		Config: harness.WorldConfig{Replicas: replicas, Config: harness.Config{CacheCapacity: capacity}},
		Setup: func(w *harness.World, s harness.Design) {
			var calls []string
			for i := 0; promote && i < toolCalls; i++ {
				calls = append(calls, fmt.Sprintf("call-%d", i+1))
			}
			h := seedChat(w, history, calls...)
			for i, sb := range subs {
				after := int64(0) // sb.after counts seeded rows: 0 means from the start
				if sb.after > 0 {
					after = h[sb.after-1].ID
				}
				w.Subscribe(w.Replicas[sb.replica], fmt.Sprintf("sub%d", i+1), chatID, after, s)
			}
			writers(w, on)
			r := w.Replicas[0]
			if edit {
				w.Writer("editor", func() {
					if err := r.EditMessage(chatID, h[0].ID, "history 1 (edited)"); err != nil {
						panic(err)
					}
				})
			}
			if promote {
				q := w.Seeder.Queue(chatID, "promoted")
				w.Writer("promote", func() {
					if _, _, err := r.PromoteQueued(chatID, q.ID); err != nil {
						panic(err)
					}
				})
				w.Worker(r, chatID, harness.WorkerOptions{Turns: 1})
			}
		},
	}
}
