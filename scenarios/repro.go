package scenarios

import (
	"fmt"
	"regexp"
	"strconv"

	"github.com/interleave/interleave/internal/shell"
)

// The lines that rerun a run are meant to be pasted into a shell in the
// repository's root directory: the go test lines test ./scenarios, the
// interleave lines run ./cmd/interleave with go run (so they work without
// installing anything), every argument is quoted for the shell, and files
// are named by absolute paths. Each reruns exactly the run it was printed
// for: the same verdict, the same violations and the same trace hash.
var (
	goTestCmd     = []string{"go", "test", "./scenarios"}
	interleaveCmd = []string{"go", "run", "./cmd/interleave"}
)

// scenarioArg is how a command line names the run's scenario: the absolute
// path of its file, or its name.
func (r *RunResult) scenarioArg() string {
	if src := r.Spec.Scenario.Source; src != "" {
		return absPath(src)
	}
	return r.Spec.Scenario.Name
}

// reproducible reports whether the run has lines that rerun it: a run by
// seed always does, a replay once its schedule is in a file.
func (r *RunResult) reproducible() bool {
	return r.Replayed == nil || r.Replayed.File != ""
}

// replayOverrides are the flags a replay's lines repeat: the scenario and
// strategy the replay was given instead of the schedule's own.
func (r *RunResult) replayOverrides(prefix string) []string {
	var out []string
	if r.Replayed.ScenarioGiven {
		out = append(out, prefix+"scenario", r.scenarioArg())
	}
	if r.Replayed.Guided {
		out = append(out, prefix+"strategy", r.Spec.Strategy.Name())
	}
	return out
}

// Repro returns the go test line that reruns this run: TestScenarios with
// the run's seed, or, for a replay, TestReplay with its schedule file
// (-interleave.replay). It is "" for a replay whose schedule is not saved
// yet (SaveSchedule).
func (r *RunResult) Repro() string {
	if !r.reproducible() {
		return ""
	}
	if r.Replayed != nil {
		args := append(append([]string{}, goTestCmd...), "-run", "^TestReplay$", "-interleave.replay="+absPath(r.Replayed.File))
		over := r.replayOverrides("-interleave.")
		for i := 0; i < len(over); i += 2 {
			args = append(args, over[i]+"="+over[i+1])
		}
		return shell.Join(args...)
	}
	sp := r.Spec
	run := fmt.Sprintf("^TestScenarios$/^%s$/^%s$/^seed=%d$", regexp.QuoteMeta(sp.Scenario.Name), regexp.QuoteMeta(sp.Strategy.Name()), sp.Seed)
	args := append(append([]string{}, goTestCmd...), "-run", run,
		"-interleave.scenario="+r.scenarioArg(),
		"-interleave.strategy="+sp.Strategy.Name(),
		"-interleave.seed="+strconv.FormatInt(sp.Seed, 10),
		"-interleave.search="+sp.Search.Kind,
		"-interleave.depth="+strconv.Itoa(depthOf(sp.Search)),
		"-interleave.preemptions="+strconv.Itoa(sp.Search.Preemptions))
	return shell.Join(args...)
}

// ReproOrHint is Repro, or for an unsaved replay what to do instead.
func (r *RunResult) ReproOrHint() string {
	if line := r.Repro(); line != "" {
		return line
	}
	return "(the schedule is not saved: save it (SaveSchedule, --save DIR), then replay the file)"
}

// depthOf is the search's PCT depth, the default where a search does not
// use one (DFS runs record none).
func depthOf(s Search) int {
	if s.Depth <= 0 {
		return 3
	}
	return s.Depth
}

// seedFlags are the interleave flags that name a run by seed.
func (r *RunResult) seedFlags() []string {
	sp := r.Spec
	return []string{"--scenario", r.scenarioArg(), "--strategy", sp.Strategy.Name(), "--search", sp.Search.Kind,
		"--depth", strconv.Itoa(depthOf(sp.Search)), "--preemptions", strconv.Itoa(sp.Search.Preemptions),
		"--seed", strconv.FormatInt(sp.Seed, 10)}
}

// CLI returns the interleave line that reruns this run and prints its
// trace: run with its seed, or replay of its schedule file. It is "" for a
// replay whose schedule is not saved yet.
func (r *RunResult) CLI() string {
	if !r.reproducible() {
		return ""
	}
	args := append([]string{}, interleaveCmd...)
	if r.Replayed != nil {
		args = append(append(append(args, "replay", absPath(r.Replayed.File)), r.replayOverrides("--")...), "--trace")
	} else {
		args = append(append(append(args, "run"), r.seedFlags()...), "--trace")
	}
	return shell.Join(args...)
}

// DebugLine returns the interleave debug line that opens this run under
// the Delve debugger: by its seed, or by its schedule file (--schedule). It
// is "" for a replay whose schedule is not saved yet.
func (r *RunResult) DebugLine() string {
	if !r.reproducible() {
		return ""
	}
	args := append(append([]string{}, interleaveCmd...), "debug")
	if r.Replayed != nil {
		args = append(append(args, "--schedule", absPath(r.Replayed.File)), r.replayOverrides("--")...)
	} else {
		args = append(args, r.seedFlags()...)
	}
	return shell.Join(args...)
}

// ReplayLine is the interleave line that replays the schedule file at path
// and prints its trace.
func ReplayLine(path string) string {
	return shell.Join(append(append([]string{}, interleaveCmd...), "replay", absPath(path), "--trace")...)
}
