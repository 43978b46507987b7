package pgstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// ErrExists is returned when a row to create already exists.
var ErrExists = errors.New("pgstore: already exists")

// Chat is one row of chats: its status and, in requires_action, the tool
// calls it waits on (chatd-model.md section 4).
type Chat struct {
	ID               int64
	Status           string
	PendingToolCalls []string
	// SnapshotVersion and HistoryVersion are the stream loop's counters
	// (stream-loop.md §1; see Migrate).
	SnapshotVersion, HistoryVersion int64
}

// QueuedMessage is one row of queued_messages: a user message queued while
// the chat is busy, which PromoteQueued turns into a chat message.
type QueuedMessage struct {
	ID      int64
	ChatID  int64
	Content string
}

const (
	messageColumns = `id, chat_id, role, content, created_at, revision, deleted`
	chatColumns    = `id, coalesce(status, ''), pending_tool_calls, snapshot_version, history_version`
)

func scanMessage(row pgx.Row) (Message, error) {
	var m Message
	err := row.Scan(&m.ID, &m.ChatID, &m.Role, &m.Content, &m.CreatedAt, &m.Revision, &m.Deleted)
	return m, err
}

func scanChat(row pgx.Row) (Chat, error) {
	var c Chat
	err := row.Scan(&c.ID, &c.Status, &c.PendingToolCalls, &c.SnapshotVersion, &c.HistoryVersion)
	if len(c.PendingToolCalls) == 0 {
		c.PendingToolCalls = nil
	}
	return c, err
}

// uniqueViolation is PostgreSQL's SQLSTATE for a duplicate key.
const uniqueViolation = "23505"

// CreateChat inserts a chat row, committed at once. ErrExists if a chat with
// this ID exists.
func (db *DB) CreateChat(ctx context.Context, c Chat) error {
	calls := c.PendingToolCalls
	if calls == nil {
		calls = []string{}
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO chats (id, status, pending_tool_calls) VALUES ($1, $2, $3)`,
		c.ID, c.Status, calls)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == uniqueViolation {
		return fmt.Errorf("pgstore: create chat %d: %w", c.ID, ErrExists)
	}
	if err != nil {
		return fmt.Errorf("pgstore: create chat %d: %w", c.ID, err)
	}
	return nil
}

// GetChat returns the committed chat row. ErrNotFound if there is none.
func (db *DB) GetChat(ctx context.Context, chatID int64) (Chat, error) {
	c, err := scanChat(db.pool.QueryRow(ctx, `SELECT `+chatColumns+` FROM chats WHERE id = $1`, chatID))
	if errors.Is(err, pgx.ErrNoRows) {
		return Chat{}, fmt.Errorf("pgstore: get chat %d: %w", chatID, ErrNotFound)
	}
	if err != nil {
		return Chat{}, fmt.Errorf("pgstore: get chat %d: %w", chatID, err)
	}
	return c, nil
}

// QueueMessage queues a user message on a chat, committed at once, and
// returns it with its ID.
func (db *DB) QueueMessage(ctx context.Context, chatID int64, content string) (QueuedMessage, error) {
	q := QueuedMessage{ChatID: chatID, Content: content}
	err := db.pool.QueryRow(ctx, `INSERT INTO queued_messages (chat_id, content) VALUES ($1, $2) RETURNING id`,
		chatID, content).Scan(&q.ID)
	if err != nil {
		return QueuedMessage{}, fmt.Errorf("pgstore: queue message on chat %d: %w", chatID, err)
	}
	return q, nil
}

// GetQueuedMessages returns the queued messages of a chat, by ID.
func (db *DB) GetQueuedMessages(ctx context.Context, chatID int64) ([]QueuedMessage, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, chat_id, content FROM queued_messages WHERE chat_id = $1 ORDER BY id`, chatID)
	if err != nil {
		return nil, fmt.Errorf("pgstore: get queued messages of chat %d: %w", chatID, err)
	}
	qs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (QueuedMessage, error) {
		var q QueuedMessage
		err := r.Scan(&q.ID, &q.ChatID, &q.Content)
		return q, err
	})
	if err != nil {
		return nil, fmt.Errorf("pgstore: get queued messages of chat %d: %w", chatID, err)
	}
	return qs, nil
}

// MessageChatID returns the chat of a committed message, deleted or not.
// ErrNotFound if no committed message has this ID.
func (db *DB) MessageChatID(ctx context.Context, id int64) (int64, error) {
	var chatID int64
	err := db.pool.QueryRow(ctx, `SELECT chat_id FROM chat_messages WHERE id = $1`, id).Scan(&chatID)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("pgstore: message %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("pgstore: message %d: %w", id, err)
	}
	return chatID, nil
}

// PurgeChats deletes, in one transaction, the chats with fromID <= id <
// toID and their messages and queued messages.
func (db *DB) PurgeChats(ctx context.Context, fromID, toID int64) error {
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		for _, stmt := range []string{
			`DELETE FROM chat_messages WHERE chat_id >= $1 AND chat_id < $2`,
			`DELETE FROM queued_messages WHERE chat_id >= $1 AND chat_id < $2`,
			`DELETE FROM chats WHERE id >= $1 AND id < $2`,
		} {
			if _, err := tx.Exec(ctx, stmt, fromID, toID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("pgstore: purge chats %d..%d: %w", fromID, toID-1, err)
	}
	return nil
}
