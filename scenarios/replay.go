package scenarios

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/interleave/interleave/harness"
	"github.com/interleave/interleave/sched"
)

// Replayed says which recorded schedule a run replayed.
type Replayed struct {
	// File is the schedule file, as given: the lines that rerun the run
	// name it. It is "" while the schedule lives only in memory (a shrunk
	// run before SaveSchedule).
	File string
	// Origin says how the schedule's choices were made, for people:
	// "pct(d=3) seed 7", "a schedule shrunk from pct(d=3) seed 7, 13
	// preemptions".
	Origin string
	// RecordedBy is the merge strategy that recorded the schedule.
	RecordedBy string
	// Guided is true when the run was steered by a schedule recorded under
	// another strategy (sched.Guided) rather than replaying it strictly.
	Guided bool
	// ScenarioGiven is true when the replay was told the scenario instead
	// of taking the schedule's (ReplayOptions.Scenario).
	ScenarioGiven bool

	stem string // of the file name SaveSchedule gives it ("": replay)
}

// The values of a schedule's @search field, in schedule files of version 2:
// a search whose seed (@seed, with @depth or @preemptions) reruns the same
// choices, or one of these two, which no seed reruns.
const (
	// SearchShrunk marks choices made smaller by ShrinkResult (@shrunk-from
	// says from what, for people).
	SearchShrunk = "shrunk"
	// SearchGuided marks choices made by a guided replay of a schedule
	// recorded under another strategy.
	SearchGuided = "guided"
)

// origin is what a schedule's metadata says of its choices and workload.
type origin struct {
	search          string // random, pct, dfs, shrunk, guided or ""
	seed            int64
	hasSeed         bool
	depth, preempt  int
	workloadSeed    int64
	hasWorkloadSeed bool
	shrunkFrom      string
}

// readOrigin reads and checks a schedule's metadata. Version 1 files had
// one @seed for both the search and a generated workload, and an empty
// @search for a shrunk schedule; they read as the version 2 fields that
// say the same.
func readOrigin(s *sched.Schedule) (origin, error) {
	var o origin
	o.search = s.Get("search")
	o.shrunkFrom = s.Get("shrunk-from")
	num := func(key string, n *int64, min int64, want string) (bool, error) {
		v := s.Get(key)
		if v == "" {
			return false, nil
		}
		x, err := strconv.ParseInt(v, 10, 64)
		if err != nil || x < min || (key != "seed" && key != "workload-seed" && x > 1<<31) {
			return false, fmt.Errorf("@%s %q: want %s", key, clipText(v), want)
		}
		*n = x
		return true, nil
	}
	var err error
	if o.hasSeed, err = num("seed", &o.seed, 0, "a non-negative whole number"); err != nil {
		return o, err
	}
	if o.hasWorkloadSeed, err = num("workload-seed", &o.workloadSeed, 0, "a non-negative whole number"); err != nil {
		return o, err
	}
	var d, b int64
	if _, err = num("depth", &d, 1, "a whole number >= 1"); err != nil {
		return o, err
	}
	hasPreempt, err := num("preemptions", &b, -1<<31, "a whole number (negative: unbounded)")
	if err != nil {
		return o, err
	}
	if !hasPreempt {
		b = 2 // DFS's default bound
	}
	o.depth, o.preempt = int(d), int(b)
	if s.Version == 1 {
		if o.search == "" && o.shrunkFrom != "" {
			o.search = SearchShrunk
		}
		if !o.hasWorkloadSeed && o.hasSeed {
			o.workloadSeed, o.hasWorkloadSeed = o.seed, true
		}
	}
	known := append(slices.Clone(SearchNames), SearchShrunk, SearchGuided)
	if o.search != "" && !slices.Contains(known, o.search) {
		return o, fmt.Errorf("@search %q: want one of %s", clipText(o.search), strings.Join(known, ", "))
	}
	return o, nil
}

// describe says how the schedule's choices were made, for people.
func (o origin) describe() string {
	switch o.search {
	case "random", "pct", "dfs", "dpor":
		search, _ := ParseSearch(o.search, o.depth, o.preempt)
		if o.hasSeed {
			return fmt.Sprintf("%s seed %d", search, o.seed)
		}
		return search.String() + " schedule"
	case SearchShrunk:
		if o.shrunkFrom != "" {
			return "a schedule shrunk from " + o.shrunkFrom
		}
		return "a shrunk schedule"
	case SearchGuided:
		return "a guided schedule"
	}
	return "a schedule"
}

// meta is the origin metadata of a replay's own schedule: a strict replay
// made the recorded choices, so they keep their origin; a guided one made
// choices of its own.
func (o origin) meta(guided bool) []sched.MetaField {
	switch {
	case guided:
		return []sched.MetaField{{Key: "search", Value: SearchGuided}}
	case o.search == SearchShrunk && o.shrunkFrom != "":
		return []sched.MetaField{{Key: "search", Value: SearchShrunk}, {Key: "shrunk-from", Value: o.shrunkFrom}}
	case o.search == "random" || o.search == "pct" || o.search == "dfs" || o.search == "dpor":
		if !o.hasSeed {
			return []sched.MetaField{{Key: "search", Value: o.search}}
		}
		search, _ := ParseSearch(o.search, o.depth, o.preempt)
		return seedOrigin(search, o.seed)
	case o.search != "":
		return []sched.MetaField{{Key: "search", Value: o.search}}
	}
	return nil
}

// spec is the Spec a replay reports: what the schedule records of its
// search and seed.
func (o origin) spec(sc *Scenario, strategy harness.Design, trace bool) Spec {
	sp := Spec{Scenario: sc, Strategy: strategy, Trace: trace, Seed: o.seed}
	if search, err := ParseSearch(o.search, o.depth, o.preempt); err == nil {
		sp.Search = search
	} else {
		sp.Search = Search{Kind: o.search, Depth: o.depth, Preemptions: o.preempt}
	}
	return sp
}

// Replay runs a recorded schedule of a scenario under a strategy. With
// guided set, the schedule steers the run as far as it applies (for a
// different strategy than the one that recorded it); otherwise a run that
// departs from it fails as a divergence. The workload is the one the
// schedule records (@workload-seed, for a generated scenario). Malformed
// metadata (@seed, @workload-seed, @depth, @preemptions, @search) is an
// error, as is a generated scenario's schedule without its workload seed.
func Replay(sc *Scenario, strategy harness.Design, s *sched.Schedule, guided, trace bool) (*RunResult, error) {
	o, err := readOrigin(s)
	if err != nil {
		return nil, err
	}
	if sc.Generated && !o.hasWorkloadSeed {
		return nil, fmt.Errorf("no @workload-seed: %s draws its workload from that seed", sc.Name)
	}
	strat := sched.Replay(s)
	if guided {
		strat = sched.Guided(s)
	}
	r := runWith(o.spec(sc, strategy, trace), workloadFor(sc, o.workloadSeed), strat, nil, nil)
	r.WorkloadSeed = o.workloadSeed
	recordedBy := s.Get("strategy")
	if recordedBy == "" {
		recordedBy = strategy.Name()
	}
	r.Replayed = &Replayed{Origin: o.describe(), RecordedBy: recordedBy, Guided: guided}
	r.record(o.meta(guided))
	return r, nil
}

// ReplayOptions say how ReplayFile replays a schedule file.
type ReplayOptions struct {
	// Scenario names the scenario (a built-in name or a scenario file)
	// instead of the schedule's @scenario-file or @scenario.
	Scenario string
	// Strategy replays under this merge strategy, guided, when it is not
	// the one that recorded the schedule ("": that one, strictly).
	Strategy string
	// Trace records the run's timeline.
	Trace bool
}

// ReplayFile replays the schedule file at path. Errors name the file.
func ReplayFile(path string, o ReplayOptions) (*RunResult, error) {
	s, err := LoadSchedule(path)
	if err != nil {
		return nil, err
	}
	return replaySchedule(path, s, o)
}

// replaySchedule replays s, read from path.
func replaySchedule(path string, s *sched.Schedule, o ReplayOptions) (*RunResult, error) {
	var sc *Scenario
	var err error
	if o.Scenario != "" {
		sc, err = Lookup(o.Scenario)
	} else {
		sc, err = scheduleScenario(path, s)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	recordedBy := s.Get("strategy")
	strategy := o.Strategy
	if strategy == "" {
		strategy = recordedBy
	}
	if strategy == "" {
		return nil, fmt.Errorf("%s: the schedule names no strategy (@strategy)", path)
	}
	st, err := LookupStrategy(strategy)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	r, err := Replay(sc, st, s, strategy != recordedBy, o.Trace)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	r.Replayed.File = path
	r.Replayed.ScenarioGiven = o.Scenario != ""
	return r, nil
}

// scheduleScenario finds the scenario a schedule file records: its
// @scenario-file (a relative path is relative to the schedule file's
// directory), which must hold the scenario @scenario names, or the
// built-in scenario @scenario names.
func scheduleScenario(path string, s *sched.Schedule) (*Scenario, error) {
	name := s.Get("scenario")
	if file := s.Get("scenario-file"); file != "" {
		if !filepath.IsAbs(file) {
			file = filepath.Join(filepath.Dir(path), file)
		}
		sc, err := LoadScript(file)
		if err != nil {
			return nil, fmt.Errorf("@scenario-file: %w", err)
		}
		if name != "" && sc.Name != name {
			return nil, fmt.Errorf("@scenario-file %s holds scenario %q, not the schedule's @scenario %q", file, sc.Name, name)
		}
		return sc, nil
	}
	if name == "" {
		return nil, fmt.Errorf("the schedule names no scenario (@scenario)")
	}
	if err := CheckName(name); err != nil {
		return nil, fmt.Errorf("@scenario: %w", err)
	}
	return Lookup(name)
}
