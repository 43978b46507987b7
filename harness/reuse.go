package harness

import (
	"strconv"

	"github.com/interleave/interleave/sched"
)

// Reuse carries a world's memory from one run of an exploration to the
// next (WorldConfig.Reuse): the world, its in-memory store, its pubsub and
// its replicas, with their maps and lists, are reset in place rather than
// allocated anew. A reset sets every field as a new object's, so nothing
// of the last run shows in the next: the maps and lists are cleared and
// keep only their memory, and the scheduler's objects (queues, mutexes,
// shared-object keys) are made anew, in the order a new world makes them.
//
// A world built with a Reuse belongs to its run: the next NewWorld with
// the same Reuse takes it over, so nothing may keep it (or its store's
// lists) once the run is over. Runs that share a Reuse must run one after
// another, never at once. A run that may have left a task running (a
// Stall: the task blocked outside the scheduler) must be followed by
// Forget.
type Reuse struct {
	world *World // the last run's world, or nil
}

// Forget drops the last run's world: the next run builds its own.
func (u *Reuse) Forget() {
	if u != nil {
		u.world = nil
	}
}

// spareParts are the objects of the last run's world that the next one
// resets in place; each is nil when there is none.
type spareParts struct {
	mem      *MemStore
	ps       *PubSub
	replicas []*Replica
}

// take returns the world to reset and the parts of the last one: a new
// world, and no parts, for a nil Reuse or its first run.
func (u *Reuse) take() (*World, spareParts) {
	if u == nil || u.world == nil {
		return new(World), spareParts{}
	}
	w := u.world
	// Only what the world made itself: never a store or pubsub the
	// configuration gave it.
	return w, spareParts{mem: w.Mem, ps: w.madePS, replicas: w.Replicas}
}

// keep records w as the world the next run resets.
func (u *Reuse) keep(w *World) {
	if u != nil {
		u.world = w
	}
}

// replica returns the spare replica i, or nil.
func (sp spareParts) replica(i int) *Replica {
	if i < len(sp.replicas) {
		return sp.replicas[i]
	}
	return nil
}

// resetWorld sets w as a new world of rt's run, keeping the memory of its
// lists (their first elements are in the world itself). The replicas' list
// keeps its elements, the spare replicas, for NewWorld to reset and
// replace one by one.
func resetWorld(w *World, rt *sched.Runtime, cfg WorldConfig) {
	replicas := w.Replicas
	*w = World{RT: rt, PubSub: cfg.PubSub, Store: cfg.Store, Truth: cfg.Truth, Seeder: cfg.Seeder,
		oracle: cfg.Oracle, checkOrder: cfg.DB.OrderByID || cfg.CheckOrder, Replicas: replicas[:0],
		made: w.made.reset(), tasks: w.tasks.reset(), failures: w.failures}
}

// madeList is the objects of one kind a run made, in order (a world's
// clients, a replica's streams and subscribers, a pubsub's listeners, the
// bodies of a world's tasks); with a Reuse, the next run's are made in
// their memory.
type madeList[T any] struct {
	list []*T
	used int // list[:used] are this run's
}

// next returns the run's next object: the one made at this place in the
// last run, as that run left it, or a new zero one. The caller resets it.
func (m *madeList[T]) next() *T {
	if m.used == len(m.list) {
		m.list = append(m.list, new(T))
	}
	t := m.list[m.used]
	m.used++
	return t
}

// reset lets the next run make its objects in the memory of these.
func (m madeList[T]) reset() madeList[T] { return madeList[T]{list: m.list} }

// newClient returns a zero client but for the memory of its lists, empty.
// It locks the world's mutex without declaring an access (wild runs
// connect at once): what it changes is memory, not the model's state.
func (w *World) newClient() *Client {
	w.mu.Mutex.Lock()
	defer w.mu.Mutex.Unlock()
	c := w.made.next()
	view, received, statuses := c.view, c.received, c.statuses
	// Each list is only appended to, so past its length it holds zeros:
	// clearing its length clears it.
	clear(view)
	clear(received)
	clear(statuses)
	*c = Client{view: view[:0], received: received[:0], statuses: statuses[:0]}
	return c
}

// newMemStoreIn is NewMemStoreConfig that resets s, if not nil, in place.
func newMemStoreIn(s *MemStore, rt *sched.Runtime, cfg DBConfig) *MemStore {
	if s == nil {
		return NewMemStoreConfig(rt, cfg)
	}
	chats, rows, commits, visible, history, mem := s.chats.reset(), s.rows, s.commits, s.visible, s.history, s.slab.reset()
	clear(rows)
	clear(visible)
	clear(history[:cap(history)])
	// The same order of shared objects as NewMemStoreConfig: the clock's,
	// then the store's.
	*s = MemStore{rt: rt, cfg: cfg, chats: chats, clockObj: shared(rt, "db clock"), syncFailures: cfg.SyncFailures,
		rows: rows[:0], commits: commits[:0], visible: visible[:0], history: history[:0], slab: mem}
	s.mu.init(rt, shared(rt, "db"))
	return s
}

// newPubSubIn is NewPubSub that resets p, if not nil, in place. The
// publish labels stay: each is its channel's name with a prefix.
func newPubSubIn(p *PubSub, rt *sched.Runtime) *PubSub {
	if p == nil {
		return NewPubSub(rt)
	}
	listeners, labels := p.listeners, p.labels
	clear(listeners[:cap(listeners)])
	*p = PubSub{rt: rt, listeners: listeners[:0], labels: labels, lastChannel: p.lastChannel, lastLabel: p.lastLabel, made: p.made.reset()}
	p.mu.init(rt, shared(rt, "pubsub"))
	return p
}

// newReplicaIn is NewReplica that resets r, if not nil, in place.
func newReplicaIn(r *Replica, rt *sched.Runtime, name string, store Store, ps Notifier, cfg Config) *Replica {
	if r == nil {
		return NewReplica(rt, name, store, ps, cfg)
	}
	streams, locks, subs, made := r.streams.reset(), r.producerLocks, r.subs, r.made.reset()
	workerName, wakeName := "", ""
	if r.Name == name { // the names made for this one stay
		workerName = r.workerName
		if r.wake != nil {
			wakeName = r.wake.Name()
		}
	}
	if wakeName == "" {
		wakeName = name + " worker wake"
	}
	clear(locks)
	clear(subs[:cap(subs)])
	*r = Replica{Name: name, rt: rt, store: store, ps: ps, cfg: cfg.withDefaults(),
		streams: streams, producerLocks: locks, subs: subs[:0], made: made, workerName: workerName, interrupted: r.interrupted,
		wake: r.wake.Renew(rt, wakeName, 1)}
	r.mu.init(rt, shared(rt, name))
	return r
}

// slab is a store's memory for its rows, chat rows and transactions: rows
// are handed out from one block, chat rows from the last run's, in the
// order they were made, finished transactions are kept for the next. With
// a Reuse it stays from run to run; callers hold the store's mutex.
type slab struct {
	rowBlock  []row    // rows handed out from the front
	spareTx   []*memTx // finished transactions, zeroed
	chatRows  []*chatRow
	chatsUsed int // chatRows[:chatsUsed] are this run's
}

// newChatRow returns the chat row of a new chat c: in the memory of the
// last run's chat row made at this point, if any (its queue's list and its
// lock, renewed, with its name when the chat's ID is the same).
func (s *MemStore) newChatRow(c Chat) *chatRow {
	b := &s.slab
	if b.chatsUsed == len(b.chatRows) {
		b.chatRows = append(b.chatRows, new(chatRow))
	}
	r := b.chatRows[b.chatsUsed]
	b.chatsUsed++
	name := r.lockName
	if r.lock == nil || r.ID != c.ID {
		name = "chat-" + strconv.FormatInt(c.ID, 10) + "-row"
	}
	queued := r.queued
	clear(queued[:cap(queued)])
	*r = chatRow{Chat: c, lock: r.lock.Renew(s.rt, name), lockName: name, queued: queued[:0]}
	return r
}

// newRow returns a row for the caller to set whole.
func (s *MemStore) newRow() *row {
	if len(s.rowBlock) == cap(s.rowBlock) {
		// The rows handed out stay where they are, in the old block.
		s.rowBlock = make([]row, 0, max(2*cap(s.rowBlock), initialRows))
	}
	s.rowBlock = s.rowBlock[:len(s.rowBlock)+1]
	return &s.rowBlock[len(s.rowBlock)-1]
}

// newTx returns a transaction that starts now, its lists empty in its
// own memory.
func (s *MemStore) newTx() *memTx {
	n := len(s.spareTx)
	if n == 0 {
		tx := &memTx{s: s, start: s.clock}
		tx.rows, tx.locks, tx.statuses = tx.rowsBuf[:0], tx.locksBuf[:0], tx.statusBuf[:0]
		tx.bumps, tx.bumped, tx.touched = tx.bumpsBuf[:0], tx.bumpedBuf[:0], tx.touchedBuf[:0]
		return tx
	}
	tx := s.spareTx[n-1] // emptied by freeTx
	s.spareTx[n-1] = nil
	s.spareTx = s.spareTx[:n-1]
	tx.s, tx.start = s, s.clock
	return tx
}

// freeTx keeps a finished transaction, and its lists' memory, for the
// next: it empties what the transaction used, field by field, and zeroes
// what it held (a spare transaction keeps no row, lock, string or store
// alive). The lists that stayed in the transaction's own arrays keep
// them (a store of the length only); those that grew out of them are set
// back. (Zeroing the whole transaction, with its pointers, took several
// times as long.)
func (s *MemStore) freeTx(tx *memTx) {
	// Loops, not clear, and not of the form the compiler turns into
	// clear: the lists are short, and clearing memory with pointers is a
	// call (memclrHasPointers, which checks for the GC's write barriers)
	// that costs more than a few stores.
	for i := 0; i < len(tx.deletes); i++ {
		tx.deletes[i] = edit{}
	}
	for i := 0; i < len(tx.edits); i++ {
		tx.edits[i] = edit{}
	}
	for i := 0; i < len(tx.dequeued); i++ {
		tx.dequeued[i] = QueuedMessage{}
	}
	tx.deletes, tx.edits, tx.dequeued = tx.deletes[:0], tx.edits[:0], tx.dequeued[:0]
	for i := 0; i < len(tx.rows); i++ {
		tx.rows[i] = nil
	}
	if len(tx.rows) > len(tx.rowsBuf) {
		clear(tx.rowsBuf[:]) // the first rows, left behind when the list grew
		tx.rows = tx.rowsBuf[:0]
	} else {
		tx.rows = tx.rows[:0]
	}
	for i := 0; i < len(tx.locks); i++ {
		tx.locks[i] = nil
	}
	if len(tx.locks) > len(tx.locksBuf) {
		clear(tx.locksBuf[:])
		tx.locks = tx.locksBuf[:0]
	} else {
		tx.locks = tx.locks[:0]
	}
	for i := 0; i < len(tx.statuses); i++ {
		tx.statuses[i] = statusChange{}
	}
	if len(tx.statuses) > len(tx.statusBuf) {
		clear(tx.statusBuf[:])
		tx.statuses = tx.statusBuf[:0]
	} else {
		tx.statuses = tx.statuses[:0]
	}
	if len(tx.bumped) > len(tx.bumpedBuf) {
		tx.bumps, tx.bumped = tx.bumpsBuf[:0], tx.bumpedBuf[:0]
	} else {
		tx.bumps, tx.bumped = tx.bumps[:0], tx.bumped[:0]
	}
	if len(tx.touched) > len(tx.touchedBuf) {
		tx.touched = tx.touchedBuf[:0]
	} else {
		tx.touched = tx.touched[:0]
	}
	tx.s = nil
	s.spareTx = append(s.spareTx, tx)
}

// reset empties the slab, keeping its memory.
func (b slab) reset() slab {
	clear(b.rowBlock)
	return slab{rowBlock: b.rowBlock[:0], spareTx: b.spareTx, chatRows: b.chatRows}
}

// madeStreams are the streams and subscribers a replica made, in order;
// with a Reuse, the next run's are made in their memory.
type madeStreams struct {
	streams madeList[stream]
	subs    madeList[Subscriber]
}

// newSubscriber returns a zero subscriber but for the memory of its
// lists, empty. It locks the replica's mutex without declaring an access
// (wild runs subscribe at once): what it changes is memory, not the
// model's state.
func (r *Replica) newSubscriber() *Subscriber {
	r.mu.Mutex.Lock()
	defer r.mu.Mutex.Unlock()
	s := r.made.subs.next()
	snapshot, deliveries, cursor, out, spare := s.snapshot, s.deliveries, s.cursor, s.out, s.spare
	// Each list is only appended to, or (the channel's) taken whole and
	// handed back cleared (recycle), so past its length it holds zeros:
	// clearing its length clears it.
	clear(snapshot)
	clear(deliveries)
	clear(cursor)
	clear(out)
	// The spare list stays too: only recycle sets it, once the client
	// has read the list and holds it no more (recycle cleared it). The
	// channel takes it when it has no memory of its own: the last run's
	// client read the channel's list last, and handed it back here.
	if cap(out) == 0 {
		out, spare = spare, nil
	}
	*s = Subscriber{snapshot: snapshot[:0], deliveries: deliveries[:0], cursor: cursor[:0], out: out[:0], spare: spare[:0], names: s.names,
		room: s.room, done: s.done, notifyCh: s.notifyCh, // the queues are renewed by listen and NewStream
		mergeFn: s.mergeFn, notifyFn: s.notifyFn, // bound to s
		ctx: MergeContext{delivered: s.ctx.delivered, cached: s.ctx.cached, queried: s.ctx.queried}} // emptied by NewStream
	return s
}

// streamNames are the names of a stream's queues and listener: made once
// while the stream's memory serves streams of the same name.
type streamNames struct{ of, room, done, listener, notifyCh, merge string }

func (n *streamNames) set(name string) {
	if n.of != name || n.room == "" {
		*n = streamNames{of: name, room: name + " channel room", done: name + " done", listener: name + " listener",
			notifyCh: name + " notifyCh", merge: name + " merge"}
	}
}

// newStream returns a new stream of r for a chat (the caller holds r.mu).
// Its guard's key is the last run's, boxed, when it is the same.
func (r *Replica) newStream(chatID int64) *stream {
	st := r.made.streams.next()
	entries, local, key := st.cache.entries, st.local, st.mu.obj
	clear(entries[:cap(entries)])
	clear(local[:cap(local)])
	*st = stream{cache: durableCache{capacity: r.cfg.CacheCapacity, entries: entries[:0]}, local: local[:0]}
	if k, ok := key.(streamKey); !ok || k != (streamKey{r.Name, chatID}) {
		key = streamKey{r.Name, chatID}
	}
	st.mu.init(r.rt, key)
	return st
}

// reset lets the next run make its streams in the memory of these.
func (m madeStreams) reset() madeStreams {
	return madeStreams{streams: m.streams.reset(), subs: m.subs.reset()}
}

// newListener returns a listener named name, zero but for its queue's
// name (made once while its memory serves listeners of the same name) and
// its list's memory. It locks the pubsub's mutex without declaring an
// access (wild runs subscribe at once): what it changes is memory, not the
// model's state.
func (p *PubSub) newListener(name string) *listener {
	p.mu.Mutex.Lock()
	defer p.mu.Mutex.Unlock()
	l := p.made.next()
	queueName, inFlight := l.queueName, l.inFlight
	if l.name != name || queueName == "" {
		queueName = name + " queue"
	}
	clear(inFlight[:cap(inFlight)])
	*l = listener{name: name, queueName: queueName, inFlight: inFlight[:0], pending: l.pending, // renewed by Subscribe
		run: l.run} // bound to l
	return l
}

// madeTasks are the bodies of the tasks a world's Worker and Subscribe
// started, in order; with a Reuse, the next run's are made in their
// memory. Each body is a function made once, bound to its entry, which
// holds what the task is to do.
type madeTasks struct {
	workers madeList[workerTask]
	subs    madeList[subscribeTask]
}

// reset lets the next run make its tasks in the memory of these.
func (m madeTasks) reset() madeTasks {
	return madeTasks{workers: m.workers.reset(), subs: m.subs.reset()}
}

// workerTask is a worker's body: r.RunWorker(chatID, opts).
type workerTask struct {
	r      *Replica
	chatID int64
	opts   WorkerOptions
	run    func() // t.body, made once
}

func (t *workerTask) body() { t.r.RunWorker(t.chatID, t.opts) }

// worker returns the body of a worker of r.
func (m *madeTasks) worker(r *Replica, chatID int64, opts WorkerOptions) func() {
	t := m.workers.next()
	run := t.run
	if run == nil {
		run = t.body
	}
	*t = workerTask{r: r, chatID: chatID, opts: opts, run: run}
	return run
}

// subscribeTask is the body of World.Subscribe's task, and its name.
type subscribeTask struct {
	w        *World
	r        *Replica
	name     string
	chatID   int64
	after    int64
	strategy Design
	taskName string // name + " subscribe", kept while the name is the same
	run      func() // t.body, made once
}

func (t *subscribeTask) body() {
	if _, err := t.w.Connect(t.r, t.name, t.chatID, t.after, t.strategy); err != nil {
		panic(err)
	}
}

// subscriber returns the task that connects a client named name.
func (m *madeTasks) subscriber(w *World, r *Replica, name string, chatID, after int64, strategy Design) *subscribeTask {
	t := m.subs.next()
	run, taskName := t.run, t.taskName
	if run == nil {
		run = t.body
	}
	if t.name != name || taskName == "" {
		taskName = name + " subscribe"
	}
	*t = subscribeTask{w: w, r: r, name: name, chatID: chatID, after: after, strategy: strategy, taskName: taskName, run: run}
	return t
}
