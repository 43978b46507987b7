package scenarios_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/harness"
	"github.com/interleave/interleave/scenarios"
)

// TestScriptLimits: every number of a scenario file has a limit, checked
// while parsing, and a number is written one way only (digits, no sign, no
// leading zero).
func TestScriptLimits(t *testing.T) {
	const head = "interleave-scenario v1\n"
	for _, c := range []struct{ in, want string }{
		{"rows 9223372036854775807\n", `x.scenario:2: rows: want a whole number from 0 to 100000, got "9223372036854775807"`},
		{"rows 100001\n", `x.scenario:2: rows: want a whole number from 0 to 100000, got "100001"`},
		{"rows -1\n", `x.scenario:2: rows: want a whole number from 0 to 100000, got "-1"`},
		{"rows +3\n", `x.scenario:2: rows: want a whole number from 0 to 100000, got "+3"`},
		{"rows 03\n", `x.scenario:2: rows: want a whole number from 0 to 100000, got "03"`},
		// rows 0 once counted as no rows line at all.
		{"rows 0\nrows 3\n", `x.scenario:3: rows: chat 1 has its rows already: give them on one line`},
		{"replicas 65\n", `x.scenario:2: replicas: want a whole number from 1 to 64, got "65"`},
		{"replicas 99999999999999999999\n", `x.scenario:2: replicas: want a whole number from 1 to 64, got "99999999999999999999"`},
		{"capacity 1000001\n", `x.scenario:2: capacity: want a whole number from 1 to 1000000, got "1000001"`},
		{"capacity 0\n", `x.scenario:2: capacity: want a whole number from 1 to 1000000, got "0"`},
		{"replicas 2\nsubscribe s replica01 after=0\n", `x.scenario:3: subscribe: unknown replica "replica01" (want replica1..replica2; declare more with 'replicas N' first)`},
		{"replicas 2\nsubscribe s replica+1 after=0\n", `x.scenario:3: subscribe: unknown replica "replica+1" (want replica1..replica2; declare more with 'replicas N' first)`},
		{"subscribe s replica0 after=0\n", `x.scenario:2: subscribe: unknown replica "replica0" (want replica1..replica1; declare more with 'replicas N' first)`},
		{"subscribe s replica1 after=9223372036854775807\n", `x.scenario:2: subscribe: want after=ID with an ID from 0 to 1000000000, got "after=9223372036854775807"`},
		{"subscribe s replica1 after=-1\n", `x.scenario:2: subscribe: want after=ID with an ID from 0 to 1000000000, got "after=-1"`},
		{"notify after=1000000001\n", `x.scenario:2: notify: want after=ID with an ID from 0 to 1000000000, full-refresh, queue-update or status=STATUS, got "after=1000000001"`},
		{"rows 2\nappend replica1 +1\n", `x.scenario:3: append: want a message ID, got "+1"`},
		{"rows 2\nappend replica1 01\n", `x.scenario:3: append: want a message ID, got "01"`},
		{"doc " + strings.Repeat("x", scenarios.MaxScriptBytes) + "\n", `x.scenario: longer than 1048576 bytes, the most a scenario file may hold`},
	} {
		_, err := scenarios.ParseScript(strings.NewReader(head+c.in), "x.scenario")
		require.Error(t, err, "input %.80q", c.in)
		require.Equal(t, c.want, err.Error(), "input %.80q", c.in)
	}

	// At the limits, a file parses (and a long line is no error).
	sc, err := scenarios.ParseScript(strings.NewReader(head+
		fmt.Sprintf("replicas %d\ncapacity %d\nrows %d\ndoc %s\nsubscribe s replica%d after=%d\nnotify after=%d\n",
			scenarios.MaxReplicas, scenarios.MaxCapacity, scenarios.MaxRows, strings.Repeat("x", 200_000), scenarios.MaxReplicas, scenarios.MaxMessageID, scenarios.MaxMessageID)), "x.scenario")
	require.NoError(t, err)
	require.Equal(t, "x", sc.Name)
}

// TestScriptManyRows runs a scenario file with many rows (a tenth of the
// limit, to stay quick under -race; BenchmarkScriptRows runs the limit).
// Setup and the oracle are linear in the rows: with a linear lookup per
// delivered message this took a minute under -race.
func TestScriptManyRows(t *testing.T) {
	sc, err := scenarios.ParseScript(strings.NewReader(fmt.Sprintf("interleave-scenario v1\nrows %d\nsubscribe s replica1 after=0\n", scenarios.MaxRows/10)), "rows.scenario")
	require.NoError(t, err)
	r := scenarios.Run(scenarios.Spec{Scenario: sc, Strategy: harness.Fixed{}, Search: scenarios.Search{Kind: "random"}, Seed: 1})
	require.Nil(t, r.Failure)
}

func TestCheckSeedRange(t *testing.T) {
	require.NoError(t, scenarios.CheckSeedRange(1, 20))
	require.NoError(t, scenarios.CheckSeedRange(math.MaxInt64, 1))
	require.NoError(t, scenarios.CheckSeedRange(math.MaxInt64-4, 5))
	require.EqualError(t, scenarios.CheckSeedRange(math.MaxInt64-3, 5), "seeds 9223372036854775804.. (5 of them) pass 9223372036854775807, the largest seed")
	require.EqualError(t, scenarios.CheckSeedRange(-1, 1), "seed -1: want a non-negative whole number")
}

// TestSearchLimits: ParseSearch takes depths 0 (the default, 3) to MaxDepth
// and preemption bounds up to MaxPreemptions.
func TestSearchLimits(t *testing.T) {
	s, err := scenarios.ParseSearch("pct", 0, 2)
	require.NoError(t, err)
	require.Equal(t, 3, s.Depth)
	_, err = scenarios.ParseSearch("pct", scenarios.MaxDepth, scenarios.MaxPreemptions)
	require.NoError(t, err)
	_, err = scenarios.ParseSearch("pct", -5, 2)
	require.EqualError(t, err, "depth -5: want a whole number from 1 to 100")
	_, err = scenarios.ParseSearch("pct", 1000000000, 2)
	require.EqualError(t, err, "depth 1000000000: want a whole number from 1 to 100")
	_, err = scenarios.ParseSearch("dfs", 3, 101)
	require.EqualError(t, err, "preemption bound 101: want at most 100 (negative: unbounded)")
}

// TestConfigLimits: the test flags have the limits of the command's.
func TestConfigLimits(t *testing.T) {
	for _, bad := range []struct {
		flags map[string]string
		env   map[string]string
		want  string
	}{
		// Once 99999999999 seeds were allocated up front: a crash.
		{map[string]string{"schedules": "99999999999"}, nil, `-interleave.schedules="99999999999": want a whole number from 1 to 10000000`},
		{map[string]string{"depth": "1000000000"}, nil, `-interleave.depth="1000000000": want a whole number from 1 to 100`},
		{nil, map[string]string{"INTERLEAVE_DEPTH": "0"}, `INTERLEAVE_DEPTH="0": want a whole number from 1 to 100`},
		{map[string]string{"preemptions": "101"}, nil, `-interleave.preemptions="101": want a whole number up to 100 (negative: unbounded)`},
		// Once the range overflowed, TestStress ran no seed and passed.
		{map[string]string{"seed": "9223372036854775807", "schedules": "5"}, nil,
			`-interleave.seed=9223372036854775807 with -interleave.schedules=5: seeds 9223372036854775807.. (5 of them) pass 9223372036854775807, the largest seed`},
	} {
		_, err := scenarios.LoadConfig(bad.flags, func(k string) string { return bad.env[k] })
		require.EqualError(t, err, bad.want)
	}
	c, err := scenarios.LoadConfig(map[string]string{"seed": "9223372036854775807", "schedules": "1"}, func(string) string { return "" })
	require.NoError(t, err)
	require.Equal(t, []int64{math.MaxInt64}, c.Seeds())
}

// BenchmarkScriptRows runs a scenario file whose subscriber receives
// 'rows N' rows: the time per row must not grow with N (with a linear
// search per delivered row, the oracle made it quadratic: rows 100000
// took 11 s).
func BenchmarkScriptRows(b *testing.B) {
	for _, rows := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprintf("rows=%d", rows), func(b *testing.B) {
			sc, err := scenarios.ParseScript(strings.NewReader(fmt.Sprintf("interleave-scenario v1\nrows %d\nsubscribe s replica1 after=0\n", rows)), "rows.scenario")
			require.NoError(b, err)
			for b.Loop() {
				r := scenarios.Run(scenarios.Spec{Scenario: sc, Strategy: harness.Fixed{}, Search: scenarios.Search{Kind: "random"}, Seed: 1})
				require.Nil(b, r.Failure)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(rows), "ns/row")
		})
	}
}
