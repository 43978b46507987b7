package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/scenarios"
)

func TestMatrixJSON(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir() // where the counterexamples go without --save
	r := invocation{env: []string{"TMPDIR=" + tmp}}.run(t, "matrix", "--scenario", "out-of-order", "--budget", "50", "--json")
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
	require.True(t, m.Temporary)
	require.Equal(t, tmp, filepath.Dir(m.Saved), "a new temporary directory")
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
		require.True(t, cell.Complete)
		// The cell's time is its searches' and its shrinking's.
		require.GreaterOrEqual(t, cell.ElapsedMS, cell.SearchMS+cell.ShrinkMS)
		searches := int64(0)
		for _, s := range cell.Searches {
			searches += s.ElapsedMS
		}
		require.GreaterOrEqual(t, cell.SearchMS, searches)
		if cell.Verdict == "pass" {
			require.Zero(t, cell.ShrinkMS)
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
		// The lines rerun the shrunk run, from its saved schedule.
		file := filepath.Join(m.Saved, "out-of-order", cell.Strategy+"-shrunk-"+x.Search+"-seed"+strconv.FormatInt(x.Seed, 10)+".schedule")
		require.Equal(t, file, x.File)
		require.Contains(t, x.Report, "To reproduce: go test ./scenarios -run '^TestReplay$' -interleave.replay="+file+"\n")
		require.Equal(t, "go run ./cmd/interleave replay "+file+" --trace", x.CLI)
		require.Equal(t, "go run ./cmd/interleave debug --schedule "+file, x.Debug)
		require.Equal(t, "go test ./scenarios -run '^TestReplay$' -interleave.replay="+file, x.Repro)
		s, err := scenarios.LoadSchedule(file)
		require.NoError(t, err)
		require.Equal(t, "shrunk", s.Get("search"))
		search := x.Search
		if x.Search == "pct" {
			search = fmt.Sprintf("pct(d=%d)", x.Depth)
		}
		require.Equal(t, fmt.Sprintf("%s seed %d, %d preemptions", search, x.Seed, x.FoundPreemptions), s.Get("shrunk-from"))
		require.Equal(t, x.Schedule, s.String())
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

// TestMatrixProve: --prove runs dpor in the cells the searches passed, and
// the PROOF column says what it covered.
func TestMatrixProve(t *testing.T) {
	t.Parallel()
	r := interleave(t, "matrix", "--scenario", "reconnect-late-notify,out-of-order", "--strategy", "fixed,fixed-r1", "--budget", "20", "--prove", "2", "--prove-budget", "500")
	require.Equal(t, 0, r.code, r.stderr)
	out := r.stdout
	require.Regexp(t, `(?m)^SCENARIO +STRATEGY +VERDICT +EXPECTED +SCHEDULES +FIRST FAILURE +PCT\(d=1\) +PCT\(d=2\) +PCT\(d=3\) +RANDOM +PROOF +TIME$`, out)
	require.Regexp(t, `(?m)^reconnect-late-notify +fixed +pass +pass +\d+( +-){5} +all \d+ +\S+$`, out)
	require.Regexp(t, `(?m)^reconnect-late-notify +fixed-r1 +fail +fail +\d+ +after .*\) +(\d+ +)+- +\S+$`, out)
	require.Regexp(t, `(?m)^out-of-order +fixed +pass +pass +\d+( +-){5} +none in 500 +\S+$`, out)
	require.Contains(t, out, `(PROOF: dpor(preemptions<=2) in each cell the searches passed, up to 500 schedules: "all N" means the search was exhausted with no failure`)

	j := interleave(t, "matrix", "--scenario", "reconnect-late-notify", "--strategy", "fixed", "--budget", "5", "--prove", "-1", "--prove-budget", "0", "--json")
	require.Equal(t, 0, j.code, j.stderr)
	var m struct {
		Prove string `json:"prove"`
		Cells []struct {
			Proof *struct {
				Search      string `json:"search"`
				Preemptions int    `json:"preemptions"`
				Schedules   int    `json:"schedules"`
				Exhausted   bool   `json:"exhausted"`
			} `json:"proof"`
		} `json:"cells"`
	}
	require.NoError(t, json.Unmarshal([]byte(j.stdout), &m), j.stdout)
	require.Equal(t, "dpor(unbounded)", m.Prove)
	require.NotNil(t, m.Cells[0].Proof)
	require.True(t, m.Cells[0].Proof.Exhausted, "unbounded dpor exhausts reconnect-late-notify: a proof for all schedules")
	require.Equal(t, -1, m.Cells[0].Proof.Preemptions)
	require.Positive(t, m.Cells[0].Proof.Schedules)
}

func TestMatrixText(t *testing.T) {
	t.Parallel()
	save := t.TempDir()
	r := interleave(t, "matrix", "--scenario", "out-of-order", "--strategy", "naive,fixed", "--budget", "50", "--save", save)
	require.Equal(t, 0, r.code, r.stderr)
	out := r.stdout
	require.Contains(t, out, "1 scenario x 2 strategies; each cell explored with pct(d=1), pct(d=2), pct(d=3) and random, up to 50 schedules each (seeds 1..50), each stopping at its first failure, then shrunk")
	require.Contains(t, out, "counterexamples saved under "+save+" (--save)\n")
	require.Regexp(t, `(?m)^SCENARIO +STRATEGY +VERDICT +EXPECTED +SCHEDULES +FIRST FAILURE +PCT\(d=1\) +PCT\(d=2\) +PCT\(d=3\) +RANDOM +TIME$`, out)
	require.Regexp(t, `(?m)^out-of-order +naive +fail +fail +\d+ +after \d+ \((pct\(d=\d\)|random), \d+ms\)( +(\d+|-)){4} +\S+$`, out)
	require.Regexp(t, `(?m)^out-of-order +fixed +pass +pass +200( +-){5} +\S+$`, out)
	require.Contains(t, out, "2 cells: 1 fail as expected, 1 pass as expected, 0 UNEXPECTED")
	require.NotContains(t, out, "UNEXPECTED\n")

	// Under the table, the counterexample: story, go test and interleave lines.
	_, story, ok := strings.Cut(out, "\n=== out-of-order / naive: fail (as expected)\n")
	require.True(t, ok, out)
	m := regexp.MustCompile(`^counterexample: found by (pct|random)(\(d=\d\))? seed (\d+) \(\d+ preemptions?\), shrunk to 1 preemption, \d+ steps, in \d+(ms|\.\ds)\n`).FindStringSubmatch(story)
	require.NotNil(t, m, story)
	file := filepath.Join(save, "out-of-order", "naive-shrunk-"+m[1]+"-seed"+m[3]+".schedule")
	require.Regexp(t, `\nout-of-order / naive / replay of a schedule shrunk from `+m[1]+regexp.QuoteMeta(m[2])+` seed `+m[3]+`, \d+ preemptions: fail: assertion`, story)
	require.Contains(t, story, "=> sub: exactly once: message #")
	require.Contains(t, story, "To reproduce: go test ./scenarios -run '^TestReplay$' -interleave.replay="+file+"\n")
	require.Contains(t, story, "Schedule:     "+file+"\n")
	require.Contains(t, story, "Rerun:        go run ./cmd/interleave replay "+file+" --trace\n")
	require.Contains(t, story, "Debug:        go run ./cmd/interleave debug --schedule "+file+"\n")
	require.FileExists(t, file)

	// Replaying the shrunk schedule prints the same lines: the file's, not
	// a seed's (no -interleave.search= or --search without a value).
	rep := interleave(t, "replay", file)
	require.Equal(t, 1, rep.code, rep.stderr)
	for _, line := range []string{
		"To reproduce: go test ./scenarios -run '^TestReplay$' -interleave.replay=" + file + "\n",
		"Rerun:        go run ./cmd/interleave replay " + file + " --trace\n",
		"Debug:        go run ./cmd/interleave debug --schedule " + file + "\n",
	} {
		require.Contains(t, rep.stdout, line)
	}
	require.NotContains(t, rep.stdout, "-interleave.search= ")
	require.NotContains(t, rep.stdout, "--search  ")
	hash := regexp.MustCompile(`(?m)^\d+ steps, \d+ preemptions, trace hash (\S+)$`)
	require.Equal(t, hash.FindStringSubmatch(story)[1], hash.FindStringSubmatch(rep.stdout)[1])
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

	save := t.TempDir()
	r := interleave(t, "matrix", "--scenario", file, "--strategy", "naive,fixed", "--budget", "20", "--save", save)
	require.Equal(t, 1, r.code, r.stdout+r.stderr)
	require.Regexp(t, `(?m)^out-of-order-durable +fixed +pass +fail +80( +-){5} +\S+ +UNEXPECTED$`, r.stdout)
	require.Regexp(t, `(?m)^out-of-order-durable +naive +fail +fail .*[^D]$`, r.stdout)
	require.Contains(t, r.stdout, "1 UNEXPECTED")
	require.Contains(t, r.stdout, "=== out-of-order-durable / fixed: pass (UNEXPECTED: the scenario expects fail; no failure in 80 schedules)")
	// A scenario file's counterexample is saved with the file's path
	// (relative to the schedule), and its lines rerun it.
	rerun := regexp.MustCompile(`(?m)^Rerun: +(.+)$`).FindStringSubmatch(r.stdout)
	require.NotNil(t, rerun, r.stdout)
	require.Regexp(t, `^go run ./cmd/interleave replay `+regexp.QuoteMeta(save)+`/out-of-order-durable/naive-shrunk-(pct|random)-seed\d+\.schedule --trace$`, rerun[1])
	hash := regexp.MustCompile(`(?m)^\d+ steps, \d+ preemptions, trace hash (\S+)$`).FindStringSubmatch(r.stdout)
	require.NotNil(t, hash)
	p := paste(t, rerun[1])
	require.Equal(t, 1, p.code, p.out)
	require.Contains(t, p.out, "trace hash "+hash[1])

	m := decode[matrixJSON](t, interleave(t, "matrix", "--scenario", file, "--strategy", "fixed", "--budget", "20", "--json"))
	require.Equal(t, 1, m.Unexpected)
	require.True(t, m.Cells[0].Unexpected)
}
