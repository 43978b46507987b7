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
}

// ErrDropped is what a pubsub subscriber receives instead of notifies when
// its queue overflowed or its listener connection reconnected (§10): some
// notifies are gone, and the subscriber cannot tell which.
var ErrDropped = errors.New("pubsub: messages were dropped")

func (n Notify) String() string {
	switch {
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
)

// Event is one thing a stream sends its client over the channel of
// capacity Config.ClientQueue (§10: the sends block while it is full).
type Event struct {
	Kind EventKind
	// Delivery is the message of an EventMessage.
	Delivery Delivery
	// Status is the status of an EventStatus.
	Status ChatStatus
	// Queued is the queue of an EventQueue.
	Queued []QueuedMessage
	// Err is the error of an EventError.
	Err error
}
