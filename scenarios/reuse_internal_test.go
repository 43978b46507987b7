package scenarios

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/sched"
)

// TestReusedWorldLeaksNothing runs, for every scenario and design, a
// schedule in a world of its own and the same schedule in a world reset
// from other runs of the same harness.Reuse: one cut short by the step
// limit (its tasks unwound midway), one that ran to its end (and failed,
// for a failing design), one more seed. The traced run must not tell them
// apart: the same verdict, violations, steps and trace hash.
func TestReusedWorldLeaksNothing(t *testing.T) {
	search, _ := ParseSearch("pct", 3, 2)
	for _, sc := range All() {
		for _, name := range StrategyNames() {
			st, err := LookupStrategy(name)
			require.NoError(t, err)
			const seed = 5
			wl := workloadFor(sc, seed)
			spec := Spec{Scenario: sc, Strategy: st, Search: search, Seed: seed, Trace: true}
			steps := calibrate(wl, st, nil)
			fresh := runWith(spec, wl, sched.PCT(seed, 3, steps), nil, nil)

			re := reusing(wl)
			var pool sched.Pool
			short := spec
			short.Trace, short.MaxSteps = false, 12
			cut := runWith(short, re, sched.PCT(seed+1, 3, steps), &pool, nil)
			require.NotNil(t, cut.Failure, "%s / %s: the run cut short did not fail", sc.Name, name)
			require.Equal(t, sched.StepLimit, cut.Failure.Kind, "%s / %s", sc.Name, name)
			for _, other := range []int64{seed + 2, seed + 3} {
				o := spec
				o.Seed, o.Trace = other, false
				runWith(o, re, sched.PCT(other, 3, steps), &pool, nil)
			}
			again := runWith(spec, re, sched.PCT(seed, 3, steps), &pool, nil)
			summary := again.Summary()
			// What a run hands back stays as it was while later runs reuse
			// the world.
			later := spec
			later.Seed, later.Trace = seed+4, false
			runWith(later, re, sched.PCT(seed+4, 3, steps), &pool, nil)
			pool.Close()

			what := sc.Name + " / " + name
			require.Equal(t, summary, again.Summary(), what)
			require.Equal(t, fresh.Summary(), again.Summary(), what)
			require.Equal(t, fresh.Steps, again.Steps, what)
			require.Equal(t, fresh.TraceHash(), again.TraceHash(), what)
			require.Equal(t, fresh.Trace.String(), again.Trace.String(), what)
		}
	}
}
