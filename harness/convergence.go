package harness

import (
	"fmt"
	"slices"
)

// The properties of the stream loop's oracle (stream-loop.md §4), besides
// NoPhantom.
const (
	// Convergence: once the world has settled, the client's view (what it
	// received, replayed as upserts by ID, a reset clearing it) holds
	// exactly the database's visible rows above its floor, each at the
	// database's revision.
	Convergence Property = "convergence"
	// NoDuplicate: no (ID, revision) was sent twice within an epoch.
	NoDuplicate Property = "no duplicate"
	// NoRegression: a message's revision never went backwards in the
	// client's view.
	NoRegression Property = "no regression"
	// SyncOrder: within one sync (a merge's handling of one notify), the
	// first appearances of IDs are in increasing ID order. It is checked
	// only where the database orders by id (DBConfig.OrderByID).
	SyncOrder Property = "order"
)

// CheckConvergence runs the stream loop's oracle (stream-loop.md §4) on a
// settled client against the database's final state: what it received
// from all its streams, in order, replayed as upserts by message ID. A new
// epoch (a history_reset of the stream loop, a FullRefresh of a merge)
// clears the view. The floor is the first stream's afterMessageID: the
// client held what is at or below it (its view, §10), and the oracle
// compares only the rows above it. orderByID says whether the database
// orders by id, where the order clause applies. Violations come in a
// stable order.
//
//   - no phantom: nothing uncommitted at the moment it was sent (when the
//     store can tell, CommitChecker), nothing that never committed or
//     belongs to another chat;
//   - no duplicate: no (ID, revision) twice within an epoch, across the
//     client's reconnects;
//   - no regression: no upsert lowers a message's revision;
//   - order: within a sync, first appearances of IDs in increasing order;
//   - convergence: in the end the view above the floor equals the
//     database's visible (ID, revision) rows above it.
func CheckConvergence(c *Client, db GroundTruth, orderByID bool) []Violation {
	streams := c.Streams()
	received := c.Received()
	chatID := c.ChatID
	var out []Violation
	add := func(who string, p Property, id int64, detail string) {
		out = append(out, Violation{Subscriber: who, Property: p, IDs: []int64{id}, Detail: detail})
	}

	view := map[int64]int64{}           // ID -> revision; looked up by key only, never iterated
	var viewIDs []int64                 // the view's IDs, for the final comparison
	sent := map[[2]int64]bool{}         // (ID, revision) sent in this epoch; by key only
	epochs := make([]int, len(streams)) // each stream's epoch so far
	epoch := 0                          // the client's: resets seen
	reset := func() {
		clear(view)
		clear(sent)
		viewIDs = viewIDs[:0]
		epoch++
	}
	type syncKey struct{ stream, sync int }
	firstMax := map[syncKey]int64{}  // the largest ID first sent in a sync; by key only
	firstSeen := map[[3]int64]bool{} // (stream, sync, ID) seen; by key only
	var phantoms, early []int64
	earlyStep := 0
	prevStream := 0
	for _, r := range received {
		// A stream left behind may have reset with nothing sent after.
		for ; prevStream < r.Stream; prevStream++ {
			if streams[prevStream].Epoch() > epochs[prevStream] {
				epochs[prevStream] = streams[prevStream].Epoch()
				reset()
			}
		}
		if r.Epoch > epochs[r.Stream] {
			epochs[r.Stream] = r.Epoch
			reset()
		}
		who := streams[r.Stream].Name
		switch {
		case r.ChatID != chatID || !db.Exists(r.ID):
			if !slices.Contains(phantoms, r.ID) {
				phantoms = append(phantoms, r.ID)
			}
		case r.Uncommitted:
			if !slices.Contains(early, r.ID) {
				early = append(early, r.ID)
				if earlyStep == 0 || r.Step < earlyStep {
					earlyStep = r.Step
				}
			}
		}
		k := [2]int64{r.ID, r.Revision}
		if sent[k] {
			add(who, NoDuplicate, r.ID, fmt.Sprintf("sent twice at revision %d%s (again in sync %d)", r.Revision, epochSuffix(epoch), r.Sync))
		}
		sent[k] = true
		if old, ok := view[r.ID]; ok && old > r.Revision {
			add(who, NoRegression, r.ID, fmt.Sprintf("went back from revision %d to %d (sync %d)", old, r.Revision, r.Sync))
		}
		if _, ok := view[r.ID]; !ok {
			viewIDs = append(viewIDs, r.ID)
		}
		view[r.ID] = r.Revision
		if orderByID {
			sk := syncKey{r.Stream, r.Sync}
			fk := [3]int64{int64(r.Stream), int64(r.Sync), r.ID}
			if !firstSeen[fk] {
				firstSeen[fk] = true
				if m, ok := firstMax[sk]; ok && r.ID < m {
					add(who, SyncOrder, r.ID, fmt.Sprintf("first sent after #%d within sync %d: out of ID order", m, r.Sync))
				}
				firstMax[sk] = max(firstMax[sk], r.ID)
			}
		}
	}
	for ; prevStream < len(streams); prevStream++ {
		if streams[prevStream].Epoch() > epochs[prevStream] {
			epochs[prevStream] = streams[prevStream].Epoch()
			reset()
		}
	}
	if len(phantoms) > 0 {
		out = append(out, Violation{Subscriber: c.Name, Property: NoPhantom, IDs: sorted(phantoms), Detail: "sent but never committed"})
	}
	if len(early) > 0 {
		detail := "sent before its transaction committed"
		if earlyStep > 0 {
			detail = fmt.Sprintf("sent (first at step %d) before its transaction committed", earlyStep)
		}
		out = append(out, Violation{Subscriber: c.Name, Property: NoPhantom, IDs: sorted(early), Detail: detail})
	}

	floor := streams[0].AfterMessageID
	visible := map[int64]bool{} // by key only
	for _, m := range db.History(chatID) {
		visible[m.ID] = true
		if m.ID <= floor {
			continue
		}
		rev, ok := view[m.ID]
		switch {
		case !ok:
			add(c.Name, Convergence, m.ID, fmt.Sprintf("never received (the database has it at revision %d)", m.Revision))
		case rev != m.Revision:
			add(c.Name, Convergence, m.ID, fmt.Sprintf("the client holds revision %d, the database revision %d", rev, m.Revision))
		}
	}
	slices.Sort(viewIDs)
	for _, id := range viewIDs {
		if id > floor && !visible[id] && db.Exists(id) {
			add(c.Name, Convergence, id, fmt.Sprintf("the client still holds it at revision %d; the database deleted it", view[id]))
		}
	}
	return out
}

func sorted(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}
