package timeline

// Version is the version of the input model, written into every page as
// the "version" of its embedded JSON. It changes when a field changes
// meaning or is removed; new optional fields keep it.
const Version = 1

// Run is one run of a program under the scheduler, as a page shows it.
// Every field but Lanes and Steps is optional.
type Run struct {
	// Title names the run, e.g. "promote-while-requires-action / naive /
	// pct(d=3) seed 1".
	Title string `json:"title"`
	// Verdict is the run's outcome.
	Verdict Verdict `json:"verdict"`
	// Lanes holds one lane per task; a step's Lane is an index into it.
	Lanes []Lane `json:"lanes"`
	// Steps holds the schedule: Steps[i] is step i+1. Events, state
	// changes, violations and threads name steps by that number.
	Steps []Step `json:"steps"`
	// Events are the typed things that happened during steps, in the
	// order they happened (sorted by step).
	Events []Event `json:"events,omitempty"`
	// Kinds says how to show each event kind. Kinds not listed are shown
	// in grey under their own name.
	Kinds []Kind `json:"kinds,omitempty"`
	// State is the model's state over time, field by field, shown grouped
	// by Field.Group in the order the groups and fields first appear.
	State []Field `json:"state,omitempty"`
	// Marks says how to show each item mark (Item.Mark).
	Marks []Mark `json:"marks,omitempty"`
	// Threads follow single items through the run, e.g. a lost message
	// from its commit to the moment the cursor passed it.
	Threads []Thread `json:"threads,omitempty"`
	// Schedule is the text that replays the run.
	Schedule string `json:"schedule,omitempty"`
	// Repro holds the command lines that rerun the run.
	Repro []Repro `json:"repro,omitempty"`
}

// Lane is one task of the run.
type Lane struct {
	Name string `json:"name"`
}

// Step is one scheduling step: the task picked and what it was about to do.
type Step struct {
	// Lane is the index of the step's task in Run.Lanes.
	Lane int `json:"lane"`
	// Label says what the task did, e.g. "db: commit".
	Label string `json:"label"`
	// Preempted marks a step at which the scheduler switched away from a
	// task that could have gone on: this step's task took over.
	Preempted bool `json:"pre,omitempty"`
	// Notes are free text the task noted during the step.
	Notes []string `json:"notes,omitempty"`
}

// Event is a typed thing that happened during a step. The page knows
// nothing of kinds: it groups, colours and filters events by Kind, with the
// display that Run.Kinds gives.
type Event struct {
	Step int    `json:"step"`
	Kind string `json:"kind"`
	// Text says what happened, e.g. "#6 -> replica1 cache [3 6]".
	Text string `json:"text"`
	// Items are the keys of the items the event concerns (see Item.Key);
	// following an item highlights its events.
	Items []string `json:"items,omitempty"`
}

// Kind is the display of an event kind.
type Kind struct {
	// Name is the kind as Event.Kind spells it.
	Name string `json:"name"`
	// Label is the kind's name on the page (default: Name).
	Label string `json:"label,omitempty"`
	// Color is a CSS colour "#rrggbb" (default: grey).
	Color string `json:"color,omitempty"`
}

// Field is one field of the model's state over time: its value at step n
// is what its changes at or before step n made of it.
type Field struct {
	// Group names a part of the model, e.g. "replica1 cache" or "db".
	Group string `json:"group"`
	// Name names the field within the group, e.g. "cache".
	Name string `json:"name"`
	// Changes are sorted by step; a change at step 0 gives the value
	// before the first step.
	Changes []Change `json:"changes"`
}

// Change sets a field's value at a step, or edits a list: with Remove or
// Add given, it removes the items whose keys are in Remove and then
// appends Add (Value is then unused). A list that changes by an item or
// two at a time is best recorded by edits, so that the page repeats no
// item.
type Change struct {
	Step   int      `json:"step"`
	Value  Value    `json:"value,omitzero"`
	Remove []string `json:"remove,omitempty"`
	Add    []Item   `json:"add,omitempty"`
}

// Value is a field's value: a scalar text or, with List set, a list of
// items.
type Value struct {
	Text  string `json:"text,omitempty"`
	List  bool   `json:"list,omitempty"`
	Items []Item `json:"items,omitempty"`
}

// Scalar returns a scalar value.
func Scalar(text string) Value { return Value{Text: text} }

// List returns a list value (an empty list when items is empty).
func List(items ...Item) Value { return Value{List: true, Items: items} }

// Item is one element of a list value.
type Item struct {
	Text string `json:"text"`
	// Key identifies the item across the run (default: Text), e.g. "#4":
	// the page highlights it while it is followed, and Change.Remove
	// names items by it.
	Key string `json:"key,omitempty"`
	// Mark highlights the item, e.g. "lost" or "late"; Run.Marks says how.
	Mark string `json:"mark,omitempty"`
}

// Mark is the display of an item mark.
type Mark struct {
	Name  string `json:"name"`
	Label string `json:"label,omitempty"`
	// Color is a CSS colour "#rrggbb".
	Color string `json:"color,omitempty"`
}

// Verdict is a run's outcome.
type Verdict struct {
	// Failed is true for a failing run.
	Failed bool `json:"failed"`
	// Summary is the one-line verdict.
	Summary    string      `json:"summary,omitempty"`
	Violations []Violation `json:"violations,omitempty"`
}

// Violation is one thing the oracle found wrong.
type Violation struct {
	// Step is the step where it arose, or 0 if not known.
	Step int    `json:"step"`
	Text string `json:"text"`
	// Items are the keys of the items it concerns; the page offers to
	// follow each that has a thread.
	Items []string `json:"items,omitempty"`
}

// Thread follows one item through the run.
type Thread struct {
	// Item is the key of the item followed.
	Item  string `json:"item"`
	Title string `json:"title,omitempty"`
	// Steps are the moments that matter, in step order.
	Steps []ThreadStep `json:"steps"`
}

// ThreadStep is one moment of a thread.
type ThreadStep struct {
	Step int    `json:"step"`
	Text string `json:"text"`
}

// Repro is one command line that reruns the run.
type Repro struct {
	Label   string `json:"label"`
	Command string `json:"command"`
}
