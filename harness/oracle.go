package harness

import (
	"fmt"
	"slices"
	"strconv"
)

// Property names a clause of the oracle (§7).
type Property string

const (
	// ExactlyOnce: every committed, visible message after the floor was
	// delivered exactly once (in each FullRefresh epoch, every visible
	// message once more).
	ExactlyOnce Property = "exactly once"
	// NoResendBelowFloor: nothing at or below the subscriber's
	// afterMessageID was delivered outside a FullRefresh epoch.
	NoResendBelowFloor Property = "no resend below the floor"
	// NoPhantom: nothing uncommitted or unknown was delivered.
	NoPhantom Property = "no phantom"
)

// Violation is one broken clause, naming the message IDs.
type Violation struct {
	// Subscriber is the stream (or, for what only the union of a
	// client's streams shows, the client) that broke the clause.
	Subscriber string
	Property   Property
	IDs        []int64
	// Detail says what happened: lost or duplicated, and when known the
	// step at which the cursor moved past a lost message.
	Detail string
	// Step is the step at which the stream's cursor moved past the lost
	// message (0 if it never did, or in a wild run). Only when Inevitable
	// is set was the loss certain from then on.
	Step int
	// Inevitable is set when the strategy looks up only after its cursor
	// (CursorBound) and the cursor stayed past the message from Step on:
	// from then on no lookup could find it. For other strategies (fixed-r1
	// looks up from min(After, lastMessageID)) the step says only that the
	// cursor passed it.
	Inevitable bool
}

func (v Violation) String() string {
	// Built by hand, not by fmt: most schedules of a failing design end
	// here.
	// One string, built in a buffer on the stack.
	var buf [256]byte
	return string(v.appendText(buf[:0]))
}

// appendText appends v.String() to b.
func (v Violation) appendText(b []byte) []byte {
	b = append(b, v.Subscriber...)
	b = append(b, ": "...)
	b = append(b, v.Property...)
	b = append(b, ": "...)
	b = appendIDList(b, v.IDs)
	b = append(b, ' ')
	return append(b, v.Detail...)
}

func idList(ids []int64) string { return string(appendIDList(nil, ids)) }

// appendIDList appends idList(ids) to b.
func appendIDList(b []byte, ids []int64) []byte {
	if len(ids) == 1 {
		b = append(b, "message "...)
	} else {
		b = append(b, "messages "...)
	}
	for i, id := range ids {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, '#')
		b = strconv.AppendInt(b, id, 10)
	}
	return b
}

// GroundTruth is what the oracle needs from the database once the run has
// settled.
type GroundTruth interface {
	// History returns the committed, visible rows of a chat.
	History(chatID int64) []Message
	// Exists reports whether a row with this ID was ever committed.
	Exists(id int64) bool
}

// CursorBound is implemented by merge strategies whose every lookup starts
// after lastMessageID, within a FullRefresh epoch (naive, and producer-lock
// through it). For them a message the cursor moved past for good cannot be
// found any more, and the oracle says when that happened.
type CursorBound interface {
	LooksUpAfterCursor() bool
}

// Check runs the oracle (§7, §10) on one settled stream against the
// database's final state and returns its violations, in a stable order. The
// client is taken to hold every message at or below the stream's
// afterMessageID; CheckClient judges a client with its own view and its
// reconnects.
func Check(s *Subscriber, db GroundTruth) []Violation {
	var rs []Receipt
	for _, d := range s.Deliveries() {
		rs = append(rs, Receipt{Delivery: d})
	}
	return judge(s.Name, s.ChatID, nil, false, []*Subscriber{s}, rs, db)
}

// CheckClient runs the oracle (§7, §10) on a settled client: what it
// received from all its streams, plus what it held before (its view, §10),
// against the database's final state.
//
//   - no phantom, judged at delivery: nothing uncommitted at the moment it
//     was delivered (when the store can tell, CommitChecker), nothing that
//     never committed or belongs to another chat;
//   - no resend below the floor, per stream: outside a FullRefresh epoch,
//     nothing at or below the stream's afterMessageID;
//   - exactly once: nothing twice within a stream's epoch, nothing a
//     reconnect's stream sends again that the client already had; and in
//     the end every visible message is held: at or below the first
//     afterMessageID in the view (a message there that committed after the
//     client read it is lost, whatever the strategy), above it received
//     from some stream, or, after a FullRefresh in the last stream, in that
//     stream's last epoch.
func CheckClient(c *Client, db GroundTruth) []Violation {
	view, read := c.viewView()
	return judge(c.Name, c.ChatID, view, read, c.streamsView(), c.receivedView(), db)
}

func judge(client string, chatID int64, view []int64, viewRead bool, streams []*Subscriber, received []Receipt, db GroundTruth) []Violation {
	visible := historyOf(db, chatID) // read only, before the next judge
	var out []Violation
	add := func(who string, p Property, idset []int64, detail string, step int, inevitable bool) {
		slices.Sort(idset)
		out = append(out, Violation{Subscriber: who, Property: p, IDs: idset, Detail: detail, Step: step, Inevitable: inevitable})
	}
	addOnce := func(list []int64, id int64) []int64 {
		if slices.Contains(list, id) {
			return list
		}
		return append(list, id)
	}
	byStream := make([][]Receipt, len(streams))
	if len(streams) == 1 {
		byStream[0] = received // every receipt is of stream 0
	} else {
		for _, r := range received {
			byStream[r.Stream] = append(byStream[r.Stream], r)
		}
	}

	// No phantom, judged at delivery; no resend below each stream's floor
	// in its epoch 0.
	var phantoms, early []int64
	earlyStep := 0
	for k, s := range streams {
		var below []int64
		for i := range byStream[k] {
			r := &byStream[k][i]
			switch {
			case r.ChatID != chatID || !db.Exists(r.ID):
				phantoms = addOnce(phantoms, r.ID)
				continue
			case r.Uncommitted:
				if !slices.Contains(early, r.ID) && (earlyStep == 0 || r.Step < earlyStep) {
					earlyStep = r.Step
				}
				early = addOnce(early, r.ID)
			}
			if r.Epoch == 0 && r.ID <= s.AfterMessageID {
				below = addOnce(below, r.ID)
			}
		}
		if len(below) > 0 {
			add(s.Name, NoResendBelowFloor, below, fmt.Sprintf("delivered though the subscriber asked for messages after #%d", s.AfterMessageID), 0, false)
		}
	}
	if len(phantoms) > 0 {
		add(client, NoPhantom, phantoms, "delivered but never committed", 0, false)
	}
	if len(early) > 0 {
		detail := "delivered before its transaction committed"
		if earlyStep > 0 {
			detail = fmt.Sprintf("delivered (first at step %d) before its transaction committed", earlyStep)
		}
		add(client, NoPhantom, early, detail, 0, false)
	}

	// Exactly once: duplicates within each stream's epochs, and in a
	// reconnect's stream, what the client already had.
	var held idSet
	for _, id := range view {
		held.add(id)
	}
	for k, s := range streams {
		final := streamEpoch(s, byStream[k])
		for e := 0; e <= final; e++ {
			// What the epoch delivered twice or more (add sorts it).
			var seen idSet
			var dups []int64
			for i := range byStream[k] {
				r := &byStream[k][i]
				if r.Epoch == e && !seen.add(r.ID) {
					dups = addOnce(dups, r.ID)
				}
			}
			if len(dups) > 0 {
				add(s.Name, ExactlyOnce, dups, "delivered more than once"+epochSuffix(e), 0, false)
			}
		}
		if k > 0 {
			var again []int64
			for i := range byStream[k] {
				r := &byStream[k][i]
				if r.Epoch == 0 && r.ID > s.AfterMessageID && held.has(r.ID) {
					again = addOnce(again, r.ID)
				}
			}
			if len(again) > 0 {
				add(s.Name, ExactlyOnce, again, fmt.Sprintf("delivered again after the reconnect with afterMessageID #%d: the client already had it", s.AfterMessageID), 0, false)
			}
		}
		for i := range byStream[k] {
			r := &byStream[k][i]
			held.add(r.ID)
		}
	}

	// Exactly once: in the end, every visible message is held.
	last := len(streams) - 1
	final := streamEpoch(streams[last], byStream[last])
	var inFinal idSet
	if final > 0 {
		for i := range byStream[last] {
			r := &byStream[last][i]
			if r.Epoch == final {
				inFinal.add(r.ID)
			}
		}
	}
	floor := streams[0].AfterMessageID
	for i := range visible {
		m := &visible[i]
		if final > 0 {
			if !inFinal.has(m.ID) {
				detail, step, sure := lostDetail(streams[last], m.ID, final)
				add(client, ExactlyOnce, []int64{m.ID}, "never delivered"+epochSuffix(final)+detail, step, sure)
			}
			continue
		}
		if held.has(m.ID) {
			continue
		}
		if m.ID <= floor {
			if viewRead {
				add(client, ExactlyOnce, []int64{m.ID}, fmt.Sprintf("never delivered (it is at or below afterMessageID #%d, and it committed after the client read its history)", floor), 0, false)
			}
			continue
		}
		detail, step, sure := "", 0, false
		if last > 0 && m.ID <= streams[last].AfterMessageID {
			detail = fmt.Sprintf(" (%s ended before delivering it, and the reconnect asked for messages after #%d)", streams[last-1].Name, streams[last].AfterMessageID)
		} else {
			detail, step, sure = lostDetail(streams[last], m.ID, 0)
		}
		add(client, ExactlyOnce, []int64{m.ID}, "never delivered"+detail, step, sure)
	}
	return out
}

// streamEpoch is a stream's final epoch: the subscriber's, not the last
// one that delivered something (a FullRefresh that re-delivers nothing must
// be caught).
func streamEpoch(s *Subscriber, rs []Receipt) int {
	s.mu.Lock()
	final := s.epoch
	s.mu.Unlock()
	for i := range rs {
		r := &rs[i]
		final = max(final, r.Epoch)
	}
	return final
}

func epochSuffix(e int) string {
	if e == 0 {
		return ""
	}
	return fmt.Sprintf(" in FullRefresh epoch %d", e)
}

// lostDetail says when the stream's cursor passed a message it never
// delivered in epoch e (moves of earlier epochs do not count: the message
// may well have been delivered then). For a CursorBound strategy it names
// the move after which the cursor stayed past the message: the loss was
// certain from then on. For other strategies it names the first move past
// it, and says no more than that.
func lostDetail(s *Subscriber, id int64, e int) (detail string, step int, inevitable bool) {
	var moves []CursorMove
	for _, c := range s.Cursor() {
		if c.Epoch == e {
			moves = append(moves, c)
		}
	}
	at := func(c CursorMove) string {
		if c.Step == 0 { // a wild run has no steps
			return fmt.Sprintf("%d -> %d", c.From, c.To)
		}
		return fmt.Sprintf("%d -> %d, at step %d", c.From, c.To, c.Step)
	}
	if b, ok := s.Strategy.(CursorBound); ok && b.LooksUpAfterCursor() {
		for i := len(moves) - 1; i >= 0; i-- {
			c := moves[i]
			if c.To <= id {
				return "", 0, false // the cursor came back below it
			}
			if c.From < id {
				return fmt.Sprintf(" (lastMessageID moved past it for good, %s)", at(c)), c.Step, true
			}
		}
		return "", 0, false
	}
	for _, c := range moves {
		if c.From < id && c.To > id {
			return fmt.Sprintf(" (the cursor passed it, %s)", at(c)), c.Step, false
		}
	}
	return "", 0, false
}
