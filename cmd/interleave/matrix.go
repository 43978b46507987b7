package main

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/interleave/interleave/harness"
	"github.com/interleave/interleave/scenarios"
)

// matrixSearches are the searches each matrix cell runs, in order
// (scenarios.MatrixSearches: pct at depths 1, 2 and 3, then random).
var matrixSearches = scenarios.MatrixSearches()

var matrixCmd = &command{
	name:     "matrix",
	synopsis: "interleave matrix [--budget N] [--scenario S,...] [--strategy X,...] [--seed N] [-p N] [--json]",
	flags: func(f *flags) func(*cli, []string) (int, error) {
		budget := f.Int("budget", 200, "schedules per search and cell (four searches: pct d=1, 2, 3 and random)")
		scenario := f.String("scenario", "", "only these scenarios (comma-separated names or .scenario files; default all)")
		strategy := f.String("strategy", "", "only these merge strategies (comma-separated; default all)")
		seed := f.String("seed", "1", "first `seed` of every search")
		parallel := f.Int("p", runtime.NumCPU(), "searches to run at once")
		return func(c *cli, args []string) (int, error) {
			if len(args) > 0 {
				return 0, badUsage("unexpected argument %q (filter with --scenario)", args[0])
			}
			scs, err := lookupScenarios(*scenario)
			if err != nil {
				return 0, err
			}
			sts, err := lookupStrategies(*strategy)
			if err != nil {
				return 0, err
			}
			first, err := parseSeed(*seed)
			if err != nil {
				return 0, err
			}
			if *budget < 1 {
				return 0, badInput("--budget %d: want a number of schedules >= 1", *budget)
			}
			if *parallel < 1 {
				return 0, badInput("-p %d: want at least 1", *parallel)
			}
			m := runMatrix(scs, sts, *budget, first, *parallel)
			code := exitPass
			if m.Unexpected > 0 {
				code = exitFound
			}
			if *f.json {
				return code, c.writeJSON(m)
			}
			m.print(c)
			return code, nil
		}
	},
}

// matrixJSON is the whole matrix, as --json prints it.
type matrixJSON struct {
	Budget int   `json:"budget"`
	Seed   int64 `json:"seed"`
	// Searches names the searches of every cell, in order: "pct(d=1)",
	// "pct(d=2)", "pct(d=3)", "random".
	Searches   []string      `json:"searches"`
	Cells      []*matrixCell `json:"cells"`
	Unexpected int           `json:"unexpected"`
	ElapsedMS  int64         `json:"elapsed_ms"`

	elapsed                 time.Duration
	nScenarios, nStrategies int
}

// matrixCell is one scenario under one strategy.
type matrixCell struct {
	Scenario string `json:"scenario"`
	Strategy string `json:"strategy"`
	Verdict  string `json:"verdict"`
	Expected string `json:"expected"`
	// Unexpected is true when Verdict differs from Expected.
	Unexpected bool `json:"unexpected"`
	// Schedules is the sum over the cell's searches.
	Schedules int `json:"schedules"`
	// FirstFailure is the smallest index (from 0) at which one of the
	// searches failed, null if none did; FirstFailureSearch names the
	// search that found the failure first (in the fewest schedules; the
	// earlier search in Searches on a tie), e.g. "pct(d=2)".
	FirstFailure       *int   `json:"first_failure"`
	FirstFailureSearch string `json:"first_failure_search,omitempty"`
	// TimeToFailureMS is how long that search took to find it.
	TimeToFailureMS *int64 `json:"time_to_failure_ms"`
	// ElapsedMS sums the searches' times.
	ElapsedMS int64          `json:"elapsed_ms"`
	Searches  []*cellSearch  `json:"searches"`
	Shrunk    *shrunkExample `json:"counterexample,omitempty"`

	scenario *scenarios.Scenario
	strategy harness.MergeStrategy
	elapsed  time.Duration
}

// cellSearch is one search of a cell.
type cellSearch struct {
	// Search is the search's kind, "pct" or "random" (as --search takes
	// it); Depth is PCT's bug depth; Name is both, "pct(d=2)".
	Search       string `json:"search"`
	Depth        int    `json:"depth"`
	Name         string `json:"name"`
	Schedules    int    `json:"schedules"`
	FirstFailure *int   `json:"first_failure"`
	ElapsedMS    int64  `json:"elapsed_ms"`

	spec   scenarios.Search
	result *scenarios.ExploreResult
}

// shrunkExample is the smallest failing run a cell found, shrunk.
type shrunkExample struct {
	// Search and Depth are the search that found it (as --search and
	// --depth take them).
	Search string `json:"search"`
	Depth  int    `json:"depth"`
	Seed   int64  `json:"seed"`
	// FoundPreemptions is the failing run's preemptions as the search
	// found it (and as its seed reproduces it); Preemptions is after
	// shrinking (the schedule in Schedule replays it).
	FoundPreemptions int    `json:"found_preemptions"`
	Schedule         string `json:"schedule"`
	Preemptions      int    `json:"preemptions"`
	Steps            int    `json:"steps"`
	TraceHash        string `json:"trace_hash"`
	CLI              string `json:"cli"`
	Repro            string `json:"repro"`
	Debug            string `json:"debug"`
	Report           string `json:"report"`

	run *scenarios.RunResult
}

// runMatrix explores every cell with every search, parallel searches at a
// time; each search stops at its first failure.
func runMatrix(scs []*scenarios.Scenario, sts []harness.MergeStrategy, budget int, seed int64, parallel int) *matrixJSON {
	start := time.Now()
	m := &matrixJSON{Budget: budget, Seed: seed, Cells: []*matrixCell{}, nScenarios: len(scs), nStrategies: len(sts)}
	for _, s := range matrixSearches {
		m.Searches = append(m.Searches, s.String())
	}
	type job struct {
		cell   *matrixCell
		search *cellSearch
	}
	var jobs []job
	for _, sc := range scs {
		for _, st := range sts {
			cell := &matrixCell{Scenario: sc.Name, Strategy: st.Name(), Expected: string(sc.Expected(st.Name())), scenario: sc, strategy: st}
			for _, spec := range matrixSearches {
				s := &cellSearch{Search: spec.Kind, Depth: spec.Depth, Name: spec.String(), spec: spec}
				cell.Searches = append(cell.Searches, s)
				jobs = append(jobs, job{cell, s})
			}
			m.Cells = append(m.Cells, cell)
		}
	}
	next := make(chan job)
	var wg sync.WaitGroup
	for range min(parallel, len(jobs)) {
		wg.Go(func() {
			for j := range next {
				sp := scenarios.Spec{Scenario: j.cell.scenario, Strategy: j.cell.strategy, Search: j.search.spec, Seed: seed}
				j.search.result = scenarios.Explore(sp, budget, true)
			}
		})
	}
	for _, j := range jobs {
		next <- j
	}
	close(next)
	wg.Wait()

	cells := make(chan *matrixCell)
	var swg sync.WaitGroup
	for i := 0; i < parallel; i++ {
		swg.Add(1)
		go func() {
			defer swg.Done()
			for c := range cells {
				c.shrink()
			}
		}()
	}
	for _, c := range m.Cells {
		c.summarize()
		if c.Unexpected {
			m.Unexpected++
		}
		cells <- c
	}
	close(cells)
	swg.Wait()
	m.elapsed = time.Since(start)
	m.ElapsedMS = m.elapsed.Milliseconds()
	return m
}

// summarize fills in a cell from its searches' results.
func (c *matrixCell) summarize() {
	c.Verdict = string(scenarios.Pass)
	for _, s := range c.Searches {
		er := s.result
		s.Schedules = er.Schedules
		s.ElapsedMS = er.Elapsed.Milliseconds()
		c.Schedules += er.Schedules
		c.elapsed += er.Elapsed
		if er.FirstFailure < 0 {
			continue
		}
		c.Verdict = string(scenarios.Fail)
		i := er.FirstFailure
		s.FirstFailure = &i
		if c.FirstFailure == nil || i < *c.FirstFailure {
			c.FirstFailure = &i
			c.FirstFailureSearch = s.Name
			ms := er.Elapsed.Milliseconds()
			c.TimeToFailureMS = &ms
		}
		if r := er.First; r != nil && (c.Shrunk == nil || smaller(r, c.Shrunk.run)) {
			c.Shrunk = &shrunkExample{Search: s.Search, Depth: s.Depth, Seed: r.Spec.Seed, Preemptions: r.Preemptions, Steps: r.Steps,
				CLI: cliLine(r), Repro: r.Repro(), Debug: debugLine(r), Report: r.Report(), run: r}
			if r.Trace != nil {
				c.Shrunk.TraceHash = r.Trace.Hash()
			}
		}
	}
	c.ElapsedMS = c.elapsed.Milliseconds()
	c.Unexpected = c.Verdict != c.Expected
}

// shrink replaces the cell's counterexample by its shrunk form
// (scenarios.ShrinkResult); the seed lines still reproduce the run as found.
func (c *matrixCell) shrink() {
	if c.Shrunk == nil {
		return
	}
	found := c.Shrunk.run
	small := scenarios.ShrinkResult(found)
	c.Shrunk.FoundPreemptions = found.Preemptions
	c.Shrunk.Preemptions, c.Shrunk.Steps = small.Preemptions, small.Steps
	c.Shrunk.Report, c.Shrunk.Schedule = small.Report(), small.Schedule.String()
	if small.Trace != nil {
		c.Shrunk.TraceHash = small.Trace.Hash()
	}
}

// smaller orders counterexamples: fewer preemptions, then fewer steps.
func smaller(a, b *scenarios.RunResult) bool {
	if a.Preemptions != b.Preemptions {
		return a.Preemptions < b.Preemptions
	}
	return a.Steps < b.Steps
}

func (m *matrixJSON) print(c *cli) {
	w := c.stdout
	fmt.Fprintf(w, "%s x %s; each cell explored with %s, up to %d schedules each (seeds %d..%d), each stopping at its first failure\n\n",
		plural(m.nScenarios, "scenario"), plural(m.nStrategies, "strategy"), joinAnd(m.Searches), m.Budget, m.Seed, m.Seed+int64(m.Budget)-1)
	var table strings.Builder
	tw := tabwriter.NewWriter(&table, 0, 0, 2, ' ', 0)
	head := "SCENARIO\tSTRATEGY\tVERDICT\tEXPECTED\tSCHEDULES\tFIRST FAILURE"
	for _, s := range matrixSearches {
		name := strings.ToUpper(s.Kind)
		if s.Kind == "pct" {
			name += fmt.Sprintf("(d=%d)", s.Depth)
		}
		head += "\t" + name
	}
	fmt.Fprintln(tw, head+"\tTIME\t")
	passOK, failOK := 0, 0
	for _, cell := range m.Cells {
		first := "-"
		if cell.FirstFailure != nil {
			first = fmt.Sprintf("after %d (%s, %s)", *cell.FirstFailure+1, cell.FirstFailureSearch, fmtMS(*cell.TimeToFailureMS))
		}
		mark := ""
		switch {
		case cell.Unexpected:
			mark = "UNEXPECTED"
		case cell.Verdict == string(scenarios.Pass):
			passOK++
		default:
			failOK++
		}
		row := fmt.Sprintf("%s\t%s\t%s\t%s\t%d\t%s", cell.Scenario, cell.Strategy, cell.Verdict, cell.Expected, cell.Schedules, first)
		for _, s := range cell.Searches {
			found := "-"
			if s.FirstFailure != nil {
				found = fmt.Sprint(*s.FirstFailure + 1)
			}
			row += "\t" + found
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", row, fmtMS(cell.ElapsedMS), mark)
	}
	tw.Flush()
	for line := range strings.Lines(table.String()) {
		fmt.Fprintln(w, strings.TrimRight(line, " \n"))
	}
	fmt.Fprintf(w, "\n%d cells: %d fail as expected, %d pass as expected, %d UNEXPECTED; %v\n",
		len(m.Cells), failOK, passOK, m.Unexpected, m.elapsed.Round(time.Millisecond))

	for _, cell := range m.Cells {
		x := cell.Shrunk
		if x == nil {
			continue
		}
		note := "as expected"
		if cell.Unexpected {
			note = "UNEXPECTED: the scenario expects " + cell.Expected
		}
		fmt.Fprintf(w, "\n=== %s / %s: fail (%s)\n", cell.Scenario, cell.Strategy, note)
		fmt.Fprintf(w, "counterexample: %s seed %d (%s), shrunk to %s, %s\n", x.run.Spec.Search, x.Seed, plural(x.FoundPreemptions, "preemption"), plural(x.Preemptions, "preemption"), plural(x.Steps, "step"))
		fmt.Fprint(w, x.Report)
		fmt.Fprintf(w, "Shrunk schedule (save it to a file and run 'interleave replay FILE'):\n%s", x.Schedule)
		fmt.Fprintf(w, "Rerun:        %s\n", x.CLI)
		fmt.Fprintf(w, "Debug:        %s\n", x.Debug)
	}
	for _, cell := range m.Cells {
		if cell.Unexpected && cell.Verdict == string(scenarios.Pass) {
			fmt.Fprintf(w, "\n=== %s / %s: pass (UNEXPECTED: the scenario expects fail; no failure in %d schedules)\n",
				cell.Scenario, cell.Strategy, cell.Schedules)
		}
	}
}

// joinAnd joins "a", "b" and "c" as "a, b and c".
func joinAnd(xs []string) string {
	if len(xs) < 2 {
		return strings.Join(xs, "")
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}

// plural renders a count of things: "1 scenario", "7 scenarios".
func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	if strings.HasSuffix(word, "y") {
		return fmt.Sprintf("%d %sies", n, word[:len(word)-1])
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// fmtMS renders milliseconds for the table.
func fmtMS(ms int64) string {
	if ms < 1000 {
		return fmt.Sprintf("%dms", ms)
	}
	return fmt.Sprintf("%.1fs", float64(ms)/1000)
}
