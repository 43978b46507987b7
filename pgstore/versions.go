package pgstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// The stream loop's side of the database (stream-loop.md §1): each chat row
// carries snapshot_version and history_version; each message a revision.
// Writers go through one entry point that locks the chat row and bumps
// snapshot_version (Tx.LockChatRow, then Tx.BumpChatVersion). A BEFORE
// trigger stamps every inserted or updated message with its chat's
// snapshot_version, read with a plain SELECT: it does not check that the
// writer holds the lock, or bumped at all. An AFTER-statement trigger then
// sets the chat's history_version to its snapshot_version where it is
// behind (a writer that bumped). A writer that skipped the entry point
// finds them equal, writes nothing and so waits for no row lock: the design
// page is silent, and an unconditional UPDATE would serialise every writer
// on the chat row, which the old designs' hazard of a writer skipping the
// lock (chatd-model.md §10) must not lose.
var versionSchema = []string{
	`ALTER TABLE chats ADD COLUMN IF NOT EXISTS snapshot_version bigint NOT NULL DEFAULT 0`,
	`ALTER TABLE chats ADD COLUMN IF NOT EXISTS history_version bigint NOT NULL DEFAULT 0`,
	`ALTER TABLE chat_messages ADD COLUMN IF NOT EXISTS revision bigint NOT NULL DEFAULT 0`,
	`CREATE INDEX IF NOT EXISTS chat_messages_chat_id_revision_idx ON chat_messages (chat_id, revision)`,
	`CREATE OR REPLACE FUNCTION chat_messages_stamp_revision() RETURNS trigger LANGUAGE plpgsql AS $$
	BEGIN
		-- A plain read of the chat row: no FOR UPDATE, no check that the
		-- writing transaction holds the lock or bumped the version.
		NEW.revision := coalesce((SELECT snapshot_version FROM chats WHERE id = NEW.chat_id), 0);
		RETURN NEW;
	END
	$$`,
	`CREATE OR REPLACE FUNCTION chats_set_history_version() RETURNS trigger LANGUAGE plpgsql AS $$
	BEGIN
		-- Only where history_version is behind: an UPDATE that changes
		-- nothing would still take the chat row's lock, and a writer that
		-- skipped the entry point would wait for the holder's commit.
		UPDATE chats SET history_version = snapshot_version
		WHERE id IN (SELECT DISTINCT chat_id FROM changed_messages)
		AND history_version <> snapshot_version;
		RETURN NULL;
	END
	$$`,
	`DROP TRIGGER IF EXISTS chat_messages_stamp_revision ON chat_messages`,
	`CREATE TRIGGER chat_messages_stamp_revision BEFORE INSERT OR UPDATE ON chat_messages
		FOR EACH ROW EXECUTE FUNCTION chat_messages_stamp_revision()`,
	// A trigger with a transition table has one event: one per event.
	`DROP TRIGGER IF EXISTS chat_messages_history_after_insert ON chat_messages`,
	`CREATE TRIGGER chat_messages_history_after_insert AFTER INSERT ON chat_messages
		REFERENCING NEW TABLE AS changed_messages
		FOR EACH STATEMENT EXECUTE FUNCTION chats_set_history_version()`,
	`DROP TRIGGER IF EXISTS chat_messages_history_after_update ON chat_messages`,
	`CREATE TRIGGER chat_messages_history_after_update AFTER UPDATE ON chat_messages
		REFERENCING NEW TABLE AS changed_messages
		FOR EACH STATEMENT EXECUTE FUNCTION chats_set_history_version()`,
}

// ChatVersions is what the stream loop reads of a chat row.
type ChatVersions struct {
	SnapshotVersion, HistoryVersion int64
	Status                          string
}

// BumpChatVersion is the update entry point's second statement: it bumps
// the chat's snapshot_version in the transaction and returns the new
// value. ErrNotFound if the chat does not exist.
func (t *tx) BumpChatVersion(ctx context.Context, chatID int64) (int64, error) {
	var v int64
	err := t.tx.QueryRow(ctx, `UPDATE chats SET snapshot_version = snapshot_version + 1 WHERE id = $1 RETURNING snapshot_version`, chatID).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("pgstore: bump the version of chat %d: %w", chatID, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("pgstore: bump the version of chat %d: %w", chatID, err)
	}
	return v, nil
}

// ChatVersions reads a chat's versions and status, committed, on a pooled
// connection: the stream loop's poll. ErrNotFound if there is no such
// chat.
func (db *DB) ChatVersions(ctx context.Context, chatID int64) (ChatVersions, error) {
	return readVersions(ctx, db.pool, chatID)
}

type queryRower interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func readVersions(ctx context.Context, q queryRower, chatID int64) (ChatVersions, error) {
	var v ChatVersions
	err := q.QueryRow(ctx, `SELECT snapshot_version, history_version, coalesce(status, '') FROM chats WHERE id = $1`, chatID).
		Scan(&v.SnapshotVersion, &v.HistoryVersion, &v.Status)
	if errors.Is(err, pgx.ErrNoRows) {
		return ChatVersions{}, fmt.Errorf("pgstore: versions of chat %d: %w", chatID, ErrNotFound)
	}
	if err != nil {
		return ChatVersions{}, fmt.Errorf("pgstore: versions of chat %d: %w", chatID, err)
	}
	return v, nil
}

// SyncTx is one read-only REPEATABLE READ transaction of the stream loop's
// sync: every read sees the snapshot its first read took.
type SyncTx struct {
	tx     pgx.Tx
	chatID int64
	byID   bool
}

// Sync runs fn in a read-only REPEATABLE READ transaction on a pooled
// connection, and ends it (read only: a commit and a rollback are the
// same). The rows of ChangedSince and History are ordered by created_at,
// id, or by id when byID is set.
func (db *DB) Sync(ctx context.Context, chatID int64, byID bool, fn func(tx *SyncTx) error) error {
	ptx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("pgstore: sync chat %d: begin: %w", chatID, err)
	}
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
		defer cancel()
		_ = ptx.Rollback(rctx) // a no-op after the commit
	}()
	if err := fn(&SyncTx{tx: ptx, chatID: chatID, byID: byID}); err != nil {
		return err
	}
	if err := ptx.Commit(ctx); err != nil {
		return fmt.Errorf("pgstore: sync chat %d: commit: %w", chatID, err)
	}
	return nil
}

// Chat reads the chat's versions and status.
func (t *SyncTx) Chat(ctx context.Context) (ChatVersions, error) {
	return readVersions(ctx, t.tx, t.chatID)
}

// ChangedSince returns the chat's rows with revision > historyVersion,
// deleted rows included.
func (t *SyncTx) ChangedSince(ctx context.Context, historyVersion int64) ([]Message, error) {
	return t.messages(ctx, `revision > $2`, historyVersion)
}

// History returns the chat's rows that are not deleted.
func (t *SyncTx) History(ctx context.Context) ([]Message, error) {
	return t.messages(ctx, `NOT deleted AND $2::bigint IS NOT NULL`, int64(0))
}

func (t *SyncTx) messages(ctx context.Context, where string, arg int64) ([]Message, error) {
	order := "created_at, id"
	if t.byID {
		order = "id"
	}
	rows, err := t.tx.Query(ctx, `SELECT `+messageColumns+` FROM chat_messages WHERE chat_id = $1 AND `+where+` ORDER BY `+order, t.chatID, arg)
	if err != nil {
		return nil, fmt.Errorf("pgstore: sync chat %d: %w", t.chatID, err)
	}
	msgs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Message, error) { return scanMessage(r) })
	if err != nil {
		return nil, fmt.Errorf("pgstore: sync chat %d: %w", t.chatID, err)
	}
	return msgs, nil
}
