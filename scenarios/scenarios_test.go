package scenarios_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/interleave/interleave/harness"
	"github.com/interleave/interleave/internal/shell"
	"github.com/interleave/interleave/scenarios"
	"github.com/interleave/interleave/sched"
)

func init() {
	for _, k := range scenarios.ConfigKeys {
		flag.String("interleave."+k, "", "see scenarios.LoadConfig (env INTERLEAVE_"+strings.ToUpper(k)+")")
	}
}

func TestMain(m *testing.M) {
	flag.Parse()
	// Bad flags are bad input: one line and exit status 2, before any
	// test runs (not a failure of each test that reads them).
	if _, err := loadConfig(); err != nil {
		fmt.Fprintf(os.Stderr, "interleave: %s\n", strings.Join(strings.Fields(err.Error()), " "))
		os.Exit(2)
	}
	goleak.VerifyTestMain(m)
}

// loadConfig loads the -interleave.* flags given on the command line and
// the INTERLEAVE_* environment.
func loadConfig() (scenarios.Config, error) {
	set := map[string]string{}
	flag.Visit(func(f *flag.Flag) {
		if k, ok := strings.CutPrefix(f.Name, "interleave."); ok {
			set[k] = f.Value.String()
		}
	})
	return scenarios.LoadConfig(set, os.Getenv)
}

// config is loadConfig for a test.
func config(t testing.TB) scenarios.Config {
	c, err := loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func selected(t testing.TB, c scenarios.Config) []*scenarios.Scenario {
	if c.Scenarios == nil {
		return scenarios.All()
	}
	var out []*scenarios.Scenario
	for _, n := range c.Scenarios {
		sc, err := scenarios.Lookup(n)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, sc)
	}
	return out
}

func mustStrategy(t testing.TB, name string) harness.Design {
	s, err := scenarios.LookupStrategy(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestScenarios runs each scenario under each selected strategy, one subtest
// per seed: TestScenarios/<scenario>/<strategy>/seed=<n>. A failure prints
// the violation, the story of the run and the line that reproduces it.
func TestScenarios(t *testing.T) {
	c := config(t)
	search := c.SearchSpec()
	for _, sc := range selected(t, c) {
		t.Run(sc.Name, func(t *testing.T) {
			for _, name := range c.StrategiesFor(sc) {
				st := mustStrategy(t, name)
				t.Run(name, func(t *testing.T) {
					for _, seed := range c.Seeds() {
						t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
							r := scenarios.Run(scenarios.Spec{Scenario: sc, Strategy: st, Search: search, Seed: seed})
							if r.Failure == nil {
								return
							}
							traced := scenarios.Run(scenarios.Spec{Scenario: sc, Strategy: st, Search: search, Seed: seed, Trace: true})
							saveIfAsked(t, c, traced)
							pageIfAsked(t, c, traced)
							t.Fatalf("%s\n%s", traced.Report(), traced.Trace)
						})
					}
				})
			}
		})
	}
}

func saveIfAsked(t *testing.T, c scenarios.Config, r *scenarios.RunResult) {
	if c.Save == "" {
		return
	}
	path, err := scenarios.SaveSchedule(c.Save, r)
	if err != nil {
		t.Errorf("saving the schedule: %v", err)
		return
	}
	t.Logf("schedule saved to %s", path)
}

// pageIfAsked writes the run's timeline page under -interleave.html, if
// given, and returns its path.
func pageIfAsked(t *testing.T, c scenarios.Config, r *scenarios.RunResult) string {
	if c.HTML == "" {
		return ""
	}
	path, err := scenarios.SaveHTML(c.HTML, r)
	if err != nil {
		t.Errorf("writing the timeline page: %v", err)
		return ""
	}
	t.Logf("timeline page written to %s", path)
	return path
}

// summaryLine is the line a stress child prints at its end: the seeds
// it was given and the schedules it ran (internal/stress parses it).
func summaryLine(first int64, seeds, schedules int) string {
	b, _ := json.Marshal(map[string]any{"first_seed": first, "seeds": seeds, "schedules": schedules})
	return "INTERLEAVE-SUMMARY " + string(b)
}

// failureLine is the line a stress child prints for each failure, for the
// stress runner to group and report (internal/stress parses it).
func failureLine(signature, repro, debug, html string) string {
	m := map[string]string{"signature": signature, "repro": repro, "debug": debug}
	if html != "" {
		m["html"] = html
	}
	b, _ := json.Marshal(m)
	return "INTERLEAVE-FAILURE " + string(b)
}

func signature(sc, strategy string, vs []harness.Violation, f *sched.Failure) string {
	if len(vs) == 0 {
		return fmt.Sprintf("%s/%s: %s", sc, strategy, f.Kind)
	}
	props := []string{}
	for _, v := range vs {
		p := string(v.Property)
		if !slices.Contains(props, p) {
			props = append(props, p)
		}
	}
	return fmt.Sprintf("%s/%s: %s", sc, strategy, strings.Join(props, ", "))
}

// TestStress is the child that `interleave stress` runs, one process per
// seed range: the selected scenarios and strategies (all scenarios and the
// strategies expected to pass, by default), seeds
// -interleave.seed .. +schedules-1, in -interleave.mode controlled or wild.
// Each failure prints an INTERLEAVE-FAILURE line with its signature and the
// commands that reproduce it, and fails the test.
func TestStress(t *testing.T) {
	c := config(t)
	first := c.Seed
	if !c.SeedSet {
		first = 1
	}
	n := c.Schedules
	if !c.SeedSet && c.Mode == "controlled" && c.Strategies == nil && c.Scenarios == nil && n == 20 {
		n = 3 // the default go test run: a quick pass over the passing cells
	}
	search := c.SearchSpec()
	ran := 0
	// The summary tells interleave stress that this child did its work:
	// a child that exits 0 without it is not counted as a pass.
	defer func() { fmt.Println(summaryLine(first, n, ran)) }()
	for _, sc := range selected(t, c) {
		for _, name := range c.StrategiesFor(sc) {
			st := mustStrategy(t, name)
			for i := range n {
				seed := first + int64(i) // LoadConfig checked the range
				ran++
				if c.Mode == "wild" {
					stressWild(t, sc, st, seed)
					continue
				}
				r := scenarios.Run(scenarios.Spec{Scenario: sc, Strategy: st, Search: search, Seed: seed})
				if r.Failure == nil {
					continue
				}
				traced := scenarios.Run(scenarios.Spec{Scenario: sc, Strategy: st, Search: search, Seed: seed, Trace: true})
				page := pageIfAsked(t, c, traced)
				if page != "" {
					page, _ = filepath.Abs(page)
				}
				fmt.Println(failureLine(signature(sc.Name, name, r.Violations, r.Failure), r.Repro(), r.DebugLine(), page))
				saveIfAsked(t, c, traced)
				t.Errorf("%s", traced.Report())
			}
		}
	}
}

func stressWild(t *testing.T, sc *scenarios.Scenario, st harness.Design, seed int64) {
	var out harness.Outcome
	wl := sc.Build(scenarios.NewGen(seed))
	res := sched.RunWild(wl.Body(st, &out), sched.WildOptions{Seed: seed, Jitter: 0.3})
	if res.Failure == nil {
		return
	}
	// Wild runs are not deterministic: the line reruns the seed, which may
	// or may not fail again; explore finds a schedule that fails for sure.
	scenario := sc.Name
	if sc.Source != "" {
		scenario, _ = filepath.Abs(sc.Source)
	}
	repro := shell.Join("go", "test", "./scenarios", "-run", "^TestStress$", "-count=1", "-interleave.mode=wild",
		"-interleave.scenario="+scenario, "-interleave.strategy="+st.Name(), fmt.Sprintf("-interleave.seed=%d", seed), "-interleave.schedules=1") +
		"  # wild: not deterministic; for a replayable schedule: " +
		shell.Join("go", "run", "./cmd/interleave", "explore", "--scenario", scenario, "--strategy", st.Name(), "--search", "pct", "--stop")
	debug := shell.Join("go", "run", "./cmd/interleave", "debug", "--scenario", scenario, "--strategy", st.Name(), "--search", "pct", "--seed", "1") +
		"  # the first pct schedule; use the seed explore reports"
	fmt.Println(failureLine(signature(sc.Name, st.Name(), out.Violations, res.Failure), repro, debug, ""))
	t.Errorf("wild %s / %s seed %d: %v\nTo reproduce: %s", sc.Name, st.Name(), seed, res.Failure, repro)
}

// TestReplay replays the schedule file -interleave.replay names (under
// -interleave.scenario and -interleave.strategy instead of the file's own,
// if given) and fails with its report when the run fails: the go test line
// of a replayed run, such as a shrunk counterexample, which no seed names.
// Without -interleave.replay there is nothing to replay.
func TestReplay(t *testing.T) {
	c := config(t)
	if c.Replay == "" {
		t.Skip("no schedule to replay: give -interleave.replay=FILE (or INTERLEAVE_REPLAY)")
	}
	var o scenarios.ReplayOptions
	if len(c.Scenarios) > 1 || len(c.Strategies) > 1 {
		t.Fatalf("-interleave.replay: give at most one -interleave.scenario and one -interleave.strategy")
	}
	if len(c.Scenarios) == 1 {
		o.Scenario = c.Scenarios[0]
	}
	if len(c.Strategies) == 1 {
		o.Strategy = c.Strategies[0]
	}
	o.Trace = true
	r, err := scenarios.ReplayFile(c.Replay, o)
	if err != nil {
		t.Fatal(err)
	}
	saveIfAsked(t, c, r)
	pageIfAsked(t, c, r)
	if r.Failure != nil {
		t.Fatalf("%s\n%s", r.Report(), r.Trace)
	}
	t.Logf("%s\n%d steps, %d preemptions, trace hash %s", r.Summary(), r.Steps, r.Preemptions, r.TraceHash())
}

// TestScripts runs every scenario file in testdata/scenarios under every
// strategy and checks the verdict the file expects.
func TestScripts(t *testing.T) {
	c := config(t)
	search := c.SearchSpec()
	for _, f := range scriptFiles(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			sc, err := scenarios.LoadScript(f)
			if err != nil {
				t.Fatal(err)
			}
			names := scenarios.StrategyNames()
			if c.Strategies != nil {
				names = c.Strategies
			}
			for _, name := range names {
				st := mustStrategy(t, name)
				t.Run(name, func(t *testing.T) {
					sp := scenarios.Spec{Scenario: sc, Strategy: st, Search: search, Seed: 1}
					budget := c.Schedules
					if c.SeedSet {
						sp.Seed, budget = c.Seed, 1
					}
					er := scenarios.Explore(sp, budget, true)
					want := sc.Expected(name)
					if er.Verdict() != want {
						detail := "every schedule passed"
						if er.First != nil {
							detail = er.First.Report()
						}
						t.Fatalf("%s under %s: got %s after %d schedules, the file expects %s\n%s", sc.Name, name, er.Verdict(), er.Schedules, want, detail)
					}
				})
			}
		})
	}
}

func scriptFiles(t testing.TB) []string {
	files, err := filepath.Glob(filepath.Join("testdata", "scenarios", "*.scenario"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no scenario files in testdata/scenarios")
	}
	return files
}
