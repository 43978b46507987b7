package scenarios_test

import (
	"testing"

	"github.com/interleave/interleave/scenarios"
)

// matrixBudget is the schedules per search and cell in TestMatrix (four
// searches: scenarios.MatrixSearches).
const matrixBudget = 100

// TestMatrix asserts the verdict every strategy earns on every built-in
// scenario, under the matrix's searches (pct at depths 1, 2 and 3, and
// random), so the harness proves it still catches the known bugs and that
// the fix holds: naive loses or re-sends messages wherever publishes reach
// the cache out of order; fixed-r1 re-sends below the reconnect floor and
// misses another replica's row; producer-lock fails wherever naive does
// (the worker can commit and take the publish lock before the promote
// does, and other writers, replicas and reordered notifies are not
// producers it locks out); fixed passes everything but the stored history
// of promote-while-requires-action, whose order by created_at with no
// tie-break no merge can fix (its by-id twin passes).
func TestMatrix(t *testing.T) {
	for _, sc := range scenarios.All() {
		t.Run(sc.Name, func(t *testing.T) {
			for _, name := range scenarios.StrategyNames() {
				st := mustStrategy(t, name)
				t.Run(name, func(t *testing.T) {
					got, detail := scenarios.Pass, ""
					for _, search := range scenarios.DefaultMatrixSearches() {
						er := scenarios.Explore(scenarios.Spec{Scenario: sc, Strategy: st, Search: search, Seed: 1}, matrixBudget, true)
						if er.Failures > 0 {
							got = scenarios.Fail
							detail = er.First.Report()
							t.Logf("%s found the failure at schedule %d: %s", search, er.FirstFailure, er.First.Summary())
							break
						}
						t.Logf("%s: %d schedules, no failure (%v)", search, er.Schedules, er.Elapsed)
					}
					if want := sc.Expected(name); got != want {
						t.Errorf("%s under %s: got %s, want %s\n%s", sc.Name, name, got, want, detail)
					}
				})
			}
		})
	}
}

// TestMatrixExhaustive explores the small scenarios completely under fixed
// (dpor, preemption bound 2: the search of the matrix's --prove) and logs
// the number of schedules: fixed must hold on every schedule, except where
// the scenario expects it to fail (a hazard no strategy survives), and then
// dpor must find the failure. (TestDPORAgreesWithDFS checks dpor against
// dfs on the same scenarios.)
func TestMatrixExhaustive(t *testing.T) {
	var small []*scenarios.Scenario
	for _, sc := range scenarios.All() {
		if sc.Small {
			small = append(small, sc)
		}
	}
	for _, f := range scriptFiles(t) {
		sc, err := scenarios.LoadScript(f)
		if err != nil {
			t.Fatal(err)
		}
		if sc.Small {
			small = append(small, sc)
		}
	}
	if len(small) == 0 {
		t.Fatal("no small scenarios")
	}
	fixed := mustStrategy(t, "fixed")
	search, _ := scenarios.ParseSearch("dpor", 3, 2)
	for _, sc := range small {
		t.Run(sc.Name, func(t *testing.T) {
			er := scenarios.Explore(scenarios.Spec{Scenario: sc, Strategy: fixed, Search: search}, 0, true)
			if sc.Expected("fixed") == scenarios.Fail {
				if er.Failures == 0 {
					t.Fatalf("%s expects fixed to fail, and dpor found no failing schedule in %d", sc.Name, er.Schedules)
				}
				t.Logf("fixed fails %s, as expected, at dpor schedule %d: %s", sc.Name, er.FirstFailure, er.First.Summary())
				return
			}
			if er.Failures > 0 {
				t.Fatalf("fixed fails %s under dpor:\n%s", sc.Name, er.First.Report())
			}
			if !er.Exhausted {
				t.Fatalf("dpor did not exhaust %s", sc.Name)
			}
			t.Logf("fixed holds on every schedule of %s with at most 2 preemptions, up to the order of independent steps: %d runs, %d pruned (%v)", sc.Name, er.Schedules, er.Pruned, er.Elapsed)
		})
	}
}
