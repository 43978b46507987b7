package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/scenarios"
)

// failingSeed finds, with explore, a pct seed on which naive fails
// out-of-order.
func failingSeed(t *testing.T) int64 {
	t.Helper()
	r := interleave(t, "explore", "--scenario", "out-of-order", "--strategy", "naive", "--budget", "200", "--stop", "--json")
	require.Equal(t, 1, r.code, r.stderr)
	out := decode[map[string]any](t, r)
	require.Equal(t, "fail", out["verdict"])
	require.EqualValues(t, 1, out["failures"], "--stop stops at the first failure")
	first := int64(out["first_failure"].(float64))
	require.EqualValues(t, first+1, out["schedules"])
	seed := int64(out["first"].(map[string]any)["seed"].(float64))
	require.Equal(t, first+1, seed, "explore starts at seed 1")
	return seed
}

func TestRun(t *testing.T) {
	t.Parallel()
	seed := failingSeed(t)
	args := []string{"run", "--scenario", "out-of-order", "--strategy", "naive", "--seed", fmt.Sprint(seed)}

	r := interleave(t, append(args, "--json")...)
	require.Equal(t, 1, r.code, "a failing run exits 1: %s", r.stderr)
	out := decode[map[string]any](t, r)
	for _, key := range []string{"verdict", "violations", "trace_hash", "schedule"} {
		require.Contains(t, out, key)
	}
	require.Equal(t, "fail", out["verdict"])
	require.NotEmpty(t, out["violations"])
	v := out["violations"].([]any)[0].(map[string]any)
	require.Equal(t, "exactly once", v["property"])
	require.Regexp(t, `^[0-9a-f]{16}$`, out["trace_hash"])
	require.True(t, strings.HasPrefix(out["schedule"].(string), fmt.Sprintf("interleave-schedule v2\n@scenario out-of-order\n@strategy naive\n@search pct\n@seed %d\n@depth 3\n@verdict fail\n", seed)), out["schedule"])

	text := interleave(t, args...)
	require.Equal(t, 1, text.code)
	require.Empty(t, text.stderr)
	require.Contains(t, text.stdout, fmt.Sprintf("out-of-order / naive / pct(d=3) seed %d: fail: ", seed))
	require.Contains(t, text.stdout, "=> sub: exactly once: message #")
	require.Contains(t, text.stdout, fmt.Sprintf("To reproduce: go test ./scenarios -run '^TestScenarios$/^out-of-order$/^naive$/^seed=%d$' -interleave.scenario=out-of-order -interleave.strategy=naive -interleave.seed=%d -interleave.search=pct -interleave.depth=3 -interleave.preemptions=2\n", seed, seed))
	require.Contains(t, text.stdout, fmt.Sprintf("Rerun:        go run ./cmd/interleave run --scenario out-of-order --strategy naive --search pct --depth 3 --preemptions 2 --seed %d --trace\n", seed))
	require.Contains(t, text.stdout, fmt.Sprintf("Debug:        go run ./cmd/interleave debug --scenario out-of-order --strategy naive --search pct --depth 3 --preemptions 2 --seed %d\n", seed))
	require.Equal(t, fmt.Sprintf("go run ./cmd/interleave debug --scenario out-of-order --strategy naive --search pct --depth 3 --preemptions 2 --seed %d", seed), out["debug"])
	require.Contains(t, text.stdout, "trace hash "+out["trace_hash"].(string))
	require.NotContains(t, text.stdout, "  task  ", "the timeline only with --trace")

	traced := interleave(t, append(args, "--trace")...)
	require.Contains(t, traced.stdout, "step  task")

	fixed := interleave(t, "run", "--scenario", "out-of-order", "--strategy", "fixed", "--seed", fmt.Sprint(seed), "--json")
	require.Equal(t, 0, fixed.code, fixed.stderr)
	fout := decode[map[string]any](t, fixed)
	require.Equal(t, "pass", fout["verdict"])
	require.Empty(t, fout["violations"])
}

// TestReplay saves a failing schedule with run --save and replays it: the
// same trace, byte for byte; under another strategy it replays guided.
func TestReplay(t *testing.T) {
	t.Parallel()
	seed := failingSeed(t)
	dir := t.TempDir()
	save := filepath.Join(dir, "corpus")
	r := interleave(t, "run", "--scenario", "out-of-order", "--strategy", "naive", "--seed", fmt.Sprint(seed), "--save", save, "--json")
	require.Equal(t, 1, r.code, r.stderr)
	run := decode[map[string]any](t, r)
	path := run["saved"].(string)
	require.Equal(t, filepath.Join(save, "out-of-order", fmt.Sprintf("naive-pct-seed%d.schedule", seed)), path)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(data), run["schedule"].(string)))

	rr := interleave(t, "replay", path, "--json")
	require.Equal(t, 1, rr.code, rr.stderr)
	rep := decode[map[string]any](t, rr)
	require.Equal(t, run["trace_hash"], rep["trace_hash"])
	require.Equal(t, "fail", rep["verdict"])
	require.Equal(t, run["violations"], rep["violations"])
	require.Equal(t, path, rep["replayed"])
	require.NotContains(t, rep, "guided")

	text := interleave(t, "replay", path)
	require.Equal(t, 1, text.code)
	require.True(t, strings.HasPrefix(text.stdout, "replay of "+path+" under naive, strictly\n"), text.stdout)
	require.Contains(t, text.stdout, "trace hash "+run["trace_hash"].(string))

	guided := interleave(t, "replay", path, "--strategy", "fixed", "--json")
	require.Equal(t, 0, guided.code, guided.stderr)
	g := decode[map[string]any](t, guided)
	require.Equal(t, "pass", g["verdict"])
	require.Equal(t, true, g["guided"])
	require.Equal(t, "fixed", g["strategy"])
}

// TestScenarioFile runs a scripted scenario by path, saves it and replays
// it: the schedule records the file (relative to itself), so the replay
// needs no --scenario; every printed line, pasted, reruns the same failure.
func TestScenarioFile(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile(filepath.Join(repoDir, "scenarios", "testdata", "scenarios", "out-of-order.scenario"))
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "my scenarios") // a path the shell must have quoted
	require.NoError(t, os.Mkdir(dir, 0o755))
	file := filepath.Join(dir, "out-of-order.scenario")
	require.NoError(t, os.WriteFile(file, src, 0o644))
	save := t.TempDir()
	r := interleave(t, "run", "--scenario", file, "--strategy", "naive", "--save", save, "--json")
	require.Equal(t, 1, r.code, r.stderr)
	run := decode[runJSON](t, r)
	require.Equal(t, "out-of-order-durable", run.Scenario)
	require.Equal(t, "go run ./cmd/interleave run --scenario '"+file+"' --strategy naive --search pct --depth 3 --preemptions 2 --seed 1 --trace", run.CLI)
	require.Equal(t, "go run ./cmd/interleave debug --scenario '"+file+"' --strategy naive --search pct --depth 3 --preemptions 2 --seed 1", run.Debug)
	require.Equal(t, "go test ./scenarios -run '^TestScenarios$/^out-of-order-durable$/^naive$/^seed=1$' '-interleave.scenario="+file+
		"' -interleave.strategy=naive -interleave.seed=1 -interleave.search=pct -interleave.depth=3 -interleave.preemptions=2", run.Repro)
	saved := filepath.Join(save, "out-of-order-durable", "naive-pct-seed1.schedule")
	require.Equal(t, saved, run.Saved)
	s, err := scenarios.LoadSchedule(saved)
	require.NoError(t, err)
	rel, err := filepath.Rel(filepath.Join(save, "out-of-order-durable"), file)
	require.NoError(t, err)
	require.Equal(t, rel, s.Get("scenario-file"), "relative to the schedule file")

	// The go test line runs the file's test, outside testdata/scenarios;
	// the rerun line reruns it, the replay replays it without --scenario.
	for _, line := range []string{run.Repro, run.CLI, scenarios.ReplayLine(saved)} {
		p := paste(t, line)
		require.Equal(t, 1, p.code, "%s\n%s", line, p.out)
		require.Contains(t, p.out, "trace hash "+run.TraceHash, line)
		require.Contains(t, p.out, run.Violations[0].Text, line)
	}
	require.Contains(t, paste(t, run.Repro).out, "--- FAIL: TestScenarios/out-of-order-durable/naive/seed=1 ")

	// --scenario still names the file explicitly.
	with := interleave(t, "replay", saved, "--scenario", file)
	require.Equal(t, 1, with.code, with.stderr)
	require.Contains(t, with.stdout, "out-of-order-durable / naive / replay of pct(d=3) seed 1: fail")

	// A version 1 schedule recorded only the name: replay says to name the file.
	v1 := filepath.Join(t.TempDir(), "v1.schedule")
	text, err := os.ReadFile(saved)
	require.NoError(t, err)
	old := strings.Replace(strings.Replace(string(text), "interleave-schedule v2", "interleave-schedule v1", 1), "@scenario-file "+rel+"\n", "", 1)
	require.NoError(t, os.WriteFile(v1, []byte(old), 0o644))
	without := interleave(t, "replay", v1)
	require.Equal(t, 2, without.code)
	require.Contains(t, without.stderr, `unknown scenario "out-of-order-durable"`)
	require.True(t, strings.HasSuffix(without.stderr, "; for a schedule of a scenario file, name the file with --scenario\n"), without.stderr)
}

func TestExplore(t *testing.T) {
	t.Parallel()
	t.Run("dfs exhausts a small scenario", func(t *testing.T) {
		t.Parallel()
		r := interleave(t, "explore", "--scenario", "reconnect-late-notify", "--strategy", "fixed", "--search", "dfs", "--preemptions", "1", "--budget", "0", "--json")
		require.Equal(t, 0, r.code, r.stderr)
		out := decode[map[string]any](t, r)
		for _, key := range []string{"schedules", "failures", "first_failure", "exhausted"} {
			require.Contains(t, out, key)
		}
		require.Equal(t, true, out["exhausted"])
		require.Nil(t, out["first_failure"])
		require.EqualValues(t, 0, out["failures"])
		n := int(out["schedules"].(float64))
		require.Greater(t, n, 1)

		text := interleave(t, "explore", "--scenario", "reconnect-late-notify", "--strategy", "fixed", "--search", "dfs", "--preemptions", "1", "--budget", "0")
		require.Equal(t, 0, text.code)
		require.Contains(t, text.stdout, "reconnect-late-notify / fixed / dfs(preemptions<=1): "+strconv.Itoa(n)+" schedules, 0 failing, in ")
		require.Contains(t, text.stdout, "\nexhausted: these are all the schedules with at most 1 preemptions\nverdict: pass\n")

		// Without --budget, dfs gets a budget large enough for small scenarios.
		dflt := decode[map[string]any](t, interleave(t, "explore", "--scenario", "reconnect-late-notify", "--strategy", "fixed", "--search", "dfs", "--preemptions", "1", "--json"))
		require.Equal(t, true, dflt["exhausted"])
		require.EqualValues(t, n, dflt["schedules"])

		// A budget short of the space: not exhausted.
		short := decode[map[string]any](t, interleave(t, "explore", "--scenario", "reconnect-late-notify", "--strategy", "fixed", "--search", "dfs", "--preemptions", "1", "--budget", strconv.Itoa(n-1), "--json"))
		require.Equal(t, false, short["exhausted"])
		require.EqualValues(t, n-1, short["schedules"])
	})
	t.Run("dfs finds fixed-r1's bug", func(t *testing.T) {
		t.Parallel()
		save := t.TempDir()
		r := interleave(t, "explore", "--scenario", "reconnect-late-notify", "--strategy", "fixed-r1", "--search", "dfs", "--preemptions", "1", "--budget", "0", "--save", save)
		require.Equal(t, 1, r.code, r.stderr)
		require.Contains(t, r.stdout, "verdict: fail; first failure at schedule ")
		require.Contains(t, r.stdout, "no resend below the floor")
		require.Regexp(t, `\nRerun:        go run ./cmd/interleave run --scenario reconnect-late-notify --strategy fixed-r1 --search dfs --depth \d+ --preemptions 1 --seed \d+ --trace\n`, r.stdout)
		require.Regexp(t, `\nDebug:        go run ./cmd/interleave debug --scenario reconnect-late-notify --strategy fixed-r1 --search dfs --depth 3 --preemptions 1 --seed \d+\n`, r.stdout)
		// The saved schedule replays to the same failure.
		files, err := filepath.Glob(filepath.Join(save, "reconnect-late-notify", "*.schedule"))
		require.NoError(t, err)
		require.Len(t, files, 1)
		rr := interleave(t, "replay", files[0])
		require.Equal(t, 1, rr.code, rr.stderr)
		require.Contains(t, rr.stdout, "no resend below the floor")
	})
	t.Run("random counts every failure", func(t *testing.T) {
		t.Parallel()
		out := decode[map[string]any](t, interleave(t, "explore", "--scenario", "out-of-order", "--strategy", "naive", "--search", "random", "--budget", "60", "--seed", "5", "--json"))
		require.EqualValues(t, 60, out["schedules"])
		require.Greater(t, out["failures"].(float64), 1.0)
		first := out["first"].(map[string]any)
		require.EqualValues(t, 5+out["first_failure"].(float64), first["seed"])
	})
}

func TestList(t *testing.T) {
	t.Parallel()
	r := interleave(t, "list")
	require.Equal(t, 0, r.code)
	for _, sc := range scenarios.All() {
		require.Contains(t, r.stdout, "  "+sc.Name)
		require.Contains(t, r.stdout, "      "+sc.Doc+"\n")
	}
	for _, s := range scenarios.StrategyNames() {
		require.Contains(t, r.stdout, "\n  "+s+" ")
	}
	for _, s := range scenarios.SearchNames {
		require.Contains(t, r.stdout, "\n  "+s+" ")
	}

	out := decode[listJSON](t, interleave(t, "list", "--json"))
	require.Len(t, out.Scenarios, len(scenarios.All()))
	require.Equal(t, scenarios.SearchNames, out.Searches)
	for i, sc := range scenarios.All() {
		require.Equal(t, sc.Name, out.Scenarios[i].Name)
		for _, st := range out.Scenarios[i].Fails {
			require.Equal(t, scenarios.Fail, sc.Expected(st))
		}
	}
	var names []string
	for _, s := range out.Strategies {
		names = append(names, s.Name)
	}
	require.Equal(t, scenarios.StrategyNames(), names)
}

func TestExploreProgress(t *testing.T) {
	t.Parallel()
	var w strings.Builder
	hook := exploreProgress(&w, 0)
	hook(&scenarios.ExploreResult{Schedules: 3000, Failures: 2, Elapsed: 7400 * time.Millisecond})
	require.Equal(t, "explore: 3000 schedules so far, 2 failing, 7s (Ctrl-C stops and prints the report)\n", w.String())

	// At most a line every interval.
	w.Reset()
	hook = exploreProgress(&w, time.Hour)
	hook(&scenarios.ExploreResult{Schedules: 1000})
	require.Empty(t, w.String())
}
