package harness

// Naive is the merge before the fix (§6): a monotonic cursor over the cache,
// the database only when the cache has nothing. It loses a message committed
// with a lower ID after a higher one reached the cache.
type Naive struct{}

func (Naive) Name() string { return "naive" }

// LooksUpAfterCursor implements CursorBound: every lookup of naive starts
// after lastMessageID.
func (Naive) LooksUpAfterCursor() bool { return true }

func (Naive) HandleNotify(c *MergeContext, n Notify) {
	if n.FullRefresh {
		c.StartEpoch()
		c.SetLastMessageID(0)
		naiveFromDB(c)
		return
	}
	lastMessageID := c.LastMessageID()
	cached := c.CacheAfter(lastMessageID)
	if c.Tracing() {
		c.Notef("naive: cacheAfter(%d) -> %v", lastMessageID, ids(cached))
	}
	if len(cached) > 0 {
		for _, m := range cached {
			c.Send(m, "cache")
			c.SetLastMessageID(m.ID) // assignment, not max (§6)
		}
		return
	}
	naiveFromDB(c)
}

func naiveFromDB(c *MergeContext) {
	lastMessageID := c.LastMessageID()
	msgs, err := c.QueryDB(lastMessageID)
	if err != nil {
		c.Notef("naive: db error: %v", err)
		return
	}
	for _, m := range msgs {
		if m.ID <= c.LastMessageID() {
			continue
		}
		c.Send(m, "db")
		c.SetLastMessageID(m.ID)
	}
}
