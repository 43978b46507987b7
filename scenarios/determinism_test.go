package scenarios_test

import (
	"context"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/scenarios"
	"github.com/interleave/interleave/sched"
)

// TestModelIsDeterministic runs one schedule of every scenario under every
// strategy twice (sched.CheckDeterminism): the model must depend on nothing
// the scheduler does not control (map order, the clock, the global rand).
func TestModelIsDeterministic(t *testing.T) {
	for _, sc := range scenarios.All() {
		for _, name := range scenarios.StrategyNames() {
			st := mustStrategy(t, name)
			for seed := int64(1); seed <= 3; seed++ {
				wl := sc.Build(scenarios.NewGen(seed))
				f := sched.CheckDeterminism(wl.Body(st, nil), sched.Options{Strategy: sched.PCT(seed, 3, 60)})
				require.Nil(t, f, "%s / %s seed %d", sc.Name, name, seed)
			}
		}
	}
}

// goldenRuns pin the trace of two failing schedules: the same seed must
// give the same trace, byte for byte, at any GOMAXPROCS, with and without
// -race (make test runs with -race, go test without), in every build. (The
// hashes changed with the model of chatd-model.md §10: the writers' row
// lock, the client's read of its history and the queue read are scheduling
// points, and the notes say more.)
var goldenRuns = []struct {
	scenario, strategy string
	seed               int64
	hash               string
}{
	{"promote-while-requires-action", "naive", 2, "d0bb2380a756d291"},
	{"out-of-order", "naive", 31, "42acf8bcb5cd5541"},
}

func TestTraceHashesAreStable(t *testing.T) {
	search, _ := scenarios.ParseSearch("pct", 3, 2)
	for _, g := range goldenRuns {
		sc, err := scenarios.Lookup(g.scenario)
		require.NoError(t, err)
		var hashes []string
		for _, procs := range []int{1, 4} {
			old := runtime.GOMAXPROCS(procs)
			r := scenarios.Run(scenarios.Spec{Scenario: sc, Strategy: mustStrategy(t, g.strategy), Search: search, Seed: g.seed, Trace: true})
			runtime.GOMAXPROCS(old)
			require.Equal(t, scenarios.Fail, r.Verdict)
			hashes = append(hashes, r.Trace.Hash())
		}
		require.Equal(t, hashes[0], hashes[1], "%s: GOMAXPROCS=1 and 4 differ", g.scenario)
		require.Equal(t, g.hash, hashes[0], "%s / %s seed %d: the trace changed; the model or the scheduler no longer gives the same run for the same seed", g.scenario, g.strategy, g.seed)
	}
}

// TestExploreRunsEachSeedAsRunDoes: an exploration of a fixed workload runs
// its seeds on one strategy and records runs in the results of earlier runs
// nobody sees; each failure it hands out must still be, after the
// exploration, what Run gives for its seed alone.
func TestExploreRunsEachSeedAsRunDoes(t *testing.T) {
	sc, err := scenarios.Lookup("promote-while-requires-action")
	require.NoError(t, err)
	for _, kind := range []string{"pct", "random"} {
		search, err := scenarios.ParseSearch(kind, 3, 2)
		require.NoError(t, err)
		spec := scenarios.Spec{Scenario: sc, Strategy: mustStrategy(t, "naive"), Search: search, Seed: 100}
		const budget = 40
		var failures []*scenarios.RunResult
		er := scenarios.ExploreWith(context.Background(), spec, budget, false, scenarios.ExploreHooks{
			OnFailure: func(r *scenarios.RunResult) { failures = append(failures, r) },
		})
		require.Equal(t, budget, er.Schedules, kind)
		require.NotEmpty(t, failures, "%s: no failure: the test checks nothing", kind)
		require.Less(t, len(failures), budget, "%s: no passing run between the failures", kind)
		for _, r := range failures {
			one := spec
			one.Seed = r.WorkloadSeed
			alone := scenarios.Run(one)
			require.Equal(t, alone.Verdict, r.Verdict, "%s seed %d", kind, one.Seed)
			require.Equal(t, alone.Violations, r.Violations, "%s seed %d", kind, one.Seed)
			require.Equal(t, alone.Steps, r.Steps, "%s seed %d", kind, one.Seed)
			require.Equal(t, alone.Schedule.Choices, r.Schedule.Choices, "%s seed %d", kind, one.Seed)
			require.Equal(t, alone.Failure.Msg, r.Failure.Msg, "%s seed %d", kind, one.Seed)
		}
	}
}
