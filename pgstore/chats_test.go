package pgstore

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestChatRowsPendingCallsAndQueuedMessages(t *testing.T) {
	db := OpenTestDB(t, 2)
	ctx := t.Context()

	require.NoError(t, db.CreateChat(ctx, Chat{ID: 7, Status: "requires_action", PendingToolCalls: []string{"a", "b"}}))
	require.ErrorIs(t, db.CreateChat(ctx, Chat{ID: 7}), ErrExists)
	c, err := db.GetChat(ctx, 7)
	require.NoError(t, err)
	require.Equal(t, Chat{ID: 7, Status: "requires_action", PendingToolCalls: []string{"a", "b"}}, c)
	_, err = db.GetChat(ctx, 8)
	require.ErrorIs(t, err, ErrNotFound)

	q, err := db.QueueMessage(ctx, 7, "later")
	require.NoError(t, err)
	require.Equal(t, QueuedMessage{ID: q.ID, ChatID: 7, Content: "later"}, q)

	var inserted Message
	require.NoError(t, db.InTx(ctx, func(tx Tx) error {
		c, err := tx.LockChatRow(ctx, 7)
		if err != nil {
			return err
		}
		require.Equal(t, []string{"a", "b"}, c.PendingToolCalls)
		got, err := tx.DeleteQueuedMessage(ctx, 7, q.ID)
		if err != nil {
			return err
		}
		require.Equal(t, q, got)
		if inserted, err = tx.InsertMessageRow(ctx, 7, "user", got.Content); err != nil {
			return err
		}
		if err := tx.SetChatStatus(ctx, 7, "pending"); err != nil {
			return err
		}
		return tx.SetPendingToolCalls(ctx, 7, nil)
	}))
	require.Equal(t, int64(7), inserted.ChatID)
	require.Equal(t, "later", inserted.Content)
	require.False(t, inserted.CreatedAt.IsZero())

	c, err = db.GetChat(ctx, 7)
	require.NoError(t, err)
	require.Equal(t, Chat{ID: 7, Status: "pending"}, c)
	msgs, err := db.GetChatMessagesByChatID(ctx, 7, 0)
	require.NoError(t, err)
	require.Equal(t, []Message{inserted}, msgs, "the returned row is the stored row")
	chatID, err := db.MessageChatID(ctx, inserted.ID)
	require.NoError(t, err)
	require.Equal(t, int64(7), chatID)
	_, err = db.MessageChatID(ctx, inserted.ID+100)
	require.ErrorIs(t, err, ErrNotFound)

	notFound := func(fn func(tx Tx) error) {
		t.Helper()
		require.ErrorIs(t, db.InTx(ctx, fn), ErrNotFound)
	}
	notFound(func(tx Tx) error { _, err := tx.DeleteQueuedMessage(ctx, 7, q.ID); return err })
	notFound(func(tx Tx) error { _, err := tx.LockChatRow(ctx, 8); return err })
	notFound(func(tx Tx) error { return tx.SetPendingToolCalls(ctx, 8, []string{"x"}) })
	notFound(func(tx Tx) error { _, err := tx.UpdateMessageContent(ctx, 8, inserted.ID, "x"); return err })

	var edited Message
	require.NoError(t, db.InTx(ctx, func(tx Tx) error {
		var err error
		edited, err = tx.UpdateMessageContent(ctx, 7, inserted.ID, "edited")
		return err
	}))
	require.Equal(t, "edited", edited.Content)
	require.Equal(t, inserted.CreatedAt, edited.CreatedAt)

	require.NoError(t, db.PurgeChats(ctx, 7, 8))
	_, err = db.GetChat(ctx, 7)
	require.ErrorIs(t, err, ErrNotFound)
	msgs, err = db.GetChatMessagesByChatID(ctx, 7, 0)
	require.NoError(t, err)
	require.Empty(t, msgs)
	_, err = db.MessageChatID(ctx, inserted.ID)
	require.ErrorIs(t, err, ErrNotFound)
}

// TestMigrateAddsColumnsToAnOldSchema: a database migrated before chats had
// pending tool calls (and before queued_messages) is brought up to date.
func TestMigrateAddsColumnsToAnOldSchema(t *testing.T) {
	db := OpenTestDB(t, 2)
	ctx := context.Background()
	_, err := db.Pool().Exec(ctx, `DROP TABLE queued_messages; ALTER TABLE chats DROP COLUMN pending_tool_calls`)
	require.NoError(t, err)
	require.NoError(t, db.Migrate(ctx))
	require.NoError(t, db.CreateChat(ctx, Chat{ID: 1, Status: "waiting", PendingToolCalls: []string{"x"}}))
	_, err = db.QueueMessage(ctx, 1, "q")
	require.NoError(t, err)
}
