package scenarios

import (
	"fmt"
	"regexp"
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
// trace. The events and state are read from the model's trace notes: a
// note it knows becomes an event, one it does not know stays a note of its
// step.
func (r *RunResult) Timeline() (timeline.Run, error) {
	if r.Schedule == nil || r.Spec.Scenario == nil {
		return timeline.Run{}, fmt.Errorf("timeline: the run has no schedule to replay")
	}
	wl := r.Spec.workload()
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
	b.read()
	b.verdict(r)
	b.threads()
	tl.Schedule = r.Schedule.String()
	tl.Repro = []timeline.Repro{{Label: "go test", Command: r.Repro()}, {Label: "rerun", Command: r.CLI()}}
	return tl, nil
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

// The notes of the chat model (harness), as they read today.
var (
	reInsert   = regexp.MustCompile(`^inserted #(\d+) (\S+) .* \(uncommitted(?:, created_at \d+)?\)$`)
	reAppend   = regexp.MustCompile(`^(\S+): cache append #(\d+) -> cache \[([\d ]*)\], evictedBefore (\d+)$`)
	reEvict    = regexp.MustCompile(`^(\S+): cache full: evicted #(\d+)$`)
	reEdit     = regexp.MustCompile(`^(\S+): edit #(\d+): cache replaced, evictedBefore (\d+)$`)
	reNotify   = regexp.MustCompile(`^notify committed on (\S+): (notify\{(?:After=(\d+))?.*\})$`)
	reRecv     = regexp.MustCompile(`^deliver (notify\{(?:After=(\d+))?.*\}) on (\S+)$`)
	reHandle   = regexp.MustCompile(`^(\S+): merge: handle (.*)$`)
	reLookup   = regexp.MustCompile(`^(\S+): ((?:naive: cacheAfter|db after|fixed: |fixed-r1: |producer-lock: ).*)$`)
	reSnapshot = regexp.MustCompile(`^(\S+): snapshot after (\d+) -> \[([\d ]*)\]$`)
	reDeliver  = regexp.MustCompile(`^(\S+): deliver #(\d+) via (\S+)$`)
	reCursor   = regexp.MustCompile(`^(\S+): lastMessageID (\d+) -> (\d+)$`)
)

// chatSub is what the adapter knows of one subscriber.
type chatSub struct {
	floor, last int64
	delivered   []int64
	count       map[int64]int // looked up by key only
}

// chatTimeline turns the chat model's notes into events and state.
type chatTimeline struct {
	tl        *timeline.Run
	step      int
	pending   map[int][]int64 // lane -> rows inserted, not yet committed; by key only
	committed []int64
	inFlight  []string
	subs      map[string]*chatSub // by key only
	// lost holds the messages the oracle says were never delivered; late,
	// those delivered after a higher ID; dup, those delivered twice.
	lost, late, dup []int64
	last            map[string]timeline.Value // group+"\x00"+field -> last value set; by key only
	field           map[string]int            // group+"\x00"+field -> index in tl.State; by key only
}

func newChatTimeline(tl *timeline.Run, lost []int64) *chatTimeline {
	tl.Kinds, tl.Marks = chatKinds, chatMarks
	return &chatTimeline{tl: tl, pending: map[int][]int64{}, subs: map[string]*chatSub{},
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

func atoi(s string) int64 { n, _ := strconv.ParseInt(s, 10, 64); return n }

func idsOf(s string) []int64 {
	var out []int64
	for _, f := range strings.Fields(s) {
		out = append(out, atoi(f))
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

// laterThanEarlier marks an ID that comes after a higher one in the list.
func laterThanEarlier(ids []int64) func(int, int64) string {
	return func(i int, id int64) string {
		if i > 0 && slices.Max(ids[:i]) > id {
			return "late"
		}
		return ""
	}
}

// read walks the steps' notes once to learn which messages are delivered
// late or twice (for the marks), then again to record events and state.
func (b *chatTimeline) read() {
	b.prescan()
	b.step = 0
	b.set("db", "committed in this run", timeline.List())
	b.set("db", "uncommitted", timeline.List())
	for i, s := range b.tl.Steps {
		b.step = i + 1
		if s.Label == "db: commit" {
			rows := b.pending[s.Lane]
			delete(b.pending, s.Lane)
			if len(rows) == 0 {
				b.event("commit", "commit (no new rows)")
			} else {
				b.event("commit", "commit "+strings.Join(keys(rows), " "), rows...)
				b.committed = append(b.committed, rows...)
				b.setDB()
				b.setSubs()
			}
		}
		// A note turned into an event is shown as that event; the
		// step keeps the notes this adapter does not know.
		var kept []string
		for _, n := range s.Notes {
			if !b.note(s.Lane, n) {
				kept = append(kept, n)
			}
		}
		b.tl.Steps[i].Notes = kept
	}
}

// prescan finds the late and duplicated deliveries, which the marks of
// earlier steps already show.
func (b *chatTimeline) prescan() {
	seen := map[string][]int64{} // subscriber -> delivered; by key only
	for _, s := range b.tl.Steps {
		for _, n := range s.Notes {
			m := reDeliver.FindStringSubmatch(n)
			if m == nil {
				continue
			}
			id, d := atoi(m[2]), seen[m[1]]
			if slices.Contains(d, id) && !slices.Contains(b.dup, id) {
				b.dup = append(b.dup, id)
			} else if len(d) > 0 && slices.Max(d) > id && !slices.Contains(b.late, id) {
				b.late = append(b.late, id)
			}
			seen[m[1]] = append(d, id)
		}
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

// note turns one note of a step into an event and state, and reports
// whether it knew the note.
func (b *chatTimeline) note(lane int, n string) bool {
	if m := reInsert.FindStringSubmatch(n); m != nil {
		id := atoi(m[1])
		b.pending[lane] = append(b.pending[lane], id)
		b.event("insert", n, id)
		b.setDB()
		return true
	}
	if m := reAppend.FindStringSubmatch(n); m != nil {
		id, cache := atoi(m[2]), idsOf(m[3])
		b.event("cache-append", fmt.Sprintf("%s -> %s cache (%d entries, evictedBefore %s)", key(id), m[1], len(cache), m[4]), id)
		b.set(m[1]+" cache", "cache", b.items(cache, laterThanEarlier(cache)))
		b.set(m[1]+" cache", "evictedBefore", timeline.Scalar(m[4]))
		return true
	}
	if m := reEvict.FindStringSubmatch(n); m != nil {
		id := atoi(m[2])
		b.event("evict", fmt.Sprintf("%s evicted %s", m[1], key(id)), id)
		return true
	}
	if m := reEdit.FindStringSubmatch(n); m != nil {
		id := atoi(m[2])
		b.event("cache-edit", fmt.Sprintf("%s: edit of %s replaced the cache", m[1], key(id)), id)
		b.set(m[1]+" cache", "cache", timeline.List())
		b.set(m[1]+" cache", "evictedBefore", timeline.Scalar(m[3]))
		return true
	}
	if m := reNotify.FindStringSubmatch(n); m != nil {
		b.event("notify", m[2]+" on "+m[1], afterItem(m[3])...)
		b.inFlight = append(b.inFlight, m[2])
		b.setPubSub()
		return true
	}
	if m := reRecv.FindStringSubmatch(n); m != nil {
		b.event("notify-recv", "listener received "+m[1], afterItem(m[2])...)
		if i := slices.Index(b.inFlight, m[1]); i >= 0 {
			b.inFlight = slices.Delete(b.inFlight, i, i+1)
		}
		b.setPubSub()
		return true
	}
	if m := reHandle.FindStringSubmatch(n); m != nil {
		b.event("merge", m[1]+": handle "+m[2])
		return true
	}
	if m := reSnapshot.FindStringSubmatch(n); m != nil {
		s := b.sub(m[1])
		s.floor, s.last = atoi(m[2]), atoi(m[2])
		snap := idsOf(m[3])
		b.event("snapshot", fmt.Sprintf("%s: snapshot after #%s -> [%s]", m[1], m[2], strings.Join(keys(snap), " ")), snap...)
		b.set(m[1], "afterMessageID", timeline.Scalar(m[2]))
		b.setSub(m[1])
		return true
	}
	if m := reDeliver.FindStringSubmatch(n); m != nil {
		s, id := b.sub(m[1]), atoi(m[2])
		s.delivered = append(s.delivered, id)
		s.count[id]++
		b.event("deliver", fmt.Sprintf("%s: deliver %s via %s", m[1], key(id), m[3]), id)
		b.setSub(m[1])
		return true
	}
	if m := reCursor.FindStringSubmatch(n); m != nil {
		s := b.sub(m[1])
		from, to := atoi(m[2]), atoi(m[3])
		s.last = to
		var passed []int64 // committed, not delivered, now behind the cursor
		for _, id := range b.committed {
			if id > from && id < to && s.count[id] == 0 {
				passed = append(passed, id)
			}
		}
		text := fmt.Sprintf("%s: lastMessageID %d -> %d", m[1], from, to)
		if len(passed) > 0 {
			text += ", passing undelivered " + strings.Join(keys(passed), " ")
		}
		b.event("cursor-move", text, passed...)
		b.setSub(m[1])
		return true
	}
	if m := reLookup.FindStringSubmatch(n); m != nil {
		b.event("lookup", m[1]+": "+m[2])
		return true
	}
	return false
}

// afterItem is the message a notify{After=N} announces: #N+1.
func afterItem(after string) []int64 {
	if after == "" {
		return nil
	}
	return []int64{atoi(after) + 1}
}

func (b *chatTimeline) setDB() {
	var unc []int64
	for lane := range len(b.tl.Lanes) {
		unc = append(unc, b.pending[lane]...)
	}
	slices.Sort(unc)
	b.set("db", "committed in this run", b.items(b.committed, nil))
	b.set("db", "uncommitted", b.items(unc, nil))
}

func (b *chatTimeline) setPubSub() {
	items := make([]timeline.Item, len(b.inFlight))
	for i, n := range b.inFlight {
		items[i] = timeline.Item{Text: n}
		if m := reRecv.FindStringSubmatch("deliver " + n + " on x"); m != nil && m[2] != "" {
			items[i].Key = key(atoi(m[2]) + 1)
		}
	}
	b.set("pubsub", "notifies in flight", timeline.List(items...))
}

// setSubs refreshes every subscriber's fields (a commit can put a message
// behind a cursor).
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

// setSub records a subscriber's cursor, its deliveries (late and repeated
// ones marked) and the committed messages behind its cursor that it has not
// received: lost if it never does, late if it does later.
func (b *chatTimeline) setSub(name string) {
	s := b.sub(name)
	b.set(name, "lastMessageID", timeline.Scalar(strconv.FormatInt(s.last, 10)))
	seen := map[int64]bool{} // by key only
	b.set(name, "delivered", b.items(s.delivered, func(i int, id int64) string {
		defer func() { seen[id] = true }()
		if seen[id] {
			return "dup"
		}
		return laterThanEarlier(s.delivered)(i, id)
	}))
	var behind []int64
	for _, id := range slices.Sorted(slices.Values(b.committed)) {
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
		t := timeline.Thread{Item: key(id), Title: title}
		for _, e := range b.tl.Events {
			if slices.Contains(e.Items, key(id)) {
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
