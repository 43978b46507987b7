package pgbackend

import (
	"context"
	"errors"
	"fmt"

	"github.com/interleave/interleave/harness"
	"github.com/interleave/interleave/pgstore"
)

// The run's harness.Store, harness.Tx, harness.Seeder and
// harness.GroundTruth: each method is one or two statements of pgstore, with
// the chat IDs mapped, under a context bounded by Run.Timeout. The
// scheduling points (jitter, in a wild run) are where MemStore has them.

var (
	_ harness.Store       = (*Run)(nil)
	_ harness.Seeder      = (*Run)(nil)
	_ harness.GroundTruth = (*Run)(nil)
	_ harness.Tx          = (*runTx)(nil)
)

// InTx implements harness.Store: fn runs in a transaction on a pooled
// connection, committed when fn returns nil. The whole transaction is
// bounded by Run.Timeout. An error of fn is returned unchanged; failing to
// begin or commit gives a "postgres: run N: ..." error.
func (r *Run) InTx(fn func(tx harness.Tx) error) error {
	ctx, cancel := r.opCtx()
	defer cancel()
	t := &runTx{r: r, ctx: ctx}
	var fnErr error
	err := r.db.InTx(ctx, func(ptx pgstore.Tx) error {
		t.tx = ptx
		fnErr = fn(t)
		return fnErr
	}, pgstore.BeforeCommit(func(ctx context.Context) error {
		r.yield("db: commit")
		if r.BeforeCommit != nil {
			if err := r.BeforeCommit(ctx); err != nil {
				return err
			}
		}
		t.sent = r.clock.Add(1)
		return nil
	}))
	if err != nil {
		if fnErr != nil {
			return fnErr
		}
		return r.wrap(err, "transaction")
	}
	if len(t.inserted) > 0 {
		rec := commitRecord{ids: t.inserted, sent: t.sent, done: r.clock.Add(1)}
		r.mu.Lock()
		r.commits = append(r.commits, rec)
		r.mu.Unlock()
	}
	return nil
}

// message converts a row of this run's chat to the harness's Message:
// created_at becomes Unix nanoseconds.
func message(m pgstore.Message, chatID int64) harness.Message {
	return harness.Message{ID: m.ID, ChatID: chatID, Role: harness.Role(m.Role), Content: m.Content,
		CreatedAt: m.CreatedAt.UnixNano(), Revision: m.Revision, Deleted: m.Deleted}
}

// chat converts a chat row of this run to the harness's Chat.
func chat(c pgstore.Chat, chatID int64) harness.Chat {
	return harness.Chat{ID: chatID, Status: harness.ChatStatus(c.Status), PendingToolCalls: c.PendingToolCalls,
		SnapshotVersion: c.SnapshotVersion, HistoryVersion: c.HistoryVersion}
}

// GetChatMessagesByChatID implements harness.Store: ordered by created_at
// with no tie-break, or by ID when the world's DBConfig.OrderByID is set.
func (r *Run) GetChatMessagesByChatID(chatID, afterID int64) ([]harness.Message, error) {
	r.yield("db: query messages")
	return r.messages(chatID, afterID)
}

// GetQueuedMessages implements harness.Store.
func (r *Run) GetQueuedMessages(chatID int64) ([]harness.QueuedMessage, error) {
	r.yield("db: query queue")
	p, err := r.PhysicalChatID(chatID)
	if err != nil {
		return nil, err
	}
	ctx, cancel := r.opCtx()
	defer cancel()
	qs, err := r.db.GetQueuedMessages(ctx, p)
	if err != nil {
		return nil, r.wrap(err, "get queued messages of chat %d", chatID)
	}
	out := make([]harness.QueuedMessage, len(qs))
	for i, q := range qs {
		out[i] = harness.QueuedMessage{ID: q.ID, ChatID: chatID, Content: q.Content}
	}
	return out, nil
}

func (r *Run) messages(chatID, afterID int64) ([]harness.Message, error) {
	p, err := r.PhysicalChatID(chatID)
	if err != nil {
		return nil, err
	}
	ctx, cancel := r.opCtx()
	defer cancel()
	rows, err := r.db.GetChatMessages(ctx, p, afterID, r.orderByID)
	if err != nil {
		return nil, r.wrap(err, "get messages of chat %d after #%d", chatID, afterID)
	}
	out := make([]harness.Message, len(rows))
	for i, m := range rows {
		out[i] = message(m, chatID)
	}
	return out, nil
}

type runTx struct {
	r        *Run
	ctx      context.Context // the transaction's
	tx       pgstore.Tx
	inserted []int64
	sent     uint64 // the run's clock when COMMIT was about to be sent
}

// LockChat implements harness.Tx: SELECT ... FOR UPDATE, which waits while
// another transaction holds the row.
func (t *runTx) LockChat(chatID int64) (harness.Chat, error) {
	t.r.yield("db: lock chat")
	p, err := t.r.PhysicalChatID(chatID)
	if err != nil {
		return harness.Chat{}, err
	}
	c, err := t.tx.LockChatRow(t.ctx, p)
	if err != nil {
		return harness.Chat{}, t.r.wrap(err, "lock chat %d", chatID)
	}
	return chat(c, chatID), nil
}

// BumpChatVersion implements harness.Tx: the update entry point's UPDATE
// of snapshot_version, under the lock LockChat took (no scheduling point
// of its own, as in MemStore).
func (t *runTx) BumpChatVersion(chatID int64) (int64, error) {
	p, err := t.r.PhysicalChatID(chatID)
	if err != nil {
		return 0, err
	}
	v, err := t.tx.BumpChatVersion(t.ctx, p)
	if err != nil {
		return 0, t.r.wrap(err, "bump the version of chat %d", chatID)
	}
	return v, nil
}

// GetChat implements harness.Tx: a plain read of the chat row, for a writer
// that skips the row lock.
func (t *runTx) GetChat(chatID int64) (harness.Chat, error) {
	t.r.yield("db: read chat")
	p, err := t.r.PhysicalChatID(chatID)
	if err != nil {
		return harness.Chat{}, err
	}
	c, err := t.tx.GetChatRow(t.ctx, p)
	if err != nil {
		return harness.Chat{}, t.r.wrap(err, "read chat %d", chatID)
	}
	return chat(c, chatID), nil
}

// DeleteMessage implements harness.Tx: a soft delete. The row must be one
// of the run's chat's.
func (t *runTx) DeleteMessage(chatID, id int64) error {
	p, err := t.r.PhysicalChatID(chatID)
	if err != nil {
		return err
	}
	ctx, cancel := t.r.opCtx()
	defer cancel()
	owner, err := t.r.db.MessageChatID(ctx, id)
	if err == nil && owner != p {
		err = pgstore.ErrNotFound
	}
	if err == nil {
		err = t.tx.DeleteMessage(t.ctx, id)
	}
	if err != nil {
		return t.r.wrap(err, "delete message #%d of chat %d", id, chatID)
	}
	return nil
}

// InsertMessage implements harness.Tx: the ID comes from the sequence now,
// created_at is the transaction's start time, the row is visible at commit.
func (t *runTx) InsertMessage(chatID int64, role harness.Role, content string) (harness.Message, error) {
	t.r.yield("db: insert " + string(role))
	p, err := t.r.PhysicalChatID(chatID)
	if err != nil {
		return harness.Message{}, err
	}
	m, err := t.tx.InsertMessageRow(t.ctx, p, string(role), content)
	if err != nil {
		return harness.Message{}, t.r.wrap(err, "insert %s message into chat %d", role, chatID)
	}
	t.inserted = append(t.inserted, m.ID)
	return message(m, chatID), nil
}

// UpdateMessageContent implements harness.Tx.
func (t *runTx) UpdateMessageContent(chatID, id int64, content string) (harness.Message, error) {
	p, err := t.r.PhysicalChatID(chatID)
	if err != nil {
		return harness.Message{}, err
	}
	m, err := t.tx.UpdateMessageContent(t.ctx, p, id, content)
	if err != nil {
		return harness.Message{}, t.r.wrap(err, "edit message #%d of chat %d", id, chatID)
	}
	return message(m, chatID), nil
}

// DeleteQueuedMessage implements harness.Tx.
func (t *runTx) DeleteQueuedMessage(chatID, queuedID int64) (harness.QueuedMessage, error) {
	p, err := t.r.PhysicalChatID(chatID)
	if err != nil {
		return harness.QueuedMessage{}, err
	}
	q, err := t.tx.DeleteQueuedMessage(t.ctx, p, queuedID)
	if err != nil {
		return harness.QueuedMessage{}, t.r.wrap(err, "delete queued message %d of chat %d", queuedID, chatID)
	}
	return harness.QueuedMessage{ID: q.ID, ChatID: chatID, Content: q.Content}, nil
}

// SetChatStatus implements harness.Tx: like MemStore, a status other than
// requires_action clears the pending tool calls.
func (t *runTx) SetChatStatus(chatID int64, status harness.ChatStatus) error {
	p, err := t.r.PhysicalChatID(chatID)
	if err != nil {
		return err
	}
	if err := t.tx.SetChatStatus(t.ctx, p, string(status)); err != nil {
		return t.r.wrap(err, "set status of chat %d to %s", chatID, status)
	}
	if status == harness.StatusRequiresAction {
		return nil
	}
	if err := t.tx.SetPendingToolCalls(t.ctx, p, nil); err != nil {
		return t.r.wrap(err, "clear pending tool calls of chat %d", chatID)
	}
	return nil
}

// CreateChat implements harness.Seeder: the chat row is committed at once.
// It panics if the database cannot create it, or has it already (another
// run with this ID on the same database).
func (r *Run) CreateChat(c harness.Chat) {
	p, err := r.PhysicalChatID(c.ID)
	if err != nil {
		panic(err)
	}
	ctx, cancel := r.opCtx()
	defer cancel()
	err = r.db.CreateChat(ctx, pgstore.Chat{ID: p, Status: string(c.Status), PendingToolCalls: c.PendingToolCalls})
	if errors.Is(err, pgstore.ErrExists) {
		panic(r.wrap(err, "seed chat %d (is another run with ID %d on this database? Backend.AllocRunIDs gives fresh IDs)", c.ID, r.id))
	}
	if err != nil {
		panic(r.wrap(err, "seed chat %d", c.ID))
	}
}

// Seed implements harness.Seeder: the row is inserted and committed in a
// transaction of its own, through the update entry point (the chat row
// locked and its version bumped, as MemStore.Seed does). It panics if the
// database fails.
func (r *Run) Seed(chatID int64, role harness.Role, content string) harness.Message {
	var m harness.Message
	err := r.InTx(func(tx harness.Tx) error {
		if _, err := tx.LockChat(chatID); err != nil {
			return err
		}
		if _, err := tx.BumpChatVersion(chatID); err != nil {
			return err
		}
		var err error
		m, err = tx.InsertMessage(chatID, role, content)
		return err
	})
	if err != nil {
		panic(err) // a "postgres: run N: ..." error already
	}
	return m
}

// Queue implements harness.Seeder: the queued message is committed at once.
// It panics if the database fails.
func (r *Run) Queue(chatID int64, content string) harness.QueuedMessage {
	p, err := r.PhysicalChatID(chatID)
	if err != nil {
		panic(err)
	}
	ctx, cancel := r.opCtx()
	defer cancel()
	q, err := r.db.QueueMessage(ctx, p, content)
	if err != nil {
		panic(r.wrap(err, "queue a message on chat %d", chatID))
	}
	return harness.QueuedMessage{ID: q.ID, ChatID: chatID, Content: q.Content}
}

// History implements harness.GroundTruth: the committed, visible rows of
// the chat, by created_at then ID, read from the database. It panics if the
// database fails.
func (r *Run) History(chatID int64) []harness.Message {
	msgs, err := r.messages(chatID, 0)
	if err != nil {
		panic(fmt.Errorf("oracle: ground truth: %w", err))
	}
	return msgs
}

// Exists implements harness.GroundTruth: whether a committed row with this
// ID, deleted or not, is in one of the run's chats. It panics if the
// database fails.
func (r *Run) Exists(id int64) bool {
	ctx, cancel := r.opCtx()
	defer cancel()
	p, err := r.db.MessageChatID(ctx, id)
	if errors.Is(err, pgstore.ErrNotFound) {
		return false
	}
	if err != nil {
		panic(fmt.Errorf("oracle: ground truth: %w", r.wrap(err, "look up message #%d", id)))
	}
	_, ours := r.LogicalChatID(p)
	return ours
}
