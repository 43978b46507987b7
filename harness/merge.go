package harness

import (
	"fmt"
	"strconv"
)

// MergeStrategy is the subscriber's catch-up logic (§6), a Design whose
// streams run the merge goroutine of §5: it handles one notify, looking
// messages up in the durable cache and the database and sending each to the
// subscriber through the MergeContext. Strategies are stateless; the cursor
// and the delivered set live in the context. A user can plug in a strategy
// of their own by implementing this interface.
type MergeStrategy interface {
	Design
	// HandleNotify handles a notify with AfterMessageID > 0 or FullRefresh.
	HandleNotify(c *MergeContext, n Notify)
}

// ProducerLocked is implemented by strategies that need the writers to hold
// the per-chat publish mutex across their post-commit publishes (§6,
// producer-lock).
type ProducerLocked interface {
	ProducerLock() bool
}

// MergeContext is one subscriber's merge state and its access to the cache,
// the database and the client (§5).
type MergeContext struct {
	sub *Subscriber
	// AfterMessageID is the subscriber's reconnect floor: it asked for
	// messages after this ID.
	AfterMessageID int64
	last           int64
	delivered      map[int64]bool // looked up by key only, never iterated
	// The built-in strategies' lookups land in this memory, kept from
	// lookup to lookup (and, with a Reuse, from run to run).
	cached, queried []Message
}

// LastMessageID returns the cursor.
func (c *MergeContext) LastMessageID() int64 { return c.last }

// SetLastMessageID moves the cursor; every move is recorded for the
// oracle's report of when a message became unreachable.
func (c *MergeContext) SetLastMessageID(id int64) {
	if id == c.last {
		return
	}
	c.sub.mu.Lock()
	c.sub.cursor = append(c.sub.cursor, CursorMove{Step: c.sub.rt.Step(), From: c.last, To: id, Epoch: c.sub.epoch})
	c.sub.mu.Unlock()
	if c.Tracing() {
		c.sub.note("lastMessageID %d -> %d", c.last, id)
	}
	if c.sub.replica.obs != nil {
		c.sub.observe(ModelEvent{Kind: ModelCursorMove, Text: fmt.Sprintf("%s: lastMessageID %d -> %d", c.sub.Name, c.last, id),
			State: []Field{ScalarField(c.sub.Name, "lastMessageID", strconv.FormatInt(id, 10))}})
	}
	c.last = id
}

// Delivered reports whether message id was sent in the current epoch.
func (c *MergeContext) Delivered(id int64) bool { return c.delivered[id] }

// DeliveredCount returns how many distinct messages the current epoch sent.
func (c *MergeContext) DeliveredCount() int { return len(c.delivered) }

// StartEpoch begins a FullRefresh epoch: the delivered set is cleared and
// every visible message may be sent once more (§7).
func (c *MergeContext) StartEpoch() {
	c.delivered = map[int64]bool{}
	c.sub.mu.Lock()
	c.sub.epoch++
	c.sub.mu.Unlock()
	c.sub.note("full refresh: epoch %d starts", c.sub.epoch)
}

// CacheAfter is the durable cache lookup cacheAfter(afterID) (§2) on the
// subscriber's replica; it is a scheduling point.
func (c *MergeContext) CacheAfter(afterID int64) []Message {
	return c.sub.replica.cacheAfter(c.sub.ChatID, afterID)
}

// QueryDB is the catch-up query GetChatMessagesByChatID(chat, afterID).
func (c *MergeContext) QueryDB(afterID int64) ([]Message, error) {
	msgs, err := c.sub.replica.store.GetChatMessagesByChatID(c.sub.ChatID, afterID)
	c.lookedUp(afterID, msgs)
	return msgs, err
}

// cacheAfter is CacheAfter in the context's memory: what it returns is
// the context's until the next cacheAfter.
func (c *MergeContext) cacheAfter(afterID int64) []Message {
	c.cached = c.sub.replica.cacheAfterInto(c.cached, c.sub.ChatID, afterID)
	return c.cached
}

// keepLookup returns the list to keep as the memory of a lookup's next
// result, given the last one kept (old) and the lookup's result (got), which
// is in old's memory or, when it outgrew it or a store other than the
// in-memory one answered, a list of its own. A kept list holds zero
// elements past its length: only the elements of old that got did not
// overwrite are cleared, and a reset (newSubscriber) clears only the kept
// list's length.
func keepLookup(old, got []Message) []Message {
	if len(got) < len(old) {
		clear(old[len(got):])
	}
	if got == nil {
		return old[:0]
	}
	return got
}

// queryDB is QueryDB in the context's memory: what it returns is the
// context's until the next queryDB.
func (c *MergeContext) queryDB(afterID int64) ([]Message, error) {
	msgs, err := queryInto(c.sub.replica.store, c.queried, c.sub.ChatID, afterID)
	if msgs != nil {
		c.queried = msgs
	}
	c.lookedUp(afterID, msgs)
	return msgs, err
}

// lookedUp notes a catch-up query's result.
func (c *MergeContext) lookedUp(afterID int64, msgs []Message) {
	if c.Tracing() {
		c.sub.note("db after %d -> %v", afterID, ids(msgs))
	}
	if c.sub.replica.obs != nil {
		c.sub.observe(ModelEvent{Kind: ModelLookup, IDs: ids(msgs), Text: fmt.Sprintf("%s: db after %d -> %v", c.sub.Name, afterID, ids(msgs))})
	}
}

// Send delivers m to the client and adds it to the delivered set; via says
// where it was found ("cache" or "db").
func (c *MergeContext) Send(m Message, via string) {
	c.delivered[m.ID] = true
	c.sub.deliver(m, via)
}

// Notef adds a note to the run's trace, attributed to the merge.
// When the model is observed, the note is also a lookup event of the
// subscriber (a strategy notes what it looked up and decided).
func (c *MergeContext) Notef(format string, args ...any) {
	c.sub.note(format, args...)
	if c.sub.replica.obs != nil {
		c.sub.observe(ModelEvent{Kind: ModelLookup, Text: c.sub.Name + ": " + fmt.Sprintf(format, args...)})
	}
}

// Tracing reports whether the run records a trace: a merge can skip
// building the arguments of notes that would be thrown away (the
// arguments of a call are built before the call).
func (c *MergeContext) Tracing() bool { return c.sub.rt.Tracing() }
