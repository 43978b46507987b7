package harness

import (
	"strconv"

	"github.com/interleave/interleave/sched"
)

// WorldConfig configures a World.
type WorldConfig struct {
	Config
	// DB selects the in-memory store's switchable behaviours (a real
	// database applies what it can, see pgbackend).
	DB DBConfig
	// PubSubQueue is each pubsub subscription's queue (default
	// DefaultPubSubQueue) for the in-memory pubsub.
	PubSubQueue int
	// Replicas is the number of server replicas (default 1).
	Replicas int
	// Store replaces the in-memory store (a mock, or a real database);
	// the oracle then needs Truth.
	Store Store
	// Truth is the ground truth for the oracle when Store is set.
	Truth GroundTruth
	// Seeder seeds the store when Store is set.
	Seeder Seeder
	// PubSub replaces the in-memory pubsub (a real database's
	// LISTEN/NOTIFY).
	PubSub Notifier
	// Observer, when set, receives the model's typed events (Observer);
	// a timeline sets it on a traced replay. Nil costs nothing.
	Observer Observer
	// Oracle judges every client ("": each client's design's own,
	// OracleOf).
	Oracle Oracle
	// CheckOrder makes the convergence oracle check the order within a
	// sync whatever the database orders by (stream-loop.md §4 asks it only
	// of a database that orders by id; H3 is what happens before).
	CheckOrder bool
	// Reuse, when set, makes the world in the memory of the last one built
	// with it (see Reuse): for the runs of one exploration, one after
	// another.
	Reuse *Reuse
}

// World is a whole modelled deployment: a store, a pubsub, replicas, their
// writers and workers, and subscribers. It owns the order of shutdown, so
// that "every writer has finished and every notify has been handled" (§7)
// is a point in the run, not a sleep.
type World struct {
	RT       *sched.Runtime
	Mem      *MemStore // nil when WorldConfig.Store was set
	Store    Store
	Truth    GroundTruth
	Seeder   Seeder
	PubSub   Notifier
	Replicas []*Replica

	oracle     Oracle
	checkOrder bool // the convergence oracle checks the order within a sync

	mu      guard // guards clients, streams and closing: they are added from tasks
	writers []*sched.Task
	workers []*sched.Task
	clients []*Client
	streams []*Subscriber
	closing bool // Settle is closing the streams
	settled bool
	// The first elements of the lists above, in the world itself.
	writersBuf, workersBuf [4]*sched.Task
	clientsBuf             [2]*Client
	streamsBuf             [2]*Subscriber
	made                   madeList[Client] // the clients' memory, kept by a Reuse
	tasks                  madeTasks        // the workers' and subscribers' tasks' memory, kept by a Reuse
	madePS                 *PubSub          // the pubsub the world made, if it did
	failures               recentTexts      // failOnReturn's last messages, kept by a Reuse
	outcome                *Outcome         // the run's outcome, if Body was given one
}

// NewWorld builds a world in the run of rt. With a strategy that is
// ProducerLocked, set cfg.ProducerLock (Strategy helps).
func NewWorld(rt *sched.Runtime, cfg WorldConfig) *World {
	w, spare := cfg.Reuse.take()
	resetWorld(w, rt, cfg)
	w.mu.init(rt, shared(rt, "world"))
	w.writers, w.workers = w.writersBuf[:0], w.workersBuf[:0]
	w.clients, w.streams = w.clientsBuf[:0], w.streamsBuf[:0]
	if w.PubSub == nil {
		ps := newPubSubIn(spare.ps, rt)
		ps.QueueSize = cfg.PubSubQueue
		ps.obs = cfg.Observer
		w.PubSub, w.madePS = ps, ps
	}
	if w.Store == nil {
		w.Mem = newMemStoreIn(spare.mem, rt, cfg.DB)
		w.Mem.obs = cfg.Observer
		w.Store, w.Truth, w.Seeder = w.Mem, w.Mem, w.Mem
	}
	n := max(cfg.Replicas, 1)
	for i := 0; i < n; i++ {
		r := newReplicaIn(spare.replica(i), rt, replicaName(i+1), w.Store, w.PubSub, cfg.Config)
		r.obs = cfg.Observer
		w.Replicas = append(w.Replicas, r)
	}
	clear(w.Replicas[len(w.Replicas):cap(w.Replicas)]) // spares of a larger world
	cfg.Reuse.keep(w)
	return w
}

// replicaName is the name of the replica numbered n from 1: "replica1".
func replicaName(n int) string {
	if n < len(replicaNames) {
		return replicaNames[n]
	}
	return "replica" + strconv.Itoa(n)
}

var replicaNames = func() (out [8]string) {
	for i := range out {
		out[i] = "replica" + strconv.Itoa(i)
	}
	return out
}()

// ConfigFor returns cfg with ProducerLock and Hints set as the design
// asks.
func ConfigFor(s Design, cfg Config) Config {
	if p, ok := s.(ProducerLocked); ok && p.ProducerLock() {
		cfg.ProducerLock = true
	}
	if h, ok := s.(HintPublisher); ok && h.PublishesHints() {
		cfg.Hints = true
	}
	return cfg
}

// Writer starts a writer task. Settle waits for writers first.
func (w *World) Writer(name string, fn func()) *sched.Task {
	t := w.RT.Go(name, fn)
	w.writers = append(w.writers, t)
	return t
}

// Worker starts the chat worker of replica r. Settle closes its wake-up
// queue once the writers are done, so a worker with turns left stops.
func (w *World) Worker(r *Replica, chatID int64, opts WorkerOptions) *sched.Task {
	if r.workerName == "" {
		r.workerName = r.Name + " worker"
	}
	t := w.RT.Go(r.workerName, w.tasks.worker(r, chatID, opts)) // r.RunWorker(chatID, opts)
	w.workers = append(w.workers, t)
	return t
}

// Subscribe starts a task that connects a client on replica r (Connect),
// so that its read, its subscription and its snapshot interleave with the
// writers. The client and its stream appear in Clients and Subscribers once
// the task has run.
func (w *World) Subscribe(r *Replica, name string, chatID, after int64, strategy Design) *sched.Task {
	t := w.tasks.subscriber(w, r, name, chatID, after, strategy)
	return w.Writer(t.taskName, t.run) // w.Connect(r, name, chatID, after, strategy), panicking on an error
}

func (w *World) addClient(c *Client, s *Subscriber) {
	w.mu.Lock()
	w.clients = append(w.clients, c)
	w.streams = append(w.streams, s)
	w.mu.Unlock()
}

// addStream registers a client's reconnect and reports whether Settle is
// already closing the streams (the caller must then close it itself).
func (w *World) addStream(s *Subscriber) (closing bool) {
	w.mu.Lock()
	w.streams = append(w.streams, s)
	closing = w.closing
	w.mu.Unlock()
	return closing
}

// Subscribers returns every stream, in the order they subscribed (a
// client's reconnects included).
func (w *World) Subscribers() []*Subscriber {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]*Subscriber(nil), w.streams...)
}

// Clients returns the clients, in the order they connected.
func (w *World) Clients() []*Client {
	return append([]*Client(nil), w.clientsView()...)
}

// clientsView is Clients without a copy, for the world's own loops: the
// list is only ever appended to, so what it held stays as it was.
func (w *World) clientsView() []*Client {
	w.mu.Lock()
	v := w.clients[:len(w.clients):len(w.clients)]
	w.mu.Unlock()
	return v
}

// Settle brings the world to rest: it waits for the writers, then stops
// the workers (their wake-up queues close), then lets every listener
// deliver what was committed, then lets every merge goroutine handle what is
// queued, then waits for the clients' reconnects and lets each client read
// what its streams sent. It must be called from the task that built the
// world.
func (w *World) Settle() {
	if w.settled {
		return
	}
	w.settled = true
	w.RT.JoinAll(w.writers...)
	for _, r := range w.Replicas {
		r.closeWake()
	}
	w.RT.JoinAll(w.workers...)
	// The clients read everything from now on, so that no stream stays
	// blocked on a full channel while the listeners drain.
	for _, c := range w.clientsView() {
		c.settle()
	}
	w.PubSub.Close()
	w.mu.Lock()
	w.closing = true
	streams := w.streams[:len(w.streams):len(w.streams)] // only ever appended to
	w.mu.Unlock()
	for _, s := range streams {
		s.close()
	}
	for _, c := range w.clientsView() {
		c.finish()
	}
}

// Check settles the world and runs the oracle on every client: the one
// WorldConfig.Oracle names, or else the client's design's own.
func (w *World) Check() []Violation {
	w.Settle()
	var out []Violation
	for _, c := range w.clientsView() {
		o := w.oracle
		if o == "" {
			o = OracleOf(c.Strategy)
		}
		if o == OracleConvergence {
			out = append(out, CheckConvergence(c, w.Truth, w.checkOrder)...)
		} else {
			out = append(out, CheckClient(c, w.Truth)...)
		}
	}
	return out
}

// FailOnViolations ends the run with an assertion failure listing the
// violations, if any.
func (w *World) FailOnViolations(vs []Violation) {
	if len(vs) > 0 {
		w.RT.Failf("oracle: %s", violationsText(vs))
	}
}

// failOnReturn is FailOnViolations for the last act of a run's main task
// (sched.Runtime.FailfOnReturn): the same failure, when the task returns,
// and the task's goroutine stays in the run's pool.
func (w *World) failOnReturn(vs []Violation) {
	if len(vs) > 0 {
		// The message of Failf("oracle: %s", violationsText(vs)), made in
		// one string: a failing design fails most schedules here.
		var buf [512]byte
		msg := appendViolations(append(buf[:0], "oracle: "...), vs)
		w.RT.FailOnReturn(w.failures.of(msg))
	}
}

func violationsText(vs []Violation) string { return string(appendViolations(nil, vs)) }

// appendViolations appends the violations' texts to b, "; " between them.
func appendViolations(b []byte, vs []Violation) []byte {
	for i, v := range vs {
		if i > 0 {
			b = append(b, "; "...)
		}
		b = v.appendText(b)
	}
	return b
}

// recentTexts are the last few distinct texts made from bytes: the
// schedules of a failing design mostly fail alike, with one of a few
// messages, and a string, which no one can change, serves every run that
// makes the same text.
type recentTexts struct {
	list [8]string
	next int // the slot the next new text takes
}

// of returns string(b): a recent text if one is the same.
func (t *recentTexts) of(b []byte) string {
	for _, s := range t.list {
		if s == string(b) {
			return s
		}
	}
	s := string(b)
	t.list[t.next] = s
	t.next = (t.next + 1) % len(t.list)
	return s
}
