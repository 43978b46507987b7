package scenarios

import (
	"fmt"
	"strings"

	"github.com/interleave/interleave/internal/testconfig"
)

// Config is what the test flags and INTERLEAVE_* variables select.
//
//	-interleave.seed N         INTERLEAVE_SEED         run only seed N (default: seeds 1..schedules)
//	-interleave.strategy S     INTERLEAVE_STRATEGY     merge strategies, comma-separated, or "all"
//	                                                   (default: those the scenario expects to pass)
//	-interleave.schedules N    INTERLEAVE_SCHEDULES    seeds per scenario and strategy (default 20)
//	-interleave.search K       INTERLEAVE_SEARCH       random, pct or dfs (default pct)
//	-interleave.depth D        INTERLEAVE_DEPTH        PCT's bug depth (default 3)
//	-interleave.preemptions B  INTERLEAVE_PREEMPTIONS  DFS's preemption bound (default 2)
//	-interleave.scenario S     INTERLEAVE_SCENARIO     scenarios, comma-separated (default all)
//	-interleave.mode M         INTERLEAVE_MODE         controlled or wild (TestStress)
//	-interleave.save DIR       INTERLEAVE_SAVE         save failing schedules under DIR
//	-interleave.replay FILE    INTERLEAVE_REPLAY       the schedule file TestReplay replays
//	                                                   (with -interleave.scenario and -interleave.strategy,
//	                                                   if given, instead of the file's)
//
// A flag given on the command line wins over its variable. The numbers
// have limits (MaxSchedules, MaxDepth, MaxPreemptions), and the seeds a
// run takes, -interleave.seed and the -interleave.schedules after it, must
// stay below the largest int64.
type Config struct {
	Seed        int64
	SeedSet     bool
	Strategies  []string
	Schedules   int
	Search      string
	Depth       int
	Preemptions int
	Scenarios   []string
	Mode        string
	Save        string
	Replay      string
}

// ConfigKeys are the names of the settings, as in -interleave.<key> and
// INTERLEAVE_<KEY>.
var ConfigKeys = []string{"seed", "strategy", "schedules", "search", "depth", "preemptions", "scenario", "mode", "save", "replay"}

// LoadConfig builds a Config from the flags set on the command line
// (flags, by key) and the environment (getenv). It is a pure function of
// its arguments. Errors name the flag and its variable. The settings the
// scenarios share with schedtest are parsed by internal/testconfig.
func LoadConfig(flags map[string]string, getenv func(string) string) (Config, error) {
	c := Config{Schedules: 20, Search: "pct", Depth: 3, Preemptions: 2, Mode: "controlled"}
	common := testconfig.Config{Schedules: c.Schedules, Search: c.Search, Depth: c.Depth, Preemptions: c.Preemptions, Mode: c.Mode}
	common, err := testconfig.Load(common, ConfigKeys, flags, getenv, func(key, src, v string) error {
		switch key {
		case "strategy":
			if v == "all" {
				c.Strategies = StrategyNames()
				return nil
			}
			c.Strategies = nil
			for _, s := range strings.Split(v, ",") {
				if _, err := LookupStrategy(s); err != nil {
					return fmt.Errorf("%s: %w", src, err)
				}
				c.Strategies = append(c.Strategies, s)
			}
		case "scenario":
			c.Scenarios = nil
			for _, s := range strings.Split(v, ",") {
				if _, err := Lookup(s); err != nil {
					return fmt.Errorf("%s: %w", src, err)
				}
				c.Scenarios = append(c.Scenarios, s)
			}
		}
		return nil
	})
	c.Seed, c.SeedSet, c.Schedules = common.Seed, common.SeedSet, common.Schedules
	c.Search, c.Depth, c.Preemptions = common.Search, common.Depth, common.Preemptions
	c.Mode, c.Save, c.Replay = common.Mode, common.Save, common.Replay
	if err == nil && c.SeedSet {
		// TestStress runs the seeds from -interleave.seed on.
		if err := CheckSeedRange(c.Seed, int64(c.Schedules)); err != nil {
			return c, fmt.Errorf("-interleave.seed=%d with -interleave.schedules=%d: %w", c.Seed, c.Schedules, err)
		}
	}
	return c, err
}

// SearchSpec returns the configured search.
func (c Config) SearchSpec() Search {
	s, _ := ParseSearch(c.Search, c.Depth, c.Preemptions)
	return s
}

// Seeds returns the seeds to run: the one given, or 1..Schedules.
func (c Config) Seeds() []int64 {
	if c.SeedSet {
		return []int64{c.Seed}
	}
	out := make([]int64, c.Schedules)
	for i := range out {
		out[i] = int64(i + 1)
	}
	return out
}

// StrategiesFor returns the strategies to run on a scenario: the
// configured ones, or by default those the scenario expects to pass.
func (c Config) StrategiesFor(sc *Scenario) []string {
	if c.Strategies != nil {
		return c.Strategies
	}
	var out []string
	for _, s := range StrategyNames() {
		if sc.Expected(s) == Pass {
			out = append(out, s)
		}
	}
	return out
}
