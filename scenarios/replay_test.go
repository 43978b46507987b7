package scenarios_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/scenarios"
	"github.com/interleave/interleave/sched"
)

// firstFailure explores sc under strategy with search from seed 1 and
// returns the first failing run.
func firstFailure(t *testing.T, scenario, strategy, search string) *scenarios.RunResult {
	t.Helper()
	sc, err := scenarios.Lookup(scenario)
	require.NoError(t, err)
	s, err := scenarios.ParseSearch(search, 3, 2)
	require.NoError(t, err)
	er := scenarios.Explore(scenarios.Spec{Scenario: sc, Strategy: mustStrategy(t, strategy), Search: s, Seed: 1}, 200, true)
	require.NotNil(t, er.First, "%s / %s: no failure in 200 %s schedules", scenario, strategy, search)
	return er.First
}

func metaOf(s *sched.Schedule) []string {
	var out []string
	for _, m := range s.Meta {
		out = append(out, m.Key+" "+m.Value)
	}
	return out
}

// TestShrunkGeneratedScheduleReplays: a generated scenario draws its
// workload from the seed; its shrunk schedule, which no seed names, records
// that seed, so replaying it (in memory, or from its file) is the same run
// and the same oracle failure, not a divergence in another workload.
func TestShrunkGeneratedScheduleReplays(t *testing.T) {
	for _, strategy := range []string{"naive", "fixed-r1", "producer-lock"} {
		t.Run(strategy, func(t *testing.T) {
			found := firstFailure(t, "random-workload", strategy, "random")
			require.NotZero(t, found.Spec.Seed)
			require.Equal(t, found.Spec.Seed, found.WorkloadSeed)
			small := scenarios.ShrinkResult(found)
			require.Equal(t, sched.Assertion, small.Failure.Kind, "the shrunk run fails the oracle: %s", small.Summary())
			require.LessOrEqual(t, small.Preemptions, found.Preemptions)
			require.Equal(t, []string{
				"scenario random-workload",
				"strategy " + strategy,
				"workload-seed " + found.Schedule.Get("seed"),
				"search shrunk",
				"shrunk-from random seed " + found.Schedule.Get("seed") + ", " + strconv.Itoa(found.Preemptions) + " preemptions",
				"verdict fail",
			}, metaOf(small.Schedule))
			require.Empty(t, small.Repro(), "no line before the schedule is saved")
			require.Contains(t, small.Report(), "To reproduce: (the schedule is not saved")

			path, err := scenarios.SaveSchedule(t.TempDir(), small)
			require.NoError(t, err)
			require.Equal(t, strategy+"-shrunk-random-seed"+found.Schedule.Get("seed")+".schedule", filepath.Base(path))
			require.Equal(t, "go test ./scenarios -run '^TestReplay$' -interleave.replay="+path, small.Repro())
			require.Equal(t, "go run ./cmd/interleave replay "+path+" --trace", small.CLI())
			require.Equal(t, "go run ./cmd/interleave debug --schedule "+path, small.DebugLine())
			text, err := os.ReadFile(path)
			require.NoError(t, err)
			require.Contains(t, string(text), "# To reproduce: "+small.Repro()+"\n")
			require.Contains(t, string(text), "trace hash "+small.TraceHash()+"\n")

			again, err := scenarios.ReplayFile(path, scenarios.ReplayOptions{Trace: true})
			require.NoError(t, err)
			require.Equal(t, small.TraceHash(), again.TraceHash())
			require.Equal(t, small.Violations, again.Violations)
			require.Equal(t, small.Summary(), again.Summary())
			require.Equal(t, small.Repro(), again.Repro(), "the file's run prints the file's lines")
			require.Equal(t, small.Schedule.String(), again.Schedule.String())
		})
	}
}

// TestScheduleMetadata: what a run by seed records, for a fixed and a
// generated workload and each search.
func TestScheduleMetadata(t *testing.T) {
	for _, c := range []struct {
		scenario, search string
		seed             int64
		want             []string
	}{
		{"out-of-order", "pct", 31, []string{"scenario out-of-order", "strategy naive", "search pct", "seed 31", "depth 3", "verdict fail"}},
		{"random-workload", "random", 5, []string{"scenario random-workload", "strategy naive", "workload-seed 5", "search random", "seed 5", "verdict fail"}}, // fail since the model of chatd-model.md §10
		{"reconnect-late-notify", "dfs", 4, []string{"scenario reconnect-late-notify", "strategy naive", "search dfs", "seed 4", "preemptions 2", "verdict pass"}},
	} {
		sc, err := scenarios.Lookup(c.scenario)
		require.NoError(t, err)
		search, _ := scenarios.ParseSearch(c.search, 3, 2)
		r := scenarios.Run(scenarios.Spec{Scenario: sc, Strategy: mustStrategy(t, "naive"), Search: search, Seed: c.seed})
		require.Equal(t, c.want, metaOf(r.Schedule), c.scenario)
		again, err := scenarios.Replay(sc, mustStrategy(t, "naive"), r.Schedule, false, false)
		require.NoError(t, err)
		require.Equal(t, c.want, metaOf(again.Schedule), "a strict replay keeps the origin")
		require.Equal(t, r.Verdict, again.Verdict)
		guided, err := scenarios.Replay(sc, mustStrategy(t, "fixed"), r.Schedule, true, false)
		require.NoError(t, err)
		require.Contains(t, metaOf(guided.Schedule), "search guided")
		require.Empty(t, guided.Schedule.Get("seed"), "no seed names a guided run's choices")
	}
}

// TestReplayVersion1: a version 1 schedule had one @seed for the search and
// the generated workload; it still replays the same run.
func TestReplayVersion1(t *testing.T) {
	found := firstFailure(t, "random-workload", "naive", "pct")
	text := found.Schedule.String()
	require.Contains(t, text, "@workload-seed ")
	var v1 []string
	for _, line := range strings.Split(text, "\n") {
		if !strings.HasPrefix(line, "@workload-seed ") {
			v1 = append(v1, line)
		}
	}
	old, err := sched.ParseSchedule(strings.NewReader(strings.Replace(strings.Join(v1, "\n"), "interleave-schedule v2", "interleave-schedule v1", 1)))
	require.NoError(t, err)
	require.Equal(t, 1, old.Version)
	sc, _ := scenarios.Lookup("random-workload")
	again, err := scenarios.Replay(sc, mustStrategy(t, "naive"), old, false, true)
	require.NoError(t, err)
	require.Equal(t, found.TraceHash(), again.TraceHash())
	require.Equal(t, found.Schedule.Get("seed"), again.Schedule.Get("workload-seed"), "rewritten in version 2 terms")

	// A version 1 shrunk schedule had an empty @search and @seed 0.
	shrunk, err := sched.ParseSchedule(strings.NewReader("interleave-schedule v1\n@scenario out-of-order\n@strategy naive\n@search\n@seed 0\n@shrunk-from 3 preemptions\n" +
		strings.Join(strings.Fields(choicesOf(t, "out-of-order")), " ") + "\n"))
	require.NoError(t, err)
	ooo, _ := scenarios.Lookup("out-of-order")
	r, err := scenarios.Replay(ooo, mustStrategy(t, "naive"), shrunk, false, false)
	require.NoError(t, err)
	require.Equal(t, "shrunk", r.Schedule.Get("search"))
	require.Equal(t, "", r.Schedule.Get("seed"))
	require.Equal(t, "out-of-order / naive / replay of a schedule shrunk from 3 preemptions", r.Title())
}

// choicesOf returns the choices of seed 31 of out-of-order under naive, as
// text.
func choicesOf(t *testing.T, scenario string) string {
	sc, _ := scenarios.Lookup(scenario)
	search, _ := scenarios.ParseSearch("pct", 3, 2)
	r := scenarios.Run(scenarios.Spec{Scenario: sc, Strategy: mustStrategy(t, "naive"), Search: search, Seed: 31})
	text := r.Schedule.String()
	var out []string
	for _, line := range strings.Split(text, "\n")[1:] {
		if !strings.HasPrefix(line, "@") {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// TestReplayRejectsMalformedMetadata: @seed, @workload-seed, @depth,
// @preemptions and @search are read strictly, errors naming the file.
func TestReplayRejectsMalformedMetadata(t *testing.T) {
	dir := t.TempDir()
	choices := choicesOf(t, "out-of-order")
	for _, c := range []struct{ meta, want string }{
		{"@seed x", `@seed "x": want a non-negative whole number`},
		{"@seed 12abc", `@seed "12abc": want a non-negative whole number`},
		{"@seed -1", `@seed "-1": want a non-negative whole number`},
		{"@seed 99999999999999999999", `@seed "99999999999999999999": want a non-negative whole number`},
		{"@workload-seed 1.5", `@workload-seed "1.5": want a non-negative whole number`},
		{"@depth 0", `@depth "0": want a whole number >= 1`},
		{"@depth three", `@depth "three": want a whole number >= 1`},
		{"@depth 9999999999", `@depth "9999999999": want a whole number >= 1`},
		{"@preemptions two", `@preemptions "two": want a whole number (negative: unbounded)`},
		{"@search bfs", `@search "bfs": want one of random, pct, dfs, dpor, shrunk, guided`},
	} {
		path := filepath.Join(dir, "bad.schedule")
		require.NoError(t, os.WriteFile(path, []byte("interleave-schedule v2\n@scenario out-of-order\n@strategy naive\n"+c.meta+"\n"+choices+"\n"), 0o644))
		_, err := scenarios.ReplayFile(path, scenarios.ReplayOptions{})
		require.EqualError(t, err, path+": "+c.want, c.meta)
	}
	path := filepath.Join(dir, "generated.schedule")
	require.NoError(t, os.WriteFile(path, []byte("interleave-schedule v2\n@scenario random-workload\n@strategy naive\n@search shrunk\nt1\n"), 0o644))
	_, err := scenarios.ReplayFile(path, scenarios.ReplayOptions{})
	require.EqualError(t, err, path+": no @workload-seed: random-workload draws its workload from that seed")
	require.NoError(t, os.WriteFile(path, []byte("interleave-schedule v2\n@scenario ../x\n@strategy naive\nt1\n"), 0o644))
	_, err = scenarios.ReplayFile(path, scenarios.ReplayOptions{})
	require.EqualError(t, err, path+`: @scenario: "../x" is not a scenario name: want letters, digits, '.', '_' or '-', starting with a letter or digit`)
}

// TestScenarioFileReplays: a schedule of a scenario file records the file,
// relative to itself, so it replays from anywhere; a file that no longer
// holds the recorded scenario is an error.
func TestScenarioFileReplays(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "scenarios", "out-of-order.scenario"))
	require.NoError(t, err)
	dir := t.TempDir()
	file := filepath.Join(dir, "scenarios", "ooo.scenario")
	require.NoError(t, os.MkdirAll(filepath.Dir(file), 0o755))
	require.NoError(t, os.WriteFile(file, src, 0o644))
	sc, err := scenarios.Lookup(file)
	require.NoError(t, err)
	search, _ := scenarios.ParseSearch("pct", 3, 2)
	r := scenarios.Run(scenarios.Spec{Scenario: sc, Strategy: mustStrategy(t, "naive"), Search: search, Seed: 1, Trace: true})
	require.Equal(t, scenarios.Fail, r.Verdict)
	require.Equal(t, file, r.Schedule.Get("scenario-file"), "absolute in memory")
	path, err := scenarios.SaveSchedule(filepath.Join(dir, "corpus"), r)
	require.NoError(t, err)
	saved, err := scenarios.LoadSchedule(path)
	require.NoError(t, err)
	require.Equal(t, "../../scenarios/ooo.scenario", saved.Get("scenario-file"))

	t.Chdir(t.TempDir()) // relative to the schedule, not to the working directory
	again, err := scenarios.ReplayFile(path, scenarios.ReplayOptions{Trace: true})
	require.NoError(t, err)
	require.Equal(t, r.TraceHash(), again.TraceHash())

	require.NoError(t, os.WriteFile(file, []byte(strings.Replace(string(src), "name out-of-order-durable", "name renamed", 1)), 0o644))
	_, err = scenarios.ReplayFile(path, scenarios.ReplayOptions{})
	require.EqualError(t, err, path+`: @scenario-file `+file+` holds scenario "renamed", not the schedule's @scenario "out-of-order-durable"`)
}
