package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/internal/dlv"
	"github.com/interleave/interleave/scenarios"
)

// loopCell is a failing cell of the matrix as its report prints it.
type loopCell struct {
	name       string // scenario / strategy
	summary    string // the counterexample's summary line
	hash       string
	violations []string
	repro      string // To reproduce: (go test)
	rerun      string // Rerun: (interleave replay)
	debug      string // Debug: (interleave debug --schedule)
	file       string // Schedule:
}

var (
	loopRow     = regexp.MustCompile(`(?m)^(\S+) +(\S+) +fail +fail +\d+ +after `)
	loopSummary = regexp.MustCompile(`(?m)^(\S+ / \S+ / replay of .+: fail: .+)$`)
	loopHash    = regexp.MustCompile(`(?m)^\d+ steps, \d+ preemptions, trace hash (\S+)$`)
	loopLine    = func(label string) *regexp.Regexp { return regexp.MustCompile(`(?m)^` + label + `: +(.+)$`) }
)

// parseMatrixReport reads the failing cells' sections of a matrix report.
func parseMatrixReport(t *testing.T, out string) (rows []string, cells []loopCell) {
	t.Helper()
	for _, m := range loopRow.FindAllStringSubmatch(out, -1) {
		rows = append(rows, m[1]+" / "+m[2])
	}
	sections := strings.Split(out, "\n=== ")[1:]
	for _, sec := range sections {
		head, _, _ := strings.Cut(sec, ": fail (")
		c := loopCell{name: head}
		get := func(re *regexp.Regexp) string {
			m := re.FindStringSubmatch(sec)
			require.NotNil(t, m, "%s: no %s in:\n%s", head, re, sec)
			return m[1]
		}
		c.summary, c.hash = get(loopSummary), get(loopHash)
		c.repro, c.rerun, c.debug, c.file = get(loopLine("To reproduce")), get(loopLine("Rerun")), get(loopLine("Debug")), get(loopLine("Schedule"))
		for _, line := range strings.Split(sec, "\n") {
			if v, ok := strings.CutPrefix(line, "=> "); ok {
				c.violations = append(c.violations, v)
			}
		}
		cells = append(cells, c)
	}
	return rows, cells
}

// TestReproduceLoop walks the reproduce loop for every failing cell of the
// matrix, as make demo runs it: each cell's counterexample, shrunk and saved,
// is rerun by each line the report prints for it, pasted into a shell at the
// repository root, and each reports the same failure: the replay line and
// the go test line the same summary, violations and trace hash; the debug
// line, with --trace --json, the same verdict from inside the debugger. The
// go shim runs the binaries TestMain built (the debug line a binary built
// once for dlv); the first cell's lines also run through the real go.
func TestReproduceLoop(t *testing.T) {
	t.Parallel()
	_, err := dlv.Find(repoDir)
	require.NoError(t, err, "this test needs Delve: run 'make tools'")
	debugBin := filepath.Join(t.TempDir(), "scenarios.test")
	built := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		built <- dlv.BuildTestBinary(ctx, filepath.Join(repoDir, "scenarios"), debugBin, false)
	}()

	save := t.TempDir()
	// 50 schedules a search rather than make demo's 200: every cell
	// expected to fail finds its failure within 50 (the slowest, under
	// every search, needs 26), and the test stays within make test's time.
	m := invocation{dir: repoDir, timeout: 10 * time.Minute}.run(t, "matrix", "--save", save, "--budget", "50")
	require.Equal(t, 0, m.code, "%s\n%s", m.stdout, m.stderr)
	rows, cells := parseMatrixReport(t, m.stdout)
	failing := 0
	for _, sc := range scenarios.All() {
		for _, name := range scenarios.StrategyNames() {
			if sc.Expected(name) == scenarios.Fail {
				failing++
			}
		}
	}
	require.Len(t, rows, failing, "the failing cells of the matrix:\n%s", m.stdout)
	var names []string
	for _, c := range cells {
		names = append(names, c.name)
	}
	require.Equal(t, rows, names, "a counterexample for every failing cell")
	require.NoError(t, <-built)

	for i, c := range cells {
		t.Run(strings.ReplaceAll(c.name, " / ", "/"), func(t *testing.T) {
			t.Parallel()
			require.True(t, strings.HasPrefix(c.file, save+string(filepath.Separator)), c.file)
			require.Equal(t, "go run ./cmd/interleave replay "+c.file+" --trace", c.rerun)
			require.Equal(t, "go test ./scenarios -run '^TestReplay$' -interleave.replay="+c.file, c.repro)
			require.Equal(t, "go run ./cmd/interleave debug --schedule "+c.file, c.debug)
			require.NotEmpty(t, c.violations, "an oracle verdict, not a model failure")
			same := func(what string, p pasted) {
				t.Helper()
				require.Equal(t, 1, p.code, "%s: %s", what, p.out)
				require.Contains(t, p.out, c.summary, what)
				require.Contains(t, p.out, "trace hash "+c.hash, what)
				for _, v := range c.violations {
					require.Contains(t, p.out, "=> "+v, what)
				}
			}
			same("replay", paste(t, c.rerun))
			gotest := paste(t, c.repro)
			same("go test", gotest)
			require.Contains(t, gotest.out, "--- FAIL: TestReplay ")
			if i == 0 {
				same("replay, real go", pasteReal(t, c.rerun))
				same("go test, real go", pasteReal(t, c.repro))
			}

			d := paste(t, c.debug+" --trace --json", debugBinaryEnv+"="+debugBin)
			require.Equal(t, 0, d.code, d.out)
			var out dbgJSON
			require.NoError(t, json.Unmarshal([]byte(d.stdout), &out), d.out)
			require.Equal(t, "fail", out.Verdict.Verdict)
			require.Equal(t, c.summary, out.Verdict.Summary)
			require.Equal(t, c.violations, out.Verdict.Violations)
			require.Equal(t, c.hash, out.Verdict.TraceHash)
			require.Equal(t, c.repro, out.Verdict.Repro)
			require.NotEmpty(t, out.Hits, "the debugger stopped in the schedule")
			require.Zero(t, out.SkippedHits, "the replay is the only run")
		})
	}
}
