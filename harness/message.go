package harness

import "fmt"

// Role is a message's author kind (§1).
type Role string

const (
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
	RoleTool      Role = "tool"
	RoleSystem    Role = "system"
)

// Message is one row of a chat's history (§1). CreatedAt is the insert time
// on the store's logical clock.
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
