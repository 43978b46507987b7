package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/timeline"
)

// seedArgs name promote-while-requires-action-by-id under naive, pct d=3
// seed 8: #4 and #5 are lost.
var seedArgs = []string{"--scenario", "promote-while-requires-action-by-id", "--strategy", "naive", "--seed", "8"}

func readPage(t *testing.T, path string) []timeline.Run {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	runs, err := timeline.ReadPage(data)
	require.NoError(t, err)
	return runs
}

// printed returns the line of out that starts with label, without it.
func printed(t *testing.T, out, label string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(label) + ` +(.*)$`).FindStringSubmatch(out)
	require.NotNil(t, m, "no %q line in:\n%s", label, out)
	return m[1]
}

// TestRunHTML: run --html FILE writes the run's page, whose reproduction
// block holds the lines run prints.
func TestRunHTML(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	page := filepath.Join(dir, "naive.html")
	r := interleave(t, append([]string{"run", "--html", page}, seedArgs...)...)
	require.Equal(t, 1, r.code, r.stderr)
	require.Contains(t, r.stdout, "timeline page written to "+page+"\n")
	runs := readPage(t, page)
	require.Len(t, runs, 1)
	tl := runs[0]
	require.Equal(t, "promote-while-requires-action-by-id / naive / pct(d=3) seed 8", tl.Title)
	require.True(t, tl.Verdict.Failed)
	require.Equal(t, []timeline.Repro{
		{Label: "To reproduce", Command: printed(t, r.stdout, "To reproduce:")},
		{Label: "Rerun", Command: printed(t, r.stdout, "Rerun:")},
		{Label: "Debug", Command: printed(t, r.stdout, "Debug:")},
	}, tl.Repro)
	require.Contains(t, r.stdout, "trace hash ")

	// --json names the page; a passing run has one too.
	pass := filepath.Join(dir, "fixed.html")
	j := interleave(t, "run", "--scenario", "promote-while-requires-action-by-id", "--strategy", "fixed", "--seed", "8", "--html", pass, "--json")
	require.Equal(t, 0, j.code, j.stderr)
	require.Equal(t, pass, decode[map[string]any](t, j)["html"])
	require.False(t, readPage(t, pass)[0].Verdict.Failed)
}

// TestReplayHTML: replay --html FILE writes the replay's page.
func TestReplayHTML(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := interleave(t, append([]string{"run", "--save", dir}, seedArgs...)...)
	require.Equal(t, 1, r.code, r.stderr)
	schedule := filepath.Join(dir, "promote-while-requires-action-by-id", "naive-pct-seed8.schedule")
	page := filepath.Join(dir, "replay.html")
	rp := interleave(t, "replay", schedule, "--html", page)
	require.Equal(t, 1, rp.code, rp.stderr)
	require.Contains(t, rp.stdout, "timeline page written to "+page+"\n")
	tl := readPage(t, page)[0]
	require.True(t, tl.Verdict.Failed)
	require.Equal(t, printed(t, rp.stdout, "Rerun:"), tl.Repro[1].Command)
	require.Contains(t, tl.Repro[1].Command, "replay "+schedule)
}

// TestExploreHTML: explore --html FILE writes the first failure's page,
// and none when nothing fails.
func TestExploreHTML(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	page := filepath.Join(dir, "first.html")
	r := interleave(t, "explore", "--scenario", "promote-while-requires-action-by-id", "--strategy", "naive", "--budget", "50", "--html", page, "--json")
	require.Equal(t, 1, r.code, r.stderr)
	out := decode[map[string]any](t, r)
	require.Equal(t, page, out["html"])
	first := out["first"].(map[string]any)
	tl := readPage(t, page)[0]
	require.True(t, tl.Verdict.Failed)
	require.Equal(t, first["repro"], tl.Repro[0].Command)
	require.Equal(t, first["schedule"], tl.Schedule)

	none := filepath.Join(dir, "none.html")
	p := interleave(t, "explore", "--scenario", "promote-while-requires-action-by-id", "--strategy", "fixed", "--budget", "5", "--html", none)
	require.Equal(t, 0, p.code, p.stderr)
	require.Contains(t, p.stdout, "no failure: no timeline page written\n")
	require.NoFileExists(t, none)
}

// TestMatrixHTML: matrix --html DIR writes one page per failing cell,
// under DIR/<scenario>/, named as its schedule file.
func TestMatrixHTML(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pages, save := filepath.Join(dir, "pages"), filepath.Join(dir, "save")
	r := interleave(t, "matrix", "--scenario", "promote-while-requires-action-by-id", "--strategy", "naive,fixed", "--budget", "50", "--save", save, "--html", pages, "-p", "1")
	require.Equal(t, 0, r.code, r.stderr)
	page := printed(t, r.stdout, "Timeline:")
	require.Equal(t, filepath.Join(pages, "promote-while-requires-action-by-id"), filepath.Dir(page))
	schedule := printed(t, r.stdout, "Schedule:")
	require.Equal(t, strings.TrimSuffix(filepath.Base(schedule), ".schedule")+".html", filepath.Base(page))
	var files []string
	require.NoError(t, filepath.WalkDir(pages, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return err
	}))
	require.Equal(t, []string{page}, files, "one page: only naive fails")
	tl := readPage(t, page)[0]
	require.True(t, tl.Verdict.Failed)
	require.Equal(t, printed(t, r.stdout, "Rerun:"), tl.Repro[1].Command, "the lines replay the saved schedule")

	j := interleave(t, "matrix", "--scenario", "promote-while-requires-action-by-id", "--strategy", "naive", "--budget", "50", "--save", save, "--html", pages, "-p", "1", "--json")
	require.Equal(t, 0, j.code, j.stderr)
	cell := decode[map[string]any](t, j)["cells"].([]any)[0].(map[string]any)
	require.Equal(t, page, cell["counterexample"].(map[string]any)["html"])
}
