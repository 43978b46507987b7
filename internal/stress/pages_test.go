//go:build unix

package stress

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestPagesOnePerGroupBesideItsLog: the engine keeps only the page of each
// group's lowest-indexed failure, and PlacePages puts it beside that
// failure's log; a page named outside Config.Pages is neither kept nor
// removed.
func TestPagesOnePerGroupBesideItsLog(t *testing.T) {
	pages, logs, outside := t.TempDir(), t.TempDir(), t.TempDir()
	rep, err := run(t, context.Background(), Config{Parallel: 2, Count: 4, OutDir: logs, Pages: pages,
		NewCmd: helperCmd("page", "STRESS_PAGES="+pages)})
	require.NoError(t, err)
	require.Equal(t, 4, rep.Failures)
	require.Len(t, rep.Groups, 1)
	g := rep.Groups[0]
	require.Equal(t, filepath.Join(pages, "seed1.html"), g.HTML, "the lowest-indexed failure's page")
	left, err := filepath.Glob(filepath.Join(pages, "*"))
	require.NoError(t, err)
	require.Equal(t, []string{filepath.Join(pages, "seed1.html")}, left, "the other pages are removed as they come")

	require.NoError(t, rep.PlacePages())
	want := filepath.Join(logs, "fail-0-seed1.html")
	require.Equal(t, want, rep.Groups[0].HTML)
	require.Equal(t, filepath.Join(logs, "fail-0-seed1.log"), rep.Groups[0].Logs[0])
	data, err := os.ReadFile(want)
	require.NoError(t, err)
	require.Equal(t, "page of seed 1", string(data))
	require.Contains(t, rep.Text(), "    page:  "+want+"\n")

	// A child naming a page outside the directory: ignored, not removed.
	rep, err = run(t, context.Background(), Config{Parallel: 1, Count: 2, OutDir: t.TempDir(), Pages: pages,
		NewCmd: helperCmd("page", "STRESS_PAGES="+pages, "STRESS_PAGE_OUTSIDE="+outside)})
	require.NoError(t, err)
	require.Empty(t, rep.Groups[0].HTML)
	require.FileExists(t, filepath.Join(outside, "seed1.html"))
	require.FileExists(t, filepath.Join(outside, "seed2.html"))
}

func TestPlacePagesWithoutALogOrPage(t *testing.T) {
	dir := t.TempDir()
	r := &Report{Groups: []Group{
		{Signature: "no log", HTML: filepath.Join(dir, "a.html")},
		{Signature: "gone", HTML: filepath.Join(dir, "missing.html"), Logs: []string{filepath.Join(dir, "fail-1-seed2.log")}},
	}}
	err := r.PlacePages()
	require.ErrorContains(t, err, `the timeline page of "gone": open `)
	require.Empty(t, r.Groups[0].HTML)
	require.Empty(t, r.Groups[1].HTML)
}
