package harness

import (
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/interleave/interleave/sched"
)

// ErrNotFound is returned for a chat, message or queued message that does
// not exist.
var ErrNotFound = errors.New("not found")

// MemStore is an in-memory Store under the scheduler (§1). Inserting a row,
// locking a chat, querying and committing are scheduling points, so two
// transactions can overlap in every way the database allows: IDs follow
// insert order, visibility follows commit order.
type MemStore struct {
	rt *sched.Runtime

	mu       sync.Mutex // guards the fields below; never held across a scheduling point
	seq      int64      // message ID sequence
	clock    int64      // logical time for created_at
	rows     []*row
	chats    map[int64]*chatRow // looked up by key only
	queuedID int64
	// SkewCreatedAt takes created_at at a scheduling point of its own,
	// before the ID, the way a service that stamps rows with the
	// application clock does: then created_at order and ID order can
	// differ (§9, "snapshot ordered by created_at while the cursor uses
	// IDs"). Off, created_at follows the ID.
	SkewCreatedAt bool
	commits       []int64 // committed message IDs in commit order
}

type row struct {
	Message
	committed bool
	deleted   bool
}

type chatRow struct {
	Chat
	lock   *sched.Mutex
	queued []QueuedMessage
}

// Seeder creates the setup of a workload directly, outside any scheduling
// point: chats, committed history and queued messages. MemStore implements
// it; a real database does too. Errors are the seeder's to report (a
// seeder that cannot seed panics with a clear message).
type Seeder interface {
	CreateChat(c Chat)
	Seed(chatID int64, role Role, content string) Message
	Queue(chatID int64, content string) QueuedMessage
}

// NewMemStore returns an empty store for the run of rt.
func NewMemStore(rt *sched.Runtime) *MemStore {
	return &MemStore{rt: rt, chats: map[int64]*chatRow{}}
}

// CreateChat adds a chat row directly (setup, not a scheduling point).
func (s *MemStore) CreateChat(c Chat) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chats[c.ID] = &chatRow{Chat: c, lock: sched.NewMutex(s.rt, fmt.Sprintf("chat-%d-row", c.ID))}
}

// Seed inserts and commits a row directly (setup, not a scheduling point).
func (s *MemStore) Seed(chatID int64, role Role, content string) Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	s.clock++
	r := &row{Message: Message{ID: s.seq, ChatID: chatID, Role: role, Content: content, CreatedAt: s.clock}, committed: true}
	s.rows = append(s.rows, r)
	s.commits = append(s.commits, r.ID)
	return r.Message
}

// Queue adds a queued message to a chat (setup, not a scheduling point).
func (s *MemStore) Queue(chatID int64, content string) QueuedMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queuedID++
	q := QueuedMessage{ID: s.queuedID, ChatID: chatID, Content: content}
	if c := s.chats[chatID]; c != nil {
		c.queued = append(c.queued, q)
	}
	return q
}

// Chat returns the committed chat row.
func (s *MemStore) Chat(chatID int64) (Chat, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chats[chatID]
	if c == nil {
		return Chat{}, false
	}
	return c.Chat, true
}

// History returns the committed, non-deleted rows of a chat ordered by
// created_at: the ground truth the oracle checks against.
func (s *MemStore) History(chatID int64) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.visibleLocked(chatID, 0)
}

// CommitOrder returns the IDs of committed rows in the order their
// transactions committed.
func (s *MemStore) CommitOrder() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.commits)
}

// Exists reports whether a committed row with this ID exists (deleted or
// not), for the oracle's phantom check.
func (s *MemStore) Exists(id int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.rows {
		if r.ID == id {
			return r.committed
		}
	}
	return false
}

func (s *MemStore) visibleLocked(chatID, afterID int64) []Message {
	visible := func(r *row) bool { return r.committed && !r.deleted && r.ChatID == chatID && r.ID > afterID }
	n := 0 // counted first: one allocation, not one per doubling
	for _, r := range s.rows {
		if visible(r) {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	out := make([]Message, 0, n)
	for _, r := range s.rows {
		if visible(r) {
			out = append(out, r.Message)
		}
	}
	slices.SortStableFunc(out, func(a, b Message) int {
		if a.CreatedAt != b.CreatedAt {
			return cmpInt(a.CreatedAt, b.CreatedAt)
		}
		return cmpInt(a.ID, b.ID)
	})
	return out
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// GetChatMessagesByChatID implements Store.
func (s *MemStore) GetChatMessagesByChatID(chatID, afterID int64) ([]Message, error) {
	s.rt.Yield("db: query messages")
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.visibleLocked(chatID, afterID), nil
}

// InTx implements Store. The commit is a scheduling point; a failed fn
// rolls back its rows and status changes.
func (s *MemStore) InTx(fn func(tx Tx) error) error {
	tx := &memTx{s: s}
	err := fn(tx)
	if err == nil {
		s.rt.Yield("db: commit")
	}
	s.mu.Lock()
	if err == nil {
		for _, r := range tx.rows {
			r.committed = true
			s.commits = append(s.commits, r.ID)
		}
		for _, c := range tx.statuses {
			if ch := s.chats[c.id]; ch != nil {
				ch.Status = c.status
				if c.status != StatusRequiresAction {
					ch.PendingToolCalls = nil
				}
			}
		}
		for _, e := range tx.edits {
			e.r.Content = e.content
		}
		for _, q := range tx.dequeued {
			if ch := s.chats[q.ChatID]; ch != nil {
				ch.queued = slices.DeleteFunc(ch.queued, func(x QueuedMessage) bool { return x.ID == q.ID })
			}
		}
	} else {
		s.rows = slices.DeleteFunc(s.rows, func(r *row) bool { return slices.Contains(tx.rows, r) })
	}
	locks := tx.locks
	s.mu.Unlock()
	for _, l := range locks {
		l.Unlock()
	}
	return err
}

type memTx struct {
	s        *MemStore
	rows     []*row
	statuses []statusChange
	edits    []edit
	dequeued []QueuedMessage
	locks    []*sched.Mutex
}

type statusChange struct {
	id     int64
	status ChatStatus
}

type edit struct {
	r       *row
	content string
}

func (tx *memTx) LockChat(chatID int64) (Chat, error) {
	tx.s.mu.Lock()
	c := tx.s.chats[chatID]
	tx.s.mu.Unlock()
	if c == nil {
		return Chat{}, fmt.Errorf("lock chat %d: %w", chatID, ErrNotFound)
	}
	c.lock.Lock()
	tx.locks = append(tx.locks, c.lock)
	tx.s.mu.Lock()
	defer tx.s.mu.Unlock()
	return Chat{ID: c.ID, Status: c.Status, PendingToolCalls: slices.Clone(c.PendingToolCalls)}, nil
}

func (tx *memTx) InsertMessage(chatID int64, role Role, content string) (Message, error) {
	s := tx.s
	var created int64
	if s.SkewCreatedAt {
		s.mu.Lock()
		s.clock++
		created = s.clock
		s.mu.Unlock()
	}
	s.rt.Yield(insertLabel(role))
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	if !s.SkewCreatedAt {
		s.clock++
		created = s.clock
	}
	r := &row{Message: Message{ID: s.seq, ChatID: chatID, Role: role, Content: content, CreatedAt: created}}
	s.rows = append(s.rows, r)
	tx.rows = append(tx.rows, r)
	if s.rt.Tracing() {
		s.rt.Notef("inserted %s (uncommitted)", r.Message)
	}
	return r.Message, nil
}

func (tx *memTx) UpdateMessageContent(chatID, id int64, content string) (Message, error) {
	tx.s.mu.Lock()
	defer tx.s.mu.Unlock()
	for _, r := range tx.s.rows {
		if r.ID == id && r.ChatID == chatID && r.committed && !r.deleted {
			tx.edits = append(tx.edits, edit{r, content})
			m := r.Message
			m.Content = content
			return m, nil
		}
	}
	return Message{}, fmt.Errorf("edit message %d: %w", id, ErrNotFound)
}

func (tx *memTx) DeleteQueuedMessage(chatID, queuedID int64) (QueuedMessage, error) {
	tx.s.mu.Lock()
	defer tx.s.mu.Unlock()
	if c := tx.s.chats[chatID]; c != nil {
		for _, q := range c.queued {
			if q.ID == queuedID {
				tx.dequeued = append(tx.dequeued, q)
				return q, nil
			}
		}
	}
	return QueuedMessage{}, fmt.Errorf("delete queued message %d: %w", queuedID, ErrNotFound)
}

func (tx *memTx) SetChatStatus(chatID int64, status ChatStatus) error {
	tx.statuses = append(tx.statuses, statusChange{chatID, status})
	return nil
}

// insertLabel is the label of an insert's scheduling point; the known roles'
// labels are constants, not built for every insert.
func insertLabel(role Role) string {
	switch role {
	case RoleUser:
		return "db: insert user"
	case RoleAssistant:
		return "db: insert assistant"
	case RoleTool:
		return "db: insert tool"
	case RoleSystem:
		return "db: insert system"
	}
	return "db: insert " + string(role)
}
