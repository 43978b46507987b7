package harness

//go:generate mockgen -destination=storemock/store.go -package=storemock -typed github.com/interleave/interleave/harness Store,Tx

// Store is what the chat daemon asks of its database (§1, §4). Methods may
// be scheduling points; they must be called from tasks of the run.
type Store interface {
	// InTx runs fn in a transaction and commits it when fn returns nil;
	// rows fn inserts become visible to others only at commit.
	InTx(fn func(tx Tx) error) error
	// GetChatMessagesByChatID returns the committed, non-deleted rows of
	// the chat with ID > afterID, ordered by created_at (then ID).
	GetChatMessagesByChatID(chatID, afterID int64) ([]Message, error)
}

// Tx is an open transaction.
type Tx interface {
	// LockChat locks the chat row until the transaction ends and returns it.
	LockChat(chatID int64) (Chat, error)
	// InsertMessage inserts a row; its ID comes from the sequence now, so
	// IDs follow insert order while visibility follows commit order.
	InsertMessage(chatID int64, role Role, content string) (Message, error)
	// UpdateMessageContent edits a row's content.
	UpdateMessageContent(chatID, id int64, content string) (Message, error)
	// DeleteQueuedMessage removes a queued message and returns it.
	DeleteQueuedMessage(chatID, queuedID int64) (QueuedMessage, error)
	// SetChatStatus sets the chat's status (and clears its pending tool
	// calls when the status is not requires_action).
	SetChatStatus(chatID int64, status ChatStatus) error
}
