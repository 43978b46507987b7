package harness

import (
	"fmt"
	"slices"
)

// MemStore's side of the stream loop (stream-loop.md §1, §3): the poller's
// read of a chat's versions and the sync's REPEATABLE READ snapshot.

var _ VersionStore = (*MemStore)(nil)

// ChatVersions implements VersionStore: a plain read of the committed chat
// row, at one scheduling point.
func (s *MemStore) ChatVersions(chatID int64) (ChatVersions, error) {
	s.rt.Yield("db: read chat versions")
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chats[chatID]
	if c == nil {
		return ChatVersions{}, fmt.Errorf("versions of chat %d: %w", chatID, ErrNotFound)
	}
	return c.Versions(), nil
}

// Sync implements VersionStore. The transaction's snapshot is taken at one
// scheduling point, its first read: every read of fn sees the database as
// it was then, so fn itself has no scheduling point. While injected
// failures are left (DBConfig.SyncFailures), whether this sync fails is a
// scheduling choice (or, with DBConfig.SyncFailuresAlways, it fails).
func (s *MemStore) Sync(chatID int64, fn func(tx SyncTx) error) error {
	s.rt.Yield("db: sync (repeatable read, read only)")
	s.mu.Lock()
	left := s.syncFailures
	s.mu.Unlock()
	if left > 0 && (s.cfg.SyncFailuresAlways || s.rt.Choose(2) == 1) {
		s.mu.Lock()
		s.syncFailures--
		s.mu.Unlock()
		if s.rt.Tracing() {
			s.rt.Notef("db: the sync of chat %d fails (injected, %d more may)", chatID, left-1)
		}
		return ErrSyncFailed
	}
	s.mu.Lock()
	snap := &memSyncTx{chatID: chatID}
	if c := s.chats[chatID]; c != nil {
		snap.chat, snap.found = c.Versions(), true
	}
	for _, r := range s.rows {
		if r.committed && r.ChatID == chatID {
			snap.rows = append(snap.rows, r.Message)
		}
	}
	s.mu.Unlock()
	// The sync orders by created_at with id as the tie-break, or by id
	// (stream-loop.md §3): unlike the old catch-up query, ties are
	// broken.
	slices.SortFunc(snap.rows, func(a, b Message) int {
		if !s.cfg.OrderByID && a.CreatedAt != b.CreatedAt {
			return cmpInt(a.CreatedAt, b.CreatedAt)
		}
		return cmpInt(a.ID, b.ID)
	})
	return fn(snap)
}

// memSyncTx is a sync's snapshot of one chat.
type memSyncTx struct {
	chatID int64
	chat   ChatVersions
	found  bool
	rows   []Message // committed rows, deleted included, in the sync's order
}

func (t *memSyncTx) Chat() (ChatVersions, error) {
	if !t.found {
		return ChatVersions{}, fmt.Errorf("sync chat %d: %w", t.chatID, ErrNotFound)
	}
	return t.chat, nil
}

func (t *memSyncTx) ChangedSince(h int64) ([]Message, error) {
	var out []Message
	for _, m := range t.rows {
		if m.Revision > h {
			out = append(out, m)
		}
	}
	return out, nil
}

func (t *memSyncTx) History() ([]Message, error) {
	var out []Message
	for _, m := range t.rows {
		if !m.Deleted {
			out = append(out, m)
		}
	}
	return out, nil
}
