package pgbackend

import (
	"github.com/interleave/interleave/harness"
	"github.com/interleave/interleave/pgstore"
)

// The run's harness.VersionStore: the stream loop's poll and its sync, in
// a real read-only REPEATABLE READ transaction, against the versions and
// triggers of pgstore's migration.

var _ harness.VersionStore = (*Run)(nil)

// ChatVersions implements harness.VersionStore: the poller's read of the
// chat row.
func (r *Run) ChatVersions(chatID int64) (harness.ChatVersions, error) {
	r.yield("db: read chat versions")
	p, err := r.PhysicalChatID(chatID)
	if err != nil {
		return harness.ChatVersions{}, err
	}
	ctx, cancel := r.opCtx()
	defer cancel()
	v, err := r.db.ChatVersions(ctx, p)
	if err != nil {
		return harness.ChatVersions{}, r.wrap(err, "read the versions of chat %d", chatID)
	}
	return versions(v), nil
}

func versions(v pgstore.ChatVersions) harness.ChatVersions {
	return harness.ChatVersions{Snapshot: v.SnapshotVersion, History: v.HistoryVersion, Status: harness.ChatStatus(v.Status)}
}

// Sync implements harness.VersionStore: fn runs in one read-only
// REPEATABLE READ transaction, ordered as the world's DBConfig.OrderByID
// says (created_at, id otherwise).
func (r *Run) Sync(chatID int64, fn func(tx harness.SyncTx) error) error {
	r.yield("db: sync (repeatable read, read only)")
	p, err := r.PhysicalChatID(chatID)
	if err != nil {
		return err
	}
	ctx, cancel := r.opCtx()
	defer cancel()
	var fnErr error
	err = r.db.Sync(ctx, p, r.orderByID, func(tx *pgstore.SyncTx) error {
		fnErr = fn(&runSyncTx{r: r, tx: tx, chatID: chatID})
		return fnErr
	})
	if err != nil && fnErr == nil {
		return r.wrap(err, "sync chat %d", chatID)
	}
	return err
}

type runSyncTx struct {
	r      *Run
	tx     *pgstore.SyncTx
	chatID int64
}

func (t *runSyncTx) Chat() (harness.ChatVersions, error) {
	ctx, cancel := t.r.opCtx()
	defer cancel()
	v, err := t.tx.Chat(ctx)
	if err != nil {
		return harness.ChatVersions{}, t.r.wrap(err, "sync chat %d: read the chat", t.chatID)
	}
	return versions(v), nil
}

func (t *runSyncTx) ChangedSince(h int64) ([]harness.Message, error) {
	ctx, cancel := t.r.opCtx()
	defer cancel()
	rows, err := t.tx.ChangedSince(ctx, h)
	if err != nil {
		return nil, t.r.wrap(err, "sync chat %d: rows after revision %d", t.chatID, h)
	}
	return t.convert(rows), nil
}

func (t *runSyncTx) History() ([]harness.Message, error) {
	ctx, cancel := t.r.opCtx()
	defer cancel()
	rows, err := t.tx.History(ctx)
	if err != nil {
		return nil, t.r.wrap(err, "sync chat %d: history", t.chatID)
	}
	return t.convert(rows), nil
}

func (t *runSyncTx) convert(rows []pgstore.Message) []harness.Message {
	out := make([]harness.Message, len(rows))
	for i, m := range rows {
		out[i] = message(m, t.chatID)
	}
	return out
}
