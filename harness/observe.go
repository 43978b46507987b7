package harness

import (
	"strconv"
	"strings"
)

// Observer receives the model's typed events: what a part of the model
// did at a step, and the state it left, as named fields. It is the seam a
// timeline reads the model's state from (package scenarios draws the chat
// model's), and the trace notes stay as they are beside it.
//
// An observer is set only when someone asks (WorldConfig.Observer); without
// one the model builds no event: each emission costs a nil check. Observe
// is called from the running task, with no lock of the model held, in the
// order things happen; it must not block or reach a scheduling point.
type Observer interface {
	Observe(ModelEvent)
}

// ModelEvent is one thing the model did.
type ModelEvent struct {
	// Step is the scheduling step it happened in (sched.Runtime.Step).
	Step int
	// Kind names what happened, e.g. ModelCommit; a model part may add
	// kinds of its own.
	Kind string
	// Who is the part of the model that did it: "db", a replica's name,
	// a subscriber's name, a pubsub channel.
	Who string
	// Text says what happened, in words.
	Text string
	// IDs are the messages it concerns.
	IDs []int64
	// State holds the fields it changed, with their values after it.
	State []Field
}

// Field is one named piece of the model's state and its value: a scalar
// text or, with List set, a list of items. The names are free, so a part of
// the model adds state without a change to whoever draws it: Group names
// the part ("db", "replica1 cache", "sub"), Name the field ("committed",
// "cache", "evictedBefore", "lastMessageID").
type Field struct {
	Group, Name string
	Text        string
	List        bool
	Items       []Item
	// Arrival marks a list of messages in the order they arrived, where
	// each must arrive once and in ID order (a cache, what a subscriber
	// delivered): a drawing marks the items that came late or twice.
	Arrival bool
}

// Item is an element of a list field; Key, when set, identifies it across
// the run (a message's is "#<id>", the same as MessageItem's text).
type Item struct {
	Text, Key string
}

// The kinds of the chat model's events.
const (
	ModelInsert      = "insert"       // a row inserted, uncommitted (db)
	ModelCommit      = "commit"       // a transaction committed (db)
	ModelRollback    = "rollback"     // a transaction rolled back (db)
	ModelCacheAppend = "cache-append" // a message appended to a replica's durable cache
	ModelEvict       = "evict"        // the cache was full: its oldest entry went
	ModelCacheEdit   = "cache-edit"   // an edit replaced a replica's cache
	ModelNotify      = "notify"       // a notify committed on a pubsub channel
	ModelNotifyRecv  = "notify-recv"  // a listener received a notify
	ModelSnapshot    = "snapshot"     // a subscriber took its snapshot
	ModelDeliver     = "deliver"      // a subscriber sent a message to its client
	ModelCursorMove  = "cursor-move"  // a subscriber's lastMessageID moved
	ModelMerge       = "merge"        // a subscriber's merge handles a notify
	ModelLookup      = "lookup"       // a merge looked messages up (cache or db)
	ModelSync        = "sync"         // a stream loop synced: its versions and known revisions after it
)

// announced is the message a notify{After=N} announces, #N+1, as a
// model event's IDs.
func announced(n Notify) []int64 {
	if n.FullRefresh || n.QueueUpdate || n.Status != "" {
		return nil
	}
	return []int64{n.AfterMessageID + 1}
}

// ScalarField returns a scalar field.
func ScalarField(group, name, text string) Field {
	return Field{Group: group, Name: name, Text: text}
}

// IDsField returns a list field of messages, each item "#<id>".
func IDsField(group, name string, ids []int64) Field {
	items := make([]Item, len(ids))
	for i, id := range ids {
		items[i] = MessageItem(id)
	}
	return Field{Group: group, Name: name, List: true, Items: items}
}

// arrivalField is IDsField for a list in arrival order (Field.Arrival).
func arrivalField(group, name string, ids []int64) Field {
	f := IDsField(group, name, ids)
	f.Arrival = true
	return f
}

// itemTexts lists messages as "#3 #4 #5", for an event's text.
func itemTexts(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = MessageItem(id).Text
	}
	return strings.Join(parts, " ")
}

// MessageItem is the list item of a message: "#<id>".
func MessageItem(id int64) Item { return Item{Text: "#" + strconv.FormatInt(id, 10)} }
