package schedtest_test

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/timeline"
)

var pageRE = regexp.MustCompile(`interleave: timeline page written to (\S+)`)

func TestHTMLPageOfTheFailure(t *testing.T) {
	save, pages := t.TempDir(), t.TempDir()
	out, err := child(t, "-test.run=^TestHelperLostUpdate$", "-interleave.save="+save, "-interleave.html="+pages)
	require.Error(t, err, out)
	m := pageRE.FindStringSubmatch(out)
	require.NotNil(t, m, out)
	path := m[1]
	require.Regexp(t, `^`+regexp.QuoteMeta(filepath.Join(pages, "TestHelperLostUpdate"))+`/pct-seed\d+\.html$`, path)
	require.Contains(t, out, `"html":"`+path+`"`, "the stress line names the page")

	data, err := os.ReadFile(path)
	require.NoError(t, err)
	runs, err := timeline.ReadPage(data)
	require.NoError(t, err)
	require.Len(t, runs, 1)
	r := runs[0]
	require.Equal(t, "TestHelperLostUpdate", r.Title)
	require.True(t, r.Verdict.Failed)
	require.Contains(t, r.Verdict.Summary, "lost update: counter = 1, want 2")
	require.Len(t, r.Verdict.Violations, 1)
	require.Positive(t, r.Verdict.Violations[0].Step)
	require.Len(t, r.Lanes, 3, "main and the two incrementing tasks")
	pre := 0
	for _, s := range r.Steps {
		if s.Preempted {
			pre++
		}
	}
	require.Equal(t, 1, pre, "the shrunk schedule's one preemption is marked")
	require.Contains(t, r.Schedule, "@test TestHelperLostUpdate\n")
	replay := replayRE.FindStringSubmatch(out)[1]
	require.Equal(t, []timeline.Repro{
		{Label: "To rerun the shrunk schedule", Command: replay},
		{Label: "To rerun the schedule as found", Command: seedRE.FindStringSubmatch(out)[1]},
		{Label: "To debug it", Command: regexp.MustCompile(`(?m)To debug it: (.*)$`).FindStringSubmatch(out)[1]},
	}, r.Repro, "the lines the report prints")

	// Replaying the saved schedule writes the replay's page.
	again, err := child(t, "-test.run=^TestHelperLostUpdate$", "-interleave.replay="+replayRE.FindStringSubmatch(out)[2], "-interleave.html="+pages)
	require.Error(t, err)
	require.Contains(t, again, "interleave: timeline page written to "+filepath.Join(pages, "TestHelperLostUpdate", "replay.html"))

	// Without a failure there is no page.
	fixed := t.TempDir()
	out, err = child(t, "-test.run=^TestHelperFixed$", "-interleave.html="+fixed)
	require.NoError(t, err, out)
	entries, _ := os.ReadDir(fixed)
	require.Empty(t, entries)
}

func TestHTMLDirMustBeADirectory(t *testing.T) {
	file := filepath.Join(t.TempDir(), "f")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	out, err := child(t, "-test.run=^TestHelperLostUpdate$", "-interleave.html="+file)
	require.Error(t, err)
	require.Contains(t, out, `interleave: -interleave.html="`+file+`": not a directory`)
}
