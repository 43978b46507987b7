package main

import (
	"strings"

	"github.com/interleave/interleave/scenarios"
)

var replayCmd = &command{
	name:     "replay",
	synopsis: "interleave replay FILE [--strategy X] [--scenario S] [--trace] [--html FILE] [--json]",
	flags: func(f *flags) func(*cli, []string) (int, error) {
		strategy := f.String("strategy", "", "replay under this merge `strategy`, guided (default: the one that recorded it, strictly)")
		scenario := f.String("scenario", "", "the scenario `name` or .scenario file (default: the schedule's @scenario)")
		trace := f.Bool("trace", false, "print the whole timeline")
		html := f.String("html", "", "write the replay's timeline page to `FILE`")
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
			if err := checkHTMLFile("--html", *html); err != nil {
				return 0, err
			}
			r, err := scenarios.ReplayFile(args[0], scenarios.ReplayOptions{Scenario: *scenario, Strategy: *strategy, Trace: true})
			if err != nil {
				msg := oneLine(err)
				if strings.Contains(msg, "unknown scenario") && *scenario == "" {
					msg += "; for a schedule of a scenario file, name the file with --scenario"
				}
				return 0, badInput("%s", msg)
			}
			return finishRun(c, r, output{json: *f.json, trace: *trace, replayed: args[0], html: *html})
		}
	},
}
