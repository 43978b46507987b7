package scenarios

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/interleave/interleave/harness"
	"github.com/interleave/interleave/sched"
	"github.com/interleave/interleave/timeline"
)

// Timeline returns the run as package timeline draws it: its lanes and
// steps with preemptions marked, the chat model's events and state (the
// database's rows, each replica's cache and evictedBefore, the notifies in
// flight, each subscriber's cursor and deliveries), the verdict with each
// violation at its step, a thread following each lost, duplicated or late
// message, and the lines that reproduce the run.
//
// It replays the run's schedule with runnable sets recorded, which the
// preemption marks need, and fails if the replay does not give the run's
// trace. The events and state are the model's typed events
// (harness.Observer), recorded on that replay; a note that an event says
// in the same words is shown as the event, the others stay notes of their
// step.
func (r *RunResult) Timeline() (timeline.Run, error) {
	if r.Schedule == nil || r.Spec.Scenario == nil {
		return timeline.Run{}, fmt.Errorf("timeline: the run has no schedule to replay")
	}
	wl := workloadFor(r.Spec.Scenario, r.WorkloadSeed)
	var log modelLog
	wl.Config.Observer = &log
	res := sched.Run(wl.Body(r.Spec.Strategy, nil), sched.Options{
		Strategy: sched.Replay(r.Schedule), Trace: true, Runnable: true, MaxSteps: r.Spec.MaxSteps})
	if res.Failure != nil && res.Failure.Kind == sched.Divergence {
		return timeline.Run{}, fmt.Errorf("timeline: replaying the run's schedule: %s", res.Failure.Error())
	}
	if r.Trace != nil && res.Trace.Hash() != r.Trace.Hash() {
		return timeline.Run{}, fmt.Errorf("timeline: the replayed run's trace (hash %s) differs from the run's (%s)", res.Trace.Hash(), r.Trace.Hash())
	}
	tl := timeline.FromTrace(res.Trace)
	tl.Title = fmt.Sprintf("%s / %s / %s seed %d", r.Spec.Scenario.Name, r.Spec.Strategy.Name(), r.Spec.Search, r.Spec.Seed)
	b := newChatTimeline(&tl, lostIDs(r.Violations))
	b.read(log.events)
	b.verdict(r)
	b.threads()
	tl.Schedule = r.Schedule.String()
	tl.Repro = r.reproLines()
	return tl, nil
}

// reproLines are the lines that rerun the run, labelled as the CLI
// prints them (To reproduce, Rerun, Debug); for a replay whose schedule
// is not saved yet, the hint of what to do instead.
func (r *RunResult) reproLines() []timeline.Repro {
	if !r.reproducible() {
		return []timeline.Repro{{Label: "To reproduce", Command: r.ReproOrHint()}}
	}
	return []timeline.Repro{{Label: "To reproduce", Command: r.Repro()}, {Label: "Rerun", Command: r.CLI()}, {Label: "Debug", Command: r.DebugLine()}}
}

// The chat model's event kinds and item marks, with their display.
var (
	chatKinds = []timeline.Kind{
		{Name: "insert", Label: "insert", Color: "#90a4ae"},
		{Name: "commit", Label: "commit", Color: "#37474f"},
		{Name: "cache-append", Label: "cache append", Color: "#1e88e5"},
		{Name: "evict", Label: "evict", Color: "#5e35b1"},
		{Name: "cache-edit", Label: "cache edit", Color: "#8e24aa"},
		{Name: "notify", Label: "notify", Color: "#00897b"},
		{Name: "notify-recv", Label: "notify received", Color: "#4db6ac"},
		{Name: "merge", Label: "merge", Color: "#8d6e63"},
		{Name: "lookup", Label: "lookup", Color: "#f9a825"},
		{Name: "snapshot", Label: "snapshot", Color: "#7cb342"},
		{Name: "deliver", Label: "deliver", Color: "#2e7d32"},
		{Name: "cursor-move", Label: "cursor move", Color: "#d81b60"},
	}
	chatMarks = []timeline.Mark{
		{Name: "lost", Label: "lost", Color: "#c62828"},
		{Name: "late", Label: "late", Color: "#ef6c00"},
		{Name: "dup", Label: "twice", Color: "#6a1b9a"},
	}
)

// modelLog records the model's typed events of a run (harness.Observer).
type modelLog struct{ events []harness.ModelEvent }

func (l *modelLog) Observe(e harness.ModelEvent) { l.events = append(l.events, e) }

// chatSub is what the adapter knows of one subscriber.
type chatSub struct {
	floor, last int64
	delivered   []int64
	count       map[int64]int // looked up by key only
}

// chatTimeline turns the chat model's typed events into events and state.
type chatTimeline struct {
	tl        *timeline.Run
	step      int
	committed []int64             // what the db holds committed, in ID order
	subs      map[string]*chatSub // by key only
	// lost holds the messages the oracle says were never delivered; late,
	// those delivered after a higher ID; dup, those delivered twice.
	lost, late, dup []int64
	last            map[string]timeline.Value // group+"\x00"+field -> last value set; by key only
	field           map[string]int            // group+"\x00"+field -> index in tl.State; by key only
}

func newChatTimeline(tl *timeline.Run, lost []int64) *chatTimeline {
	tl.Kinds, tl.Marks = chatKinds, chatMarks
	return &chatTimeline{tl: tl, subs: map[string]*chatSub{},
		last: map[string]timeline.Value{}, field: map[string]int{}, lost: lost}
}

// lostIDs lists the messages the oracle says were never delivered.
func lostIDs(vs []harness.Violation) []int64 {
	var out []int64
	for _, v := range vs {
		if v.Property == harness.ExactlyOnce && strings.HasPrefix(v.Detail, "never delivered") {
			for _, id := range v.IDs {
				if !slices.Contains(out, id) {
					out = append(out, id)
				}
			}
		}
	}
	return out
}

func key(id int64) string { return "#" + strconv.FormatInt(id, 10) }

func keys(ids []int64) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = key(id)
	}
	return out
}

func (b *chatTimeline) event(kind, text string, items ...int64) {
	b.tl.Events = append(b.tl.Events, timeline.Event{Step: b.step, Kind: kind, Text: text, Items: keys(items)})
}

// set records a field's value at the current step, when it changed: a
// list that lost items and gained some at its end as an edit,
// anything else as the new value.
func (b *chatTimeline) set(group, field string, v timeline.Value) {
	k := group + "\x00" + field
	i, ok := b.field[k]
	if !ok {
		i = len(b.tl.State)
		b.field[k] = i
		b.tl.State = append(b.tl.State, timeline.Field{Group: group, Name: field})
	}
	old, had := b.last[k]
	if had && sameValue(old, v) {
		return
	}
	b.last[k] = v
	c := timeline.Change{Step: b.step, Value: v}
	if had && old.List && v.List {
		if rm, add, ok := listEdit(old.Items, v.Items); ok {
			c = timeline.Change{Step: b.step, Remove: rm, Add: add}
		}
	}
	b.tl.State[i].Changes = append(b.tl.State[i].Changes, c)
}

// listEdit finds the removals and appends that turn list old into list
// new, if that is how new came about (the items it keeps unchanged and in
// order, the new ones at the end). Items are told apart by key.
func listEdit(old, next []timeline.Item) (remove []string, add []timeline.Item, ok bool) {
	has := func(list []timeline.Item, it timeline.Item) bool {
		return slices.ContainsFunc(list, func(x timeline.Item) bool { return itemKey(x) == itemKey(it) })
	}
	j := 0
	for _, it := range old {
		if j < len(next) && next[j] == it {
			j++
			continue
		}
		if has(next, it) {
			return nil, nil, false // moved or marked anew
		}
		remove = append(remove, itemKey(it))
	}
	for _, it := range next[j:] {
		if has(old, it) {
			return nil, nil, false
		}
	}
	return remove, next[j:], true
}

func itemKey(it timeline.Item) string {
	if it.Key != "" {
		return it.Key
	}
	return it.Text
}

func sameValue(a, b timeline.Value) bool {
	return a.Text == b.Text && a.List == b.List && slices.Equal(a.Items, b.Items)
}

// items lists message IDs as items, marking those the marks function
// names.
func (b *chatTimeline) items(ids []int64, mark func(i int, id int64) string) timeline.Value {
	out := make([]timeline.Item, len(ids))
	for i, id := range ids {
		out[i] = timeline.Item{Text: key(id)} // the key is the text
		if mark != nil {
			out[i].Mark = mark(i, id)
		}
	}
	return timeline.List(out...)
}

// messageID is the ID of a message item ("#N"), if it is one.
func messageID(it harness.Item) (int64, bool) {
	k := it.Key
	if k == "" {
		k = it.Text
	}
	rest, ok := strings.CutPrefix(k, "#")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	return id, err == nil
}

// value turns a model field into a page value. In a list in arrival
// order (harness.Field.Arrival), an item that comes after a higher ID is
// marked late, and one seen before in the list twice: what a cache or a
// delivered set must never show.
func value(f harness.Field) timeline.Value {
	if !f.List {
		return timeline.Scalar(f.Text)
	}
	items := make([]timeline.Item, len(f.Items))
	var high int64
	seen := map[int64]bool{} // by key only
	for i, it := range f.Items {
		items[i] = timeline.Item{Text: it.Text}
		if it.Key != "" && it.Key != it.Text {
			items[i].Key = it.Key
		}
		id, ok := messageID(it)
		if !ok || !f.Arrival {
			continue
		}
		switch {
		case seen[id]:
			items[i].Mark = "dup"
		case id < high:
			items[i].Mark = "late"
		}
		seen[id], high = true, max(high, id)
	}
	return timeline.List(items...)
}

// read records the model's events, step by step, and their state. A note
// that says what an event says (the model notes it in the same words) is
// dropped from its step: the page shows the event.
func (b *chatTimeline) read(events []harness.ModelEvent) {
	b.prescan(events)
	texts := map[int][]string{} // step -> the events' texts; by key only
	for _, e := range events {
		b.step = e.Step
		texts[e.Step] = append(texts[e.Step], e.Text)
		b.model(e)
	}
	for i := range b.tl.Steps {
		t := texts[i+1]
		if len(t) == 0 {
			continue
		}
		var kept []string
		for _, n := range b.tl.Steps[i].Notes {
			if j := slices.Index(t, n); j >= 0 {
				t = slices.Delete(t, j, j+1)
				continue
			}
			kept = append(kept, n)
		}
		b.tl.Steps[i].Notes = kept
	}
}

// prescan finds the late and duplicated deliveries, which the marks of
// earlier steps already show.
func (b *chatTimeline) prescan(events []harness.ModelEvent) {
	seen := map[string][]int64{} // subscriber -> delivered; by key only
	for _, e := range events {
		if e.Kind != harness.ModelDeliver || len(e.IDs) != 1 {
			continue
		}
		id, d := e.IDs[0], seen[e.Who]
		if slices.Contains(d, id) && !slices.Contains(b.dup, id) {
			b.dup = append(b.dup, id)
		} else if len(d) > 0 && slices.Max(d) > id && !slices.Contains(b.late, id) {
			b.late = append(b.late, id)
		}
		seen[e.Who] = append(d, id)
	}
}

func (b *chatTimeline) sub(name string) *chatSub {
	s := b.subs[name]
	if s == nil {
		s = &chatSub{count: map[int64]int{}}
		b.subs[name] = s
	}
	return s
}

// model records one model event: the event, its state fields, and what
// the adapter derives from them (what lies behind each cursor).
func (b *chatTimeline) model(e harness.ModelEvent) {
	text := e.Text
	var sub *chatSub
	switch e.Kind {
	case harness.ModelSnapshot, harness.ModelDeliver, harness.ModelCursorMove:
		sub = b.sub(e.Who)
	}
	for _, f := range e.State {
		b.set(f.Group, f.Name, value(f))
		if e.Kind == harness.ModelCacheAppend && f.Name == "cache" && len(e.IDs) == 1 {
			// The model's words list the whole cache; the state shows it.
			text = fmt.Sprintf("%s -> %s (%d entries)", key(e.IDs[0]), f.Group, len(f.Items))
		}
		switch {
		case f.Group == "db" && f.Name == "committed":
			b.committed = b.committed[:0]
			for _, it := range f.Items {
				if id, ok := messageID(it); ok {
					b.committed = append(b.committed, id)
				}
			}
			slices.Sort(b.committed)
		case sub != nil && f.Group == e.Who && f.Name == "afterMessageID":
			sub.floor, _ = strconv.ParseInt(f.Text, 10, 64)
		case sub != nil && f.Group == e.Who && f.Name == "lastMessageID":
			to, _ := strconv.ParseInt(f.Text, 10, 64)
			if e.Kind == harness.ModelCursorMove {
				// The committed messages not delivered that the cursor
				// now passes: where a loss begins.
				var passed []int64
				for _, id := range b.committed {
					if id > sub.last && id < to && sub.count[id] == 0 {
						passed = append(passed, id)
					}
				}
				if len(passed) > 0 {
					text += ", passing undelivered " + strings.Join(keys(passed), " ")
				}
				e.IDs = append(e.IDs, passed...)
			}
			sub.last = to
		}
	}
	if e.Kind == harness.ModelDeliver && len(e.IDs) == 1 {
		sub.delivered = append(sub.delivered, e.IDs[0])
		sub.count[e.IDs[0]]++
	}
	b.event(e.Kind, text, e.IDs...)
	switch {
	case sub != nil:
		b.setSub(e.Who)
	case e.Kind == harness.ModelCommit:
		b.setSubs() // a commit can put a message behind a cursor
	}
}

// setSubs refreshes every subscriber's derived field.
func (b *chatTimeline) setSubs() {
	names := make([]string, 0, len(b.subs))
	for n := range b.subs {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		b.setSub(n)
	}
}

// setSub records the committed messages behind a subscriber's cursor that
// it has not received: lost if it never does, late if it does later.
func (b *chatTimeline) setSub(name string) {
	s := b.sub(name)
	var behind []int64
	for _, id := range b.committed {
		if id > s.floor && id < s.last && s.count[id] == 0 {
			behind = append(behind, id)
		}
	}
	b.set(name, "behind the cursor, undelivered", b.items(behind, func(_ int, id int64) string {
		if slices.Contains(b.lost, id) {
			return "lost"
		}
		return "late"
	}))
}

// verdict sets the run's verdict: each oracle violation at the step where it
// arose (for a duplicate, the second delivery), or the model's failure.
func (b *chatTimeline) verdict(r *RunResult) {
	b.tl.Verdict = timeline.Verdict{Failed: r.Failure != nil, Summary: r.Summary()}
	for _, v := range r.Violations {
		step := v.Step
		if step == 0 && len(v.IDs) > 0 {
			step = b.secondDelivery(v.IDs[0])
		}
		b.tl.Verdict.Violations = append(b.tl.Verdict.Violations, timeline.Violation{Step: step, Text: v.String(), Items: keys(v.IDs)})
	}
	if r.Failure != nil && len(r.Violations) == 0 {
		step := min(r.Failure.Step, len(b.tl.Steps))
		b.tl.Verdict.Violations = append(b.tl.Verdict.Violations, timeline.Violation{Step: step, Text: r.Failure.Error()})
	}
}

// secondDelivery is the step of a message's second delivery, or 0.
func (b *chatTimeline) secondDelivery(id int64) int {
	n := 0
	for _, e := range b.tl.Events {
		if e.Kind == "deliver" && slices.Contains(e.Items, key(id)) {
			if n++; n == 2 {
				return e.Step
			}
		}
	}
	return 0
}

// threads follows every lost, duplicated and late message through the
// events that name it.
func (b *chatTimeline) threads() {
	follow := func(id int64, title string) {
		k := key(id)
		t := timeline.Thread{Item: k, Title: title}
		for _, e := range b.tl.Events {
			if slices.Contains(e.Items, k) {
				t.Steps = append(t.Steps, timeline.ThreadStep{Step: e.Step, Text: e.Text})
			}
		}
		if len(t.Steps) > 0 {
			b.tl.Threads = append(b.tl.Threads, t)
		}
	}
	for _, id := range b.lost {
		follow(id, "never delivered")
	}
	for _, id := range b.dup {
		follow(id, "delivered twice")
	}
	for _, id := range b.late {
		if !slices.Contains(b.lost, id) && !slices.Contains(b.dup, id) {
			follow(id, "delivered late, after a higher ID")
		}
	}
}
