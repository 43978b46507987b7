package pgbackend

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/harness"
	"github.com/interleave/interleave/pgstore"
)

// TestStoreMatchesMemStore: the run's Store, Tx and Seeder behave as
// MemStore's do (the reference semantics), on the run's own chat.
func TestStoreMatchesMemStore(t *testing.T) {
	b := openBackend(t, 4)
	run := b.NewRun(5)
	run.CreateChat(harness.Chat{ID: 1, Status: harness.StatusRequiresAction, PendingToolCalls: []string{"c1", "c2"}})
	seeded := run.Seed(1, harness.RoleUser, "hello")
	require.Equal(t, int64(1), seeded.ChatID)
	q := run.Queue(1, "queued")
	require.Equal(t, harness.QueuedMessage{ID: q.ID, ChatID: 1, Content: "queued"}, q)

	// A transaction's rows are invisible until it commits, and its ID is
	// taken at insert time.
	var inserted harness.Message
	err := run.InTx(func(tx harness.Tx) error {
		c, err := tx.LockChat(1)
		if err != nil {
			return err
		}
		// The seed went through the update entry point: one bump.
		require.Equal(t, harness.Chat{ID: 1, Status: harness.StatusRequiresAction, PendingToolCalls: []string{"c1", "c2"}, SnapshotVersion: 1, HistoryVersion: 1}, c)
		if inserted, err = tx.InsertMessage(1, harness.RoleTool, "result"); err != nil {
			return err
		}
		require.Greater(t, inserted.ID, seeded.ID)
		require.GreaterOrEqual(t, inserted.CreatedAt, seeded.CreatedAt)
		visible, err := run.GetChatMessagesByChatID(1, 0)
		require.NoError(t, err)
		require.Equal(t, []harness.Message{seeded}, visible, "not visible before commit")
		require.False(t, run.Exists(inserted.ID))
		got, err := tx.DeleteQueuedMessage(1, q.ID)
		require.NoError(t, err)
		require.Equal(t, q, got)
		return tx.SetChatStatus(1, harness.StatusRequiresAction)
	})
	require.NoError(t, err)
	require.Equal(t, []harness.Message{seeded, inserted}, run.History(1))
	require.True(t, run.Exists(inserted.ID))
	require.Equal(t, []int64{seeded.ID, inserted.ID}, run.CommitOrder())

	// requires_action keeps the pending calls; another status clears them.
	lockChat := func() harness.Chat {
		var c harness.Chat
		require.NoError(t, run.InTx(func(tx harness.Tx) error {
			var err error
			c, err = tx.LockChat(1)
			return err
		}))
		return c
	}
	require.Equal(t, []string{"c1", "c2"}, lockChat().PendingToolCalls)
	require.NoError(t, run.InTx(func(tx harness.Tx) error { return tx.SetChatStatus(1, harness.StatusPending) }))
	// Nothing above bumped: a plain transaction is not the entry point.
	require.Equal(t, harness.Chat{ID: 1, Status: harness.StatusPending, SnapshotVersion: 1, HistoryVersion: 1}, lockChat())

	// An edit; a failed transaction leaves nothing behind and returns the
	// callback's error unchanged.
	require.NoError(t, run.InTx(func(tx harness.Tx) error {
		m, err := tx.UpdateMessageContent(1, seeded.ID, "edited")
		require.Equal(t, "edited", m.Content)
		return err
	}))
	require.Equal(t, "edited", run.History(1)[0].Content)
	boom := errors.New("boom")
	err = run.InTx(func(tx harness.Tx) error {
		if _, err := tx.InsertMessage(1, harness.RoleAssistant, "rolled back"); err != nil {
			return err
		}
		return boom
	})
	require.Same(t, boom, err)
	require.Len(t, run.History(1), 2)

	// Missing rows are harness.ErrNotFound, with a message naming the run
	// and the logical chat.
	err = run.InTx(func(tx harness.Tx) error {
		_, err := tx.DeleteQueuedMessage(1, q.ID)
		return err
	})
	require.ErrorIs(t, err, harness.ErrNotFound)
	require.ErrorIs(t, err, pgstore.ErrNotFound)
	require.ErrorContains(t, err, "postgres: run 5: delete queued message")
	err = run.InTx(func(tx harness.Tx) error {
		_, err := tx.LockChat(2)
		return err
	})
	require.ErrorIs(t, err, harness.ErrNotFound)
	require.ErrorContains(t, err, "postgres: run 5: lock chat 2: ")
	err = run.InTx(func(tx harness.Tx) error {
		_, err := tx.UpdateMessageContent(1, inserted.ID+1000, "x")
		return err
	})
	require.ErrorIs(t, err, harness.ErrNotFound)
}

// TestRunsShareTheDatabaseApart: two runs with the same logical chat see
// only their own rows, and a reused run ID is refused when seeding.
func TestRunsShareTheDatabaseApart(t *testing.T) {
	b := openBackend(t, 4)
	first, err := b.AllocRunIDs(t.Context(), 2)
	require.NoError(t, err)
	next, err := b.AllocRunIDs(t.Context(), 1)
	require.NoError(t, err)
	require.Equal(t, first+2, next, "allocated blocks do not overlap")

	r1, r2 := b.NewRun(first), b.NewRun(first+1)
	for _, r := range []*Run{r1, r2} {
		r.CreateChat(harness.Chat{ID: 1, Status: harness.StatusWaiting})
	}
	m1 := r1.Seed(1, harness.RoleUser, "one")
	m2 := r2.Seed(1, harness.RoleUser, "two")
	require.Equal(t, []harness.Message{m1}, r1.History(1))
	require.Equal(t, []harness.Message{m2}, r2.History(1))
	require.True(t, r1.Exists(m1.ID))
	require.False(t, r1.Exists(m2.ID), "another run's message is a phantom to this one")

	rows, err := b.DB().GetChatMessagesByChatID(t.Context(), first*ChatIDSpan+1, 0)
	require.NoError(t, err)
	require.Len(t, rows, 1)
	require.Equal(t, "one", rows[0].Content)

	again := b.NewRun(first)
	defer func() {
		p := recover()
		require.NotNil(t, p, "seeding a chat another run owns must fail")
		err, ok := p.(error)
		require.True(t, ok, "%v", p)
		require.ErrorIs(t, err, pgstore.ErrExists)
		require.ErrorContains(t, err, "AllocRunIDs")
	}()
	again.CreateChat(harness.Chat{ID: 1})
}

// TestStoreCallsAreBounded: a database call never outlives Run.Timeout; a
// transaction stuck on a lock fails with a clear error.
func TestStoreCallsAreBounded(t *testing.T) {
	b := openBackend(t, 4)
	run := b.NewRun(1)
	run.CreateChat(harness.Chat{ID: 1, Status: harness.StatusWaiting})
	locked, release := make(chan struct{}), make(chan struct{})
	holder := make(chan error, 1)
	go func() {
		holder <- run.InTx(func(tx harness.Tx) error {
			if _, err := tx.LockChat(1); err != nil {
				return err
			}
			close(locked)
			<-release
			return nil
		})
	}()
	<-locked
	short := b.NewRun(1) // the same chats, a shorter timeout
	short.Timeout = 200 * time.Millisecond
	err := short.InTx(func(tx harness.Tx) error {
		_, err := tx.LockChat(1)
		return err
	})
	close(release)
	require.NoError(t, <-holder)
	require.Error(t, err)
	require.ErrorContains(t, err, "postgres: run 1: lock chat 1: ")
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

// TestCommitInversionsCountsCertainOnes: a transaction held open before
// COMMIT while a later one (higher ID) commits is an inversion; commits one
// after another are not.
func TestCommitInversionsCountsCertainOnes(t *testing.T) {
	b := openBackend(t, 4)
	run := b.NewRun(1)
	run.CreateChat(harness.Chat{ID: 1, Status: harness.StatusWaiting})
	run.Seed(1, harness.RoleUser, "one")
	run.Seed(1, harness.RoleUser, "two")
	require.Zero(t, run.CommitInversions())

	var calls atomic.Int32
	holding, release := make(chan struct{}), make(chan struct{})
	run.BeforeCommit = func(ctx context.Context) error {
		if calls.Add(1) == 1 {
			close(holding)
			<-release
		}
		return nil
	}
	insert := func(content string) (harness.Message, error) {
		var m harness.Message
		err := run.InTx(func(tx harness.Tx) error {
			var err error
			m, err = tx.InsertMessage(1, harness.RoleAssistant, content)
			return err
		})
		return m, err
	}
	type result struct {
		m   harness.Message
		err error
	}
	first := make(chan result, 1)
	go func() {
		m, err := insert("held")
		first <- result{m, err}
	}()
	<-holding
	later, err := insert("later")
	require.NoError(t, err)
	close(release)
	held := <-first
	require.NoError(t, held.err)
	require.Less(t, held.m.ID, later.ID)
	require.Equal(t, 1, run.CommitInversions())
	order := run.CommitOrder()
	require.Equal(t, []int64{later.ID, held.m.ID}, order[2:], "commit order, as the client saw it")
}

// TestCreatedAtIsTheTransactionStart (chatd-model.md section 10): every row
// of one transaction has the transaction's start time as created_at, and a
// transaction that began first sorts first whatever its IDs; the query
// orders by id instead when the world asks for it.
func TestCreatedAtIsTheTransactionStart(t *testing.T) {
	b := openBackend(t, 4)
	run := b.NewRun(77)
	run.CreateChat(harness.Chat{ID: 1, Status: harness.StatusWaiting})
	// early begins first and inserts last: its row gets the higher ID and
	// the earlier created_at.
	begun, inserted := make(chan struct{}), make(chan struct{})
	var early harness.Message
	done := make(chan error, 1)
	go func() {
		done <- run.InTx(func(tx harness.Tx) error {
			if _, err := tx.GetChat(1); err != nil { // the transaction has started
				return err
			}
			close(begun)
			<-inserted
			var err error
			early, err = tx.InsertMessage(1, harness.RoleUser, "began first")
			return err
		})
	}()
	<-begun
	var late []harness.Message
	require.NoError(t, run.InTx(func(tx harness.Tx) error {
		for _, c := range []string{"a", "b"} {
			m, err := tx.InsertMessage(1, harness.RoleTool, c)
			if err != nil {
				return err
			}
			late = append(late, m)
		}
		return nil
	}))
	close(inserted)
	require.NoError(t, <-done)
	require.Equal(t, late[0].CreatedAt, late[1].CreatedAt, "one transaction, one created_at")
	require.Less(t, early.CreatedAt, late[0].CreatedAt)
	require.Greater(t, early.ID, late[1].ID)

	rows, err := run.GetChatMessagesByChatID(1, 0)
	require.NoError(t, err)
	require.Equal(t, []int64{early.ID, late[0].ID, late[1].ID}, msgIDs(rows), "by created_at")
	run.orderByID = true
	rows, err = run.GetChatMessagesByChatID(1, 0)
	require.NoError(t, err)
	require.Equal(t, []int64{late[0].ID, late[1].ID, early.ID}, msgIDs(rows), "by id")
}

func msgIDs(ms []harness.Message) []int64 {
	out := make([]int64, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}
