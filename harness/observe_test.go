package harness_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/harness"
	"github.com/interleave/interleave/sched"
)

// modelRecorder is an Observer that keeps every event.
type modelRecorder struct{ events []harness.ModelEvent }

func (r *modelRecorder) Observe(e harness.ModelEvent) { r.events = append(r.events, e) }

// last returns the value of a field as the events left it: its text, or
// its items' texts joined by spaces.
func (r *modelRecorder) last(group, name string) (string, bool) {
	for i := len(r.events) - 1; i >= 0; i-- {
		for _, f := range r.events[i].State {
			if f.Group == group && f.Name == name {
				if !f.List {
					return f.Text, true
				}
				var parts []string
				for _, it := range f.Items {
					parts = append(parts, it.Text)
				}
				return joinSpace(parts), true
			}
		}
	}
	return "", false
}

func joinSpace(parts []string) string { return strings.Join(parts, " ") }

func promoteRun(obs harness.Observer, seed int64) (*sched.Result, *harness.Outcome) {
	wl := harness.PromoteWhileRequiresAction(harness.PromoteParams{})
	wl.Config.Observer = obs
	var out harness.Outcome
	res := sched.Run(wl.Body(harness.Naive{}, &out), sched.Options{Strategy: sched.Random(seed), Trace: true})
	return res, &out
}

// TestObserverSeesTheModelsState: with an observer, the model reports its
// typed events in step order, each with the state it left: the db's
// committed rows, each replica's cache and evictedBefore, each
// subscriber's cursor and deliveries, the pubsub's queues.
func TestObserverSeesTheModelsState(t *testing.T) {
	var rec modelRecorder
	res, out := promoteRun(&rec, 3)
	require.NotEmpty(t, rec.events)
	kinds := map[string]int{}
	prev := 0
	for _, e := range rec.events {
		require.GreaterOrEqual(t, e.Step, prev, "events come in step order: %+v", e)
		require.LessOrEqual(t, e.Step, res.Steps)
		require.NotEmpty(t, e.Text)
		prev = e.Step
		kinds[e.Kind]++
	}
	for _, k := range []string{harness.ModelInsert, harness.ModelCommit, harness.ModelCacheAppend, harness.ModelNotify,
		harness.ModelNotifyRecv, harness.ModelSnapshot, harness.ModelDeliver, harness.ModelMerge} {
		require.Positive(t, kinds[k], "no %s event", k)
	}

	// The state the events leave is the model's at the end.
	var committed []int64
	for _, m := range out.World.Truth.History(1) {
		committed = append(committed, m.ID)
	}
	got, ok := rec.last("db", "committed")
	require.True(t, ok)
	var want []string
	for _, id := range committed {
		want = append(want, harness.MessageItem(id).Text)
	}
	slices.Sort(want)
	gotItems := splitSpace(got)
	slices.Sort(gotItems)
	require.Equal(t, want, gotItems, "the db's committed rows")
	unc, _ := rec.last("db", "uncommitted")
	require.Empty(t, unc)
	sub := out.World.Subscribers()[0]
	delivered, ok := rec.last(sub.Name, "delivered")
	require.True(t, ok)
	var ids []string
	for _, id := range sub.DeliveredIDs() {
		ids = append(ids, harness.MessageItem(id).Text)
	}
	require.Equal(t, joinSpace(ids), delivered)
	_, ok = rec.last("replica1 cache", "evictedBefore")
	require.True(t, ok)
	_, ok = rec.last("replica1 cache", "cache")
	require.True(t, ok)
}

func splitSpace(s string) []string { return strings.Fields(s) }

// TestObserverChangesNothing: a run observed is the same run, note for
// note (the text timeline and its hash), as one that is not.
func TestObserverChangesNothing(t *testing.T) {
	for seed := int64(1); seed <= 5; seed++ {
		plain, _ := promoteRun(nil, seed)
		var rec modelRecorder
		seen, _ := promoteRun(&rec, seed)
		require.Equal(t, plain.Trace.String(), seen.Trace.String(), "seed %d", seed)
		require.Equal(t, plain.Trace.Hash(), seen.Trace.Hash())
	}
}
