package scenarios

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/interleave/interleave/harness"
	"github.com/interleave/interleave/sched"
)

// finalState is what a run ends with, as far as it does not depend on step
// numbers (which differ between schedules that are one trace): each
// stream's deliveries, each chat's commit order (commits to different
// chats commute), and the violations (their subscriber, property and IDs).
func finalState(out *harness.Outcome, f *sched.Failure) string {
	var b strings.Builder
	if out.World != nil {
		for _, s := range out.World.Subscribers() {
			fmt.Fprintf(&b, "%s:%v ", s.Name, s.DeliveredIDs())
		}
		if ms, ok := out.World.Store.(*harness.MemStore); ok {
			var chats []int64
			for _, id := range ms.CommitOrder() {
				if c := ms.ChatOf(id); !slices.Contains(chats, c) {
					chats = append(chats, c)
				}
			}
			slices.Sort(chats)
			for _, c := range chats {
				fmt.Fprintf(&b, "chat %d commits:%v ", c, ms.CommitOrderOf(c))
			}
		}
	}
	for _, v := range out.Violations {
		fmt.Fprintf(&b, "violation %s %s %v; ", v.Subscriber, v.Property, v.IDs)
	}
	if f != nil && len(out.Violations) == 0 {
		fmt.Fprintf(&b, "failure %s", f.Kind) // a deadlock, a panic: no oracle ran
	}
	return b.String()
}

// searchAllStates runs search to its end (at most limit runs) and returns
// the verdicts and the distinct final states of its complete runs, and
// whether it ended.
func searchAllStates(sc *Scenario, st harness.Design, strat sched.Strategy, limit int) (verdicts, states []string, runs int, exhausted bool) {
	var pool sched.Pool
	defer pool.Close()
	wl := workloadFor(sc, 0)
	for runs < limit {
		if !strat.Start() {
			return verdicts, states, runs, true
		}
		runs++
		var out harness.Outcome
		res := sched.Run(wl.Body(st, &out), sched.Options{Strategy: sched.Started(strat), Pool: &pool})
		if res.Pruned {
			continue
		}
		v := "pass"
		if res.Failure != nil {
			v = "fail: " + res.Failure.Kind.String()
			for _, x := range out.Violations {
				v += " " + string(x.Property)
			}
		}
		if !slices.Contains(verdicts, v) {
			verdicts = append(verdicts, v)
		}
		if s := finalState(&out, res.Failure); !slices.Contains(states, s) {
			states = append(states, s)
		}
	}
	return verdicts, states, runs, false
}

// TestDPORAgreesWithDFS explores every small scenario (built in and from
// files) under every strategy with plain DFS and with DPOR at the same
// preemption bound, each to its end: wherever DFS ends within its budget,
// DPOR must end too, with the same set of verdicts and the same set of
// distinct final states, in at least ten times fewer schedules (where dfs
// ran 20 or more).
//
// By default it compares the small scenarios at bound 1 (bound 0 with
// -short); INTERLEAVE_DPOR_ALL=1 compares every scenario, built in and from
// files, at bound 2 wherever DFS ends within 50,000 schedules (minutes):
//
//	INTERLEAVE_DPOR_ALL=1 go test ./scenarios -run TestDPORAgreesWithDFS -v -timeout 1h
func TestDPORAgreesWithDFS(t *testing.T) {
	bound, dfsBudget := 1, 20_000
	all := os.Getenv("INTERLEAVE_DPOR_ALL") == "1"
	switch {
	case all:
		bound, dfsBudget = 2, 50_000
	case testing.Short():
		bound, dfsBudget = 0, 5_000
	}
	var small []*Scenario
	for _, sc := range All() {
		if sc.Small || all {
			small = append(small, sc)
		}
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "scenarios", "*.scenario"))
	for _, f := range files {
		sc, err := LoadScript(f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if sc.Small || all {
			small = append(small, sc)
		}
	}
	compared := 0
	for _, sc := range small {
		for _, name := range StrategyNames() {
			st, _ := LookupStrategy(name)
			t.Run(sc.Name+"/"+name, func(t *testing.T) {
				dv, ds, dn, dx := searchAllStates(sc, st, sched.DFS(bound), dfsBudget)
				if !dx {
					t.Skipf("dfs did not end within %d schedules", dfsBudget)
				}
				pv, ps, pn, px := searchAllStates(sc, st, sched.DPOR(bound), dn+1)
				if !px {
					t.Fatalf("dpor ran more schedules (%d) than dfs (%d)", pn, dn)
				}
				slices.Sort(dv)
				slices.Sort(pv)
				slices.Sort(ds)
				slices.Sort(ps)
				if !slices.Equal(dv, pv) {
					t.Errorf("verdicts: dfs %q, dpor %q", dv, pv)
				}
				if !slices.Equal(ds, ps) {
					t.Errorf("final states: dfs %d, dpor %d\ndfs only: %q\ndpor only: %q", len(ds), len(ps), diff(ds, ps), diff(ps, ds))
				}
				// The target: at least ten times fewer
				// schedules than dfs (pruned runs count: they ran),
				// wherever dfs has room for it.
				if dn >= 20 && dn < 10*pn {
					t.Errorf("dpor ran %d schedules, dfs %d: less than 10x fewer", pn, dn)
				}
				compared++
				t.Logf("bound %d: dfs %d schedules, dpor %d (%.1fx fewer; %d verdicts, %d final states)", bound, dn, pn, float64(dn)/float64(pn), len(dv), len(ds))
			})
		}
	}
	if compared == 0 {
		t.Fatal("no scenario compared")
	}
}

func diff(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}
