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

// TestRunMatrixProves: the proof search runs in the cells the searches
// passed; exhausted, the cell is proven; with no searches before it, the
// proof alone finds the failure, which is shrunk like any other; and a
// budget that runs out proves nothing (dpor meets naive's out-of-order
// failure at its schedule 588, and needs 35,734 to exhaust fixed).
func TestRunMatrixProves(t *testing.T) {
	late, err := scenarios.Lookup("reconnect-late-notify")
	require.NoError(t, err)
	ooo, err := scenarios.Lookup("out-of-order")
	require.NoError(t, err)
	random, _ := scenarios.ParseSearch("random", 3, 2)
	dpor, _ := scenarios.ParseSearch("dpor", 3, 2)

	m := scenarios.RunMatrix(context.Background(), scenarios.MatrixConfig{Scenarios: []*scenarios.Scenario{late},
		Strategies: []harness.Design{mustStrategy(t, "fixed"), mustStrategy(t, "fixed-r1")},
		Searches:   []scenarios.Search{random}, Budget: 5, Seed: 1, Prove: dpor})
	fixed, r1 := m.Cells[0], m.Cells[1]
	require.Equal(t, scenarios.Pass, fixed.Verdict)
	require.True(t, fixed.Proven(), "dpor exhausts reconnect-late-notify at bound 2 with no failure")
	require.True(t, fixed.Proof.Exhausted)
	require.Equal(t, 5+fixed.Proof.Schedules, fixed.Schedules())
	require.Equal(t, scenarios.Fail, r1.Verdict)
	require.Nil(t, r1.Proof, "no proof for a cell the searches failed")

	m = scenarios.RunMatrix(context.Background(), scenarios.MatrixConfig{Scenarios: []*scenarios.Scenario{ooo},
		Strategies: []harness.Design{mustStrategy(t, "naive"), mustStrategy(t, "fixed")},
		Searches:   []scenarios.Search{}, Seed: 1, Prove: dpor, ProveBudget: 1000})
	naive, fixedOOO := m.Cells[0], m.Cells[1]
	require.Equal(t, scenarios.Fail, naive.Verdict, "the proof search finds naive's failure")
	require.Equal(t, 0, naive.FoundBy, "found by the proof: index len(Searches)")
	i, er, ok := naive.FirstFailure()
	require.True(t, ok)
	require.Same(t, naive.Proof, er)
	require.Less(t, i, 1000)
	require.NotNil(t, naive.Counterexample)
	require.Equal(t, scenarios.Pass, fixedOOO.Verdict)
	require.False(t, fixedOOO.Proven(), "1000 schedules do not exhaust out-of-order")
	require.Equal(t, 1000, fixedOOO.Proof.Schedules)
}
