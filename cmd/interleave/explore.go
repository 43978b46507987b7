package main

import (
	"fmt"
	"io"
	"time"

	"github.com/interleave/interleave/scenarios"
)

var exploreCmd = &command{
	name:     "explore",
	synopsis: "interleave explore --scenario S [--strategy X] [--search pct|random|dfs|dpor] [--budget N] [--depth D] [--preemptions B] [--seed N] [--stop] [--save DIR] [--html FILE] [--json]",
	flags: func(f *flags) func(*cli, []string) (int, error) {
		scenario := f.String("scenario", "", "scenario `name`, or path to a .scenario file (required)")
		strategy := f.String("strategy", "fixed", "merge `strategy`")
		search := f.String("search", "pct", "`search`: random, pct, dfs or dpor")
		budget := f.Int("budget", 1000, "number of schedules to run (dfs and dpor: default 100000, and 0 runs until exhausted)")
		depth := f.Int("depth", 3, "PCT bug `depth`")
		preemptions := f.Int("preemptions", 2, "DFS preemption `bound` (< 0: unbounded)")
		seed := f.String("seed", "1", "first `seed` (random, pct)")
		stop := f.Bool("stop", false, "stop at the first failure")
		save := f.String("save", "", "save the first failure's schedule under `DIR`/<scenario>/")
		html := f.String("html", "", "write the first failure's timeline page to `FILE`")
		return func(c *cli, args []string) (int, error) {
			if len(args) > 0 {
				return 0, badUsage("unexpected argument %q", args[0])
			}
			sp, err := buildSpec(*scenario, *strategy, *search, *seed, *depth, *preemptions)
			if err != nil {
				return 0, err
			}
			if sp.Search.Exhaustive() && !f.isSet("budget") {
				*budget = defaultDFSBudget
			}
			if *budget < 0 || *budget > scenarios.MaxBudget || (*budget == 0 && !sp.Search.Exhaustive()) {
				return 0, badInput("--budget %d: want a number of schedules from 1 to %d (0 only with --search dfs or dpor)", *budget, scenarios.MaxBudget)
			}
			if !sp.Search.Exhaustive() {
				if err := checkSeeds("--seed", sp.Seed, *budget); err != nil {
					return 0, err
				}
			}
			if err := checkDir("--save", *save); err != nil {
				return 0, err
			}
			if err := checkHTMLFile("--html", *html); err != nil {
				return 0, err
			}
			// Ctrl-C (or SIGTERM) ends the exploration: the report so far is
			// printed and saved, exit 130; a second one kills outright.
			ctx, stopSignals := notifyInterrupt()
			defer stopSignals()
			er := scenarios.ExploreWith(ctx, sp, *budget, *stop, scenarios.ExploreHooks{
				OnFailure: func(r *scenarios.RunResult) {
					if r.Trace != nil && !*stop { // the first failure, and the search goes on
						fmt.Fprintf(c.stderr, "explore: schedule %d (seed %d) fails; exploring on (Ctrl-C stops and prints the report)\n", r.Spec.Seed-sp.Seed, r.Spec.Seed)
					}
				},
				OnProgress: exploreProgress(c.stderr, exploreProgressEvery),
			})
			return finishExplore(c, sp, er, *f.json, *save, *html)
		}
	},
}

// exploreProgressEvery is how often explore prints a line of progress.
const exploreProgressEvery = 5 * time.Second

// exploreProgress returns the hook that prints a line of an exploration's
// progress to w, at most one every interval.
func exploreProgress(w io.Writer, every time.Duration) func(*scenarios.ExploreResult) {
	last := time.Now()
	return func(er *scenarios.ExploreResult) {
		if time.Since(last) < every {
			return
		}
		last = time.Now()
		fmt.Fprintf(w, "explore: %d schedules so far, %d failing, %v (Ctrl-C stops and prints the report)\n",
			er.Schedules, er.Failures, er.Elapsed.Round(time.Second))
	}
}

// defaultDFSBudget bounds a DFS when --budget is not given: enough to
// exhaust the small scenarios with the default preemption bound, in seconds.
const defaultDFSBudget = 100000

// exploreJSON is what explore prints with --json.
type exploreJSON struct {
	Scenario     string   `json:"scenario"`
	Strategy     string   `json:"strategy"`
	Search       string   `json:"search"`
	Verdict      string   `json:"verdict"`
	Schedules    int      `json:"schedules"`
	Failures     int      `json:"failures"`
	FirstFailure *int     `json:"first_failure"`
	Exhausted    bool     `json:"exhausted"`
	Interrupted  bool     `json:"interrupted"`
	ElapsedMS    int64    `json:"elapsed_ms"`
	First        *runJSON `json:"first,omitempty"`
	Saved        string   `json:"saved,omitempty"`
	// HTML is the first failure's timeline page (--html).
	HTML string `json:"html,omitempty"`
}

func finishExplore(c *cli, sp scenarios.Spec, er *scenarios.ExploreResult, asJSON bool, save, html string) (int, error) {
	var saved string
	if save != "" && er.First != nil {
		path, err := scenarios.SaveSchedule(save, er.First)
		if err != nil {
			return 0, err
		}
		saved = path
	}
	htmlAsked := html != ""
	if html != "" && er.First != nil {
		if err := scenarios.WriteHTML(html, er.First); err != nil {
			return 0, err
		}
	} else {
		html = "" // nothing failed: no page
	}
	code := exitPass
	switch {
	case er.Interrupted:
		code = exitInterrupted
	case er.Failures > 0:
		code = exitFound
	}
	if asJSON {
		out := exploreJSON{Scenario: er.Scenario, Strategy: er.Strategy, Search: er.Search.String(), Verdict: string(er.Verdict()),
			Schedules: er.Schedules, Failures: er.Failures, Exhausted: er.Exhausted, Interrupted: er.Interrupted,
			ElapsedMS: er.Elapsed.Milliseconds(), Saved: saved, HTML: html}
		if er.FirstFailure >= 0 {
			i := er.FirstFailure
			out.FirstFailure = &i
		}
		if er.First != nil {
			j := toRunJSON(er.First)
			out.First = &j
		}
		return code, c.writeJSON(out)
	}

	w := c.stdout
	if er.Interrupted {
		fmt.Fprintf(w, "interrupted: this report covers the %s run before Ctrl-C\n", plural(er.Schedules, "schedule"))
	}
	fmt.Fprintf(w, "%s / %s / %s: %d schedules, %d failing, in %v\n", er.Scenario, er.Strategy, er.Search,
		er.Schedules, er.Failures, er.Elapsed.Round(time.Millisecond))
	if sp.Search.Exhaustive() && !er.Interrupted {
		switch {
		case er.Exhausted && sp.Search.Kind == "dpor" && sp.Search.Preemptions < 0:
			fmt.Fprintf(w, "exhausted: every schedule up to the order of independent steps (%d of the runs pruned as redundant): a proof for all schedules\n", er.Pruned)
		case er.Exhausted && sp.Search.Kind == "dpor":
			fmt.Fprintf(w, "exhausted: every schedule with at most %d preemptions, up to the order of independent steps (%d of the runs pruned as redundant)\n", sp.Search.Preemptions, er.Pruned)
		case er.Exhausted:
			fmt.Fprintf(w, "exhausted: these are all the schedules with at most %d preemptions\n", sp.Search.Preemptions)
		default:
			fmt.Fprintf(w, "not exhausted: the budget ran out first (--budget 0 runs until exhausted)\n")
		}
	}
	if er.First == nil {
		if er.Interrupted {
			fmt.Fprintf(w, "no failure so far (interrupted)\n")
		} else {
			fmt.Fprintf(w, "verdict: pass\n")
		}
		if htmlAsked {
			fmt.Fprintf(w, "no failure: no timeline page written\n")
		}
		return code, nil
	}
	fmt.Fprintf(w, "verdict: fail; first failure at schedule %d (seed %d)\n\n", er.FirstFailure, er.First.Spec.Seed)
	printRun(w, er.First, false)
	if saved != "" {
		fmt.Fprintf(w, "schedule saved to %s (replay: %s)\n", saved, scenarios.ReplayLine(saved))
	}
	if html != "" {
		fmt.Fprintf(w, "timeline page written to %s\n", html)
	}
	return code, nil
}
