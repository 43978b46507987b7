package harness

import "errors"

//go:generate mockgen -destination=storemock/store.go -package=storemock -typed github.com/interleave/interleave/harness Store,Tx

// Store is what the chat daemon asks of its database (§1, §4). Methods may
// be scheduling points; they must be called from tasks of the run.
type Store interface {
	// InTx runs fn in a transaction and commits it when fn returns nil;
	// rows fn inserts become visible to others only at commit. The
	// transaction's start time is the created_at of every row it
	// inserts (§10).
	InTx(fn func(tx Tx) error) error
	// GetChatMessagesByChatID returns the committed, non-deleted rows of
	// the chat with ID > afterID, ordered by created_at with no
	// tie-break (§10), or by ID when the store is configured so
	// (DBConfig.OrderByID).
	GetChatMessagesByChatID(chatID, afterID int64) ([]Message, error)
	// GetQueuedMessages returns the chat's queued messages: the read a
	// stream makes when it handles a queue-update notify (§10).
	GetQueuedMessages(chatID int64) ([]QueuedMessage, error)
}

// Tx is an open transaction.
type Tx interface {
	// LockChat locks the chat row (SELECT ... FOR UPDATE) until the
	// transaction ends and returns it.
	LockChat(chatID int64) (Chat, error)
	// BumpChatVersion is the update entry point's second statement
	// (stream-loop.md §1): UPDATE chats SET snapshot_version =
	// snapshot_version + 1, under the row lock LockChat took. It returns
	// the new snapshot version: the revision of every row the
	// transaction writes from now on.
	BumpChatVersion(chatID int64) (int64, error)
	// GetChat reads the chat row without locking it: what a writer that
	// skips the row lock reads (Config.SkipRowLock).
	GetChat(chatID int64) (Chat, error)
	// InsertMessage inserts a row; its ID comes from the sequence now, so
	// IDs follow insert order while visibility follows commit order. The
	// BEFORE trigger stamps its revision with the chat's snapshot_version
	// as a plain read sees it: the transaction's own bump, or else the
	// last committed one (the trigger does not check the lock).
	InsertMessage(chatID int64, role Role, content string) (Message, error)
	// UpdateMessageContent edits a row's content (a new revision).
	UpdateMessageContent(chatID, id int64, content string) (Message, error)
	// DeleteMessage soft-deletes a committed row (a new revision): from
	// the commit on, the catch-up query no longer returns it.
	DeleteMessage(chatID, id int64) error
	// DeleteQueuedMessage removes a queued message and returns it.
	DeleteQueuedMessage(chatID, queuedID int64) (QueuedMessage, error)
	// SetChatStatus sets the chat's status (and clears its pending tool
	// calls when the status is not requires_action).
	SetChatStatus(chatID int64, status ChatStatus) error
}

// CommitChecker is implemented by stores that can tell, at any moment and
// without a scheduling point, whether a row has committed. A stream asks at
// each delivery, so that the oracle judges "no phantom" at the time of
// delivery (§10): a message delivered before its transaction committed is a
// violation even if it commits later. Stores without it (a mock, a real
// database) are judged on their state at the end of the run.
type CommitChecker interface {
	Committed(id int64) bool
}

// VersionStore is the database as the stream loop reads it
// (stream-loop.md §1, §3). MemStore implements it; so does a real
// database (pgbackend).
type VersionStore interface {
	// ChatVersions is the poller's cheap read of the chat row.
	ChatVersions(chatID int64) (ChatVersions, error)
	// Sync runs fn in one read-only REPEATABLE READ transaction: every
	// read of fn sees the same snapshot of the database.
	Sync(chatID int64, fn func(tx SyncTx) error) error
}

// SyncTx is the stream loop's read-only snapshot of one chat.
type SyncTx interface {
	// Chat reads the chat row: its versions and status.
	Chat() (ChatVersions, error)
	// ChangedSince returns the chat's committed rows with revision >
	// historyVersion, deleted rows included, ordered by created_at, id,
	// or by id when the store is configured so (DBConfig.OrderByID).
	ChangedSince(historyVersion int64) ([]Message, error)
	// History returns the chat's visible rows (not deleted), in the same
	// order.
	History() ([]Message, error)
}

// ErrSyncFailed is the failure a store injects into the stream loop's
// sync (DBConfig.SyncFailures).
var ErrSyncFailed = errors.New("sync failed (injected)")

// DBConfig selects the database behaviours that have a switch.
type DBConfig struct {
	// OrderByID orders the catch-up query by ID, as upstream does since
	// a later change, instead of by created_at (§10).
	OrderByID bool
	// InsertTimeCreatedAt stamps each row's created_at at its insert, on
	// a clock that follows the IDs, instead of at its transaction's start
	// (§10). It keeps the meaning of format v1 scenario files, written
	// before that correction.
	InsertTimeCreatedAt bool
	// SyncFailures is how many of the stream loop's syncs may fail: while
	// any are left, each sync fails or not as a scheduling choice
	// (stream-loop.md §3, H4).
	SyncFailures int
	// SyncFailuresAlways makes the first SyncFailures syncs fail, with no
	// choice.
	SyncFailuresAlways bool
	// CreatedAtTies lets a transaction start at the same created_at as
	// the one before it (PostgreSQL's now() has microsecond resolution):
	// each transaction's start is then a scheduling choice, tied or
	// later (stream-loop.md H3).
	CreatedAtTies bool
}
