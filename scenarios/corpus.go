package scenarios

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/interleave/interleave/internal/fsutil"
	"github.com/interleave/interleave/sched"
)

// CorpusDir is where failing schedules are kept, one directory per
// scenario.
const CorpusDir = "testdata/corpus"

// CorpusFileName is the file name of a failing run's schedule.
func CorpusFileName(r *RunResult) string {
	return fmt.Sprintf("%s-%s-seed%d.schedule", r.Spec.Strategy.Name(), r.Spec.Search.Kind, r.Spec.Seed)
}

// ScheduleFile renders a run's schedule file: the schedule's text form, then
// the oracle's verdict and the run's timeline as # comments.
func ScheduleFile(r *RunResult) string {
	var b strings.Builder
	b.WriteString(r.Schedule.String())
	fmt.Fprintf(&b, "#\n# %s\n", r.Summary())
	for _, v := range r.Violations {
		fmt.Fprintf(&b, "# => %s\n", v)
	}
	fmt.Fprintf(&b, "# To reproduce: %s\n#\n", r.Repro())
	if r.Trace != nil {
		for _, line := range strings.Split(strings.TrimRight(r.Trace.String(), "\n"), "\n") {
			fmt.Fprintf(&b, "# %s\n", line)
		}
	}
	return b.String()
}

// SaveSchedule writes a run's schedule file under dir/<scenario>/,
// atomically (a temp file renamed into place), and returns its path.
func SaveSchedule(dir string, r *RunResult) (string, error) {
	sub := filepath.Join(dir, r.Spec.Scenario.Name)
	if err := os.MkdirAll(sub, 0o755); err != nil {
		return "", fmt.Errorf("save schedule: %w", err)
	}
	path := filepath.Join(sub, CorpusFileName(r))
	return path, WriteFileAtomic(path, []byte(ScheduleFile(r)))
}

// WriteFileAtomic writes data to path through a temp file in the same
// directory and a rename, so a reader sees the old file or the new one,
// never half of one (fsutil.WriteFileAtomic).
func WriteFileAtomic(path string, data []byte) error {
	return fsutil.WriteFileAtomic(path, data)
}

// LoadSchedule reads a schedule file; errors name the file.
func LoadSchedule(path string) (*sched.Schedule, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("schedule file: %w", err)
	}
	defer f.Close()
	s, err := sched.ParseSchedule(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// CorpusEntry is one saved schedule.
type CorpusEntry struct {
	Path     string
	Schedule *sched.Schedule
}

// LoadCorpus reads every *.schedule file under dir, sorted by path.
func LoadCorpus(dir string) ([]CorpusEntry, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*", "*.schedule"))
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	var out []CorpusEntry
	for _, p := range paths {
		s, err := LoadSchedule(p)
		if err != nil {
			return nil, err
		}
		out = append(out, CorpusEntry{Path: p, Schedule: s})
	}
	return out, nil
}

// ReplayEntry replays a corpus schedule under the strategy that recorded
// it (strictly) or under another one (guided).
func ReplayEntry(e CorpusEntry, strategy string) (*RunResult, error) {
	name := e.Schedule.Get("scenario")
	if name == "" {
		return nil, fmt.Errorf("%s: the schedule names no scenario (@scenario)", e.Path)
	}
	sc, err := Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", e.Path, err)
	}
	if strategy == "" {
		strategy = e.Schedule.Get("strategy")
	}
	st, err := LookupStrategy(strategy)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", e.Path, err)
	}
	guided := strategy != e.Schedule.Get("strategy")
	return Replay(sc, st, e.Schedule, guided, true), nil
}
