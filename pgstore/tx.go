package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Tx is the set of writes a chat writer performs inside one transaction
// (chatd-model.md section 4). Nothing it writes is visible to other
// connections until InTx commits.
type Tx interface {
	// InsertMessage inserts a row and returns its ID, taken from the sequence
	// now; created_at is now(), the transaction's start time, shared by
	// every row it inserts. The row becomes visible only at commit.
	InsertMessage(ctx context.Context, chatID int64, role, content string) (id int64, err error)
	// DeleteMessage soft-deletes message id (deleted = true). ErrNotFound if
	// there is no such message.
	DeleteMessage(ctx context.Context, id int64) error
	// SetChatStatus sets the chat's status, creating the chat row if needed.
	SetChatStatus(ctx context.Context, chatID int64, status string) error
	// LockChat locks the chat row (SELECT ... FOR UPDATE) until the
	// transaction ends and returns its status. It blocks while another
	// transaction holds the lock. ErrNotFound if the chat does not exist.
	LockChat(ctx context.Context, chatID int64) (status string, err error)
	// Notify queues pg_notify(channel, payload) in this transaction:
	// PostgreSQL delivers it only when the transaction commits, and drops it
	// on rollback.
	Notify(ctx context.Context, channel, payload string) error

	// InsertMessageRow is InsertMessage returning the whole row as
	// inserted (ID and created_at included).
	InsertMessageRow(ctx context.Context, chatID int64, role, content string) (Message, error)
	// UpdateMessageContent replaces the content of a non-deleted message of
	// chatID and returns the row as updated. ErrNotFound if there is no such
	// message.
	UpdateMessageContent(ctx context.Context, chatID, id int64, content string) (Message, error)
	// LockChatRow is LockChat returning the whole chat row, pending tool
	// calls included.
	LockChatRow(ctx context.Context, chatID int64) (Chat, error)
	// BumpChatVersion is the update entry point's second statement, after
	// LockChatRow: it bumps the chat's snapshot_version and returns the
	// new value (see versionSchema). ErrNotFound if the chat does not
	// exist.
	BumpChatVersion(ctx context.Context, chatID int64) (int64, error)
	// GetChatRow reads the chat row without locking it. ErrNotFound if the
	// chat does not exist.
	GetChatRow(ctx context.Context, chatID int64) (Chat, error)
	// SetPendingToolCalls replaces the tool calls the chat waits on (nil
	// clears them). ErrNotFound if the chat does not exist.
	SetPendingToolCalls(ctx context.Context, chatID int64, calls []string) error
	// DeleteQueuedMessage removes a queued message of chatID and returns
	// it. ErrNotFound if there is no such queued message.
	DeleteQueuedMessage(ctx context.Context, chatID, queuedID int64) (QueuedMessage, error)
}

// TxOption configures one InTx call.
type TxOption func(*txOptions)

type txOptions struct {
	beforeCommit func(ctx context.Context) error
}

// BeforeCommit runs hook after the InTx callback has returned nil and before
// COMMIT is sent, while the transaction's rows are still invisible to others.
// A test can block in hook to hold a transaction open and force overlapping
// writers. A non-nil error from hook rolls the transaction back and is
// returned by InTx.
func BeforeCommit(hook func(ctx context.Context) error) TxOption {
	return func(o *txOptions) { o.beforeCommit = hook }
}

// rollbackTimeout bounds the rollback after a failed callback, which runs
// even when ctx is already cancelled.
const rollbackTimeout = 5 * time.Second

// InTx runs fn in a transaction on a pooled connection and commits if fn (and
// any BeforeCommit hook) returns nil; otherwise it rolls back and returns
// that error unchanged. A panic in fn rolls back and is re-raised. When InTx
// returns nil the transaction has committed and its rows are visible.
func (db *DB) InTx(ctx context.Context, fn func(tx Tx) error, opts ...TxOption) error {
	var o txOptions
	for _, opt := range opts {
		opt(&o)
	}
	ptx, err := db.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("pgstore: begin: %w", err)
	}
	committed := false
	defer func() {
		if committed {
			return
		}
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
		defer cancel()
		_ = ptx.Rollback(rctx) // the connection is discarded if this fails
	}()

	if err := fn(&tx{tx: ptx}); err != nil {
		return err
	}
	if o.beforeCommit != nil {
		if err := o.beforeCommit(ctx); err != nil {
			return err
		}
	}
	if err := ptx.Commit(ctx); err != nil {
		return fmt.Errorf("pgstore: commit: %w", err)
	}
	committed = true
	return nil
}

type tx struct{ tx pgx.Tx }

func (t *tx) InsertMessage(ctx context.Context, chatID int64, role, content string) (int64, error) {
	var id int64
	err := t.tx.QueryRow(ctx, `
		INSERT INTO chat_messages (chat_id, role, content, created_at)
		VALUES ($1, $2, $3, now())
		RETURNING id`, chatID, role, content).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("pgstore: insert message into chat %d: %w", chatID, err)
	}
	return id, nil
}

func (t *tx) DeleteMessage(ctx context.Context, id int64) error {
	tag, err := t.tx.Exec(ctx, `UPDATE chat_messages SET deleted = true WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("pgstore: delete message %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("pgstore: delete message %d: %w", id, ErrNotFound)
	}
	return nil
}

func (t *tx) SetChatStatus(ctx context.Context, chatID int64, status string) error {
	_, err := t.tx.Exec(ctx, `
		INSERT INTO chats (id, status) VALUES ($1, $2)
		ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status`, chatID, status)
	if err != nil {
		return fmt.Errorf("pgstore: set status of chat %d: %w", chatID, err)
	}
	return nil
}

func (t *tx) LockChat(ctx context.Context, chatID int64) (string, error) {
	var status *string
	err := t.tx.QueryRow(ctx, `SELECT status FROM chats WHERE id = $1 FOR UPDATE`, chatID).Scan(&status)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("pgstore: lock chat %d: %w", chatID, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("pgstore: lock chat %d: %w", chatID, err)
	}
	if status == nil {
		return "", nil
	}
	return *status, nil
}

func (t *tx) Notify(ctx context.Context, channel, payload string) error {
	if err := checkChannel(channel); err != nil {
		return err
	}
	if _, err := t.tx.Exec(ctx, `SELECT pg_notify($1, $2)`, channel, payload); err != nil {
		return fmt.Errorf("pgstore: notify %q in transaction: %w", channel, err)
	}
	return nil
}

func (t *tx) InsertMessageRow(ctx context.Context, chatID int64, role, content string) (Message, error) {
	m, err := scanMessage(t.tx.QueryRow(ctx, `
		INSERT INTO chat_messages (chat_id, role, content, created_at)
		VALUES ($1, $2, $3, now())
		RETURNING `+messageColumns, chatID, role, content))
	if err != nil {
		return Message{}, fmt.Errorf("pgstore: insert message into chat %d: %w", chatID, err)
	}
	return m, nil
}

func (t *tx) UpdateMessageContent(ctx context.Context, chatID, id int64, content string) (Message, error) {
	m, err := scanMessage(t.tx.QueryRow(ctx, `
		UPDATE chat_messages SET content = $3
		WHERE id = $2 AND chat_id = $1 AND NOT deleted
		RETURNING `+messageColumns, chatID, id, content))
	if errors.Is(err, pgx.ErrNoRows) {
		return Message{}, fmt.Errorf("pgstore: update message %d of chat %d: %w", id, chatID, ErrNotFound)
	}
	if err != nil {
		return Message{}, fmt.Errorf("pgstore: update message %d of chat %d: %w", id, chatID, err)
	}
	return m, nil
}

func (t *tx) LockChatRow(ctx context.Context, chatID int64) (Chat, error) {
	c, err := scanChat(t.tx.QueryRow(ctx, `SELECT `+chatColumns+` FROM chats WHERE id = $1 FOR UPDATE`, chatID))
	if errors.Is(err, pgx.ErrNoRows) {
		return Chat{}, fmt.Errorf("pgstore: lock chat %d: %w", chatID, ErrNotFound)
	}
	if err != nil {
		return Chat{}, fmt.Errorf("pgstore: lock chat %d: %w", chatID, err)
	}
	return c, nil
}

func (t *tx) GetChatRow(ctx context.Context, chatID int64) (Chat, error) {
	c, err := scanChat(t.tx.QueryRow(ctx, `SELECT `+chatColumns+` FROM chats WHERE id = $1`, chatID))
	if errors.Is(err, pgx.ErrNoRows) {
		return Chat{}, fmt.Errorf("pgstore: read chat %d: %w", chatID, ErrNotFound)
	}
	if err != nil {
		return Chat{}, fmt.Errorf("pgstore: read chat %d: %w", chatID, err)
	}
	return c, nil
}

func (t *tx) SetPendingToolCalls(ctx context.Context, chatID int64, calls []string) error {
	if calls == nil {
		calls = []string{} // the column is NOT NULL
	}
	tag, err := t.tx.Exec(ctx, `UPDATE chats SET pending_tool_calls = $2 WHERE id = $1`, chatID, calls)
	if err != nil {
		return fmt.Errorf("pgstore: set pending tool calls of chat %d: %w", chatID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("pgstore: set pending tool calls of chat %d: %w", chatID, ErrNotFound)
	}
	return nil
}

func (t *tx) DeleteQueuedMessage(ctx context.Context, chatID, queuedID int64) (QueuedMessage, error) {
	var q QueuedMessage
	err := t.tx.QueryRow(ctx, `
		DELETE FROM queued_messages WHERE id = $2 AND chat_id = $1
		RETURNING id, chat_id, content`, chatID, queuedID).Scan(&q.ID, &q.ChatID, &q.Content)
	if errors.Is(err, pgx.ErrNoRows) {
		return QueuedMessage{}, fmt.Errorf("pgstore: delete queued message %d of chat %d: %w", queuedID, chatID, ErrNotFound)
	}
	if err != nil {
		return QueuedMessage{}, fmt.Errorf("pgstore: delete queued message %d of chat %d: %w", queuedID, chatID, err)
	}
	return q, nil
}
