package scenarios_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/scenarios"
)

// TestCorpus replays every saved schedule: under the strategy that recorded
// it, it must still give its recorded verdict (the harness still catches
// the bug), and steered by it, fixed must pass.
func TestCorpus(t *testing.T) {
	entries, err := scenarios.LoadCorpus(scenarios.CorpusDir)
	require.NoError(t, err)
	require.NotEmpty(t, entries, "no schedules in %s", scenarios.CorpusDir)
	for _, e := range entries {
		t.Run(strings.TrimPrefix(e.Path, scenarios.CorpusDir+"/"), func(t *testing.T) {
			r, err := scenarios.ReplayEntry(e, "")
			require.NoError(t, err)
			want := e.Schedule.Get("verdict")
			require.Equal(t, want, string(r.Verdict), "%s no longer gives its recorded verdict under %s:\n%s", e.Path, e.Schedule.Get("strategy"), r.Report())
			require.NotEqual(t, "divergence", r.Failure.Kind.String(), "the recorded schedule no longer replays: %v", r.Failure)

			fixed, err := scenarios.ReplayEntry(e, "fixed")
			require.NoError(t, err)
			require.Equal(t, scenarios.Pass, fixed.Verdict, "fixed fails %s:\n%s", e.Path, fixed.Report())
		})
	}
}

func TestSaveScheduleIsAtomicAndReplays(t *testing.T) {
	sc, err := scenarios.Lookup("out-of-order")
	require.NoError(t, err)
	search, _ := scenarios.ParseSearch("pct", 3, 2)
	r := scenarios.Run(scenarios.Spec{Scenario: sc, Strategy: mustStrategy(t, "naive"), Search: search, Seed: 31, Trace: true})
	require.Equal(t, scenarios.Fail, r.Verdict)
	dir := t.TempDir()
	path, err := scenarios.SaveSchedule(dir, r)
	require.NoError(t, err)
	require.Equal(t, filepath.Join(dir, "out-of-order", "naive-pct-seed31.schedule"), path)
	left, _ := filepath.Glob(filepath.Join(dir, "out-of-order", ".*tmp*"))
	require.Empty(t, left, "temp files left behind")
	text, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Contains(t, string(text), "# To reproduce: go test ./scenarios -run '^TestScenarios$/^out-of-order$/^naive$/^seed=31$' -interleave.scenario=out-of-order ")
	require.Contains(t, string(text), "#  step  task")

	s, err := scenarios.LoadSchedule(path)
	require.NoError(t, err)
	again, err := scenarios.Replay(sc, mustStrategy(t, "naive"), s, false, true)
	require.NoError(t, err)
	require.Equal(t, r.Trace.Hash(), again.Trace.Hash())

	// A malformed file names itself and the line.
	bad := filepath.Join(dir, "bad.schedule")
	require.NoError(t, os.WriteFile(bad, []byte("interleave-schedule v1\nt1 q\n"), 0o644))
	_, err = scenarios.LoadSchedule(bad)
	require.EqualError(t, err, bad+`: line 2: bad choice "q": want t<task id> or v<value>`)
	_, err = scenarios.LoadSchedule(filepath.Join(dir, "missing.schedule"))
	require.ErrorContains(t, err, "schedule file: open "+filepath.Join(dir, "missing.schedule")+": no such file or directory")
}

func TestLoadConfig(t *testing.T) {
	none := func(string) string { return "" }
	c, err := scenarios.LoadConfig(nil, none)
	require.NoError(t, err)
	require.Equal(t, scenarios.Config{Schedules: 20, Search: "pct", Depth: 3, Preemptions: 2, Mode: "controlled"}, c)
	require.Len(t, c.Seeds(), 20)

	env := map[string]string{"INTERLEAVE_SEED": "7", "INTERLEAVE_STRATEGY": "naive,fixed", "INTERLEAVE_SEARCH": "random", "INTERLEAVE_DEPTH": "2", "INTERLEAVE_MODE": "wild"}
	c, err = scenarios.LoadConfig(map[string]string{"search": "dfs", "preemptions": "-1"}, func(k string) string { return env[k] })
	require.NoError(t, err)
	require.Equal(t, int64(7), c.Seed)
	require.True(t, c.SeedSet)
	require.Equal(t, []int64{7}, c.Seeds())
	require.Equal(t, []string{"naive", "fixed"}, c.Strategies)
	require.Equal(t, "dfs", c.Search, "a flag wins over its variable")
	require.Equal(t, 2, c.Depth)
	require.Equal(t, -1, c.Preemptions)
	require.Equal(t, "wild", c.Mode)

	c, err = scenarios.LoadConfig(map[string]string{"strategy": "all"}, none)
	require.NoError(t, err)
	require.Equal(t, scenarios.StrategyNames(), c.Strategies)

	sc, _ := scenarios.Lookup("reconnect-late-notify")
	c, _ = scenarios.LoadConfig(nil, none)
	require.Equal(t, []string{"naive", "fixed", "producer-lock", "stream-loop"}, c.StrategiesFor(sc), "by default only the strategies expected to pass")

	for _, bad := range []struct {
		flags map[string]string
		env   map[string]string
		want  string
	}{
		{map[string]string{"seed": "x"}, nil, `-interleave.seed="x": want a non-negative whole number`},
		{nil, map[string]string{"INTERLEAVE_SEED": "-3"}, `INTERLEAVE_SEED="-3": want a non-negative whole number`},
		{map[string]string{"strategy": "naive,bogus"}, nil, `-interleave.strategy: unknown strategy "bogus" (known: naive, fixed-r1, fixed, producer-lock, stream-loop; a merge strategy under the stream loop's oracle: NAME+convergence)`},
		{map[string]string{"search": "bfs"}, nil, `-interleave.search: unknown search "bfs" (known: random, pct, dfs, dpor)`},
		{map[string]string{"schedules": "0"}, nil, `-interleave.schedules="0": want a whole number from 1 to 10000000`},
		{nil, map[string]string{"INTERLEAVE_MODE": "tame"}, `INTERLEAVE_MODE="tame": want controlled or wild`},
		{map[string]string{"scenario": "nope"}, nil, `-interleave.scenario: unknown scenario "nope" (known: promote-while-requires-action, promote-while-requires-action-by-id, out-of-order, reconnect-late-notify, cross-replica-fallback, cache-eviction, full-refresh-edit, two-chats, snapshot-order, snapshot-order-by-id, random-workload; or give a path to a scenario file)`},
	} {
		_, err := scenarios.LoadConfig(bad.flags, func(k string) string { return bad.env[k] })
		require.EqualError(t, err, bad.want)
	}
}

func TestScriptParseErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", `x.scenario: empty scenario file: want the header "interleave-scenario v2"`},
		{"rows 3\n", `x.scenario:1: want the header "interleave-scenario v2" (or "interleave-scenario v1"), got "rows 3"`},
		{"interleave-scenario v1\nrows 3\ninserts a user \"x\"\n", `x.scenario:3: unknown command "inserts" (want one of: name, doc, small, replicas, capacity, row-lock, order-by, pubsub-queue, notify-queue, client-queue, broken-publisher, sync-failures, created-at-ties, polls, check-order, chat, tool-calls, rows, subscribe, listen, snapshot, begin, insert, delete, commit, rollback, cache, append, publish, notify, hint, edit, remove, write, promote, worker, drop, listener-reconnect, disconnect, reconnect, settle, sleep, expect)`},
		{"interleave-scenario v1\nrows 2\nappend replica1 3\n", `x.scenario:3: append: message #3 does not exist yet (rows and inserts so far made #1..#2)`},
		{"interleave-scenario v1\nrows 2\nsubscribe s replica2 after=0\n", `x.scenario:3: subscribe: unknown replica "replica2" (want replica1..replica1; declare more with 'replicas N' first)`},
		{"interleave-scenario v1\nrows x\n", `x.scenario:2: rows: want a whole number from 0 to 100000, got "x"`},
		{"interleave-scenario v1\nbegin a\ninsert a robot \"x\"\n", `x.scenario:3: insert: unknown role "robot" (want user, assistant, tool or system)`},
		{"interleave-scenario v1\ncommit a\n", `x.scenario:2: commit: no open transaction "a"`},
		{"interleave-scenario v1\ninsert a user \"unterminated\n", `x.scenario:2: unterminated or malformed quoted text "unterminated`},
		{"interleave-scenario v1\nexpect naive maybe\n", `x.scenario:2: expect: want pass or fail, got "maybe"`},
		{"interleave-scenario v1\nexpect sloppy pass\n", `x.scenario:2: expect: unknown strategy "sloppy" (known: naive, fixed-r1, fixed, producer-lock, stream-loop; a merge strategy under the stream loop's oracle: NAME+convergence)`},
		{"interleave-scenario v1\nnotify after=x\n", `x.scenario:2: notify: want after=ID with an ID from 0 to 1000000000, full-refresh, queue-update or status=STATUS, got "after=x"`},
		{"interleave-scenario v1\nrows 1\n", `x.scenario: no subscriber: a scenario needs at least one 'subscribe' line`},
	} {
		_, err := scenarios.ParseScript(strings.NewReader(c.in), "x.scenario")
		require.Error(t, err, "input %q", c.in)
		require.Equal(t, c.want, err.Error(), "input %q", c.in)
	}
	_, err := scenarios.Lookup("testdata/scenarios/missing.scenario")
	require.EqualError(t, err, "scenario file: open testdata/scenarios/missing.scenario: no such file or directory")
}
