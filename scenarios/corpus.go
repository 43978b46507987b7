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

// CorpusFileName is the file name of a failing run's schedule:
// <strategy>-<search>-seed<N>.schedule for a run by seed,
// <strategy>-shrunk-<search>-seed<N>.schedule for one shrunk from such a
// run, <strategy>-replay.schedule for another replay.
func CorpusFileName(r *RunResult) string {
	if rp := r.Replayed; rp != nil {
		stem := rp.stem
		if stem == "" {
			stem = "replay"
		}
		return fmt.Sprintf("%s-%s.schedule", r.Spec.Strategy.Name(), stem)
	}
	return fmt.Sprintf("%s-%s-seed%d.schedule", r.Spec.Strategy.Name(), r.Spec.Search.Kind, r.Spec.Seed)
}

// ScheduleFile renders a run's schedule file: the schedule's text form, then
// the oracle's verdict and the run's timeline as # comments.
func ScheduleFile(r *RunResult) string {
	return scheduleFile(r, r.Schedule)
}

func scheduleFile(r *RunResult, s *sched.Schedule) string {
	var b strings.Builder
	b.WriteString(s.String())
	fmt.Fprintf(&b, "#\n# %s\n", r.Summary())
	fmt.Fprintf(&b, "# %d steps, %d preemptions, trace hash %s\n", r.Steps, r.Preemptions, r.TraceHash())
	for _, v := range r.Violations {
		fmt.Fprintf(&b, "# => %s\n", v)
	}
	fmt.Fprintf(&b, "# To reproduce: %s\n#\n", r.ReproOrHint())
	if r.Trace != nil {
		for _, line := range strings.Split(strings.TrimRight(r.Trace.String(), "\n"), "\n") {
			fmt.Fprintf(&b, "# %s\n", line)
		}
	}
	return b.String()
}

// SaveSchedule writes a run's schedule file under dir/<scenario>/,
// atomically (a temp file renamed into place), and returns its path. The
// file's @scenario-file is written relative to the file's directory. A
// replayed run (a shrunk one) is then replayed from that file: the lines
// it prints (Repro, CLI, DebugLine) name it.
func SaveSchedule(dir string, r *RunResult) (string, error) {
	name := r.Spec.Scenario.Name
	if err := CheckName(name); err != nil || !filepath.IsLocal(name) {
		return "", fmt.Errorf("save schedule: %q cannot name a directory under %s", name, dir)
	}
	sub := filepath.Join(dir, name)
	if err := os.MkdirAll(sub, 0o755); err != nil {
		return "", fmt.Errorf("save schedule: %w", err)
	}
	path := filepath.Join(sub, CorpusFileName(r))
	var saved *Replayed
	if r.Replayed != nil && r.Replayed.File == "" {
		c := *r.Replayed
		c.File = path
		saved, r.Replayed = r.Replayed, &c // the file's own To reproduce line names it
	}
	s := r.Schedule.Clone()
	if file := s.Get("scenario-file"); file != "" {
		if rel, err := filepath.Rel(absPath(sub), file); err == nil {
			s.Set("scenario-file", rel)
		}
	}
	err := WriteFileAtomic(path, []byte(scheduleFile(r, s)))
	if err != nil && saved != nil {
		r.Replayed = saved
	}
	return path, err
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

// ReplayEntry replays a corpus schedule with its trace, under the strategy
// that recorded it (strictly) or under another one (guided).
func ReplayEntry(e CorpusEntry, strategy string) (*RunResult, error) {
	return replaySchedule(e.Path, e.Schedule, ReplayOptions{Strategy: strategy, Trace: true})
}
