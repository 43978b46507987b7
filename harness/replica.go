package harness

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/interleave/interleave/sched"
)

// Config sizes a replica's per-chat stream state (§2, §5). Zero values take
// the design page's defaults.
type Config struct {
	// CacheCapacity is the durable cache's capacity (default 256).
	CacheCapacity int
	// NotifyQueue is the subscriber's notify queue capacity (default 10).
	NotifyQueue int
	// FanOutQueue is a local subscriber's event channel capacity (default
	// 128); a full channel drops the event.
	FanOutQueue int
	// ClientQueue is the capacity of the channel from a stream to its
	// client (default 128); sends block while it is full (§10).
	ClientQueue int
	// ProducerLock makes writers hold the per-chat publish mutex across
	// their post-commit publishes (set for strategies that ask for it).
	ProducerLock bool
	// HintQueue is the stream loop's hint channel (default 32): the
	// pubsub callback blocks while it is full (stream-loop.md §3).
	HintQueue int
	// Polls is how many polls a stream loop's poller makes before the
	// world settles, one per PollPeriod of the virtual clock (default
	// DefaultPolls; negative: none). The settled world gets one more.
	Polls int
	// PollPeriod is the stream loop's poll period (default PollPeriod, 10
	// s of the virtual clock; on real time, in wild mode, a test wants it
	// shorter).
	PollPeriod time.Duration
	// Hints makes writers publish, after each commit, one hint with the
	// chat's new versions instead of publishMessage and the status and
	// queue notifies (stream-loop.md §1; set for designs that ask for it,
	// HintPublisher). The durable cache is then not used.
	Hints bool
	// SkipRowLock makes this replica's writers skip the chat-row lock, a
	// hazard (§10): by default PromoteQueued, the worker, WriteMessage
	// and EditMessage lock the chat row (SELECT ... FOR UPDATE) before
	// they write, so within a chat IDs commit in ID order. A writer that
	// skips it reads the chat row plainly, and its rows can commit after
	// rows with higher IDs.
	SkipRowLock bool
}

func (c Config) withDefaults() Config {
	if c.CacheCapacity <= 0 {
		c.CacheCapacity = DefaultCacheCapacity
	}
	if c.NotifyQueue <= 0 {
		c.NotifyQueue = 10
	}
	if c.FanOutQueue <= 0 {
		c.FanOutQueue = 128
	}
	if c.ClientQueue <= 0 {
		c.ClientQueue = 128
	}
	if c.PollPeriod <= 0 {
		c.PollPeriod = PollPeriod
	}
	if c.HintQueue <= 0 {
		c.HintQueue = 32
	}
	switch {
	case c.Polls == 0:
		c.Polls = DefaultPolls
	case c.Polls < 0:
		c.Polls = 0
	}
	return c
}

// ChatChannel is the pubsub channel of a chat's stream notifies.
func ChatChannel(chatID int64) string {
	if chatID >= 0 && chatID < int64(len(chatChannels)) {
		return chatChannels[chatID]
	}
	return "chat:" + strconv.FormatInt(chatID, 10)
}

// chatChannels holds the channel names of the first chat IDs, made once:
// a run names its chats' channels at every publish.
var chatChannels = func() (out [16]string) {
	for i := range out {
		out[i] = "chat:" + strconv.Itoa(i)
	}
	return out
}()

// Replica is one server replica: its per-chat stream state, its writers and
// its subscribers. Replicas share the store and the pubsub, never caches.
type Replica struct {
	Name  string
	rt    *sched.Runtime
	store Store
	ps    Notifier
	cfg   Config
	obs   Observer // typed events, when observed

	mu            guard             // guards the maps and subs; never held across a scheduling point
	streams       chatIndex[stream] // by chat ID
	producerLocks map[int64]*sched.Mutex
	subs          []*Subscriber // every stream subscribed here, in order
	wake          *sched.Queue[int64]
	made          madeStreams // the streams' memory, kept by a Reuse
	workerName    string      // the worker task's name, made on first use
	interrupted   []toolText  // interruptedText's, kept by a Reuse
}

// stream is a chat's state on one replica (§2).
type stream struct {
	mu    guard // never held across a scheduling point
	cache durableCache
	local []*Subscriber
	// FanOutDropped counts local events dropped on a full channel.
	fanOutDropped int
}

// NewReplica returns a replica over a store and a pubsub.
func NewReplica(rt *sched.Runtime, name string, store Store, ps Notifier, cfg Config) *Replica {
	r := &Replica{Name: name, rt: rt, store: store, ps: ps, cfg: cfg.withDefaults(),
		wake: sched.NewQueue[int64](rt, name+" worker wake", 1)}
	r.mu.init(rt, shared(rt, name))
	return r
}

// cacheState is a durable cache's state as model fields.
func (r *Replica) cacheState(cached []int64, evictedBefore int64) []Field {
	g := r.Name + " cache"
	return []Field{arrivalField(g, "cache", cached), ScalarField(g, "evictedBefore", strconv.FormatInt(evictedBefore, 10))}
}

func (r *Replica) stream(chatID int64) *stream {
	r.mu.LockRead() // creating the stream on first use commutes
	st := r.streams.get(chatID)
	if st == nil {
		st = r.newStream(chatID)
		r.streams.set(chatID, st)
	}
	r.mu.Unlock() // no defer: nothing above can panic, and it is a hot path
	return st
}

func (r *Replica) producerLock(chatID int64) *sched.Mutex {
	r.mu.LockRead() // creating the mutex on first use commutes
	defer r.mu.Unlock()
	m := r.producerLocks[chatID]
	if m == nil {
		m = sched.NewMutex(r.rt, fmt.Sprintf("%s chat-%d publish", r.Name, chatID))
		if r.producerLocks == nil { // made on first use: most designs take no producer lock
			r.producerLocks = map[int64]*sched.Mutex{}
		}
		r.producerLocks[chatID] = m
	}
	return m
}

// CacheIDs returns the IDs in a chat's durable cache, in append order, and
// evictedBefore.
func (r *Replica) CacheIDs(chatID int64) (cached []int64, evictedBefore int64) {
	st := r.stream(chatID)
	st.mu.LockRead()
	defer st.mu.Unlock()
	return ids(st.cache.entries), st.cache.evictedBefore
}

// FanOutDropped returns how many local events of the chat were dropped.
func (r *Replica) FanOutDropped(chatID int64) int {
	st := r.stream(chatID)
	st.mu.LockRead()
	defer st.mu.Unlock()
	return st.fanOutDropped
}

// cacheAfter is the merge's cache lookup: a scheduling point, then
// cacheAfter (§2) under the stream's mutex.
func (r *Replica) cacheAfter(chatID, afterID int64) []Message {
	r.rt.Yield("merge: cacheAfter")
	st := r.stream(chatID)
	st.mu.LockRead()
	defer st.mu.Unlock()
	return st.cache.after(afterID)
}

// appendCacheAfter is cacheAfter appending to dst.
func (r *Replica) appendCacheAfter(dst []Message, chatID, afterID int64) []Message {
	r.rt.Yield("merge: cacheAfter")
	st := r.stream(chatID)
	st.mu.LockRead()
	defer st.mu.Unlock()
	return st.cache.appendAfter(dst, afterID)
}

// cacheAfterInto is appendCacheAfter in dst's memory: dst's elements are
// replaced, and those beyond the result's length zeroed (they keep no
// message's strings alive), so that a caller need not clear dst first.
func (r *Replica) cacheAfterInto(dst []Message, chatID, afterID int64) []Message {
	out := r.appendCacheAfter(dst[:0], chatID, afterID)
	if n := len(out); n < len(dst) { // then out is in dst's memory
		clear(dst[n:])
	}
	return out
}

// AppendDurable is step 1 of publishMessage (§3): a scheduling point, then
// the append to the durable cache and the local fan-out, under the stream's
// mutex. Tests call it directly to fill the cache as they please.
func (r *Replica) AppendDurable(chatID int64, m Message) {
	r.rt.Yield("publish: cache append")
	st := r.stream(chatID)
	st.mu.Lock()
	evicted := st.cache.append(m)
	cached := st.cache.entries
	r.cacheAppended(m, cached, st.cache.evictedBefore)
	// Local fan-out (§2): a non-blocking send into each local
	// subscriber's channel; a full channel drops the event.
	for _, sub := range st.local {
		if !sub.fanOut(m) {
			st.fanOutDropped++
		}
	}
	if r.rt.Tracing() {
		r.rt.Notef("%s: cache append #%d -> cache %v, evictedBefore %d", r.Name, m.ID, ids(cached), st.cache.evictedBefore)
		if evicted != nil {
			r.rt.Notef("%s: cache full: evicted #%d", r.Name, evicted.ID)
		}
	}
	var state []Field
	if r.obs != nil {
		state = r.cacheState(ids(cached), st.cache.evictedBefore)
	}
	st.mu.Unlock()
	if r.obs != nil {
		r.obs.Observe(ModelEvent{Step: r.rt.Step(), Kind: ModelCacheAppend, Who: r.Name, IDs: []int64{m.ID},
			Text: fmt.Sprintf("%s: cache append #%d -> cache %v, evictedBefore %d", r.Name, m.ID, ids(cached), st.cache.evictedBefore), State: state})
		if evicted != nil {
			r.obs.Observe(ModelEvent{Step: r.rt.Step(), Kind: ModelEvict, Who: r.Name, IDs: []int64{evicted.ID},
				Text: fmt.Sprintf("%s: cache full: evicted #%d", r.Name, evicted.ID)})
		}
	}
}

// cacheAppended does nothing. It is called after each append to a durable
// cache, with the stream's mutex held, so that a debugger has one place to
// break at with the appended message and the cache after the append in scope
// (interleave debug does). It compiles to nothing in an optimised build.
func (r *Replica) cacheAppended(m Message, cached []Message, evictedBefore int64) {}

// PublishMessage publishes a committed message (§3): append to the durable
// cache with local fan-out, then a notify with AfterMessageID = ID-1. No
// lock is held across the steps.
//
// In hint mode (Config.Hints) there is no cache: it publishes the hint of
// the commit that wrote m's revision instead, with the status left out.
func (r *Replica) PublishMessage(chatID int64, m Message) {
	if r.cfg.Hints {
		r.ps.Publish(ChatChannel(chatID), HintOf(ChatVersions{Snapshot: m.Revision, History: m.Revision}))
		return
	}
	r.AppendDurable(chatID, m)
	r.ps.Publish(ChatChannel(chatID), Notify{AfterMessageID: m.ID - 1})
}

// lockChat is a writer's first statement: SELECT ... FOR UPDATE on the
// chat row, or a plain read when the replica's writers skip the lock.
func (r *Replica) lockChat(tx Tx, chatID int64) (Chat, error) {
	if r.cfg.SkipRowLock {
		return tx.GetChat(chatID)
	}
	if m, ok := tx.(*memTx); ok {
		// The replica only reads the chat's tool calls: no copy.
		return m.lockChat(chatID, false)
	}
	return tx.LockChat(chatID)
}

// update is the update entry point (stream-loop.md §1): lock the chat row,
// then bump its snapshot version, before anything else the transaction
// writes. A replica whose writers skip the row lock (Config.SkipRowLock)
// skips the whole entry point: no lock, no bump. It returns the chat row
// as locked, with the new snapshot version.
func (r *Replica) update(tx Tx, chatID int64) (Chat, error) {
	if r.cfg.SkipRowLock {
		return Chat{}, nil
	}
	var c Chat
	var err error
	if m, ok := tx.(*memTx); ok {
		c, err = m.lockChat(chatID, false) // the replica only reads the chat's tool calls: no copy
	} else {
		c, err = tx.LockChat(chatID)
	}
	if err != nil {
		return Chat{}, err
	}
	return r.bump(tx, c)
}

// bump is the entry point's second statement, on a chat row the
// transaction has locked (or read, when the lock is skipped: then there
// is no bump).
func (r *Replica) bump(tx Tx, c Chat) (Chat, error) {
	if r.cfg.SkipRowLock {
		return c, nil
	}
	v, err := tx.BumpChatVersion(c.ID)
	c.SnapshotVersion = v
	return c, err
}

// hint publishes, in hint mode, the versions a transaction committed
// (stream-loop.md §1): wrote says whether it wrote messages (the AFTER
// trigger then moved the history version to the snapshot version). A
// transaction that did not bump (the lock skipped) publishes nothing.
func (r *Replica) hint(c Chat, wrote bool, status ChatStatus) {
	if r.cfg.SkipRowLock || c.SnapshotVersion == 0 {
		return
	}
	v := c.Versions()
	if wrote {
		v.History = v.Snapshot
	}
	if status != "" {
		v.Status = status
	}
	r.ps.Publish(ChatChannel(c.ID), HintOf(v))
}

// ErrNotRequiresAction is returned by PromoteQueued for a chat that does
// not wait on tool calls.
var ErrNotRequiresAction = errors.New("chat is not in requires_action")

// PromoteQueued promotes a queued message while the chat waits on tool
// calls (§4, §10): one transaction locks the chat row, inserts a synthetic
// tool result per pending call, deletes the queued message, inserts the
// promoted user row and sets the chat pending; after commit, in this order:
// a queue-update notify (which streams answer with a read of the queue),
// publishMessage for each synthetic row, then for the promoted row, a status
// notify, and the worker's wake signal (non-blocking, capacity 1).
func (r *Replica) PromoteQueued(chatID, queuedID int64) (synthetic []Message, promoted Message, err error) {
	return r.promoteQueued(chatID, queuedID, nil)
}

// promoteQueued is PromoteQueued appending the synthetic rows to
// synthetic[:0] (the caller's memory, nil for new).
func (r *Replica) promoteQueued(chatID, queuedID int64, synthetic []Message) ([]Message, Message, error) {
	p := promoteTx{r: r, chatID: chatID, queuedID: queuedID, synthetic: synthetic[:0]}
	var err error
	if s, ok := r.store.(*MemStore); ok {
		err = s.InTx(p.run) // the in-memory store keeps no closure: p stays on the stack
	} else {
		h := p
		err = r.store.InTx(h.run)
		p = h
	}
	locked, synthetic, promoted := p.locked, p.synthetic, p.promoted
	if err != nil {
		return nil, Message{}, err
	}
	if r.cfg.Hints {
		r.hint(locked, true, StatusPending)
		r.signalWorker(chatID)
		return synthetic, promoted, nil
	}
	ch := ChatChannel(chatID)
	if r.cfg.ProducerLock {
		l := r.producerLock(chatID)
		l.Lock()
		defer l.Unlock()
	}
	r.ps.Publish(ch, Notify{QueueUpdate: true})
	for _, m := range synthetic {
		r.PublishMessage(chatID, m)
	}
	r.PublishMessage(chatID, promoted)
	r.ps.Publish(ch, Notify{Status: StatusPending})
	r.signalWorker(chatID)
	return synthetic, promoted, nil
}

// promoteTx is PromoteQueued's transaction and what it returns.
type promoteTx struct {
	r                *Replica
	chatID, queuedID int64
	locked           Chat
	synthetic        []Message
	promoted         Message
}

func (p *promoteTx) run(tx Tx) error {
	r, chatID, queuedID := p.r, p.chatID, p.queuedID
	chat, err := r.lockChat(tx, chatID)
	if err != nil {
		return err
	}
	if chat, err = r.bump(tx, chat); err != nil {
		return err
	}
	p.locked = chat
	if chat.Status != StatusRequiresAction {
		return fmt.Errorf("promote queued message %d of chat %d: %w (status %s)", queuedID, chatID, ErrNotRequiresAction, chat.Status)
	}
	for _, call := range chat.PendingToolCalls {
		m, err := tx.InsertMessage(chatID, RoleTool, r.interruptedText(call))
		if err != nil {
			return err
		}
		p.synthetic = append(p.synthetic, m)
	}
	q, err := tx.DeleteQueuedMessage(chatID, queuedID)
	if err != nil {
		return err
	}
	if p.promoted, err = tx.InsertMessage(chatID, RoleUser, q.Content); err != nil {
		return err
	}
	return tx.SetChatStatus(chatID, StatusPending)
}

// toolText is the content of the synthetic tool row of a call.
type toolText struct{ call, text string }

// interruptedText is the content of the synthetic tool row PromoteQueued
// inserts for call. A controlled run (one task at a time) makes it once
// per call and keeps it, with the replica, for the next runs; a wild one
// makes it each time.
func (r *Replica) interruptedText(call string) string {
	wild := r.rt.Wild()
	if !wild {
		for _, t := range r.interrupted {
			if t.call == call {
				return t.text
			}
		}
	}
	text := "interrupted by queued message promotion: " + call
	if !wild && len(r.interrupted) < 16 {
		r.interrupted = append(r.interrupted, toolText{call, text})
	}
	return text
}

// signalWorker is the worker's wake signal: non-blocking, capacity 1.
func (r *Replica) signalWorker(chatID int64) {
	if !r.wake.Offer(chatID) { // a signal: if one is already pending, that one will do
		r.rt.Notef("%s: worker wake: one is pending already", r.Name)
	}
}

// WorkerOptions shape a worker's run.
type WorkerOptions struct {
	// Turns is how many times the worker acquires the chat and replies
	// before it stops (default 1).
	Turns int
	// Ticks is how many periodic acquire ticks the worker may take, beyond
	// the one it starts with, before it waits only for wake-ups.
	Ticks int
	// ToolRows adds tool rows after the assistant row in each reply.
	ToolRows int
}

// RunWorker runs the chat worker (§4, §10) until it has replied opts.Turns
// times or its wake-up queue is closed (World.Settle closes it). It tries to
// acquire the chat when it starts, on each wake signal and on each acquire
// tick (so it can start as soon as a promote commits, before the promote
// has published); when it acquires, it runs the model, commits the
// assistant row (and tool rows) under the chat-row lock and publishes them.
func (r *Replica) RunWorker(chatID int64, opts WorkerOptions) {
	turns := max(opts.Turns, 1)
	ticks := opts.Ticks
	for turns > 0 {
		ok, err := r.acquire(chatID)
		if err != nil {
			panic(fmt.Sprintf("worker: acquire chat %d: %v", chatID, err))
		}
		if ok {
			r.reply(chatID, opts.ToolRows)
			turns--
			continue
		}
		if ticks > 0 {
			ticks--
			r.rt.Yield("worker: acquire tick")
			continue
		}
		if _, open := r.wake.Recv(); !open {
			return
		}
	}
}

func (r *Replica) acquire(chatID int64) (bool, error) {
	a := acquireTx{r: r, chatID: chatID}
	var err error
	if s, ok := r.store.(*MemStore); ok {
		err = s.InTx(a.run) // the in-memory store keeps no closure: a stays on the stack
	} else {
		h := a
		err = r.store.InTx(h.run)
		a = h
	}
	if err == nil && a.acquired && r.cfg.Hints {
		r.hint(a.locked, false, StatusRunning)
	}
	return a.acquired, err
}

// acquireTx is acquire's transaction and what it returns.
type acquireTx struct {
	r        *Replica
	chatID   int64
	acquired bool
	locked   Chat
}

func (a *acquireTx) run(tx Tx) error {
	r, chatID := a.r, a.chatID
	chat, err := r.lockChat(tx, chatID)
	if err != nil {
		return err
	}
	if chat.Status != StatusPending {
		return nil
	}
	a.acquired = true
	if a.locked, err = r.bump(tx, chat); err != nil {
		return err
	}
	return tx.SetChatStatus(chatID, StatusRunning)
}

func (r *Replica) reply(chatID int64, toolRows int) {
	r.rt.Yield("worker: run model")
	var t replyTx
	var err error
	if s, ok := r.store.(*MemStore); ok {
		t = replyTx{r: r, chatID: chatID, toolRows: toolRows}
		err = s.InTx(t.run) // the in-memory store keeps no closure: t stays on the stack
	} else {
		h := &replyTx{r: r, chatID: chatID, toolRows: toolRows}
		err = r.store.InTx(h.run)
		t.locked, t.more = h.locked, h.list()
	}
	rows, locked := t.list(), t.locked
	if err != nil {
		panic(fmt.Sprintf("worker: reply in chat %d: %v", chatID, err))
	}
	if r.cfg.Hints {
		r.hint(locked, true, StatusWaiting)
		return
	}
	if r.cfg.ProducerLock {
		l := r.producerLock(chatID)
		l.Lock()
		defer l.Unlock()
	}
	for _, m := range rows {
		r.PublishMessage(chatID, m)
	}
	r.ps.Publish(ChatChannel(chatID), Notify{Status: StatusWaiting})
}

// replyTx is reply's transaction and the rows it wrote: a usual reply's
// in buf, more in more.
type replyTx struct {
	r        *Replica
	chatID   int64
	toolRows int
	locked   Chat
	buf      [4]Message
	n        int       // buf[:n] are the rows, when more is nil
	more     []Message // all the rows, once buf is full
}

func (t *replyTx) add(m Message) {
	switch {
	case t.more != nil:
		t.more = append(t.more, m)
	case t.n < len(t.buf):
		t.buf[t.n] = m
		t.n++
	default:
		t.more = append(append(make([]Message, 0, 2*len(t.buf)), t.buf[:]...), m)
	}
}

// list returns the rows.
func (t *replyTx) list() []Message {
	if t.more != nil {
		return t.more
	}
	return t.buf[:t.n]
}

func (t *replyTx) run(tx Tx) error {
	r, chatID := t.r, t.chatID
	var err error
	if t.locked, err = r.update(tx, chatID); err != nil {
		return err
	}
	m, err := tx.InsertMessage(chatID, RoleAssistant, "reply")
	if err != nil {
		return err
	}
	t.add(m)
	for i := 0; i < t.toolRows; i++ {
		m, err := tx.InsertMessage(chatID, RoleTool, fmt.Sprintf("tool result %d", i+1))
		if err != nil {
			return err
		}
		t.add(m)
	}
	return tx.SetChatStatus(chatID, StatusWaiting)
}

// WriteMessage commits one row in its own transaction, under the chat-row
// lock unless the replica's writers skip it, and publishes it from this
// replica: a plain writer, or "another replica" when this is not the
// subscriber's replica (§4, §10).
func (r *Replica) WriteMessage(chatID int64, role Role, content string) (Message, error) {
	var m Message
	var locked Chat
	err := r.store.InTx(func(tx Tx) error {
		var err error
		if locked, err = r.update(tx, chatID); err != nil {
			return err
		}
		m, err = tx.InsertMessage(chatID, role, content)
		return err
	})
	if err != nil {
		return Message{}, err
	}
	if r.cfg.Hints {
		r.hint(locked, true, "")
		return m, nil
	}
	r.PublishMessage(chatID, m)
	return m, nil
}

// WriteMessageSkippingBump is a writer that bypasses the update entry
// point's bump (stream-loop.md H1): it takes the chat-row lock (unless the
// replica's writers skip it) but does not bump the snapshot version, so
// the BEFORE trigger stamps its row with the current version and the
// history version does not move. It publishes the row as every writer
// does, except in hint mode, where it publishes no hint: it has no new
// version to tell.
func (r *Replica) WriteMessageSkippingBump(chatID int64, role Role, content string) (Message, error) {
	var m Message
	err := r.store.InTx(func(tx Tx) error {
		if !r.cfg.SkipRowLock {
			if _, err := tx.LockChat(chatID); err != nil {
				return err
			}
		}
		var err error
		m, err = tx.InsertMessage(chatID, role, content)
		return err
	})
	if err != nil {
		return Message{}, err
	}
	if r.rt.Tracing() {
		r.rt.Notef("%s: #%d committed without a version bump (revision %d)", r.Name, m.ID, m.Revision)
	}
	if !r.cfg.Hints {
		r.PublishMessage(chatID, m)
	}
	return m, nil
}

// EditMessage edits a committed row (§2), under the chat-row lock unless
// the replica's writers skip it: after commit the cache becomes just the
// edited message, evictedBefore resets to 0, and a FullRefresh notify goes
// out.
func (r *Replica) EditMessage(chatID, id int64, content string) error {
	var edited Message
	var locked Chat
	err := r.store.InTx(func(tx Tx) error {
		var err error
		if locked, err = r.update(tx, chatID); err != nil {
			return err
		}
		edited, err = tx.UpdateMessageContent(chatID, id, content)
		return err
	})
	if err != nil {
		return err
	}
	if r.cfg.Hints {
		r.hint(locked, true, "")
		return nil
	}
	r.rt.Yield("edit: replace cache")
	st := r.stream(chatID)
	st.mu.Lock()
	st.cache.replace(edited)
	var state []Field
	if r.obs != nil {
		state = r.cacheState(ids(st.cache.entries), st.cache.evictedBefore)
	}
	st.mu.Unlock()
	if r.obs != nil {
		r.obs.Observe(ModelEvent{Step: r.rt.Step(), Kind: ModelCacheEdit, Who: r.Name, IDs: []int64{id},
			Text: fmt.Sprintf("%s: edit #%d: cache replaced, evictedBefore 0", r.Name, id), State: state})
	}
	r.rt.Notef("%s: edit #%d: cache replaced, evictedBefore 0", r.Name, id)
	r.ps.Publish(ChatChannel(chatID), Notify{FullRefresh: true})
	return nil
}

// DeleteMessage soft-deletes a committed row through the update entry
// point (a new revision, stream-loop.md §1). In hint mode it publishes a
// hint; otherwise (the design page is silent on deletes) it does what an
// edit does, minus the edited row: the deleted message leaves the durable
// cache, evictedBefore resets to 0, and a FullRefresh notify goes out.
func (r *Replica) DeleteMessage(chatID, id int64) error {
	var locked Chat
	err := r.store.InTx(func(tx Tx) error {
		var err error
		if locked, err = r.update(tx, chatID); err != nil {
			return err
		}
		return tx.DeleteMessage(chatID, id)
	})
	if err != nil {
		return err
	}
	if r.cfg.Hints {
		r.hint(locked, true, "")
		return nil
	}
	r.rt.Yield("delete: update cache")
	st := r.stream(chatID)
	st.mu.Lock()
	st.cache.remove(id)
	st.mu.Unlock()
	r.rt.Notef("%s: delete #%d: removed from the cache, evictedBefore 0", r.Name, id)
	r.ps.Publish(ChatChannel(chatID), Notify{FullRefresh: true})
	return nil
}

// ListenerReconnect is a reconnect of this replica's pubsub listener
// connection (§10): every stream subscribed here that is still live gets
// ErrDropped, ends, and its client reconnects. The replica's notifier must
// be a Disrupter.
func (r *Replica) ListenerReconnect() {
	d := r.disrupter()
	r.mu.lockPart(part{r.Name, "subs"}, sched.Read)
	var subs []Subscription
	for _, s := range r.subs {
		subs = append(subs, s.subscription())
	}
	r.mu.Unlock()
	d.Reconnect(subs...)
}

// DropNext makes the next notify for stream s overflow its pubsub queue
// (§10): it is lost and s gets ErrDropped. The replica's notifier must be
// a Disrupter.
func (r *Replica) DropNext(s *Subscriber) { r.disrupter().DropNext(s.subscription()) }

func (r *Replica) disrupter() Disrupter {
	d, ok := r.ps.(Disrupter)
	if !ok {
		panic(fmt.Sprintf("harness: %s: the notifier %T cannot drop notifies", r.Name, r.ps))
	}
	return d
}

// closeWake ends the worker's wait for wake-ups.
func (r *Replica) closeWake() { r.wake.Close() }
