package scenarios_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/harness"
	"github.com/interleave/interleave/scenarios"
	"github.com/interleave/interleave/timeline"
)

// readPage reads back the runs of a page written to path.
func readPage(t *testing.T, path string) []timeline.Run {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	runs, err := timeline.ReadPage(data)
	require.NoError(t, err)
	return runs
}

func TestSaveHTMLWritesTheRunsPage(t *testing.T) {
	r := seedRun(t, "naive")
	dir := t.TempDir()
	path, err := scenarios.SaveHTML(dir, r)
	require.NoError(t, err)
	require.Equal(t, filepath.Join(dir, "promote-while-requires-action-by-id", "naive-pct-seed8.html"), path)
	want, err := r.Timeline()
	require.NoError(t, err)
	runs := readPage(t, path)
	require.Len(t, runs, 1)
	require.Equal(t, want.Title, runs[0].Title)
	require.Equal(t, want.Verdict, runs[0].Verdict)
	require.Equal(t, len(want.Steps), len(runs[0].Steps))
	require.Equal(t, r.Schedule.String(), runs[0].Schedule)

	// Two runs side by side, atomically: no temporary file is left.
	both := filepath.Join(dir, "both.html")
	require.NoError(t, scenarios.WriteHTML(both, r, seedRun(t, "fixed")))
	require.Len(t, readPage(t, both), 2)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 2, "the scenario's directory and both.html")

	// A page that cannot be made leaves nothing behind.
	err = scenarios.WriteHTML(filepath.Join(dir, "none.html"))
	require.EqualError(t, err, "timeline page "+filepath.Join(dir, "none.html")+": no run")
	unreplayable := *r
	unreplayable.Schedule = nil
	require.ErrorContains(t, scenarios.WriteHTML(filepath.Join(dir, "x.html"), &unreplayable), "the run has no schedule to replay")
	_, err = os.Stat(filepath.Join(dir, "x.html"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestSaveHTMLStaysInDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pages")
	for _, name := range []string{"../x", "..", "/etc", "a/b", ""} {
		sc := &scenarios.Scenario{Name: name, Build: func(scenarios.Gen) harness.Workload { return harness.Workload{} }}
		r := &scenarios.RunResult{Spec: scenarios.Spec{Scenario: sc, Strategy: mustStrategy(t, "naive")}}
		_, err := scenarios.SaveHTML(dir, r)
		require.EqualError(t, err, `timeline page: "`+name+`" cannot name a directory under `+dir, name)
	}
	_, err := os.Stat(dir)
	require.ErrorIs(t, err, os.ErrNotExist, "nothing made")
}

func TestCheckHTMLFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	require.NoError(t, scenarios.CheckHTMLFile(filepath.Join(dir, "page.html")))
	require.NoError(t, scenarios.CheckHTMLFile(file), "an existing file is replaced")
	require.EqualError(t, scenarios.CheckHTMLFile(""), "no file name")
	require.EqualError(t, scenarios.CheckHTMLFile(dir), dir+" is a directory: want a file name")
	require.EqualError(t, scenarios.CheckHTMLFile(filepath.Join(dir, "no", "p.html")), "directory "+filepath.Join(dir, "no")+" does not exist")
	require.EqualError(t, scenarios.CheckHTMLFile(filepath.Join(file, "p.html")), file+" is not a directory")
}

// testChild runs this test binary with args and returns its output.
func testChild(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-test.count=1", "-test.v"}, args...)...)
	cmd.Env = os.Environ()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestHTMLFlag: -interleave.html=DIR makes TestScenarios, TestStress and
// TestReplay write each failure's page under DIR/<scenario>/.
func TestHTMLFlag(t *testing.T) {
	if testing.Short() {
		t.Skip("runs this test binary three times")
	}
	pages, save := t.TempDir(), t.TempDir()
	sel := []string{"-interleave.scenario=promote-while-requires-action-by-id", "-interleave.strategy=naive", "-interleave.seed=8"}
	want := filepath.Join(pages, "promote-while-requires-action-by-id", "naive-pct-seed8.html")

	out, err := testChild(t, append([]string{"-test.run=^TestScenarios$", "-interleave.html=" + pages, "-interleave.save=" + save}, sel...)...)
	require.Error(t, err, out)
	require.Contains(t, out, "timeline page written to "+want)
	runs := readPage(t, want)
	require.Equal(t, "promote-while-requires-action-by-id / naive / pct(d=3) seed 8", runs[0].Title)
	require.True(t, runs[0].Verdict.Failed)
	require.NoError(t, os.Remove(want))

	out, err = testChild(t, append([]string{"-test.run=^TestStress$", "-interleave.schedules=1", "-interleave.html=" + pages}, sel...)...)
	require.Error(t, err, out)
	require.Regexp(t, `INTERLEAVE-FAILURE \{.*"html":"`+regexp.QuoteMeta(want)+`"`, out, "the stress line names the page")
	require.FileExists(t, want)

	schedule := filepath.Join(save, "promote-while-requires-action-by-id", "naive-pct-seed8.schedule")
	out, err = testChild(t, "-test.run=^TestReplay$", "-interleave.replay="+schedule, "-interleave.html="+pages)
	require.Error(t, err, out)
	m := regexp.MustCompile(`timeline page written to (\S+)`).FindStringSubmatch(out)
	require.NotNil(t, m, out)
	require.Equal(t, filepath.Join(pages, "promote-while-requires-action-by-id"), filepath.Dir(m[1]))
	runs = readPage(t, m[1])
	require.Equal(t, regexp.MustCompile(`To reproduce: (.*)`).FindStringSubmatch(out)[1], runs[0].Repro[0].Command, "the page's lines are the report's")
}
