package harness

import (
	"errors"
	"fmt"
	"slices"

	"github.com/interleave/interleave/sched"
)

// ErrNotFound is returned for a chat, message or queued message that does
// not exist.
var ErrNotFound = errors.New("not found")

// MemStore is an in-memory Store under the scheduler (§1). Inserting a row,
// locking a chat, querying and committing are scheduling points, so two
// transactions can overlap in every way the database allows: IDs follow
// insert order, visibility follows commit order. IDs come from one sequence
// shared by every chat (§10).
type MemStore struct {
	rt  *sched.Runtime
	cfg DBConfig

	mu       guard              // guards the fields below; never held across a scheduling point
	clockObj *sched.Shared      // the part of it that clock is, to partial-order reduction
	seq      int64              // message ID sequence, global across chats
	clock    int64              // logical time for created_at
	rows     []*row             // in insert order
	heap     int64              // the last place in the table given
	chats    chatIndex[chatRow] // by chat ID
	queuedID int64
	commits  []int64  // committed message IDs in commit order
	obs      Observer // typed events, when observed
	// visible is the visible rows of chat visibleChat, in the catch-up
	// query's order, while visibleOK (visibleRowsLocked); with a Reuse
	// its memory stays from run to run.
	visible     []*row
	visibleChat int64
	visibleOK   bool
	history     []Message // historyView's result, reused
	// historyOK says that history is the visible rows of visibleChat as
	// they are now: visibleRowsLocked clears it whenever it rebuilds
	// visible, so a commit (which clears visibleOK) clears it too.
	historyOK bool
	// syncFailures is how many syncs may still fail (DBConfig.SyncFailures).
	syncFailures int
	// Memory for rows and transactions, kept from run to run by a Reuse
	// (reuse.go).
	slab
}

type row struct {
	Message
	committed bool
	deleted   bool
	// heap is the row's place in the table, the order in which the
	// catch-up query returns rows with equal created_at.
	heap int64
}

type chatRow struct {
	Chat
	lock     *sched.Mutex
	lockName string
	queued   []QueuedMessage
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

// initialRows is the room the store's lists of rows start with.
const initialRows = 8

// NewMemStore returns an empty store for the run of rt, with the default
// behaviours (DBConfig's zero value).
func NewMemStore(rt *sched.Runtime) *MemStore { return NewMemStoreConfig(rt, DBConfig{}) }

// NewMemStoreConfig returns an empty store for the run of rt with the
// behaviours cfg selects.
func NewMemStoreConfig(rt *sched.Runtime, cfg DBConfig) *MemStore {
	s := &MemStore{rt: rt, cfg: cfg, clockObj: shared(rt, "db clock"), syncFailures: cfg.SyncFailures}
	// Room for the rows of a short run, in one allocation each.
	s.rows, s.commits = make([]*row, 0, initialRows), make([]int64, 0, initialRows)
	s.mu.init(rt, shared(rt, "db"))
	return s
}

// CreateChat adds a chat row directly (setup, not a scheduling point).
func (s *MemStore) CreateChat(c Chat) {
	s.mu.Lock()
	s.declareChat(c.ID, sched.Write)
	defer s.mu.Unlock()
	s.chats.set(c.ID, s.newChatRow(c))
}

// Seed inserts and commits a row directly, in a transaction of its own
// that goes through the update entry point (setup, not a scheduling
// point): the chat's snapshot version is bumped, and the row's revision
// and the history version are the new one.
func (s *MemStore) Seed(chatID int64, role Role, content string) Message {
	s.mu.Lock()
	s.declareChat(chatID, sched.Write)
	defer s.mu.Unlock()
	s.seq++
	s.clock++
	s.heap++
	var rev int64
	if c := s.chats.get(chatID); c != nil {
		c.SnapshotVersion++
		c.HistoryVersion = c.SnapshotVersion
		rev = c.SnapshotVersion
	}
	r := s.newRow()
	*r = row{Message: Message{ID: s.seq, ChatID: chatID, Role: role, Content: content, CreatedAt: s.clock, Revision: rev}, committed: true, heap: s.heap}
	s.rows = append(s.rows, r)
	s.commits = append(s.commits, r.ID)
	s.visibleOK = false
	return r.Message
}

// Queue adds a queued message to a chat (setup, not a scheduling point).
func (s *MemStore) Queue(chatID int64, content string) QueuedMessage {
	s.mu.Lock()
	s.declareChat(chatID, sched.Write)
	defer s.mu.Unlock()
	s.queuedID++
	q := QueuedMessage{ID: s.queuedID, ChatID: chatID, Content: content}
	if c := s.chats.get(chatID); c != nil {
		c.queued = append(c.queued, q)
	}
	return q
}

// Chat returns the committed chat row.
func (s *MemStore) Chat(chatID int64) (Chat, bool) {
	s.mu.lockChat(chatID, sched.Read)
	defer s.mu.Unlock()
	c := s.chats.get(chatID)
	if c == nil {
		return Chat{}, false
	}
	return c.Chat, true
}

// History returns the committed, non-deleted rows of a chat ordered by
// created_at: the ground truth the oracle checks against.
func (s *MemStore) History(chatID int64) []Message {
	s.mu.lockChat(chatID, sched.Read)
	defer s.mu.Unlock()
	return s.visibleLocked(chatID, 0)
}

// historyView is History in the store's memory, for the oracle and the
// workloads' checks, which only read it: what it returns is the store's
// until the next historyView.
//
// The oracle's judge and a workload's check read the same history at a
// run's end, with no commit between: the second call returns the list the
// first built, without copying the messages again.
func (s *MemStore) historyView(chatID int64) []Message {
	s.mu.lockChat(chatID, sched.Read)
	s.visibleRowsLocked(chatID) // rebuilt if stale, and then history is too
	if !s.historyOK {
		s.history = s.appendVisibleLocked(s.history, chatID, 0)
		s.historyOK = true
	}
	s.mu.Unlock() // no defer: nothing above can panic, and it is a hot path
	return s.history
}

// historyOf is db.History(chatID), in the in-memory store's memory when db
// is one (see historyView): for a caller that only reads it, once at a
// time.
func historyOf(db GroundTruth, chatID int64) []Message {
	if s, ok := db.(*MemStore); ok {
		return s.historyView(chatID)
	}
	return db.History(chatID)
}

// CommitOrder returns the IDs of committed rows in the order their
// transactions committed.
//
// Commits that touch different chats commute, to partial-order reduction
// (the dpor search): schedules that differ only in their order are one
// trace. What every schedule of a trace has in common is each chat's
// commit order (CommitOrderOf).
func (s *MemStore) CommitOrder() []int64 {
	s.mu.LockRead()
	defer s.mu.Unlock()
	for _, id := range s.chats.ids {
		s.declareChat(id, sched.Read)
	}
	return slices.Clone(s.commits)
}

// CommitOrderOf returns the IDs of a chat's committed rows in the order
// their transactions committed.
func (s *MemStore) CommitOrderOf(chatID int64) []int64 {
	s.mu.lockChat(chatID, sched.Read)
	defer s.mu.Unlock()
	var out []int64
	for _, id := range s.commits {
		i, found := s.rowIndex(id)
		if found && s.rows[i].ChatID == chatID {
			out = append(out, id)
		}
	}
	return out
}

// ChatOf returns the chat of the row with this ID (0: no such row).
func (s *MemStore) ChatOf(id int64) int64 {
	s.mu.LockRead()
	defer s.mu.Unlock()
	i, found := s.rowIndex(id)
	if !found {
		return 0
	}
	return s.rows[i].ChatID
}

// chatObj names, to partial-order reduction, a chat's part of the store:
// its row and its messages' committed state. Inserting a row writes the
// store's sequence and table (the store's own object) and reads the chat;
// committing writes the chats the transaction touched; queries read one
// chat. A row not committed yet is seen by nothing but its transaction,
// so inserts commute with the queries of every chat.
func chatObj(chatID int64) chatPart { return chatPart{"db", chatID} }

// declareChat declares an access to a chat's part of the store.
func (s *MemStore) declareChat(chatID int64, mode sched.AccessMode) {
	s.mu.declareChat(chatID, mode)
}

// Exists reports whether a committed row with this ID exists (deleted or
// not), for the oracle's phantom check at the end of a run.
func (s *MemStore) Exists(id int64) bool { return s.Committed(id) }

// Committed implements CommitChecker: whether the row with this ID has
// committed by now (deleted or not).
func (s *MemStore) Committed(id int64) bool {
	s.mu.LockParts()
	// rows are in ID order (an ID is taken and its row appended under
	// one hold of mu; rollbacks only delete): a binary search keeps the
	// oracle's check of every delivery linear in the history, not
	// quadratic.
	i, found := s.rowIndex(id)
	if !found {
		s.mu.access(sched.Read) // an insert or a rollback changes that
		s.mu.Unlock()
		return false
	}
	r := s.rows[i]
	if s.mu.reduce { // a field's load, not a call that declares nothing
		s.declareChat(r.ChatID, sched.Read)
	}
	committed := r.committed
	s.mu.Unlock() // no defer: nothing above can panic, and it is a hot path
	return committed
}

// rowIndex finds the row with this ID in s.rows, which is in ID order (an
// ID is taken and its row appended under one hold of mu; rollbacks only
// delete): where it is, or would be, and whether it is there. It is
// slices.BinarySearchFunc without a comparison called through a pointer.
func (s *MemStore) rowIndex(id int64) (int, bool) {
	lo, hi := 0, len(s.rows)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if s.rows[m].ID < id {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < len(s.rows) && s.rows[lo].ID == id
}

// visibleLocked is the catch-up query. Ordered by created_at, it has no
// tie-break (§10), and the rows of one transaction share their created_at
// (two transactions never tie here: each has its own start on the logical
// clock). PostgreSQL then returns tied rows in an order of its own: an
// index scan gives equal keys in heap order, and where a row lands in the
// heap is not its insert order once the table has free space (a stress run
// on a real database returned a promote's user row before its tool rows).
// The model makes that order a scheduling choice, once per transaction, at
// its commit: the places its rows take in the table (see InTx). A plan that
// sorts could even order ties differently from query to query; the model
// does not explore that.
func (s *MemStore) visibleLocked(chatID, afterID int64) []Message {
	return s.appendVisibleLocked(nil, chatID, afterID)
}

// appendVisibleLocked is visibleLocked in the memory of dst (nil for new):
// the result is dst's elements replaced, and those of dst beyond the
// result's length zeroed (they keep no message's strings alive), so that a
// caller need not clear dst first.
func (s *MemStore) appendVisibleLocked(dst []Message, chatID, afterID int64) []Message {
	rows := s.visibleRowsLocked(chatID)
	out := dst[:0]
	if out == nil {
		n := 0
		for _, r := range rows {
			if r.ID > afterID {
				n++
			}
		}
		out = make([]Message, 0, n)
	}
	// Filtering the ordered list by ID is ordering the filtered one.
	for _, r := range rows {
		if r.ID > afterID {
			out = append(out, r.Message)
		}
	}
	if n := len(out); n < len(dst) { // then out is in dst's memory
		clear(dst[n:]) // only what the last result held beyond this one
	}
	return out
}

// appendVisibleIDs is the catch-up query after 0 (GetChatMessagesByChatID)
// as a client's read of the history keeps it: the IDs of the rows, at or
// below upTo, appended to dst. It is the same scheduling point and access
// as the query; the in-memory store answers without a list of messages.
func appendVisibleIDs(store Store, dst []int64, chatID, upTo int64) ([]int64, error) {
	s, ok := store.(*MemStore)
	if !ok {
		hist, err := store.GetChatMessagesByChatID(chatID, 0)
		if err != nil {
			return dst, err
		}
		for _, m := range hist {
			if m.ID <= upTo {
				dst = append(dst, m.ID)
			}
		}
		return dst, nil
	}
	s.rt.Yield("db: query messages")
	s.mu.lockChat(chatID, sched.Read)
	for _, r := range s.visibleRowsLocked(chatID) {
		if r.ID <= upTo {
			dst = append(dst, r.ID)
		}
	}
	s.mu.Unlock() // no defer: nothing above can panic, and it is a hot path
	return dst, nil
}

// visibleRowsLocked returns a chat's committed, non-deleted rows in the
// catch-up query's order, in the store's memory (the caller holds s.mu).
// The list is kept until a commit (or a seed) changes what is committed:
// the queries between two commits, a run's most, share it. Nothing else
// changes a committed row (place moves uncommitted ones; a rollback
// removes uncommitted ones), and an edit's content is read from the row.
func (s *MemStore) visibleRowsLocked(chatID int64) []*row {
	if s.visibleOK && s.visibleChat == chatID {
		return s.visible
	}
	s.historyOK = false // history was of the list being replaced
	old := len(s.visible)
	rows := s.visible[:0]
	for _, r := range s.rows {
		if r.committed && !r.deleted && r.ChatID == chatID {
			rows = append(rows, r)
		}
	}
	if n := len(rows); n < old {
		clear(rows[n:old]) // no row of a shorter list is kept alive
	}
	// rows is in ID order, and mostly in the query's order already: a
	// transaction's rows take IDs in insert order, and transactions
	// rarely interleave their inserts. A pass that finds it so is much
	// cheaper than the sort (whose comparisons are calls), which is left
	// for the lists that need it.
	if !s.cfg.OrderByID && !sortedByCreatedAt(rows) {
		slices.SortFunc(rows, byCreatedAt)
	}
	s.visible, s.visibleChat, s.visibleOK = rows, chatID, true
	return rows
}

// sortedByCreatedAt reports whether rows are in byCreatedAt's order.
func sortedByCreatedAt(rows []*row) bool {
	for i := 1; i < len(rows); i++ {
		a, b := rows[i-1], rows[i]
		if a.CreatedAt > b.CreatedAt || a.CreatedAt == b.CreatedAt && a.heap > b.heap {
			return false
		}
	}
	return true
}

// byCreatedAt orders rows by created_at, then by their place in the table.

func byCreatedAt(a, b *row) int {
	if a.CreatedAt != b.CreatedAt {
		return cmpInt(a.CreatedAt, b.CreatedAt)
	}
	return cmpInt(a.heap, b.heap)
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
	s.mu.lockChat(chatID, sched.Read)
	defer s.mu.Unlock()
	return s.visibleLocked(chatID, afterID), nil
}

// queryInto is store.GetChatMessagesByChatID(chatID, afterID), in dst's
// memory when store is the in-memory one (dst's elements are replaced, and
// those beyond the result's length zeroed: see appendVisibleLocked).
func queryInto(store Store, dst []Message, chatID, afterID int64) ([]Message, error) {
	s, ok := store.(*MemStore)
	if !ok {
		return store.GetChatMessagesByChatID(chatID, afterID)
	}
	s.rt.Yield("db: query messages")
	s.mu.lockChat(chatID, sched.Read)
	out := s.appendVisibleLocked(dst, chatID, afterID)
	s.mu.Unlock() // no defer: nothing above can panic, and it is a hot path
	return out, nil
}

// GetQueuedMessages implements Store.
func (s *MemStore) GetQueuedMessages(chatID int64) ([]QueuedMessage, error) {
	s.rt.Yield("db: query queue")
	s.mu.lockChat(chatID, sched.Read)
	defer s.mu.Unlock()
	c := s.chats.get(chatID)
	if c == nil {
		return nil, fmt.Errorf("queue of chat %d: %w", chatID, ErrNotFound)
	}
	return slices.Clone(c.queued), nil
}

// InTx implements Store. The transaction starts now (its rows' created_at)
// and commits at a scheduling point; a failed fn rolls back its rows,
// deletes, edits and status changes.
func (s *MemStore) InTx(fn func(tx Tx) error) error {
	// With ties allowed, whether the clock moved since the last start is
	// a choice (the first transaction always moves it past the seeds').
	tick := !s.cfg.CreatedAtTies || s.rt.Choose(2) == 1
	s.mu.LockAs(s.clockObj, sched.Write)
	if tick || s.clock == 0 {
		s.clock++
	}
	tx := s.newTx()
	s.mu.Unlock()
	err := fn(tx)
	if err == nil {
		s.rt.Yield("db: commit")
		s.place(tx.rows)
	}
	s.mu.LockParts()
	if s.mu.reducing() {
		tx.declareChats()
	}
	if err == nil {
		s.visibleOK = false // what is committed changes
		for _, r := range tx.rows {
			r.committed = true
			s.commits = append(s.commits, r.ID)
		}
		// The bumps commit first: the AFTER trigger below reads them.
		for i, id := range tx.bumped {
			if ch := s.chats.get(id); ch != nil {
				ch.SnapshotVersion = tx.bumps[i]
			}
		}
		for _, c := range tx.statuses {
			if ch := s.chats.get(c.id); ch != nil {
				ch.Status = c.status
				if c.status != StatusRequiresAction {
					ch.PendingToolCalls = nil
				}
			}
		}
		for _, e := range tx.edits {
			e.r.Content, e.r.Revision = e.content, e.revision
		}
		for _, e := range tx.deletes {
			e.r.deleted, e.r.Deleted, e.r.Revision = true, true, e.revision
		}
		// The AFTER-statement trigger (stream-loop.md §1): history_version
		// = snapshot_version for each chat whose messages the transaction
		// wrote. PostgreSQL runs it at the statement's end; pgstore's
		// trigger updates the chat row only when history_version is behind
		// (the transaction bumped, and so holds the row lock), so a writer
		// that skipped the entry point waits for no lock there. The model
		// runs it at the commit: what it sets is the same, the
		// transaction's own bump or the committed snapshot version.
		for _, id := range tx.touched {
			if ch := s.chats.get(id); ch != nil {
				ch.HistoryVersion = ch.SnapshotVersion
			}
		}
		for _, q := range tx.dequeued {
			if ch := s.chats.get(q.ChatID); ch != nil {
				ch.queued = dequeue(ch.queued, q.ID)
			}
		}
	} else {
		s.mu.access(sched.Write)
		s.rows = slices.DeleteFunc(s.rows, func(r *row) bool { return slices.Contains(tx.rows, r) })
	}
	if s.obs != nil {
		e := ModelEvent{Kind: ModelCommit, IDs: ids2(tx.rows)}
		switch {
		case err != nil:
			e.Kind, e.Text = ModelRollback, fmt.Sprintf("rollback: %s never land (%v)", itemTexts(e.IDs), err)
		case len(tx.rows) == 0:
			e.Text = "commit (no new rows)"
		default:
			e.Text = "commit " + itemTexts(e.IDs)
		}
		s.observe(e)
	}
	s.mu.Unlock()
	// The row locks go before the transaction is kept for the next (its
	// list of locks is then emptied), rather than from a copy of the list:
	// nothing else can reach the transaction meanwhile.
	for _, l := range tx.locks {
		l.Unlock()
	}
	s.mu.LockParts() // the spare transactions are the store's (a wild run's tasks share them)
	s.freeTx(tx)
	s.mu.Unlock()
	return err
}

// dequeue removes the queued message with this ID from queued, in its
// memory, and zeroes the element left over at the end. It is
// slices.DeleteFunc by hand: a queue is a message or two long, and
// DeleteFunc's call of a function a message and its clear of memory with
// pointers cost more than the moves.
func dequeue(queued []QueuedMessage, id int64) []QueuedMessage {
	i := 0
	for i < len(queued) && queued[i].ID != id {
		i++
	}
	if i == len(queued) {
		return queued
	}
	for j := i + 1; j < len(queued); j++ {
		if queued[j].ID != id {
			queued[i] = queued[j]
			i++
		}
	}
	for j := i; j < len(queued); j++ { // not range: the compiler would make it a clear, a call
		queued[j] = QueuedMessage{}
	}
	return queued[:i]
}

// place chooses where a committing transaction's rows land in the table,
// when that decides the order of the catch-up query (several rows share
// the transaction's created_at, and the query orders by it): one
// scheduling choice per row, so that every order is explored.
func (s *MemStore) place(rows []*row) {
	if len(rows) < 2 || s.cfg.OrderByID || s.cfg.InsertTimeCreatedAt {
		return
	}
	// The lists of a usual commit (a few rows) stay on the stack.
	var placesBuf [8]int64
	var restBuf [8]*row
	s.mu.LockParts() // the rows are the transaction's own until it commits
	places := placesBuf[:0]
	for _, r := range rows {
		places = append(places, r.heap)
	}
	s.mu.Unlock()
	// Copied and shrunk by hand: on the stack, the lists need neither the
	// write barriers of a copy of pointers nor the clearing of
	// slices.Delete.
	rest := restBuf[:0]
	for _, r := range rows {
		rest = append(rest, r)
	}
	tracing := s.rt.Tracing()
	var order []int64
	for len(rest) > 0 {
		i := s.rt.Choose(len(rest))
		if tracing {
			order = append(order, rest[i].ID)
		}
		s.mu.LockParts() // the rows are the transaction's own until it commits
		rest[i].heap = places[len(rows)-len(rest)]
		s.mu.Unlock()
		for j := i + 1; j < len(rest); j++ {
			rest[j-1] = rest[j]
		}
		rest = rest[:len(rest)-1]
	}
	if tracing {
		s.notePlaces(rows, order)
	}
}

// notePlaces notes the order a commit's rows landed in (a call of its own,
// so that what it passes to Notef does not move place's lists to the heap).
func (s *MemStore) notePlaces(rows []*row, order []int64) {
	s.rt.Notef("commit: rows %v land in the table in the order %v (their created_at is the same)", ids2(rows), slices.Clone(order))
}

// observe sends e, from the db, with the table's state: the rows
// committed, in commit order (so that a drawing records a commit as rows
// appended), and those inserted but not committed yet, in ID order. It is
// called with s.mu held: the observer only records.
func (s *MemStore) observe(e ModelEvent) {
	var uncommitted []int64
	deleted := map[int64]bool{} // by key only
	for _, r := range s.rows {
		switch {
		case r.deleted:
			deleted[r.ID] = true
		case !r.committed:
			uncommitted = append(uncommitted, r.ID)
		}
	}
	committed := make([]int64, 0, len(s.commits))
	for _, id := range s.commits {
		if !deleted[id] {
			committed = append(committed, id)
		}
	}
	e.Step, e.Who = s.rt.Step(), "db"
	e.State = []Field{IDsField("db", "committed", committed), IDsField("db", "uncommitted", uncommitted)}
	s.obs.Observe(e)
}

func ids2(rows []*row) []int64 {
	out := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = r.ID
	}
	return out
}

type memTx struct {
	s        *MemStore
	start    int64 // the transaction's start time: its rows' created_at
	rows     []*row
	deletes  []edit
	statuses []statusChange
	edits    []edit
	dequeued []QueuedMessage
	locks    []*sched.Mutex
	// bumped lists the chats whose snapshot version the transaction set,
	// in order, and bumps the versions it set, bumps[i] for bumped[i]: a
	// transaction touches a chat or two, which a scan finds faster than a
	// map is made.
	bumps  []int64
	bumped []int64
	// touched lists the chats whose messages the transaction wrote.
	touched []int64
	// The first elements of the lists above, in the transaction itself
	// (one allocation for a transaction of a usual size).
	rowsBuf    [4]*row
	locksBuf   [2]*sched.Mutex
	statusBuf  [1]statusChange
	bumpsBuf   [1]int64
	bumpedBuf  [1]int64
	touchedBuf [1]int64
}

// bumpOf returns the snapshot version the transaction set for the chat,
// if it did.
func (tx *memTx) bumpOf(chatID int64) (int64, bool) {
	for i, id := range tx.bumped {
		if id == chatID {
			return tx.bumps[i], true
		}
	}
	return 0, false
}

type statusChange struct {
	id     int64
	status ChatStatus
}

type edit struct {
	r        *row
	content  string
	revision int64
}

// declareChats declares, to partial-order reduction, the commit's (or the
// rollback's) write of every chat the transaction touched. Callers skip
// it in a run that does not reduce, where each declareChat, a call,
// declares nothing.
func (tx *memTx) declareChats() {
	for _, id := range tx.touched {
		tx.s.declareChat(id, sched.Write)
	}
	for _, id := range tx.bumped {
		tx.s.declareChat(id, sched.Write)
	}
	for _, c := range tx.statuses {
		tx.s.declareChat(c.id, sched.Write)
	}
	for _, q := range tx.dequeued {
		tx.s.declareChat(q.ChatID, sched.Write)
	}
}

// revisionLocked is the BEFORE trigger's stamp (stream-loop.md §1): the
// chat's snapshot_version as a plain read in the transaction sees it, its
// own bump or else the last committed version; it does not check that
// the transaction holds the row lock. It also records that the
// transaction wrote the chat's messages, for the AFTER trigger. Callers
// hold s.mu.
func (tx *memTx) revisionLocked(chatID int64) int64 {
	tx.s.declareChat(chatID, sched.Read)
	if !slices.Contains(tx.touched, chatID) {
		tx.touched = append(tx.touched, chatID)
	}
	if v, ok := tx.bumpOf(chatID); ok {
		return v
	}
	if c := tx.s.chats.get(chatID); c != nil {
		return c.SnapshotVersion
	}
	return 0
}

func (tx *memTx) LockChat(chatID int64) (Chat, error) { return tx.lockChat(chatID, true) }

// lockChat is LockChat; the chat's tool calls are a copy if clone, else
// the row's own list, for a caller that only reads it.
func (tx *memTx) lockChat(chatID int64, clone bool) (Chat, error) {
	tx.s.mu.LockParts() // the chats never change: nothing to declare
	c := tx.s.chats.get(chatID)
	tx.s.mu.Unlock()
	if c == nil {
		return Chat{}, fmt.Errorf("lock chat %d: %w", chatID, ErrNotFound)
	}
	c.lock.Lock()
	tx.locks = append(tx.locks, c.lock)
	tx.s.mu.lockChat(chatID, sched.Read)
	out := tx.chatLocked(c, clone)
	tx.s.mu.Unlock() // no defer: nothing above can panic, and it is a hot path
	return out, nil
}

// chatLocked is the chat row as the transaction sees it: committed, with
// its own bump. Callers hold s.mu.
func (tx *memTx) chatLocked(c *chatRow, clone bool) Chat {
	out := c.Chat
	if clone {
		out.PendingToolCalls = slices.Clone(c.PendingToolCalls)
	}
	if v, ok := tx.bumpOf(c.ID); ok {
		out.SnapshotVersion = v
	}
	return out
}

// BumpChatVersion implements Tx. It is not a scheduling point: the
// transaction holds the chat row's lock (the entry point locks first), so
// nothing else can touch the row meanwhile.
func (tx *memTx) BumpChatVersion(chatID int64) (int64, error) {
	// No defer: nothing below can panic, and it is a hot path.
	tx.s.mu.lockChat(chatID, sched.Read) // the bump is the transaction's own until it commits
	c := tx.s.chats.get(chatID)
	if c == nil {
		tx.s.mu.Unlock()
		return 0, fmt.Errorf("bump the version of chat %d: %w", chatID, ErrNotFound)
	}
	for i, id := range tx.bumped {
		if id == chatID {
			tx.bumps[i]++
			v := tx.bumps[i]
			tx.s.mu.Unlock()
			return v, nil
		}
	}
	v := c.SnapshotVersion + 1
	tx.bumped = append(tx.bumped, chatID)
	tx.bumps = append(tx.bumps, v)
	tx.s.mu.Unlock()
	return v, nil
}

// GetChat implements Tx: a plain read of the committed chat row.
func (tx *memTx) GetChat(chatID int64) (Chat, error) {
	tx.s.rt.Yield("db: read chat")
	tx.s.mu.lockChat(chatID, sched.Read)
	defer tx.s.mu.Unlock()
	c := tx.s.chats.get(chatID)
	if c == nil {
		return Chat{}, fmt.Errorf("read chat %d: %w", chatID, ErrNotFound)
	}
	return tx.chatLocked(c, true), nil
}

func (tx *memTx) InsertMessage(chatID int64, role Role, content string) (Message, error) {
	s := tx.s
	s.rt.Yield(insertLabel(role))
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	s.heap++
	created := tx.start
	if s.cfg.InsertTimeCreatedAt {
		s.rt.Access(s.clockObj, sched.Write)
		s.clock++
		created = s.clock
	}
	r := s.newRow()
	*r = row{Message: Message{ID: s.seq, ChatID: chatID, Role: role, Content: content, CreatedAt: created, Revision: tx.revisionLocked(chatID)}, heap: s.heap}
	s.rows = append(s.rows, r)
	tx.rows = append(tx.rows, r)
	if s.rt.Tracing() {
		s.rt.Notef("inserted %s (uncommitted, created_at %d)", r.Message, r.CreatedAt)
	}
	if s.obs != nil {
		s.observe(ModelEvent{Kind: ModelInsert, Text: fmt.Sprintf("inserted %s (uncommitted, created_at %d)", r.Message, r.CreatedAt), IDs: []int64{r.ID}})
	}
	return r.Message, nil
}

func (tx *memTx) UpdateMessageContent(chatID, id int64, content string) (Message, error) {
	tx.s.mu.lockChat(chatID, sched.Read)
	defer tx.s.mu.Unlock()
	for _, r := range tx.s.rows {
		if r.ID == id && r.ChatID == chatID && r.committed && !r.deleted {
			e := edit{r: r, content: content, revision: tx.revisionLocked(chatID)}
			tx.edits = append(tx.edits, e)
			m := r.Message
			m.Content, m.Revision = content, e.revision
			return m, nil
		}
	}
	return Message{}, fmt.Errorf("edit message %d: %w", id, ErrNotFound)
}

func (tx *memTx) DeleteMessage(chatID, id int64) error {
	tx.s.mu.lockChat(chatID, sched.Read)
	defer tx.s.mu.Unlock()
	for _, r := range tx.s.rows {
		if r.ID == id && r.ChatID == chatID && r.committed && !r.deleted {
			tx.deletes = append(tx.deletes, edit{r: r, revision: tx.revisionLocked(chatID)})
			return nil
		}
	}
	return fmt.Errorf("delete message %d: %w", id, ErrNotFound)
}

func (tx *memTx) DeleteQueuedMessage(chatID, queuedID int64) (QueuedMessage, error) {
	tx.s.mu.lockChat(chatID, sched.Read)
	defer tx.s.mu.Unlock()
	if c := tx.s.chats.get(chatID); c != nil {
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
