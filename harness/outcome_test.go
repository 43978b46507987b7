package harness_test

import (
	"reflect"
	"slices"
	"testing"

	"github.com/interleave/interleave/harness"
	"github.com/interleave/interleave/sched"
)

// failingSeed returns a seed whose schedule of promote-while-requires-action
// under fixed breaks the history order (most do).
func failingSeed(t *testing.T, wl harness.Workload) int64 {
	t.Helper()
	for seed := int64(1); seed < 50; seed++ {
		var out harness.Outcome
		sched.Run(wl.Body(harness.Fixed{}, &out), sched.Options{Strategy: sched.Random(seed)})
		if len(out.Violations) > 0 && out.Violations[0].Property == harness.HistoryOrder {
			return seed
		}
	}
	t.Fatal("no seed below 50 breaks the history order")
	return 0
}

// TestOutcomeKeepsViolationsUntilReset checks the memory an Outcome keeps
// for its workload's violation: a second run given the same Outcome leaves
// the first run's violations as they were, unless Reset released them;
// after Reset the next run's violation is written in their memory, and
// Body makes no new function.
func TestOutcomeKeepsViolationsUntilReset(t *testing.T) {
	wl := harness.PromoteWhileRequiresAction(harness.PromoteParams{})
	seed := failingSeed(t, wl)
	run := func(out *harness.Outcome, seed int64) {
		sched.Run(wl.Body(harness.Fixed{}, out), sched.Options{Strategy: sched.Random(seed)})
	}
	copyOf := func(vs []harness.Violation) []harness.Violation {
		out := slices.Clone(vs)
		for i := range out {
			out[i].IDs = slices.Clone(out[i].IDs)
		}
		return out
	}

	var out harness.Outcome
	run(&out, seed)
	first, want := out.Violations, copyOf(out.Violations)
	for s := int64(1); s < 20; s++ { // no Reset: the first run's violations stay
		run(&out, s)
		if !reflect.DeepEqual(first, want) {
			t.Fatalf("run of seed %d without Reset changed the first run's violations: %v, want %v", s, first, want)
		}
	}

	out.Reset()
	if out.World != nil || out.Violations != nil {
		t.Fatalf("Reset left World %p, Violations %v", out.World, out.Violations)
	}
	run(&out, seed)
	if !reflect.DeepEqual(out.Violations, want) {
		t.Fatalf("the same schedule after Reset: violations %v, want %v", out.Violations, want)
	}
	again := out.Violations
	out.Reset()
	run(&out, seed)
	if &out.Violations[0] != &again[0] || &out.Violations[0].IDs[0] != &again[0].IDs[0] {
		t.Fatal("after Reset, the next run's violation is not in the memory of the last one's")
	}
	out.Reset()
	if n := testing.AllocsPerRun(10, func() { wl.Body(harness.Fixed{}, &out) }); n != 0 {
		t.Fatalf("Body on a reset Outcome allocates %v times, want 0", n)
	}
}
