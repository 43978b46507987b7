package scenarios_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/scenarios"
)

// TestExploreProgress: OnProgress sees the exploration so far after every
// ProgressEvery schedules, for sampling searches and exhaustive ones, and
// the result at the end counts the same schedules.
func TestExploreProgress(t *testing.T) {
	t.Parallel()
	sc, err := scenarios.Lookup("reconnect-late-notify")
	require.NoError(t, err)
	fixed, err := scenarios.LookupStrategy("fixed")
	require.NoError(t, err)
	for _, search := range []string{"random", "dfs"} {
		t.Run(search, func(t *testing.T) {
			t.Parallel()
			s, err := scenarios.ParseSearch(search, 3, 2)
			require.NoError(t, err)
			var seen []int
			var failures []int
			er := scenarios.ExploreWith(context.Background(), scenarios.Spec{Scenario: sc, Strategy: fixed, Search: s, Seed: 1}, 2*scenarios.ProgressEvery+5, false,
				scenarios.ExploreHooks{OnProgress: func(er *scenarios.ExploreResult) {
					seen = append(seen, er.Schedules)
					failures = append(failures, er.Failures)
					require.Positive(t, er.Elapsed)
				}})
			require.Equal(t, 2*scenarios.ProgressEvery+5, er.Schedules, "the budget is spent, not exhausted first")
			require.Equal(t, []int{scenarios.ProgressEvery, 2 * scenarios.ProgressEvery}, seen)
			require.Equal(t, []int{0, 0}, failures)
		})
	}
}
