package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// readmeCommands returns the command lines of the README's sh blocks.
func readmeCommands(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoDir, "README.md"))
	require.NoError(t, err)
	var out []string
	for _, block := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(string(data), -1) {
		for _, line := range strings.Split(strings.TrimSpace(block[1]), "\n") {
			line, _, _ = strings.Cut(line, "  #") // a comment
			if line = strings.TrimSpace(line); line != "" {
				out = append(out, line)
			}
		}
	}
	return out
}

// TestREADMECommands: the README's commands are the forms that work when
// pasted at the repository root (go run ./cmd/interleave, never a bare
// interleave, which is on no PATH), and those that end in seconds are run,
// as pasted, through the go shim: each ends by itself, none is bad input.
func TestREADMECommands(t *testing.T) {
	t.Parallel()
	skip := map[string]string{
		"make demo": "TestReproduceLoop runs the matrix it runs",
		"make test": "what runs this test",
		"go run ./cmd/interleave matrix --prove 2":                                                                                                                           "what make demo runs: TestReproduceLoop runs the matrix, TestMatrixProve its proofs",
		"go test ./scenarios -run '^$' -fuzz FuzzSchedules -fuzztime 30s":                                                                                                    "a 30 s fuzz run",
		"go run ./cmd/interleave stress -p 4 -count 40 -compare naive,fixed -mode controlled":                                                                                "the stress tests run smaller ones",
		"go run ./cmd/interleave stress -backend pg -strategy naive -count 1000 -p 4":                                                                                        "needs PostgreSQL; the pg stress tests run smaller ones",
		"go test ./scenarios -run '^$' -bench SchedulesToFailure -benchtime 10x":                                                                                             "a benchmark of about a minute",
		"go test ./scenarios -run 'TestTimelineInBrowser/(naive|fixed)$' -update-screenshots":                                                                                "rewrites the committed screenshots; TestTimelineInBrowser runs the same pages",
		"go run ./cmd/interleave run --scenario promote-while-requires-action-by-id --strategy naive --seed 8 --html /tmp/interleave-naive.html":                             "writes outside the test's directories; TestRunHTML runs the same",
		"go run ./cmd/interleave explore --scenario out-of-order --strategy naive --stop --html /tmp/interleave-first.html":                                                  "writes outside the test's directories; TestExploreHTML runs the same",
		"go run ./cmd/interleave matrix --scenario out-of-order --budget 50 --html /tmp/interleave-pages":                                                                    "writes outside the test's directories; TestMatrixHTML runs the same",
		"go test ./scenarios -run '^TestScenarios$' -interleave.scenario=out-of-order -interleave.strategy=naive -interleave.seed=31 -interleave.html=/tmp/interleave-pages": "writes outside the test's directories; TestHTMLFlag runs the same",
	}
	want := map[string]int{ // the exit status of those that fail on purpose
		"go run ./cmd/interleave run --scenario out-of-order --strategy naive --seed 31 --trace": 1,
	}
	benchmark := regexp.MustCompile(`^go test (\./scenarios )?-run '\^\$' -bench `)
	ran := 0
	for _, line := range readmeCommands(t) {
		require.False(t, strings.HasPrefix(line, "interleave "), "%q: a bare interleave is on no PATH; print go run ./cmd/interleave", line)
		if _, ok := skip[line]; ok {
			continue
		}
		if benchmark.MatchString(line) {
			continue // benchmarks measure; they assert nothing this test could check
		}
		require.Regexp(t, `^(go run \./cmd/interleave|go test \./scenarios) `, line, "a README command this test does not know: run it here or skip it with a reason")
		code, ok := want[line]
		if !ok && strings.HasPrefix(line, "go test ./scenarios") {
			code = 1 // the go test lines of section 1 rerun failures
		}
		p := paste(t, line)
		require.Equal(t, code, p.code, "%s\n%s", line, p.out)
		ran++
	}
	require.GreaterOrEqual(t, ran, 6)
}
