package scenarios_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/harness"
	"github.com/interleave/interleave/scenarios"
)

// TestRunMatrix: the library matrix runs every cell with the searches it is
// given, shrinks each failing cell's counterexample (which replays), calls
// OnCell once per cell, and gives the same verdicts and counterexamples
// whatever its parallelism; a done context leaves the cells unrun.
func TestRunMatrix(t *testing.T) {
	sc, err := scenarios.Lookup("out-of-order")
	require.NoError(t, err)
	sts := []harness.Design{mustStrategy(t, "naive"), mustStrategy(t, "fixed")}
	random, _ := scenarios.ParseSearch("random", 3, 2)
	run := func(ctx context.Context, parallel int) (*scenarios.Matrix, []string) {
		var mu sync.Mutex
		var ended []string
		m := scenarios.RunMatrix(ctx, scenarios.MatrixConfig{Scenarios: []*scenarios.Scenario{sc}, Strategies: sts,
			Searches: []scenarios.Search{random}, Budget: 30, Seed: 1, Parallel: parallel,
			OnCell: func(c *scenarios.Cell) {
				mu.Lock()
				defer mu.Unlock()
				ended = append(ended, c.Strategy.Name())
			}})
		return m, ended
	}
	m, ended := run(context.Background(), 2)
	require.ElementsMatch(t, []string{"naive", "fixed"}, ended)
	require.False(t, m.Interrupted)
	require.Zero(t, m.Unexpected)
	require.Len(t, m.Cells, 2)
	naive, fixed := m.Cells[0], m.Cells[1]
	require.Equal(t, scenarios.Fail, naive.Verdict)
	require.True(t, naive.Complete)
	require.Len(t, naive.Searches, 1, "the searches given, not the default")
	require.Equal(t, "random", naive.Searches[0].Search.Kind)
	require.NotNil(t, naive.Counterexample.Replayed, "shrunk: replayed from its schedule")
	require.LessOrEqual(t, naive.Counterexample.Preemptions, naive.Found.Preemptions)
	require.GreaterOrEqual(t, naive.Elapsed, naive.SearchTime+naive.ShrinkTime)
	require.Equal(t, scenarios.Pass, fixed.Verdict)
	require.Nil(t, fixed.Counterexample)
	require.Equal(t, 30, fixed.Schedules())

	path, err := scenarios.SaveSchedule(t.TempDir(), naive.Counterexample)
	require.NoError(t, err)
	again, err := scenarios.ReplayFile(path, scenarios.ReplayOptions{Trace: true})
	require.NoError(t, err)
	require.Equal(t, naive.Counterexample.TraceHash(), again.TraceHash())

	one, _ := run(context.Background(), 1)
	require.Equal(t, naive.Counterexample.Schedule.String(), one.Cells[0].Counterexample.Schedule.String(), "the same whatever the parallelism")
	require.Equal(t, fixed.Schedules(), one.Cells[1].Schedules())

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	stopped, ended := run(ctx, 2)
	require.True(t, stopped.Interrupted)
	require.Empty(t, ended, "no cell started")
	for _, c := range stopped.Cells {
		require.Empty(t, c.Verdict)
		require.False(t, c.Complete)
		require.False(t, c.Unexpected)
	}
}
