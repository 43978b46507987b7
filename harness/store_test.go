package harness_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/harness"
	"github.com/interleave/interleave/sched"
)

// The in-memory store's semantics (§1) and the durable cache's (§2), which
// every scenario relies on.

// ids lists message IDs.
func ids(ms []harness.Message) []int64 {
	out := make([]int64, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

// TestStoreCommitOrderDiffersFromIDOrder explores every schedule of two
// transactions that each insert one row, with a reader querying at some
// point. IDs are taken at insert, visibility at commit: some schedule
// commits the first inserter last, and a query between the two commits
// then sees only the higher ID. In every schedule the reader sees exactly
// the rows committed when it read.
func TestStoreCommitOrderDiffersFromIDOrder(t *testing.T) {
	type observation struct {
		commits      []int64 // final commit order
		seen         []int64 // what the reader's query returned
		seenCommits  []int64 // the commit order when it read
		queryErr     error
		insertErrors []error
	}
	var runs []observation
	strat := sched.DFS(-1)
	rep := sched.Explore(func(rt *sched.Runtime) {
		mem := harness.NewMemStore(rt)
		var o observation
		insert := func(content string) func() {
			return func() {
				err := mem.InTx(func(tx harness.Tx) error {
					_, err := tx.InsertMessage(chat, harness.RoleUser, content)
					return err
				})
				o.insertErrors = append(o.insertErrors, err)
			}
		}
		a, b := rt.Go("A", insert("a")), rt.Go("B", insert("b"))
		reader := rt.Go("reader", func() {
			var got []harness.Message
			got, o.queryErr = mem.GetChatMessagesByChatID(chat, 0)
			// The query read under the store's lock after its scheduling
			// point; nothing can commit between it and this line.
			o.seen, o.seenCommits = ids(got), mem.CommitOrder()
		})
		rt.JoinAll(a, b, reader)
		o.commits = mem.CommitOrder()
		runs = append(runs, o)
	}, sched.Options{Strategy: strat}, 0)
	require.Nil(t, rep.Failure)
	require.True(t, rep.Exhausted, "DFS ran %d schedules without finishing", rep.Schedules)
	require.Len(t, runs, rep.Schedules)

	outOfOrder, sawOnlyHigher := 0, 0
	for i, o := range runs {
		require.NoError(t, o.queryErr, "run %d", i)
		require.Equal(t, []error{nil, nil}, o.insertErrors, "run %d", i)
		require.ElementsMatch(t, []int64{1, 2}, o.commits, "run %d", i)
		// Visibility follows commit: the reader saw what was committed
		// (in created_at order, the transactions' start order, which
		// need not be ID order).
		require.ElementsMatch(t, o.seenCommits, o.seen, "run %d: the query saw %v with commits %v", i, o.seen, o.seenCommits)
		if o.commits[0] == 2 {
			outOfOrder++
		}
		if slices.Equal(o.seen, []int64{2}) {
			sawOnlyHigher++
		}
	}
	require.Positive(t, outOfOrder, "no schedule of %d committed ID 2 before ID 1", len(runs))
	require.Less(t, outOfOrder, len(runs), "every schedule committed out of ID order")
	require.Positive(t, sawOnlyHigher, "no schedule of %d queried between a commit of 2 and a commit of 1", len(runs))
	t.Logf("%d schedules; %d commit out of ID order; %d query between the commits and see only #2", len(runs), outOfOrder, sawOnlyHigher)
}

// TestStoreCatchUpOrderedByCreatedAt: created_at is the transaction's
// start time (§10), and a writer locks the chat row only after it began, so
// two writers that hold the row lock one after the other can still get
// created_at order opposite to ID order: the one that began first inserts
// second. The catch-up query orders by created_at, and the subscriber's
// cursor after a snapshot is the last row by created_at, not the largest ID
// (§5.3, §9). With DBConfig.OrderByID the query orders by ID and the cursor
// is the largest ID. (Before §10, this skew needed a switch of its own,
// SkewCreatedAt; it is now the default behaviour.)
func TestStoreCatchUpOrderedByCreatedAt(t *testing.T) {
	type observation struct {
		rows    []harness.Message
		history []harness.Message
		cursor  int64
	}
	explore := func(cfg harness.DBConfig) []observation {
		var runs []observation
		rep := sched.Explore(func(rt *sched.Runtime) {
			w := harness.NewWorld(rt, harness.WorldConfig{DB: cfg})
			w.Mem.CreateChat(harness.Chat{ID: chat, Status: harness.StatusWaiting})
			var writers []*sched.Task
			for _, content := range []string{"a", "b"} {
				writers = append(writers, w.Writer("insert "+content, func() {
					err := w.Store.InTx(func(tx harness.Tx) error {
						if _, err := tx.LockChat(chat); err != nil {
							return err
						}
						_, err := tx.InsertMessage(chat, harness.RoleUser, content)
						return err
					})
					if err != nil {
						rt.Failf("insert: %v", err)
					}
				}))
			}
			rt.JoinAll(writers...)
			var o observation
			var err error
			if o.rows, err = w.Store.GetChatMessagesByChatID(chat, 0); err != nil {
				rt.Failf("query: %v", err)
			}
			o.history = w.Mem.History(chat)
			// A subscriber's snapshot after 0 sees the same order; its cursor
			// is the last row's ID.
			sub, err := w.Replicas[0].SubscribeAuthorized("sub", chat, 0, harness.Fixed{})
			if err != nil {
				rt.Failf("subscribe: %v", err)
			}
			w.AddSubscriber(sub)
			o.cursor = sub.LastMessageID()
			w.Settle()
			runs = append(runs, o)
		}, sched.Options{Strategy: sched.DFS(1)}, 0) // one preemption makes the skew; the bound keeps the subscriber's tasks cheap
		require.Nil(t, rep.Failure)
		require.True(t, rep.Exhausted)
		return runs
	}

	skewed := 0
	for i, o := range explore(harness.DBConfig{}) {
		require.Len(t, o.rows, 2, "run %d", i)
		require.Equal(t, o.history, o.rows, "run %d", i)
		require.Less(t, o.rows[0].CreatedAt, o.rows[1].CreatedAt, "run %d: not ordered by created_at: %v", i, o.rows)
		require.Equal(t, o.rows[1].ID, o.cursor, "run %d: the cursor is the last snapshot row", i)
		if o.rows[0].ID > o.rows[1].ID {
			skewed++
			require.Equal(t, []int64{2, 1}, ids(o.rows))
			require.Equal(t, int64(1), o.cursor, "run %d: the cursor is below the largest snapshot ID", i)
		}
	}
	require.Positive(t, skewed, "no schedule gave created_at order != ID order")
	t.Logf("order by created_at: %d schedules with created_at order != ID order", skewed)

	for i, o := range explore(harness.DBConfig{OrderByID: true}) {
		require.Equal(t, []int64{1, 2}, ids(o.rows), "run %d: not ordered by ID", i)
		require.Equal(t, o.history, o.rows, "run %d", i)
		require.Equal(t, int64(2), o.cursor, "run %d", i)
	}
}

// TestStoreRowsOfATransactionShareCreatedAt: every row of one transaction
// has the transaction's start time as created_at. Ordered by created_at,
// tied rows come in the order the commit placed them in the table, a
// scheduling choice (see MemStore's catch-up query): exploring it gives
// every order. Ordered by ID there is nothing to choose. Legacy stamping
// (format v1 scenario files) ticks the clock at each insert.
func TestStoreRowsOfATransactionShareCreatedAt(t *testing.T) {
	orders := func(cfg harness.DBConfig) [][]int64 {
		var seen [][]int64
		rep := sched.Explore(func(rt *sched.Runtime) {
			mem := harness.NewMemStoreConfig(rt, cfg)
			mem.CreateChat(harness.Chat{ID: chat, Status: harness.StatusWaiting})
			var got []harness.Message
			err := mem.InTx(func(tx harness.Tx) error {
				for _, c := range []string{"x", "y", "z"} {
					m, err := tx.InsertMessage(chat, harness.RoleTool, c)
					if err != nil {
						return err
					}
					got = append(got, m)
				}
				return nil
			})
			require.NoError(t, err)
			if cfg.InsertTimeCreatedAt {
				require.Less(t, got[0].CreatedAt, got[1].CreatedAt)
			} else {
				require.Equal(t, got[0].CreatedAt, got[1].CreatedAt)
				require.Equal(t, got[0].CreatedAt, got[2].CreatedAt)
			}
			rows, err := mem.GetChatMessagesByChatID(chat, 0)
			require.NoError(t, err)
			seen = append(seen, ids(rows))
			require.Equal(t, ids(rows), ids(mem.History(chat)), "every query returns ties in the same order")
		}, sched.Options{Strategy: sched.DFS(0)}, 0)
		require.Nil(t, rep.Failure)
		require.True(t, rep.Exhausted)
		return seen
	}
	require.ElementsMatch(t, [][]int64{{1, 2, 3}, {1, 3, 2}, {2, 1, 3}, {2, 3, 1}, {3, 1, 2}, {3, 2, 1}}, orders(harness.DBConfig{}))
	require.Equal(t, [][]int64{{1, 2, 3}}, orders(harness.DBConfig{OrderByID: true}))
	require.Equal(t, [][]int64{{1, 2, 3}}, orders(harness.DBConfig{InsertTimeCreatedAt: true}))
}

// TestStoreRollback: a transaction whose function fails leaves no row, no
// status change and no commit, and releases the chat lock. Its ID stays
// used, as a PostgreSQL sequence's does, and it holds back nothing: the
// next commit is visible at once.
func TestStoreRollback(t *testing.T) {
	boom := errors.New("boom")
	var (
		txErr         error
		rolledBack    harness.Message
		seenInTx      []int64
		afterRollback struct {
			history []int64
			commits []int64
			exists  bool
			status  harness.ChatStatus
		}
		next      harness.Message
		nextErr   error
		seenAfter []int64
		history   []int64
		commits   []int64
	)
	res := sched.Run(func(rt *sched.Runtime) {
		mem := harness.NewMemStore(rt)
		mem.CreateChat(harness.Chat{ID: chat, Status: harness.StatusWaiting})
		txErr = mem.InTx(func(tx harness.Tx) error {
			if _, err := tx.LockChat(chat); err != nil {
				return err
			}
			var err error
			if rolledBack, err = tx.InsertMessage(chat, harness.RoleUser, "doomed"); err != nil {
				return err
			}
			if err := tx.SetChatStatus(chat, harness.StatusPending); err != nil {
				return err
			}
			// Not committed: invisible to a query outside the transaction.
			got, _ := mem.GetChatMessagesByChatID(chat, 0)
			seenInTx = ids(got)
			return boom
		})
		afterRollback.history = ids(mem.History(chat))
		afterRollback.commits = mem.CommitOrder()
		afterRollback.exists = mem.Exists(rolledBack.ID)
		c, _ := mem.Chat(chat)
		afterRollback.status = c.Status

		// The chat lock was released (LockChat would deadlock otherwise)
		// and the next row commits and is visible.
		nextErr = mem.InTx(func(tx harness.Tx) error {
			if _, err := tx.LockChat(chat); err != nil {
				return err
			}
			var err error
			next, err = tx.InsertMessage(chat, harness.RoleUser, "kept")
			return err
		})
		got, _ := mem.GetChatMessagesByChatID(chat, 0)
		seenAfter = ids(got)
		history = ids(mem.History(chat))
		commits = mem.CommitOrder()
	}, sched.Options{Strategy: firstRunnable(), Trace: true})
	requireRun(t, res)

	require.ErrorIs(t, txErr, boom)
	require.Equal(t, int64(1), rolledBack.ID)
	require.Empty(t, seenInTx, "an uncommitted row was visible")
	require.Empty(t, afterRollback.history)
	require.Empty(t, afterRollback.commits)
	require.False(t, afterRollback.exists, "the rolled-back row exists")
	require.Equal(t, harness.StatusWaiting, afterRollback.status, "the rolled-back status change stuck")

	require.NoError(t, nextErr)
	require.Equal(t, int64(2), next.ID, "the sequence is not rolled back")
	require.Equal(t, []int64{2}, seenAfter)
	require.Equal(t, []int64{2}, history)
	require.Equal(t, []int64{2}, commits)
}

// probe is a merge strategy that only records what the durable cache
// returns for each notify's AfterMessageID.
type probe struct{ lookups *[]cacheLookup }

type cacheLookup struct {
	after int64
	got   []int64
}

func (probe) Name() string { return "probe" }

func (p probe) HandleNotify(c *harness.MergeContext, n harness.Notify) {
	var got []int64 // nil when the cache answers nothing
	for _, m := range c.CacheAfter(n.AfterMessageID) {
		got = append(got, m.ID)
	}
	*p.lookups = append(*p.lookups, cacheLookup{after: n.AfterMessageID, got: got})
}

// TestCacheEviction: with capacity 2 and appends out of order, each
// overflow drops the oldest-appended entry and sets evictedBefore to its
// ID, which moves down when the appends were out of order (7 then 5).
// cacheAfter returns nil below evictedBefore even when it holds later
// messages, and works again once evictedBefore has moved down.
func TestCacheEviction(t *testing.T) {
	type state struct {
		cached        []int64
		evictedBefore int64
	}
	var states []state
	var lookups []cacheLookup
	res := sched.Run(func(rt *sched.Runtime) {
		w := harness.NewWorld(rt, harness.WorldConfig{Config: harness.Config{CacheCapacity: 2}})
		r := w.Replicas[0]
		sub, err := r.SubscribeAuthorized("sub", chat, 0, probe{&lookups})
		if err != nil {
			rt.Failf("subscribe: %v", err)
		}
		w.AddSubscriber(sub)
		lookup := func(after int64) {
			w.PubSub.Publish(harness.ChatChannel(chat), harness.Notify{AfterMessageID: after})
			rt.WaitIdle()
		}
		for _, id := range []int64{7, 5, 6, 4} {
			r.AppendDurable(chat, msg(id))
			c, eb := r.CacheIDs(chat)
			states = append(states, state{c, eb})
			if id == 6 {
				lookup(5) // evictedBefore is 7: nil, though 6 is cached
				lookup(7)
			}
		}
		lookup(4) // evictedBefore is 5: nil, though 6 is cached
		lookup(5) // at evictedBefore: the cache answers again
		lookup(3)
		w.Settle()
	}, sched.Options{Strategy: firstRunnable(), Trace: true})
	requireRun(t, res)

	require.Equal(t, []state{
		{[]int64{7}, 0},
		{[]int64{7, 5}, 0},
		{[]int64{5, 6}, 7}, // 7 dropped
		{[]int64{6, 4}, 5}, // 5 dropped: evictedBefore moved down
	}, states)
	require.Equal(t, []cacheLookup{
		{after: 5, got: nil},
		{after: 7, got: nil}, // nothing after 7 cached
		{after: 4, got: nil},
		{after: 5, got: []int64{6}},
		{after: 3, got: nil},
	}, lookups)
}

// TestCacheEvictionNaiveFallsBackToDB: a subscriber whose cursor (3) is
// below evictedBefore (4) gets nil from the cache, so even naive goes to
// the database and finds 4, which the cache no longer holds. With room in
// the cache the same notify is served from the cache.
func TestCacheEvictionNaiveFallsBackToDB(t *testing.T) {
	for _, tc := range []struct {
		capacity      int
		cached        []int64
		evictedBefore int64
		via           string
	}{
		{capacity: 2, cached: []int64{5, 6}, evictedBefore: 4, via: "db"},
		{capacity: 0, cached: []int64{4, 5, 6}, evictedBefore: 0, via: "cache"},
	} {
		t.Run(tc.via, func(t *testing.T) {
			var (
				cached        []int64
				evictedBefore int64
				deliveries    []harness.Delivery
				violations    []harness.Violation
			)
			res := sched.Run(func(rt *sched.Runtime) {
				w := harness.NewWorld(rt, harness.WorldConfig{Config: harness.Config{CacheCapacity: tc.capacity}})
				r := w.Replicas[0]
				for i := 0; i < 3; i++ {
					w.Mem.Seed(chat, harness.RoleUser, "old")
				}
				sub, err := r.SubscribeAuthorized("sub", chat, 3, harness.Naive{})
				if err != nil {
					rt.Failf("subscribe: %v", err)
				}
				w.AddSubscriber(sub)
				for i := 0; i < 3; i++ {
					r.AppendDurable(chat, w.Mem.Seed(chat, harness.RoleAssistant, "new"))
				}
				cached, evictedBefore = r.CacheIDs(chat)
				w.PubSub.Publish(harness.ChatChannel(chat), harness.Notify{AfterMessageID: 3})
				violations = w.Check()
				deliveries = sub.Deliveries()
			}, sched.Options{Strategy: sched.Random(3), Trace: true})
			requireRun(t, res)

			require.Equal(t, tc.cached, cached)
			require.Equal(t, tc.evictedBefore, evictedBefore)
			require.Empty(t, violations)
			require.Len(t, deliveries, 3)
			for i, d := range deliveries {
				require.Equal(t, int64(4+i), d.ID)
				require.Equal(t, tc.via, d.Via, "#%d", d.ID)
			}
		})
	}
}

// TestStoreQueriesSeeEveryChange queries two chats in turn around every
// kind of change (a seed, a commit, an edit, a delete, a rollback, a
// commit of the other chat): the catch-up query keeps a chat's ordered
// rows between commits, and each query must still see the committed
// state of its own chat, with afterID applied.
func TestStoreQueriesSeeEveryChange(t *testing.T) {
	const other = chat + 1
	type seen struct {
		ids      []int64
		contents []string
	}
	var got []seen
	res := sched.Run(func(rt *sched.Runtime) {
		mem := harness.NewMemStore(rt)
		mem.CreateChat(harness.Chat{ID: chat, Status: harness.StatusWaiting})
		mem.CreateChat(harness.Chat{ID: other, Status: harness.StatusWaiting})
		query := func(id, after int64) {
			ms, err := mem.GetChatMessagesByChatID(id, after)
			require.NoError(t, err)
			var s seen
			for _, m := range ms {
				s.ids = append(s.ids, m.ID)
				s.contents = append(s.contents, m.Content)
			}
			got = append(got, s)
		}
		tx := func(fn func(tx harness.Tx) error) error { return mem.InTx(fn) }
		mem.Seed(chat, harness.RoleUser, "a")             // #1
		mem.Seed(other, harness.RoleUser, "x")            // #2
		query(chat, 0)                                    // [1]
		query(other, 0)                                   // [2]
		mem.Seed(chat, harness.RoleUser, "b")             // #3
		query(chat, 0)                                    // [1 3]
		query(chat, 1)                                    // [3]
		require.NoError(t, tx(func(tx harness.Tx) error { // #4, #5
			if _, err := tx.InsertMessage(chat, harness.RoleAssistant, "c"); err != nil {
				return err
			}
			query(chat, 0) // [1 3]: not committed yet
			_, err := tx.InsertMessage(chat, harness.RoleTool, "d")
			return err
		}))
		query(chat, 0) // [1 3 4 5]
		require.NoError(t, tx(func(tx harness.Tx) error {
			_, err := tx.UpdateMessageContent(chat, 3, "b2")
			return err
		}))
		query(chat, 2) // [3 4 5], 3 edited
		require.NoError(t, tx(func(tx harness.Tx) error { return tx.DeleteMessage(chat, 4) }))
		query(chat, 0) // [1 3 5]
		require.Error(t, tx(func(tx harness.Tx) error {
			if _, err := tx.InsertMessage(chat, harness.RoleUser, "doomed"); err != nil {
				return err
			}
			return errors.New("boom")
		}))
		query(chat, 0) // [1 3 5]
		require.NoError(t, tx(func(tx harness.Tx) error {
			_, err := tx.InsertMessage(other, harness.RoleUser, "y") // #7
			return err
		}))
		query(other, 0) // [2 7]
		query(chat, 3)  // [5]
	}, sched.Options{Strategy: firstRunnable()})
	requireRun(t, res)
	want := []seen{
		{[]int64{1}, []string{"a"}},
		{[]int64{2}, []string{"x"}},
		{[]int64{1, 3}, []string{"a", "b"}},
		{[]int64{3}, []string{"b"}},
		{[]int64{1, 3}, []string{"a", "b"}},
		{[]int64{1, 3, 4, 5}, []string{"a", "b", "c", "d"}},
		{[]int64{3, 4, 5}, []string{"b2", "c", "d"}},
		{[]int64{1, 3, 5}, []string{"a", "b2", "d"}},
		{[]int64{1, 3, 5}, []string{"a", "b2", "d"}},
		{[]int64{2, 7}, []string{"x", "y"}},
		{[]int64{5}, []string{"d"}},
	}
	require.Equal(t, want, got)
}
