package timeline_test

import (
	"fmt"

	"github.com/interleave/interleave/timeline"
)

// lostUpdate is a small run that is not a chat: two depositors read a
// balance, both add to what they read, and the second write loses the
// first deposit. It has every part of the input model.
func lostUpdate(failed bool) timeline.Run {
	r := timeline.Run{
		Title: "lost update / naive",
		Lanes: []timeline.Lane{{Name: "main"}, {Name: "alice"}, {Name: "bob"}},
		Kinds: []timeline.Kind{
			{Name: "read", Label: "read", Color: "#1e88e5"},
			{Name: "write", Label: "write", Color: "#2e7d32"},
		},
		Marks:    []timeline.Mark{{Name: "lost", Label: "lost", Color: "#c62828"}},
		Schedule: "interleave-schedule v1\n@scenario lost-update\nt1 t2 t1 t2\n",
		Repro: []timeline.Repro{
			{Label: "go test", Command: "go test ./examples/lostupdate -run 'TestLostUpdate$'"},
			{Label: "rerun", Command: "interleave run --scenario lost-update --seed 3"},
		},
	}
	steps := []struct {
		lane  int
		label string
		pre   bool
		note  string
	}{
		{0, "start", false, ""},
		{0, "go alice", false, ""},
		{1, "start", true, ""},
		{1, "read balance", false, "alice read 100"},
		{2, "start", true, ""},
		{2, "read balance", false, "bob read 100"},
		{1, "write balance", true, "alice wrote 110"},
		{2, "write balance", true, "bob wrote 120"},
		{0, "join", false, ""},
		{0, "check", false, "balance 120, want 130"},
	}
	for _, s := range steps {
		st := timeline.Step{Lane: s.lane, Label: s.label, Preempted: s.pre}
		if s.note != "" {
			st.Notes = []string{s.note}
		}
		r.Steps = append(r.Steps, st)
	}
	r.Events = []timeline.Event{
		{Step: 4, Kind: "read", Text: "alice read 100", Items: []string{"deposit-a"}},
		{Step: 6, Kind: "read", Text: "bob read 100", Items: []string{"deposit-b"}},
		{Step: 7, Kind: "write", Text: "alice wrote 110", Items: []string{"deposit-a"}},
		{Step: 8, Kind: "write", Text: "bob wrote 120 over 110", Items: []string{"deposit-a", "deposit-b"}},
	}
	r.State = []timeline.Field{
		{Group: "account", Name: "balance", Changes: []timeline.Change{
			{Step: 0, Value: timeline.Scalar("100")},
			{Step: 7, Value: timeline.Scalar("110")},
			{Step: 8, Value: timeline.Scalar("120")}}},
		{Group: "account", Name: "deposits", Changes: []timeline.Change{
			{Step: 0, Value: timeline.List()},
			{Step: 7, Add: []timeline.Item{{Text: "+10 alice", Key: "deposit-a"}}},
			{Step: 8, Value: timeline.List(
				timeline.Item{Text: "+10 alice", Key: "deposit-a", Mark: "lost"},
				timeline.Item{Text: "+20 bob", Key: "deposit-b"})}}},
	}
	r.Threads = []timeline.Thread{{Item: "deposit-a", Title: "overwritten", Steps: []timeline.ThreadStep{
		{Step: 4, Text: "alice read 100"}, {Step: 7, Text: "alice wrote 110"}, {Step: 8, Text: "bob wrote 120 over it"}}}}
	if failed {
		r.Verdict = timeline.Verdict{Failed: true, Summary: "lost update: balance 120, want 130",
			Violations: []timeline.Violation{{Step: 8, Text: "deposit of alice lost", Items: []string{"deposit-a"}}}}
	} else {
		r.Title = "lost update / locked"
		r.Verdict = timeline.Verdict{Summary: "pass"}
		r.State[0].Changes = r.State[0].Changes[:2]
		r.State[1].Changes = r.State[1].Changes[:2]
		r.Events = r.Events[:3]
	}
	return r
}

// bigRun is a synthetic run of n steps over 8 tasks, about as dense as the
// chat model's runs (its promote-while-requires-action run of 81 steps has
// 38 notes and 41 events): a note and an event every other step, with two
// list edits (a bounded cache, a growing delivered set), a cursor moving
// every fourth step, and one violation.
func bigRun(n int) timeline.Run {
	r := timeline.Run{Title: fmt.Sprintf("big run of %d steps", n)}
	labels := []string{"recv sub notifyCh", "db: query messages", "publish: cache append", "pg_notify chat:1", "lock chat-1-row", "db: commit", "merge: cacheAfter", "send sub notifyCh"}
	kinds := []string{"cache-append", "deliver", "notify", "cursor-move", "commit"}
	for i := range 8 {
		r.Lanes = append(r.Lanes, timeline.Lane{Name: fmt.Sprintf("replica%d worker", i+1)})
	}
	for i, k := range kinds {
		r.Kinds = append(r.Kinds, timeline.Kind{Name: k, Color: fmt.Sprintf("#%02x60a0", 40*i)})
	}
	var cache []string
	r.State = []timeline.Field{
		{Group: "replica1 cache", Name: "cache", Changes: []timeline.Change{{Value: timeline.List()}}},
		{Group: "replica1 cache", Name: "evictedBefore", Changes: []timeline.Change{{Value: timeline.Scalar("0")}}},
		{Group: "sub", Name: "lastMessageID", Changes: []timeline.Change{{Value: timeline.Scalar("0")}}},
		{Group: "sub", Name: "delivered", Changes: []timeline.Change{{Value: timeline.List()}}},
	}
	for s := 1; s <= n; s++ {
		lane := (s * 7 / 3) % 8
		st := timeline.Step{Lane: lane, Label: labels[s%len(labels)], Preempted: s%6 == 0}
		if s%2 == 0 {
			st.Notes = []string{fmt.Sprintf("replica1: cache append #%d -> cache [%d]", s, s)}
		}
		r.Steps = append(r.Steps, st)
		if s%2 == 0 {
			id := fmt.Sprintf("#%d", s)
			r.Events = append(r.Events, timeline.Event{Step: s, Kind: kinds[s%len(kinds)], Text: id + " -> replica1 cache", Items: []string{id}})
			c := timeline.Change{Step: s, Add: []timeline.Item{{Text: id}}}
			if cache = append(cache, id); len(cache) > 12 {
				c.Remove, cache = cache[:1], cache[1:]
			}
			r.State[0].Changes = append(r.State[0].Changes, c)
			r.State[3].Changes = append(r.State[3].Changes, timeline.Change{Step: s, Add: []timeline.Item{{Text: id}}})
		}
		if s%4 == 0 {
			r.State[2].Changes = append(r.State[2].Changes, timeline.Change{Step: s, Value: timeline.Scalar(fmt.Sprint(s))})
		}
	}
	r.Verdict = timeline.Verdict{Failed: true, Summary: "lost", Violations: []timeline.Violation{{Step: n / 2, Text: "message lost", Items: []string{fmt.Sprintf("#%d", n/2)}}}}
	r.Threads = []timeline.Thread{{Item: fmt.Sprintf("#%d", n/2), Steps: []timeline.ThreadStep{{Step: n / 2, Text: "appended"}}}}
	return r
}
