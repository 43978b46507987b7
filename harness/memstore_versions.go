package harness

import (
	"fmt"
	"slices"

	"github.com/interleave/interleave/sched"
)

// syncFailuresPart names, to partial-order reduction, the store's count
// of injected sync failures left (DBConfig.SyncFailures).
var syncFailuresPart = part{"db", "sync failures"}

// MemStore's side of the stream loop (stream-loop.md §1, §3): the poller's
// read of a chat's versions and the sync's REPEATABLE READ snapshot.

var _ VersionStore = (*MemStore)(nil)

// ChatVersions implements VersionStore: a plain read of the committed chat
// row, at one scheduling point.
func (s *MemStore) ChatVersions(chatID int64) (ChatVersions, error) {
	s.rt.Yield("db: read chat versions")
	// It reads the chat's committed row only, which commits write (their
	// declareChats), and no insert changes: a read of the chat, not a
	// write of the store (see chatObj).
	s.mu.lockChat(chatID, sched.Read)
	defer s.mu.Unlock()
	c := s.chats.get(chatID)
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
	// The count of injected failures left is a part of its own, shared
	// by the syncs of every chat: only the syncs read and write it.
	s.mu.lockPart(syncFailuresPart, sched.Read)
	left := s.syncFailures
	s.mu.Unlock()
	if left > 0 && (s.cfg.SyncFailuresAlways || s.rt.Choose(2) == 1) {
		s.mu.lockPart(syncFailuresPart, sched.Write)
		s.syncFailures--
		s.mu.Unlock()
		if s.rt.Tracing() {
			s.rt.Notef("db: the sync of chat %d fails (injected, %d more may)", chatID, left-1)
		}
		return ErrSyncFailed
	}
	// The snapshot reads the chat's row and its committed rows: the
	// chat, which every commit that changes them writes (declareChats).
	// Uncommitted rows are skipped, so inserts and rollbacks, which
	// write the store's own object, commute with it; where a committed
	// row lies in the table (place) is not read: the rows are sorted.
	s.mu.lockChat(chatID, sched.Read)
	snap := &memSyncTx{chatID: chatID}
	if c := s.chats.get(chatID); c != nil {
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
