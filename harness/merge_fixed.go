package harness

// Fixed is the merge as merged (§6): the lookup never goes below the
// reconnect floor, the cache pass skips delivered IDs, and the database pass
// always runs. Delivery order is not monotonic: a late lower ID arrives
// after a higher one.
type Fixed struct{}

func (Fixed) Name() string { return "fixed" }

func (Fixed) HandleNotify(c *MergeContext, n Notify) {
	if n.FullRefresh {
		c.StartEpoch()
		c.SetLastMessageID(0)
		dbPass(c, 0)
		return
	}
	lookupAfter := max(c.AfterMessageID, min(n.AfterMessageID, c.LastMessageID()))
	sent := cachePass(c, lookupAfter)
	if c.Tracing() {
		c.Notef("fixed: lookupAfter=%d, cache pass sent %d", lookupAfter, sent)
	}
	dbPass(c, lookupAfter)
}
