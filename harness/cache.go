package harness

import "slices"

// DefaultCacheCapacity is the durable cache's capacity (§2).
const DefaultCacheCapacity = 256

// durableCache is a chat's cache of committed messages on one replica (§2):
// appended in the order publishers reach it, not sorted; on overflow the
// oldest-appended entry goes and evictedBefore becomes its ID, which can move
// down when appends were out of order. Callers hold the stream's mutex.
type durableCache struct {
	capacity      int
	entries       []Message
	evictedBefore int64
}

func (c *durableCache) append(m Message) (evicted *Message) {
	if c.entries == nil {
		c.entries = make([]Message, 0, min(c.capacity+1, 8))
	}
	c.entries = append(c.entries, m)
	if len(c.entries) > c.capacity {
		old := c.entries[0]
		c.entries = slices.Delete(c.entries, 0, 1)
		c.evictedBefore = old.ID
		return &old
	}
	return nil
}

// after implements cacheAfter (§2): nil when afterID < evictedBefore (the
// cache may have lost what the caller needs), else every cached message with
// ID > afterID in append order.
func (c *durableCache) after(afterID int64) []Message {
	if afterID < c.evictedBefore {
		return nil
	}
	n := 0
	for _, m := range c.entries {
		if m.ID > afterID {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	return c.appendAfter(make([]Message, 0, n), afterID)
}

// appendAfter appends to dst what after returns (nothing where it returns
// nil).
func (c *durableCache) appendAfter(dst []Message, afterID int64) []Message {
	if afterID < c.evictedBefore {
		return dst
	}
	out := dst
	for _, m := range c.entries {
		if m.ID > afterID {
			out = append(out, m)
		}
	}
	return out
}

// replace implements an edit (§2): the cache becomes just the edited
// message and evictedBefore resets to 0.
func (c *durableCache) replace(m Message) {
	c.entries = append(c.entries[:0], m)
	c.evictedBefore = 0
}

// remove drops a deleted message from the cache and resets evictedBefore
// to 0, as replace does for an edit.
func (c *durableCache) remove(id int64) {
	c.entries = slices.DeleteFunc(c.entries, func(m Message) bool { return m.ID == id })
	c.evictedBefore = 0
}
