package schedtest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/interleave/interleave/internal/fsutil"
	"github.com/interleave/interleave/sched"
	"github.com/interleave/interleave/timeline"
)

// page writes the timeline page of the failing schedule s under the
// -interleave.html directory, if one was given: <dir>/<Test>/<search>-
// seed<N>.html for a schedule found by the search, replay.html for one
// replayed. The page shows the run's lanes and steps (the schedule is
// replayed once more with its runnable sets, which the preemption marks
// need), the failure at its step, the schedule and the lines that rerun
// it. It returns the page's path, or "" when none was written; a page that
// cannot be written is logged, and the failure is reported all the same.
func (c *checker) page(f *sched.Failure, s *sched.Schedule, lines []timeline.Repro) string {
	if c.cfg.HTML == "" || s == nil || c.debugging {
		return ""
	}
	name := "replay.html"
	if seed := s.Get("seed"); seed != "" {
		name = fmt.Sprintf("%s-seed%s.html", s.Get("search"), seed)
	}
	path := filepath.Join(testDir(c.cfg.HTML, c.t.Name()), name)
	if err := writePage(path, c.body, c.opts(sched.Replay(s), true), c.t.Name(), f, s, lines); err != nil {
		c.t.Logf("interleave: no timeline page: %v", err)
		return ""
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	c.t.Logf("interleave: timeline page written to %s", path)
	return path
}

func writePage(path string, body func(*sched.Runtime), opts sched.Options, title string, f *sched.Failure, s *sched.Schedule, lines []timeline.Repro) error {
	opts.Trace, opts.Runnable = true, true
	res := sched.Run(body, opts)
	tl := timeline.FromTrace(res.Trace)
	if len(tl.Steps) == 0 {
		return fmt.Errorf("the run has no steps to show")
	}
	tl.Title = title
	summary, _, _ := strings.Cut(f.Error(), "\n")
	tl.Verdict = timeline.Verdict{Failed: true, Summary: summary,
		Violations: []timeline.Violation{{Step: min(max(f.Step, 0), len(tl.Steps)), Text: f.Error()}}}
	tl.Schedule = s.String()
	tl.Repro = lines
	var b bytes.Buffer
	if err := timeline.Write(&b, tl); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(path, b.Bytes())
}
