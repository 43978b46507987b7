package harness

// FixedR1 is the first revision of the fix (§6): it looks up from
// min(notify, cursor) and skips delivered IDs, but queries the database only
// when the cache pass sent nothing. Review found two defects: a late notify
// below the reconnect floor re-sends what the client has, and a cache hit on
// an unrelated message skips the database, missing another replica's row.
type FixedR1 struct{}

func (FixedR1) Name() string { return "fixed-r1" }

func (FixedR1) HandleNotify(c *MergeContext, n Notify) {
	if n.FullRefresh {
		// §6 does not say what r1 did on FullRefresh; modelled as the
		// merged fix does it.
		c.StartEpoch()
		c.SetLastMessageID(0)
		dbPass(c, 0)
		return
	}
	lookupAfter := min(n.AfterMessageID, c.LastMessageID())
	sent := cachePass(c, lookupAfter)
	if c.Tracing() {
		c.Notef("fixed-r1: lookupAfter=%d, cache pass sent %d", lookupAfter, sent)
	}
	if sent == 0 {
		dbPass(c, lookupAfter)
	}
}

// cachePass sends the cached messages after lookupAfter not yet delivered,
// advancing the cursor to the maximum seen, and returns how many it sent.
func cachePass(c *MergeContext, lookupAfter int64) int {
	sent := 0
	for _, m := range c.cacheAfter(lookupAfter) {
		if c.Delivered(m.ID) {
			continue
		}
		c.Send(m, "cache")
		c.SetLastMessageID(max(c.LastMessageID(), m.ID))
		sent++
	}
	return sent
}

// dbPass sends the rows after lookupAfter not yet delivered.
func dbPass(c *MergeContext, lookupAfter int64) {
	msgs, err := c.queryDB(lookupAfter)
	if err != nil {
		c.Notef("db error: %v", err)
		return
	}
	for _, m := range msgs {
		if m.ID <= lookupAfter || c.Delivered(m.ID) {
			continue
		}
		c.Send(m, "db")
		c.SetLastMessageID(max(c.LastMessageID(), m.ID))
	}
}
