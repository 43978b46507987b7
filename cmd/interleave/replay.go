package main

import (
	"strings"

	"github.com/interleave/interleave/scenarios"
)

var replayCmd = &command{
	name:     "replay",
	synopsis: "interleave replay FILE [--strategy X] [--scenario S] [--trace] [--json]",
	flags: func(f *flags) func(*cli, []string) (int, error) {
		strategy := f.String("strategy", "", "replay under this merge `strategy`, guided (default: the one that recorded it, strictly)")
		scenario := f.String("scenario", "", "the scenario `name` or .scenario file (default: the schedule's @scenario)")
		trace := f.Bool("trace", false, "print the whole timeline")
		return func(c *cli, args []string) (int, error) {
			if len(args) != 1 {
				return 0, badUsage("want one schedule FILE, got %d arguments", len(args))
			}
			if *strategy != "" {
				if _, err := lookupStrategy(*strategy); err != nil {
					return 0, err
				}
			}
			if *scenario != "" {
				if _, err := lookupScenario(*scenario); err != nil {
					return 0, err
				}
			}
			r, recordedBy, err := replay(args[0], *scenario, *strategy)
			if err != nil {
				return 0, err
			}
			rerun := "interleave replay " + shellQuote(args[0])
			if *strategy != "" {
				rerun += " --strategy " + *strategy
			}
			if *scenario != "" {
				rerun += " --scenario " + shellQuote(*scenario)
			}
			return finishRun(c, r, output{json: *f.json, trace: *trace, replayed: args[0], recordedBy: recordedBy, rerun: rerun + " --trace"})
		}
	},
}

// replay replays the schedule file at path, as scenarios.ReplayEntry does
// unless scenario names the scenario instead of the file's @scenario, and
// returns the run and the strategy that recorded the schedule.
func replay(path, scenario, strategy string) (*scenarios.RunResult, string, error) {
	s, err := scenarios.LoadSchedule(path)
	if err != nil {
		return nil, "", badInput("%s", oneLine(err))
	}
	recordedBy := s.Get("strategy")
	if scenario == "" {
		r, err := scenarios.ReplayEntry(scenarios.CorpusEntry{Path: path, Schedule: s}, strategy)
		if err != nil {
			msg := oneLine(err)
			if strings.Contains(msg, "unknown scenario") {
				msg += "; for a schedule of a scenario file, name the file with --scenario"
			}
			return nil, "", badInput("%s", msg)
		}
		return r, recordedBy, nil
	}
	sc, err := lookupScenario(scenario)
	if err != nil {
		return nil, "", err
	}
	if strategy == "" {
		strategy = recordedBy
	}
	st, err := lookupStrategy(strategy)
	if err != nil {
		return nil, "", badInput("%s: %s", path, err)
	}
	return scenarios.Replay(sc, st, s, strategy != recordedBy, true), recordedBy, nil
}
