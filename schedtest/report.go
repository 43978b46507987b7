package schedtest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/interleave/interleave/internal/fsutil"
	"github.com/interleave/interleave/internal/shell"
	"github.com/interleave/interleave/sched"
	"github.com/interleave/interleave/timeline"
)

// fail records the failing run res, found as schedule seed of total: it
// replays it with its trace, shrinks it, saves the shrunk schedule and
// writes the report.
func (c *checker) fail(res *sched.Result, seed int64, total int) {
	c.t.Helper()
	if c.debugging {
		line := c.goTest(c.searchFlags(seed)...)
		c.found(res.Failure, res.Schedule, line, fmt.Sprintf("interleave: schedule %d of %s fails: %v\n", seed, c.searchName(), res.Failure))
		return
	}
	found := sched.Run(c.body, c.opts(sched.Replay(res.Schedule), true))
	if found.Failure == nil { // cannot happen for a deterministic body
		found = res
	}
	small := found
	if res.Failure.Kind != sched.Stall { // each replay of a stall waits it out
		kind := res.Failure.Kind
		small = sched.Shrink(c.body, res.Schedule, func(r *sched.Result) bool { return r.Failure.Kind == kind },
			sched.Options{MaxSteps: c.set.maxSteps, Trace: true, StallTimeout: c.set.stall})
		if small.Failure == nil {
			small = found
		}
	}
	s := small.Schedule
	s.Set("test", c.t.Name())
	s.Set("search", c.cfg.Search)
	s.Set("seed", fmt.Sprint(seed))
	switch c.cfg.Search {
	case "pct":
		s.Set("depth", fmt.Sprint(c.cfg.Depth))
	case "dfs", "dpor":
		s.Set("preemptions", fmt.Sprint(c.cfg.Preemptions))
	}
	s.Set("failure", small.Failure.Kind.String())
	shrunk := small.Preemptions < found.Preemptions || small.Steps < found.Steps
	if shrunk {
		s.Set("shrunk-from", fmt.Sprintf("%s, %d steps", plural(found.Preemptions, "preemption"), found.Steps))
	}

	var b strings.Builder
	which := fmt.Sprintf("schedule %d of %s", seed, c.searchName())
	if c.cfg.Search != "dfs" && c.cfg.Search != "dpor" && !c.cfg.SeedSet {
		which = fmt.Sprintf("schedule %d of %d of %s", seed, total, c.searchName())
	}
	fmt.Fprintf(&b, "interleave: %s fails: %v\n", which, found.Failure)
	if shrunk {
		fmt.Fprintf(&b, "shrunk from %s and %d steps to ", plural(found.Preemptions, "preemption"), found.Steps)
	}
	fmt.Fprintf(&b, "%s and %d steps, trace hash %s\n\n", plural(small.Preemptions, "preemption"), small.Steps, hash(small.Trace))
	b.WriteString(story(small))

	name := fmt.Sprintf("%s-seed%d.schedule", c.cfg.Search, seed)
	path := filepath.Join(c.dir, name)
	seedLine := c.goTest(c.searchFlags(seed)...)
	replayLine := ""
	if err := save(path, s, b.String(), seedLine); err != nil {
		fmt.Fprintf(&b, "\ncould not save the schedule (%v); here it is:\n%s", err, s)
	} else {
		replayLine = c.goTest("-interleave.replay=" + path)
		fmt.Fprintf(&b, "\nsaved to %s; every run of the test replays it first\n", path)
		fmt.Fprintf(&b, "To rerun the shrunk schedule: %s\n", replayLine)
	}
	fmt.Fprintf(&b, "To rerun the schedule as found: %s\n", seedLine)
	repro := replayLine
	if repro == "" {
		repro = seedLine
	} else {
		c.out.Saved = path
		fmt.Fprintf(&b, "To debug it: %s\n", c.debugLine(path))
	}
	c.found(small.Failure, s, repro, b.String())
	lines := []timeline.Repro{{Label: "To rerun the schedule as found", Command: seedLine}}
	if c.out.Saved != "" {
		c.out.Debug = c.debugLine(path)
		lines = []timeline.Repro{{Label: "To rerun the shrunk schedule", Command: replayLine}, lines[0], {Label: "To debug it", Command: c.out.Debug}}
	}
	c.out.HTML = c.page(small.Failure, s, lines)
}

// debugLine is the interleave debug line that opens the schedule in path
// (relative to the package, as go test takes it) under the debugger. It is
// a go run line, which works in any module that requires interleave.
func (c *checker) debugLine(path string) string {
	return shell.Join("go", "run", cliPackage, "debug", "-pkg", packageDir(), "-run", runPattern(c.t.Name()), "-schedule", path)
}

// cliPackage is the import path of the interleave command.
const cliPackage = "github.com/interleave/interleave/cmd/interleave"

// found records the failure to report.
func (c *checker) found(f *sched.Failure, s *sched.Schedule, repro, report string) {
	c.out.Failure, c.out.Schedule, c.out.Repro, c.out.Report = f, s, repro, report
	c.out.signature = c.signature(f)
}

// searchFlags are the flags that select schedule seed of the search.
func (c *checker) searchFlags(seed int64) []string {
	flags := []string{"-interleave.search=" + c.cfg.Search}
	switch c.cfg.Search {
	case "pct":
		flags = append(flags, fmt.Sprintf("-interleave.depth=%d", c.cfg.Depth))
	case "dfs", "dpor":
		flags = append(flags, fmt.Sprintf("-interleave.preemptions=%d", c.cfg.Preemptions))
	}
	return append(flags, fmt.Sprintf("-interleave.seed=%d", seed))
}

// story is the run in words: its timeline (each step, with the source line
// of each operation, and the notes under it), then the failure.
func story(r *sched.Result) string {
	return r.Trace.String() + "=> " + r.Failure.Error() + "\n"
}

func hash(tr *sched.Trace) string {
	if tr == nil {
		return "(untraced)"
	}
	return tr.Hash()
}

// save writes a schedule file atomically: the schedule, then the report
// and the line that reruns it as # comments.
func save(path string, s *sched.Schedule, report, line string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(s.String())
	b.WriteString("#\n")
	for _, l := range strings.Split(strings.TrimRight(report, "\n"), "\n") {
		fmt.Fprintf(&b, "# %s\n", l)
	}
	fmt.Fprintf(&b, "#\n# As found: %s\n", line)
	return fsutil.WriteFileAtomic(path, []byte(b.String()))
}

// replayFile reruns the schedule in path, alone, with its trace.
func (c *checker) replayFile(path string) {
	c.t.Helper()
	s, err := sched.ReadScheduleFile(path)
	if err != nil {
		c.t.Fatalf("interleave: -interleave.replay: %v", err)
	}
	r := sched.Run(c.body, c.opts(sched.Replay(s), true))
	if r.Failure == nil {
		c.t.Logf("interleave: replayed %s: pass (%d steps, trace hash %s)", path, r.Steps, hash(r.Trace))
		return
	}
	line := c.goTest("-interleave.replay=" + path)
	c.found(r.Failure, r.Schedule, line, fmt.Sprintf("interleave: replayed %s: %v\n%d steps, %s, trace hash %s\n\n%s\nTo rerun it: %s\nTo debug it: %s\n",
		path, r.Failure, r.Steps, plural(r.Preemptions, "preemption"), hash(r.Trace), story(r), line, c.debugLine(path)))
	c.out.Debug = c.debugLine(path)
	c.out.HTML = c.page(r.Failure, r.Schedule, []timeline.Repro{{Label: "To rerun it", Command: line}, {Label: "To debug it", Command: c.out.Debug}})
}

// replayCorpus replays every schedule saved for this test: the first that
// still fails is the outcome; the others are logged.
func (c *checker) replayCorpus() {
	c.t.Helper()
	paths, _ := filepath.Glob(filepath.Join(c.dir, "*.schedule"))
	for _, path := range paths {
		s, err := sched.ReadScheduleFile(path)
		if err != nil {
			c.t.Fatalf("interleave: saved schedule: %v (fix or delete the file)", err)
		}
		r := sched.Run(c.body, c.opts(sched.Replay(s), true))
		switch {
		case r.Failure == nil:
			c.t.Logf("interleave: saved schedule %s passes now (kept as a regression test)", path)
		case r.Failure.Kind == sched.Divergence:
			c.t.Logf("interleave: saved schedule %s no longer applies (%v); delete it if the code changed on purpose", path, r.Failure)
		default:
			line := c.goTest("-interleave.replay=" + path)
			c.found(r.Failure, r.Schedule, line, fmt.Sprintf("interleave: saved schedule %s still fails: %v\n%d steps, trace hash %s\n\n%s\nTo rerun it: %s\nTo debug it: %s\n",
				path, r.Failure, r.Steps, hash(r.Trace), story(r), line, c.debugLine(path)))
			c.out.Saved, c.out.Debug = path, c.debugLine(path)
			c.out.HTML = c.page(r.Failure, r.Schedule, []timeline.Repro{{Label: "To rerun it", Command: line}, {Label: "To debug it", Command: c.out.Debug}})
			return
		}
	}
}

// emitFailure prints the line interleave stress reads from a child.
func emitFailure(signature, repro, debug, html string) {
	m := map[string]string{"signature": signature, "repro": repro, "debug": debug}
	if html != "" {
		m["html"] = html
	}
	b, _ := json.Marshal(m)
	fmt.Println("INTERLEAVE-FAILURE " + string(b))
}

// goTest returns the go test command line that runs this test alone with
// the given flags, quoted for the shell, to be run from the module root.
func (c *checker) goTest(flags ...string) string {
	args := append([]string{"go", "test", packageDir(), "-run", runPattern(c.t.Name()), "-count=1"}, flags...)
	return shell.Join(args...)
}

// runPattern is the -run pattern that selects exactly the test (and
// subtest) name.
func runPattern(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}

// packageDir returns the test's package directory relative to the module
// root ("./examples/bank"), as go test takes it; "." when it cannot tell.
func packageDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			rel, err := filepath.Rel(dir, wd)
			if err != nil || rel == "." {
				return "."
			}
			return "./" + filepath.ToSlash(rel)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "."
		}
		dir = parent
	}
}

// testDir is the directory of a test's saved schedules under base: one
// level per element of its name, each made safe as a file name (so a
// subtest named "../x" stays inside base).
func testDir(base, name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		p = strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
				return r
			}
			return '_'
		}, p)
		if p == "" || strings.Trim(p, ".") == "" {
			p = strings.Repeat("_", max(len(p), 1))
		}
		parts[i] = p
	}
	return filepath.Join(append([]string{base}, parts...)...)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
