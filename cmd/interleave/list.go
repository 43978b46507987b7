package main

import (
	"fmt"
	"strings"

	"github.com/interleave/interleave/scenarios"
)

var listCmd = &command{
	name:     "list",
	synopsis: "interleave list [--json]",
	flags: func(f *flags) func(*cli, []string) (int, error) {
		return func(c *cli, args []string) (int, error) {
			if len(args) > 0 {
				return 0, badUsage("unexpected argument %q", args[0])
			}
			return list(c, *f.json)
		}
	},
}

type listScenario struct {
	Name      string   `json:"name"`
	Doc       string   `json:"doc"`
	Small     bool     `json:"small"`
	Generated bool     `json:"generated"`
	Fails     []string `json:"expected_to_fail"`
}

type listStrategy struct {
	Name  string   `json:"name"`
	Fails []string `json:"expected_to_fail_on"`
}

type listJSON struct {
	Scenarios  []listScenario `json:"scenarios"`
	Strategies []listStrategy `json:"strategies"`
	Searches   []string       `json:"searches"`
}

func list(c *cli, asJSON bool) (int, error) {
	var out listJSON
	for _, sc := range scenarios.All() {
		ls := listScenario{Name: sc.Name, Doc: sc.Doc, Small: sc.Small, Generated: sc.Generated, Fails: []string{}}
		for _, st := range scenarios.StrategyNames() {
			if sc.Expected(st) == scenarios.Fail {
				ls.Fails = append(ls.Fails, st)
			}
		}
		out.Scenarios = append(out.Scenarios, ls)
	}
	for _, st := range scenarios.StrategyNames() {
		ls := listStrategy{Name: st, Fails: []string{}}
		for _, sc := range scenarios.All() {
			if sc.Expected(st) == scenarios.Fail {
				ls.Fails = append(ls.Fails, sc.Name)
			}
		}
		out.Strategies = append(out.Strategies, ls)
	}
	out.Searches = scenarios.SearchNames
	if asJSON {
		return exitPass, c.writeJSON(out)
	}

	w := c.stdout
	fmt.Fprintln(w, "Scenarios (--scenario NAME, or a path to a .scenario file):")
	for _, sc := range out.Scenarios {
		var tags []string
		if sc.Small {
			tags = append(tags, "small")
		}
		if sc.Generated {
			tags = append(tags, "generated: the seed also draws the workload")
		}
		head := "  " + sc.Name
		if len(tags) > 0 {
			head += " (" + strings.Join(tags, "; ") + ")"
		}
		fmt.Fprintln(w, head)
		fmt.Fprintf(w, "      %s\n", sc.Doc)
		fmt.Fprintf(w, "      expected to fail under: %s\n", orNone(sc.Fails))
	}
	fmt.Fprintln(w, "\nMerge strategies (--strategy NAME):")
	for _, st := range out.Strategies {
		fmt.Fprintf(w, "  %-14s expected to fail on: %s\n", st.Name, orNone(st.Fails))
	}
	fmt.Fprintln(w, "\nSearches (--search NAME):")
	for _, s := range out.Searches {
		fmt.Fprintf(w, "  %-8s %s\n", s, searchDocs[s])
	}
	return exitPass, nil
}

// searchDocs says what each search does, for list.
var searchDocs = map[string]string{
	"random": "a seeded random choice at every step (--seed picks the schedule)",
	"pct":    "probabilistic concurrency testing with bug depth --depth (default 3)",
	"dfs":    "every schedule with at most --preemptions preemptions (default 2), in order",
	"dpor":   "dfs with partial-order reduction: one schedule per order of the dependent steps (negative --preemptions: a proof for all schedules)",
}

func orNone(xs []string) string {
	if len(xs) == 0 {
		return "none"
	}
	return strings.Join(xs, ", ")
}
