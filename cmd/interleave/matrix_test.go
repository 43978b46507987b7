package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/scenarios"
)

func TestMatrixJSON(t *testing.T) {
	t.Parallel()
	r := interleave(t, "matrix", "--scenario", "out-of-order", "--budget", "50", "--json")
	require.Equal(t, 0, r.code, r.stderr)

	// The documented keys, by name.
	raw := decode[map[string]any](t, r)
	cells := raw["cells"].([]any)
	require.Len(t, cells, len(scenarios.StrategyNames()))
	for _, c := range cells {
		cell := c.(map[string]any)
		for _, key := range []string{"scenario", "strategy", "verdict", "schedules", "first_failure", "elapsed_ms", "expected"} {
			require.Contains(t, cell, key)
		}
	}

	m := decode[matrixJSON](t, r)
	require.Zero(t, m.Unexpected)
	require.Equal(t, 50, m.Budget)
	sc, err := scenarios.Lookup("out-of-order")
	require.NoError(t, err)
	for i, cell := range m.Cells {
		require.Equal(t, "out-of-order", cell.Scenario)
		require.Equal(t, scenarios.StrategyNames()[i], cell.Strategy)
		require.Equal(t, string(sc.Expected(cell.Strategy)), cell.Expected)
		require.Equal(t, cell.Expected, cell.Verdict)
		require.False(t, cell.Unexpected)
		require.Len(t, cell.Searches, 4)
		for i, name := range []string{"pct(d=1)", "pct(d=2)", "pct(d=3)", "random"} {
			require.Equal(t, name, cell.Searches[i].Name)
		}
		if cell.Verdict == "pass" {
			require.Equal(t, 200, cell.Schedules, "50 each of pct d=1, 2, 3 and random")
			require.Nil(t, cell.FirstFailure)
			require.Nil(t, cell.Shrunk)
			continue
		}
		require.NotNil(t, cell.FirstFailure)
		require.Less(t, cell.Schedules, 200, "each search stops at its first failure")
		// The search named first found the failure in the fewest
		// schedules.
		for _, s := range cell.Searches {
			if s.FirstFailure != nil {
				require.LessOrEqual(t, *cell.FirstFailure, *s.FirstFailure)
			}
			if s.Name == cell.FirstFailureSearch {
				require.Equal(t, *cell.FirstFailure, *s.FirstFailure)
			}
		}
		x := cell.Shrunk
		require.NotNil(t, x)
		require.Contains(t, x.Report, "To reproduce: go test ./scenarios -run 'TestScenarios/out-of-order/"+cell.Strategy+"/seed=")
		require.True(t, strings.HasPrefix(x.CLI, "interleave run --scenario out-of-order --strategy "+cell.Strategy+" --search "+x.Search+" "), x.CLI)
		require.True(t, strings.HasPrefix(x.Debug, "interleave debug --scenario out-of-order --strategy "+cell.Strategy+" --search "+x.Search+" "), x.Debug)
		// Shrinking never adds preemptions.
		require.LessOrEqual(t, x.Preemptions, x.FoundPreemptions)
		// The counterexample is the smaller of the searches' first
		// failures (fewest preemptions, then fewest steps; the first
		// search on a tie), as run reproduces each from its seed.
		var best *runJSON
		var bestSearch *cellSearch
		for _, s := range cell.Searches {
			if s.FirstFailure == nil {
				continue
			}
			require.Equal(t, *s.FirstFailure+1, s.Schedules, "each search stops at its first failure")
			seed := 1 + *s.FirstFailure
			rr := interleave(t, "run", "--scenario", "out-of-order", "--strategy", cell.Strategy, "--search", s.Search, "--depth", strconv.Itoa(s.Depth), "--seed", strconv.Itoa(seed), "--json")
			require.Equal(t, 1, rr.code, rr.stderr)
			r := decode[runJSON](t, rr)
			if best == nil || r.Preemptions < best.Preemptions || (r.Preemptions == best.Preemptions && r.Steps < best.Steps) {
				best, bestSearch = &r, s
			}
		}
		require.NotNil(t, best)
		require.Equal(t, bestSearch.Search, x.Search, "%s: the counterexample is not the smaller failure", cell.Strategy)
		require.Equal(t, bestSearch.Depth, x.Depth, "%s: the counterexample is not the smaller failure", cell.Strategy)
		require.Equal(t, best.Seed, x.Seed)
		require.Equal(t, best.Preemptions, x.FoundPreemptions)
	}
}

func TestMatrixText(t *testing.T) {
	t.Parallel()
	r := interleave(t, "matrix", "--scenario", "out-of-order", "--strategy", "naive,fixed", "--budget", "50")
	require.Equal(t, 0, r.code, r.stderr)
	out := r.stdout
	require.Contains(t, out, "1 scenario x 2 strategies; each cell explored with pct(d=1), pct(d=2), pct(d=3) and random, up to 50 schedules each (seeds 1..50), each stopping at its first failure")
	require.Regexp(t, `(?m)^SCENARIO +STRATEGY +VERDICT +EXPECTED +SCHEDULES +FIRST FAILURE +PCT\(d=1\) +PCT\(d=2\) +PCT\(d=3\) +RANDOM +TIME$`, out)
	require.Regexp(t, `(?m)^out-of-order +naive +fail +fail +\d+ +after \d+ \((pct\(d=\d\)|random), \d+ms\)( +(\d+|-)){4} +\S+$`, out)
	require.Regexp(t, `(?m)^out-of-order +fixed +pass +pass +200 +- +- +- +- +- +\S+$`, out)
	require.Contains(t, out, "2 cells: 1 fail as expected, 1 pass as expected, 0 UNEXPECTED")
	require.NotContains(t, out, "UNEXPECTED\n")

	// Under the table, the counterexample: story, go test and interleave lines.
	_, story, ok := strings.Cut(out, "\n=== out-of-order / naive: fail (as expected)\n")
	require.True(t, ok, out)
	require.Regexp(t, `^counterexample: (pct\(d=\d\)|random) seed \d+ \(\d+ preemptions?\), shrunk to 1 preemption, \d+ steps\n`, story)
	require.Contains(t, story, "Shrunk schedule (save it to a file and run 'interleave replay FILE'):\ninterleave-schedule v1\n@scenario out-of-order\n")
	require.Contains(t, story, "=> sub: exactly once: message #")
	require.Contains(t, story, "To reproduce: go test ./scenarios -run 'TestScenarios/out-of-order/naive/seed=")
	require.Contains(t, story, "Rerun:        interleave run --scenario out-of-order --strategy naive ")
	require.Regexp(t, `\nDebug:        interleave debug --scenario out-of-order --strategy naive --search (pct|random) --depth \d --preemptions 2 --seed \d+\n`, story)
	require.NotContains(t, out, "=== out-of-order / fixed")
}

// TestMatrixUnexpected uses a scenario file that wrongly expects fixed to
// fail: the cell is marked and the exit status is 1.
func TestMatrixUnexpected(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile(filepath.Join(repoDir, "scenarios", "testdata", "scenarios", "out-of-order.scenario"))
	require.NoError(t, err)
	wrong := strings.Replace(string(src), "expect fixed pass", "expect fixed fail", 1)
	require.NotEqual(t, string(src), wrong)
	dir := filepath.Join(t.TempDir(), "my scenarios") // a path the shell must have quoted
	require.NoError(t, os.Mkdir(dir, 0o755))
	file := filepath.Join(dir, "wrong.scenario")
	require.NoError(t, os.WriteFile(file, []byte(wrong), 0o644))

	r := interleave(t, "matrix", "--scenario", file, "--strategy", "naive,fixed", "--budget", "20")
	require.Equal(t, 1, r.code, r.stdout+r.stderr)
	require.Regexp(t, `(?m)^out-of-order-durable +fixed +pass +fail +80 +- +- +- +- +- +\S+ +UNEXPECTED$`, r.stdout)
	require.Regexp(t, `(?m)^out-of-order-durable +naive +fail +fail .*[^D]$`, r.stdout)
	require.Contains(t, r.stdout, "1 UNEXPECTED")
	require.Contains(t, r.stdout, "=== out-of-order-durable / fixed: pass (UNEXPECTED: the scenario expects fail; no failure in 80 schedules)")
	// A scenario file's counterexample is rerun by its path, quoted.
	require.Contains(t, r.stdout, "Rerun:        interleave run --scenario '"+file+"' --strategy naive ")
	require.Contains(t, r.stdout, "Debug:        interleave debug --scenario '"+file+"' --strategy naive ")

	m := decode[matrixJSON](t, interleave(t, "matrix", "--scenario", file, "--strategy", "fixed", "--budget", "20", "--json"))
	require.Equal(t, 1, m.Unexpected)
	require.True(t, m.Cells[0].Unexpected)
}
