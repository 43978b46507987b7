package harness

import (
	"fmt"
	"slices"
	"strings"
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
	Subscriber string
	Property   Property
	IDs        []int64
	// Detail says what happened: lost or duplicated, and when known the
	// step at which the loss became inevitable.
	Detail string
	// Step is the step at which it became inevitable, or 0 if not known.
	Step int
}

func (v Violation) String() string {
	return fmt.Sprintf("%s: %s: %s %s", v.Subscriber, v.Property, idList(v.IDs), v.Detail)
}

func idList(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprintf("#%d", id)
	}
	if len(parts) == 1 {
		return "message " + parts[0]
	}
	return "messages " + strings.Join(parts, ", ")
}

// GroundTruth is what the oracle needs from the database once the run has
// settled.
type GroundTruth interface {
	// History returns the committed, visible rows of a chat.
	History(chatID int64) []Message
	// Exists reports whether a row with this ID was ever committed.
	Exists(id int64) bool
}

// Check runs the oracle (§7) on a settled subscriber against the database's
// final state and returns its violations, in a stable order.
func Check(s *Subscriber, db GroundTruth) []Violation {
	deliveries := s.Deliveries()
	visible := db.History(s.ChatID)
	// The final epoch is the subscriber's, not the last one that delivered
	// something: a FullRefresh that re-delivers nothing must be caught.
	s.mu.Lock()
	final := s.epoch
	s.mu.Unlock()
	for _, d := range deliveries {
		final = max(final, d.Epoch)
	}
	var out []Violation
	add := func(p Property, idset []int64, detail string, step int) {
		slices.Sort(idset)
		out = append(out, Violation{Subscriber: s.Name, Property: p, IDs: idset, Detail: detail, Step: step})
	}

	// No phantom, and no resend below the floor in epoch 0.
	var phantoms, below []int64
	for _, d := range deliveries {
		if d.ChatID != s.ChatID || !db.Exists(d.ID) {
			if !slices.Contains(phantoms, d.ID) {
				phantoms = append(phantoms, d.ID)
			}
			continue
		}
		if d.Epoch == 0 && d.ID <= s.AfterMessageID && !slices.Contains(below, d.ID) {
			below = append(below, d.ID)
		}
	}
	if len(phantoms) > 0 {
		add(NoPhantom, phantoms, "delivered but never committed", 0)
	}
	if len(below) > 0 {
		add(NoResendBelowFloor, below, fmt.Sprintf("delivered though the subscriber asked for messages after #%d", s.AfterMessageID), 0)
	}

	// Exactly once, epoch by epoch: duplicates in any epoch; in the final
	// one, every expected message.
	for e := 0; e <= final; e++ {
		count := map[int64]int{} // looked up by key only
		var order []int64
		for _, d := range deliveries {
			if d.Epoch == e {
				if count[d.ID] == 0 {
					order = append(order, d.ID)
				}
				count[d.ID]++
			}
		}
		var dups []int64
		for _, id := range order {
			if count[id] > 1 {
				dups = append(dups, id)
			}
		}
		if len(dups) > 0 {
			add(ExactlyOnce, dups, fmt.Sprintf("delivered more than once%s", epochSuffix(e)), 0)
		}
		if e != final {
			continue
		}
		for _, m := range visible {
			if e == 0 && m.ID <= s.AfterMessageID {
				continue
			}
			if count[m.ID] == 0 {
				detail, step := lostDetail(s, m.ID, e)
				add(ExactlyOnce, []int64{m.ID}, "never delivered"+epochSuffix(e)+detail, step)
			}
		}
	}
	return out
}

func epochSuffix(e int) string {
	if e == 0 {
		return ""
	}
	return fmt.Sprintf(" in FullRefresh epoch %d", e)
}

// lostDetail finds when the cursor passed a message the subscriber never
// received in epoch e: from then on a merge that looks up after the cursor
// cannot find it. Moves of earlier epochs do not count: the message may well
// have been delivered then.
func lostDetail(s *Subscriber, id int64, e int) (string, int) {
	for _, c := range s.Cursor() {
		if c.Epoch == e && c.From < id && c.To > id {
			if c.Step == 0 { // a wild run has no steps
				return fmt.Sprintf(" (lastMessageID moved past it, %d -> %d)", c.From, c.To), 0
			}
			return fmt.Sprintf(" (lastMessageID moved past it, %d -> %d, at step %d)", c.From, c.To, c.Step), c.Step
		}
	}
	return "", 0
}
