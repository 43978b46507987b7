package scenarios_test

import (
	"flag"
	"fmt"
	"sort"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/interleave/interleave/harness"
	"github.com/interleave/interleave/internal/benchbase"
	"github.com/interleave/interleave/scenarios"
	"github.com/interleave/interleave/sched"
)

// BenchmarkFindNaive measures how many schedules, and how long, each search
// needs to find naive's violation on promote-while-requires-action-by-id
// (the stream's race alone: ordered by created_at, the stored history's
// order fails every strategy, sooner). One op is one search from a fresh
// seed; the medians are reported.
func BenchmarkFindNaive(b *testing.B) {
	sc, _ := scenarios.Lookup("promote-while-requires-action-by-id")
	naive := harness.Naive{}
	for _, c := range []struct {
		name  string
		kind  string
		depth int
	}{{"random", "random", 0}, {"pct-d2", "pct", 2}, {"pct-d3", "pct", 3}} {
		b.Run(c.name, func(b *testing.B) {
			search, _ := scenarios.ParseSearch(c.kind, c.depth, 2)
			var counts []float64
			var times []float64
			for i := 0; i < b.N; i++ {
				start := time.Now()
				er := scenarios.Explore(scenarios.Spec{Scenario: sc, Strategy: naive, Search: search, Seed: int64(i) * 1000}, 10_000, true)
				if er.Failures == 0 {
					b.Fatalf("%s found nothing in 10000 schedules", c.name)
				}
				counts = append(counts, float64(er.FirstFailure+1))
				times = append(times, float64(time.Since(start).Microseconds())/1000)
			}
			b.ReportMetric(median(counts), "schedules-to-fail")
			b.ReportMetric(median(times), "ms-to-fail")
		})
	}
	b.Run("rapid", func(b *testing.B) {
		old := flag.Lookup("rapid.nofailfile").Value.String()
		flag.Set("rapid.nofailfile", "true") // the failure is expected: leave no fail file
		defer flag.Set("rapid.nofailfile", old)
		var counts, times []float64
		for i := 0; i < b.N; i++ {
			start := time.Now()
			runs := 0
			tb := &recordingTB{T: &testing.T{}}
			rapid.Check(tb, func(t *rapid.T) {
				runs++
				wl := promoteByID(harness.PromoteParams{ToolCalls: rapid.IntRange(1, 3).Draw(t, "toolCalls")})
				res := sched.Run(wl.Body(naive, nil), sched.Options{Strategy: sched.Chooser(func(n int) int { return rapid.IntRange(0, n-1).Draw(t, "choice") })})
				if res.Failure != nil && res.Failure.Kind == sched.Panic {
					panic(res.Failure.Value)
				}
				if res.Failure != nil {
					t.Fatalf("%v", res.Failure)
				}
			})
			if !tb.Failed() {
				b.Fatal("rapid found nothing")
			}
			counts = append(counts, float64(runs))
			times = append(times, float64(time.Since(start).Microseconds())/1000)
		}
		b.ReportMetric(median(counts), "runs-incl-shrinking")
		b.ReportMetric(median(times), "ms-incl-shrinking")
	})
}

func median(xs []float64) float64 {
	sort.Float64s(xs)
	return xs[len(xs)/2]
}

// BenchmarkScheduleThroughput reports schedules per second per scenario
// under fixed (every schedule runs to the end, where the oracle runs) with
// pct, and what a schedule and a step cost against baselines measured in the
// same process between slices of the work (internal/benchbase):
// handoffs/schedule in raw goroutine handoffs, x-switch/step in controlled
// switches (one decision that passes control to another task). fixed fails
// promote-while-requires-action on the stored history's order; its
// schedules count all the same.
func BenchmarkScheduleThroughput(b *testing.B) {
	fixed := harness.Fixed{}
	search, _ := scenarios.ParseSearch("pct", 3, 2)
	for _, sc := range scenarios.All() {
		b.Run(sc.Name, func(b *testing.B) {
			b.ReportAllocs()
			seed, steps := int64(1), 0
			r := benchbase.Interleave(b, func(n int) {
				er := scenarios.Explore(scenarios.Spec{Scenario: sc, Strategy: fixed, Search: search, Seed: seed}, n, false)
				if er.Failures > 0 && sc.Expected("fixed") == scenarios.Pass {
					b.Fatal(er.First.Report())
				}
				seed += int64(n)
				steps += er.Steps
			})
			b.ReportMetric(float64(b.N)/r.Work.Seconds(), "schedules/s")
			b.ReportMetric(float64(steps)/float64(max(b.N, 1)), "steps/schedule")
			if r.Baselines {
				b.ReportMetric(r.PerOp(b.N)/r.HandoffNs, "handoffs/schedule")
				b.ReportMetric(r.PerOp(steps)/r.SwitchNs, "x-switch/step")
			}
		})
	}
}

// BenchmarkDFSBound2 explores out-of-order and
// promote-while-requires-action-by-id with dfs (preemption bound 2) under
// fixed, up to 20000 schedules, and logs the count and whether the space
// was exhausted.
func BenchmarkDFSBound2(b *testing.B) {
	fixed := harness.Fixed{}
	search, _ := scenarios.ParseSearch("dfs", 3, 2)
	for _, name := range []string{"out-of-order", "promote-while-requires-action-by-id"} {
		sc, _ := scenarios.Lookup(name)
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				er := scenarios.Explore(scenarios.Spec{Scenario: sc, Strategy: fixed, Search: search}, 20_000, true)
				b.ReportMetric(float64(er.Schedules), "schedules")
				b.ReportMetric(float64(er.Schedules)/er.Elapsed.Seconds(), "schedules/s")
				b.Logf("%s: dfs(preemptions<=2) ran %d schedules in %v, exhausted=%v", name, er.Schedules, er.Elapsed, er.Exhausted)
			}
		})
	}
}

// BenchmarkSchedulesToFailure is one row per built-in scenario: for the
// first strategy the scenario expects to fail, how many schedules each of
// the matrix's searches needs to find the failure, from a fresh first seed
// per op (median over the ops; a search that finds nothing within
// schedulesToFailureCap schedules counts the cap, and not-found counts how
// often that happened). It shows why the matrix runs four searches: which
// one is fastest depends on the scenario.
//
//	go test ./scenarios -run '^$' -bench SchedulesToFailure -benchtime 10x
func BenchmarkSchedulesToFailure(b *testing.B) {
	const schedulesToFailureCap = 2000
	for _, sc := range scenarios.All() {
		strategy := ""
		for _, name := range scenarios.StrategyNames() {
			if sc.Expected(name) == scenarios.Fail {
				strategy = name
				break
			}
		}
		if strategy == "" {
			continue
		}
		st, _ := scenarios.LookupStrategy(strategy)
		b.Run(sc.Name+"/"+strategy, func(b *testing.B) {
			searches := scenarios.DefaultMatrixSearches()
			counts := make([][]float64, len(searches))
			missed := make([]int, len(searches))
			for i := 0; i < b.N; i++ {
				for k, search := range searches {
					er := scenarios.Explore(scenarios.Spec{Scenario: sc, Strategy: st, Search: search, Seed: 1 + int64(i)*schedulesToFailureCap}, schedulesToFailureCap, true)
					n := float64(schedulesToFailureCap)
					if er.FirstFailure >= 0 {
						n = float64(er.FirstFailure + 1)
					} else {
						missed[k]++
					}
					counts[k] = append(counts[k], n)
				}
			}
			for k, search := range searches {
				unit := search.Kind
				if search.Kind == "pct" {
					unit = fmt.Sprintf("pct-d%d", search.Depth)
				}
				b.ReportMetric(median(counts[k]), unit+"-schedules")
				b.ReportMetric(float64(missed[k]), unit+"-not-found")
			}
		})
	}
}
