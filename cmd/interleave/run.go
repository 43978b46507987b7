package main

import (
	"fmt"

	"github.com/interleave/interleave/scenarios"
)

var runCmd = &command{
	name:     "run",
	synopsis: "interleave run --scenario S [--strategy X] [--seed N] [--search pct|random|dfs|dpor] [--depth D] [--preemptions B] [--trace] [--save DIR] [--html FILE] [--json]",
	flags: func(f *flags) func(*cli, []string) (int, error) {
		scenario := f.String("scenario", "", "scenario `name`, or path to a .scenario file (required)")
		strategy := f.String("strategy", "fixed", "merge `strategy`")
		seed := f.String("seed", "1", "`seed` of the schedule (dfs and dpor: its index)")
		search := f.String("search", "pct", "`search`: random, pct, dfs or dpor")
		depth := f.Int("depth", 3, "PCT bug `depth`")
		preemptions := f.Int("preemptions", 2, "DFS preemption `bound` (< 0: unbounded)")
		trace := f.Bool("trace", false, "print the whole timeline")
		save := f.String("save", "", "save the schedule file under `DIR`/<scenario>/")
		html := f.String("html", "", "write the run's timeline page to `FILE`")
		return func(c *cli, args []string) (int, error) {
			if len(args) > 0 {
				return 0, badUsage("unexpected argument %q", args[0])
			}
			sp, err := buildSpec(*scenario, *strategy, *search, *seed, *depth, *preemptions)
			if err != nil {
				return 0, err
			}
			if err := checkDir("--save", *save); err != nil {
				return 0, err
			}
			if err := checkHTMLFile("--html", *html); err != nil {
				return 0, err
			}
			sp.Trace = true // one run: the story and the trace hash are worth it
			r := scenarios.Run(sp)
			if r.PastEnd() {
				return 0, badInput("--seed %d: %s", sp.Seed, r.Failure.Msg)
			}
			return finishRun(c, r, output{json: *f.json, trace: *trace, save: *save, html: *html})
		}
	},
}

// buildSpec validates the flags that name a schedule, in the order they are
// given on a command line.
func buildSpec(scenario, strategy, search, seed string, depth, preemptions int) (scenarios.Spec, error) {
	var sp scenarios.Spec
	var err error
	if sp.Scenario, err = lookupScenario(scenario); err != nil {
		return sp, err
	}
	if sp.Strategy, err = lookupStrategy(strategy); err != nil {
		return sp, err
	}
	if err := checkSearchFlags("--", depth, preemptions); err != nil {
		return sp, err
	}
	if sp.Search, err = parseSearch(search, depth, preemptions); err != nil {
		return sp, err
	}
	if sp.Seed, err = parseSeed(seed); err != nil {
		return sp, err
	}
	if sp.Search.Exhaustive() && sp.Seed >= scenarios.MaxSchedules {
		// Reaching DFS schedule N runs the N before it.
		return sp, badInput("--seed %d: a %s seed is the schedule's index, from 0 to %d", sp.Seed, sp.Search.Kind, scenarios.MaxSchedules-1)
	}
	return sp, nil
}

// output says how run and replay print a run.
type output struct {
	json, trace bool
	save        string // save the schedule under this directory
	html        string // write the timeline page to this file
	replayed    string // the schedule file replayed
}

// finishRun saves (if asked) and prints a run or replay, and returns its
// exit status: 1 when it failed.
func finishRun(c *cli, r *scenarios.RunResult, o output) (int, error) {
	var saved string
	if o.save != "" {
		path, err := scenarios.SaveSchedule(o.save, r)
		if err != nil {
			return 0, err
		}
		saved = path
	}
	if o.html != "" {
		if err := scenarios.WriteHTML(o.html, r); err != nil {
			return 0, err
		}
	}
	code := exitPass
	if r.Failure != nil {
		code = exitFound
	}
	if o.json {
		out := toRunJSON(r)
		out.Saved, out.Replayed, out.HTML = saved, o.replayed, o.html
		out.Guided = r.Replayed != nil && r.Replayed.Guided
		return code, c.writeJSON(out)
	}
	if rp := r.Replayed; rp != nil {
		how := "strictly"
		if rp.Guided {
			how = "guided by a schedule recorded under " + rp.RecordedBy
		}
		fmt.Fprintf(c.stdout, "replay of %s under %s, %s\n", o.replayed, r.Spec.Strategy.Name(), how)
	}
	printRun(c.stdout, r, o.trace)
	if saved != "" {
		fmt.Fprintf(c.stdout, "schedule saved to %s (replay: %s)\n", saved, scenarios.ReplayLine(saved))
	}
	if o.html != "" {
		fmt.Fprintf(c.stdout, "timeline page written to %s\n", o.html)
	}
	return code, nil
}
