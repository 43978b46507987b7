package harness

import (
	"errors"
	"fmt"
)

// Role is a message's author kind (§1).
type Role string

const (
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
	RoleTool      Role = "tool"
	RoleSystem    Role = "system"
)

// Message is one row of a chat's history (§1). CreatedAt is the start time
// of the transaction that inserted it, on the store's logical clock, shared
// by every row of that transaction (§10).
type Message struct {
	ID        int64
	ChatID    int64
	Role      Role
	Content   string
	CreatedAt int64
	// Revision is the chat's snapshot_version when the row was last
	// inserted or updated, stamped by the BEFORE trigger
	// (stream-loop.md §1): an edit or a delete is a new revision.
	Revision int64
	// Deleted is the soft-delete flag; only the stream loop's sync reads
	// deleted rows.
	Deleted bool
}

func (m Message) String() string { return fmt.Sprintf("#%d %s %q", m.ID, m.Role, m.Content) }

// ChatStatus is a chat's state machine position (§4).
type ChatStatus string

const (
	StatusWaiting        ChatStatus = "waiting"
	StatusPending        ChatStatus = "pending"
	StatusRunning        ChatStatus = "running"
	StatusRequiresAction ChatStatus = "requires_action"
)

// Chat is a chat row.
type Chat struct {
	ID     int64
	Status ChatStatus
	// PendingToolCalls are the tool calls the chat waits on in
	// requires_action.
	PendingToolCalls []string
	// SnapshotVersion and HistoryVersion are the chat row's counters
	// (stream-loop.md §1): every update through the entry point bumps
	// the snapshot version; the AFTER trigger on the messages sets the
	// history version to it.
	SnapshotVersion, HistoryVersion int64
}

// Versions returns the chat row's versions and status.
func (c Chat) Versions() ChatVersions {
	return ChatVersions{Snapshot: c.SnapshotVersion, History: c.HistoryVersion, Status: c.Status}
}

// ChatVersions are what the stream loop tracks of a chat row
// (stream-loop.md §2): the versions and the status.
type ChatVersions struct {
	Snapshot, History int64
	Status            ChatStatus
}

func (v ChatVersions) String() string {
	status := string(v.Status)
	if status == "" {
		status = "-"
	}
	return fmt.Sprintf("{snapshot %d, history %d, status %s}", v.Snapshot, v.History, status)
}

// QueuedMessage is a user message queued while the chat is busy (§4).
type QueuedMessage struct {
	ID      int64
	ChatID  int64
	Content string
}

// Notify is the payload of a chat's pubsub notify (§3). Only the fields
// that matter for delivery are modelled.
type Notify struct {
	AfterMessageID int64
	FullRefresh    bool
	Status         ChatStatus
	QueueUpdate    bool
	// Hint marks the stream loop's notify (stream-loop.md §1): after a
	// commit, the chat's new versions, with the status in Status.
	Hint                            bool
	SnapshotVersion, HistoryVersion int64
}

// HintOf returns the hint notify that carries v.
func HintOf(v ChatVersions) Notify {
	return Notify{Hint: true, SnapshotVersion: v.Snapshot, HistoryVersion: v.History, Status: v.Status}
}

// Versions returns the versions a hint carries.
func (n Notify) Versions() ChatVersions {
	return ChatVersions{Snapshot: n.SnapshotVersion, History: n.HistoryVersion, Status: n.Status}
}

// ErrDropped is what a pubsub subscriber receives instead of notifies when
// its queue overflowed or its listener connection reconnected (§10): some
// notifies are gone, and the subscriber cannot tell which.
var ErrDropped = errors.New("pubsub: messages were dropped")

func (n Notify) String() string {
	switch {
	case n.Hint:
		return "notify{Hint " + n.Versions().String() + "}"
	case n.FullRefresh:
		return "notify{FullRefresh}"
	case n.QueueUpdate:
		return "notify{QueueUpdate}"
	case n.Status != "":
		return fmt.Sprintf("notify{Status=%s}", n.Status)
	}
	return fmt.Sprintf("notify{After=%d}", n.AfterMessageID)
}

// ids lists message IDs, for notes and messages.
// appendIDs appends the IDs of ms to dst.
func appendIDs(dst []int64, ms []Message) []int64 {
	for _, m := range ms {
		dst = append(dst, m.ID)
	}
	return dst
}

func ids(ms []Message) []int64 {
	out := make([]int64, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

// EventKind says what a stream event carries.
type EventKind uint8

const (
	// EventMessage carries a durable message.
	EventMessage EventKind = iota
	// EventStatus carries the chat's new status (from a status notify).
	EventStatus
	// EventQueue carries the chat's queue, read after a queue-update
	// notify.
	EventQueue
	// EventError carries a listener error; the stream ends after it and
	// the client reconnects (§10).
	EventError
	// EventHistoryReset clears the client's view: the stream loop found a
	// deleted row and sends the whole visible history next
	// (stream-loop.md §3).
	EventHistoryReset
)

// Event is one thing a stream sends its client over the channel of
// capacity Config.ClientQueue (§10: the sends block while it is full).
type Event struct {
	Kind EventKind
	// Delivery is the message of an EventMessage.
	Delivery Delivery
	// Status is the status of an EventStatus.
	Status ChatStatus
	// HistoryVersion is the chat's history version an EventStatus of the
	// stream loop carries: the client's AfterRevision when it reconnects
	// (stream-loop.md §5, H2).
	HistoryVersion int64
	// Queued is the queue of an EventQueue.
	Queued []QueuedMessage
	// Err is the error of an EventError.
	Err error
}
