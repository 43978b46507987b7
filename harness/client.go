package harness

import (
	"fmt"
	"slices"

	"github.com/interleave/interleave/sched"
)

// MaxReconnects bounds a client's reconnects in one run: a model that
// reconnects more often is stuck in a loop, and the run fails.
const MaxReconnects = 16

// Receipt is one message as the client received it: a delivery of one of
// its streams.
type Receipt struct {
	Delivery
	// Stream is the index of the stream in Client.Streams.
	Stream int
}

// Client is the other end of a chat stream (§10, "the client's view"): it
// holds what it read before subscribing (every message at or below its
// afterMessageID), receives the snapshot and the events of its stream, and
// when the stream ends with an error, reconnects with afterMessageID = the
// last ID it received. The oracle judges the client: the union of its
// streams plus what it held before.
//
// The model's client is the slowest one the design allows: it reads its
// stream's events only when it must, when the stream ends with an error
// (it then reads up to the error and reconnects, on a task of its own) and
// when the world settles. Until then the events wait in the channel
// (capacity Config.ClientQueue), and a full channel blocks the stream's
// sends (§10). What the client receives, and in which order, is what a
// client that reads at once would receive; only the pressure on the channel
// differs, and the schedules stay few (a reading task would be one more
// task to interleave at every event).
type Client struct {
	Name           string
	ChatID         int64
	AfterMessageID int64
	Strategy       Design

	w       *World
	replica *Replica

	mu       guard
	view     []int64 // what it held at or below AfterMessageID
	viewRead bool    // false: the view is assumed to hold every message <= AfterMessageID
	streams  []*Subscriber
	read     int // streams read to their end (by a reconnect)
	snapRead []bool
	received []Receipt
	resets   int   // the history resets read (the epochs of the deliveries say where)
	history  int64 // the history version of the last status event (the stream loop's)
	statuses []ChatStatus
	queues   int
	tasks    []*sched.Task // reconnects
	settling bool          // Settle has begun: new streams drain at once

	// hist is the memory of the history read at connect, kept for the
	// next client made here (newClient); only Listen reads it.
	hist []Message

	// The first elements of streams and snapRead, in the client itself.
	streamsBuf  [1]*Subscriber
	snapReadBuf [1]bool
}

// Connect is a client opening a stream, from the calling task: it reads the
// chat's history up to afterMessageID (the client's view, as a REST read
// would give it), then subscribes on replica r (SubscribeAuthorized).
func (w *World) Connect(r *Replica, name string, chatID, after int64, strategy Design) (*Client, error) {
	c, err := w.Listen(r, name, chatID, after, strategy)
	if err != nil {
		return nil, err
	}
	return c, c.Start()
}

// Listen is Connect up to the stream's pubsub subscription: the snapshot
// and the merge wait for Start, and other tasks can run in between (the
// window of §5 between the subscribe and the snapshot).
func (w *World) Listen(r *Replica, name string, chatID, after int64, strategy Design) (*Client, error) {
	c := w.newClient() // new, or reset with its lists' memory
	c.Name, c.ChatID, c.AfterMessageID, c.Strategy, c.w, c.replica = name, chatID, after, strategy, w, r
	c.mu.init(w.RT, shared(w.RT, name))
	// The history in the client's kept list (the in-memory store fills
	// it; another store returns a list of its own).
	hist, err := queryInto(r.store, c.hist, chatID, 0)
	if err != nil {
		return nil, fmt.Errorf("client %s: read history: %w", name, err)
	}
	c.hist = keepLookup(c.hist, hist)
	c.viewRead = true
	for _, m := range hist {
		if m.ID <= after {
			c.view = append(c.view, m.ID)
		}
	}
	slices.Sort(c.view)
	if w.RT.Tracing() {
		w.RT.Notef("%s: client read the history up to #%d: holds %v", name, after, c.view)
	}
	s := r.Listen(name, chatID, after, strategy)
	c.streams = append(c.streamsBuf[:0], s)
	c.snapRead = append(c.snapReadBuf[:0], false)
	w.addClient(c, s)
	c.attach(s)
	return c, nil
}

// Start takes the snapshot of the client's first stream and starts its
// merge (see Listen).
func (c *Client) Start() error { return c.streams[0].Start() }

// AddSubscriber registers a stream made by SubscribeAuthorized directly,
// with a client that receives its events, so that Settle closes it and
// Check checks it. The client is taken to hold every message at or below
// the stream's afterMessageID (it read nothing itself).
func (w *World) AddSubscriber(s *Subscriber) *Client {
	c := &Client{Name: s.Name, ChatID: s.ChatID, AfterMessageID: s.AfterMessageID, Strategy: s.Strategy, w: w, replica: s.replica,
		streams: []*Subscriber{s}, snapRead: []bool{false}}
	c.mu.init(w.RT, shared(w.RT, s.Name))
	w.addClient(c, s)
	c.attach(s)
	return c
}

// attach makes c the reader of s: a stream that ended before has its
// reconnect started now; during Settle, s drains at once.
func (c *Client) attach(s *Subscriber) {
	c.mu.Lock()
	settling := c.settling
	c.mu.Unlock()
	s.mu.Lock()
	s.client = c
	ended := s.ended
	s.mu.Unlock()
	if settling {
		s.drain()
	}
	if ended {
		c.reconnectAfter(s)
	}
}

// reconnectAfter starts the client's reaction to the end of stream s: a
// task that reads s up to its error event and reconnects.
func (c *Client) reconnectAfter(s *Subscriber) {
	c.mu.Lock()
	k := slices.Index(c.streams, s)
	n := len(c.streams)
	c.mu.Unlock()
	if k != n-1 {
		return // not the current stream: its reconnect is done or under way
	}
	if n > MaxReconnects {
		panic(fmt.Sprintf("harness: client %s reconnected %d times: a reconnect loop", c.Name, n-1))
	}
	t := c.w.RT.Go(fmt.Sprintf("%s reconnect %d", c.Name, n), func() { c.reconnect(k) })
	c.mu.Lock()
	c.tasks = append(c.tasks, t)
	c.mu.Unlock()
}

// reconnect reads stream k to its error, then subscribes again with
// afterMessageID = the last ID received.
func (c *Client) reconnect(k int) {
	rt := c.w.RT
	c.readStream(k)
	cur := c.Cursor()
	if rt.Tracing() {
		c.mu.Lock()
		s := c.streams[k]
		c.mu.Unlock()
		rt.Notef("%s: client: the stream ended (%v); reconnect with afterMessageID %d", c.Name, s.Ended(), cur.AfterMessageID)
	}
	if err := c.resubscribe(cur); err != nil {
		panic(fmt.Sprintf("harness: client %s: reconnect: %v", c.Name, err))
	}
}

// resubscribe opens the client's next stream at cur.
func (c *Client) resubscribe(cur Cursor) error {
	c.mu.Lock()
	n := len(c.streams)
	c.mu.Unlock()
	if n > MaxReconnects {
		panic(fmt.Sprintf("harness: client %s reconnected %d times: a reconnect loop", c.Name, n-1))
	}
	ns, err := c.replica.SubscribeCursor(fmt.Sprintf("%s/%d", c.Name, n+1), c.ChatID, cur, c.Strategy)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.streams = append(c.streams, ns)
	c.snapRead = append(c.snapRead, false)
	c.mu.Unlock()
	closing := c.w.addStream(ns)
	c.attach(ns)
	if closing {
		// The world is settling and will not close this stream: nothing
		// more is published, so the client closes it once its snapshot is
		// in.
		ns.close()
	}
	return nil
}

// Disconnect is the client going away, from the calling task: its current
// stream ends, with no error event, and the client reads what the stream
// sent before. Reconnect comes back.
func (c *Client) Disconnect() {
	c.mu.Lock()
	k := len(c.streams) - 1
	s := c.streams[k]
	c.mu.Unlock()
	s.disconnect()
	c.readStream(k)
}

// Reconnect is the client coming back, from the calling task: it opens a
// new stream at its cursor (Cursor).
func (c *Client) Reconnect() error {
	cur := c.Cursor()
	if c.w.RT.Tracing() {
		c.w.RT.Notef("%s: client: reconnect with the cursor {AfterMessageID %d, AfterRevision %d}", c.Name, cur.AfterMessageID, cur.AfterRevision)
	}
	return c.resubscribe(cur)
}

// Cursor is where the client resumes (stream-loop.md §2): after the last
// message ID it received (its first afterMessageID if none), and after
// the history version of the last status event it received (status
// events carry it only when the status changes, stream-loop.md H2).
func (c *Client) Cursor() Cursor {
	c.mu.Lock()
	h := c.history
	c.mu.Unlock()
	return Cursor{AfterMessageID: c.lastReceived(), AfterRevision: h}
}

// readStream takes stream k's snapshot (the first time) and every event
// sent so far.
func (c *Client) readStream(k int) {
	c.mu.Lock()
	s := c.streams[k]
	first := !c.snapRead[k]
	c.snapRead[k] = true
	c.mu.Unlock()
	if first {
		for _, d := range s.snapshotView() {
			c.receive(d, k)
		}
	}
	evs := s.take()
	for i := range evs {
		ev := &evs[i]
		c.mu.Lock()
		switch ev.Kind {
		case EventMessage:
			if c.received == nil {
				c.received = make([]Receipt, 0, len(evs))
			}
			c.received = append(c.received, Receipt{Delivery: ev.Delivery, Stream: k})
		case EventStatus:
			c.statuses = append(c.statuses, ev.Status)
			if ev.HistoryVersion > 0 {
				c.history = ev.HistoryVersion
			}
		case EventHistoryReset:
			c.resets++
		case EventQueue:
			c.queues++
		}
		c.mu.Unlock()
	}
	s.recycle(evs)
}

// settle starts Settle's part of the client: every stream drains from now
// on (nothing blocks on a full channel).
func (c *Client) settle() {
	c.mu.Lock()
	c.settling = true
	var buf [4]*Subscriber // a usual client's streams stay on the stack
	streams := append(buf[:0], c.streams...)
	c.mu.Unlock()
	for _, s := range streams {
		s.drain()
	}
}

// finish waits for the client's reconnects, then reads what is left of
// its streams. Settle calls it once every stream is closed.
func (c *Client) finish() {
	for joined := 0; ; {
		c.mu.Lock()
		tasks := slices.Clone(c.tasks[joined:])
		c.mu.Unlock()
		if len(tasks) == 0 {
			break
		}
		c.w.RT.JoinAll(tasks...)
		joined += len(tasks)
	}
	c.mu.Lock()
	n := len(c.streams)
	c.mu.Unlock()
	for k := 0; k < n; k++ {
		c.readStream(k)
	}
}

func (c *Client) receive(d Delivery, stream int) {
	c.mu.Lock()
	c.received = append(c.received, Receipt{Delivery: d, Stream: stream})
	c.mu.Unlock()
}

// lastReceived is the afterMessageID of a reconnect: the last ID the client
// received, or its first afterMessageID if it received nothing.
func (c *Client) lastReceived() int64 {
	c.mu.Lock()
	id := c.AfterMessageID
	if n := len(c.received); n > 0 {
		id = c.received[n-1].ID
	}
	c.mu.Unlock()
	return id
}

// Streams returns the client's streams, the first and each reconnect.
func (c *Client) Streams() []*Subscriber {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.streams)
}

// Received returns every message the client received, in order.
func (c *Client) Received() []Receipt {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.received)
}

// receivedView returns what Received does without a copy, for the oracle,
// which only reads it: the client only ever appends to it.
func (c *Client) receivedView() []Receipt {
	c.mu.Lock()
	v := c.received[:len(c.received):len(c.received)]
	c.mu.Unlock()
	return v
}

// viewView and streamsView return what View and Streams do without a
// copy, for the oracle, which only reads them once the client is settled.
func (c *Client) viewView() ([]int64, bool) {
	c.mu.Lock()
	view, read := c.view[:len(c.view):len(c.view)], c.viewRead
	c.mu.Unlock()
	return view, read
}

func (c *Client) streamsView() []*Subscriber {
	c.mu.Lock()
	v := c.streams[:len(c.streams):len(c.streams)]
	c.mu.Unlock()
	return v
}

// ReceivedIDs returns the IDs of Received, in order.
func (c *Client) ReceivedIDs() []int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]int64, len(c.received))
	for i, r := range c.received {
		out[i] = r.ID
	}
	return out
}

// View returns the IDs the client held at or below its afterMessageID
// before it subscribed, and whether it read them (false: assumed).
func (c *Client) View() ([]int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.view), c.viewRead
}

// Statuses returns the statuses the client received, in order.
func (c *Client) Statuses() []ChatStatus {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.statuses)
}

// Queues returns how many queue events the client received.
func (c *Client) Queues() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.queues
}
