package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/interleave/interleave/scenarios"
)

var matrixCmd = &command{
	name:     "matrix",
	synopsis: "interleave matrix [--budget N] [--scenario S,...] [--strategy X,...] [--seed N] [-p N] [--save DIR] [--html DIR] [--prove N [--prove-budget N]] [--json]",
	flags: func(f *flags) func(*cli, []string) (int, error) {
		budget := f.Int("budget", 200, "schedules per search and cell (four searches: pct d=1, 2, 3 and random)")
		scenario := f.String("scenario", "", "only these scenarios (comma-separated names or .scenario files; default all)")
		strategy := f.String("strategy", "", "only these merge strategies (comma-separated; default all)")
		seed := f.String("seed", "1", "first `seed` of every search")
		parallel := f.Int("p", runtime.NumCPU(), "cells to run at once")
		save := f.String("save", "", "save each failing cell's counterexample under `DIR`/<scenario>/ (default: a new temporary directory, made at the first failure)")
		html := f.String("html", "", "write each failing cell's timeline page under `DIR`/<scenario>/")
		prove := f.String("prove", "", "after the searches pass a cell, search with dpor every schedule with at most `N` preemptions (-1: every schedule); exhausted, it is a proof within that bound")
		proveBudget := f.Int("prove-budget", 100000, "schedules of each cell's --prove search (0: until exhausted)")
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
			if err := checkRange("--budget", *budget, 1, scenarios.MaxBudget); err != nil {
				return 0, err
			}
			if err := checkSeeds("--seed", first, *budget); err != nil {
				return 0, err
			}
			if err := checkRange("-p", *parallel, 1, scenarios.MaxParallel); err != nil {
				return 0, err
			}
			if err := checkDir("--save", *save); err != nil {
				return 0, err
			}
			if err := checkDir("--html", *html); err != nil {
				return 0, err
			}
			cfg := scenarios.MatrixConfig{Scenarios: scs, Strategies: sts, Searches: scenarios.DefaultMatrixSearches(),
				Budget: *budget, Seed: first, Parallel: *parallel}
			if *prove != "" {
				bound, err := strconv.Atoi(*prove)
				if err != nil || bound < -1 || bound > scenarios.MaxPreemptions {
					return 0, badInput("--prove %q: want a preemption bound, a whole number from -1 (every schedule) to %d", *prove, scenarios.MaxPreemptions)
				}
				if err := checkRange("--prove-budget", *proveBudget, 0, scenarios.MaxBudget); err != nil {
					return 0, err
				}
				cfg.Prove, cfg.ProveBudget = scenarios.Search{Kind: "dpor", Depth: 3, Preemptions: bound}, *proveBudget
			} else if f.isSet("prove-budget") {
				return 0, badUsage("--prove-budget without --prove")
			}
			return runMatrixCmd(c, cfg, *save, *html, *f.json)
		}
	},
}

// matrixIsTerminal is isTerminal (a hook for the tests).
var matrixIsTerminal = isTerminal

// matrixRun is a matrix being run by the command: where its counterexamples
// go and how its progress is shown.
type matrixRun struct {
	c          *cli
	save       string // --save DIR, or the temporary directory once made
	tempDir    bool   // save was made here, at the first failure
	saveErr    error
	saved      map[*scenarios.Cell]string // the counterexamples' files
	html       string                     // --html DIR: the failing cells' pages go here
	pages      map[*scenarios.Cell]string // the pages written
	status     io.Writer                  // progress: stdout on a terminal (a live line), else stderr
	live       bool
	done, all  int
	statusLine bool // a live status line is on the screen
}

func runMatrixCmd(c *cli, cfg scenarios.MatrixConfig, save, html string, asJSON bool) (int, error) {
	// Ctrl-C (or SIGTERM) stops the searches and shrinking: the report so
	// far is printed, the counterexamples found are saved, exit 130; a
	// second one kills outright.
	ctx, stop := notifyInterrupt()
	defer stop()
	mr := &matrixRun{c: c, save: save, status: c.stderr, all: len(cfg.Scenarios) * len(cfg.Strategies), saved: map[*scenarios.Cell]string{},
		html: html, pages: map[*scenarios.Cell]string{}}
	if !asJSON && matrixIsTerminal(c.stdout) {
		mr.status, mr.live = c.stdout, true
	}
	cfg.OnCell = mr.cellDone
	mr.progress("matrix: %s x %s, %d cells, %d at a time ...", plural(len(cfg.Scenarios), "scenario"),
		plural(len(cfg.Strategies), "strategy"), mr.all, cfg.Parallel)
	m := scenarios.RunMatrix(ctx, cfg)
	mr.clearStatus()

	out := toMatrixJSON(m, mr)
	code := exitPass
	switch {
	case m.Interrupted:
		code = exitInterrupted
	case m.Unexpected > 0:
		code = exitFound
	}
	if asJSON {
		if err := c.writeJSON(out); err != nil {
			return 0, err
		}
	} else {
		out.print(c.stdout)
	}
	if mr.saveErr != nil {
		return 0, mr.saveErr
	}
	return code, nil
}

// cellDone saves the cell's counterexample and shows the cell's progress.
func (mr *matrixRun) cellDone(cell *scenarios.Cell) {
	mr.done++
	if x := cell.Counterexample; x != nil && mr.saveErr == nil {
		if mr.save == "" {
			dir, err := os.MkdirTemp("", "interleave-matrix-*")
			if err != nil {
				mr.saveErr = fmt.Errorf("saving the counterexamples: %w", err)
				return
			}
			mr.save, mr.tempDir = dir, true
		}
		path, err := scenarios.SaveSchedule(mr.save, x)
		if err != nil {
			mr.saveErr = err
		} else {
			mr.saved[cell] = path
		}
		// The page after the schedule: its lines then replay the file.
		if mr.html != "" && mr.saveErr == nil {
			page, err := scenarios.SaveHTML(mr.html, x)
			if err != nil {
				mr.saveErr = err
			} else {
				mr.pages[cell] = page
			}
		}
	}
	what := "not run"
	switch {
	case cell.Verdict == scenarios.Fail:
		i, er, _ := cell.FirstFailure()
		what = fmt.Sprintf("fail after %d (%s); searches %s, shrinking %s", i+1, er.Search,
			fmtDur(cell.SearchTime), fmtDur(cell.ShrinkTime))
		if cell.ShrinkInterrupted {
			what += " (interrupted)"
		}
	case cell.Verdict == scenarios.Pass:
		what = fmt.Sprintf("pass, %d schedules", cell.Schedules())
	case len(cell.Searches) > 0:
		what = fmt.Sprintf("interrupted after %d schedules", cell.Schedules())
	}
	mr.progress("[%d/%d] %s / %s: %s, %s", mr.done, mr.all, cell.Scenario.Name, cell.Strategy.Name(), what, fmtDur(cell.Elapsed))
}

// progress shows a line of progress: as the live status line on a
// terminal, else as a line on stderr.
func (mr *matrixRun) progress(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	if mr.live {
		fmt.Fprintf(mr.status, "\r\033[K%s", line)
		mr.statusLine = true
		return
	}
	fmt.Fprintln(mr.status, line)
}

func (mr *matrixRun) clearStatus() {
	if mr.statusLine {
		fmt.Fprint(mr.status, "\r\033[K")
		mr.statusLine = false
	}
}

// matrixJSON is the whole matrix, as --json prints it.
type matrixJSON struct {
	Budget int   `json:"budget"`
	Seed   int64 `json:"seed"`
	// Searches names the searches of every cell, in order: "pct(d=1)",
	// "pct(d=2)", "pct(d=3)", "random" by default.
	Searches    []string      `json:"searches"`
	Cells       []*matrixCell `json:"cells"`
	Unexpected  int           `json:"unexpected"`
	Interrupted bool          `json:"interrupted"`
	// Saved is the directory the counterexamples were saved under (--save,
	// or a new temporary directory); Temporary says which.
	Saved     string `json:"saved,omitempty"`
	Temporary bool   `json:"temporary,omitempty"`
	ElapsedMS int64  `json:"elapsed_ms"`

	// Prove names the --prove search of the cells the searches passed
	// ("" without --prove), and ProveBudget its budget (0: none).
	Prove       string `json:"prove,omitempty"`
	ProveBudget int    `json:"prove_budget,omitempty"`

	elapsed                 time.Duration
	nScenarios, nStrategies int
	searches                []scenarios.Search
}

// matrixCell is one scenario under one strategy.
type matrixCell struct {
	Scenario string `json:"scenario"`
	Strategy string `json:"strategy"`
	// Verdict is pass, fail, or "" when the cell was interrupted first.
	Verdict  string `json:"verdict"`
	Expected string `json:"expected"`
	// Unexpected is true when Verdict differs from Expected.
	Unexpected bool `json:"unexpected"`
	Complete   bool `json:"complete"`
	// Schedules is the sum over the cell's searches.
	Schedules int `json:"schedules"`
	// FirstFailure is the smallest index (from 0) at which one of the
	// searches failed, null if none did; FirstFailureSearch names the
	// search that found the failure first (in the fewest schedules; the
	// earlier search on a tie), e.g. "pct(d=2)".
	FirstFailure       *int   `json:"first_failure"`
	FirstFailureSearch string `json:"first_failure_search,omitempty"`
	// TimeToFailureMS is how long that search took to find it.
	TimeToFailureMS *int64 `json:"time_to_failure_ms"`
	// ElapsedMS is the cell's whole time: its searches (SearchMS) and
	// shrinking its counterexample (ShrinkMS).
	ElapsedMS int64         `json:"elapsed_ms"`
	SearchMS  int64         `json:"search_ms"`
	ShrinkMS  int64         `json:"shrink_ms"`
	Searches  []*cellSearch `json:"searches"`
	// Proof is the --prove search, when it ran (the searches passed).
	Proof  *cellProof     `json:"proof,omitempty"`
	Shrunk *shrunkExample `json:"counterexample,omitempty"`
}

// cellProof is the exhaustive search of a cell the searches passed.
type cellProof struct {
	// Search names it, "dpor(preemptions<=2)"; Preemptions is its bound
	// (-1: none).
	Search      string `json:"search"`
	Preemptions int    `json:"preemptions"`
	Schedules   int    `json:"schedules"`
	// Pruned counts the runs dpor abandoned as redundant.
	Pruned int `json:"pruned"`
	// Exhausted: every schedule within the bound was covered, up to the
	// order of independent steps; with no failure, a proof within it.
	Exhausted    bool  `json:"exhausted"`
	FirstFailure *int  `json:"first_failure"`
	ElapsedMS    int64 `json:"elapsed_ms"`
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
}

// shrunkExample is the smallest failing run a cell found, shrunk.
type shrunkExample struct {
	// Search, Depth and Seed name the failing run as the search found it
	// (as --search, --depth and --seed take them), with FoundPreemptions
	// preemptions; the rest is the counterexample after shrinking, which
	// its schedule File replays.
	Search           string `json:"search"`
	Depth            int    `json:"depth"`
	Seed             int64  `json:"seed"`
	FoundPreemptions int    `json:"found_preemptions"`
	// ShrinkInterrupted: Ctrl-C cut shrinking short.
	ShrinkInterrupted bool   `json:"shrink_interrupted,omitempty"`
	File              string `json:"file,omitempty"`
	// HTML is the counterexample's timeline page (--html DIR).
	HTML        string   `json:"html,omitempty"`
	Schedule    string   `json:"schedule"`
	Preemptions int      `json:"preemptions"`
	Steps       int      `json:"steps"`
	Verdict     string   `json:"verdict"`
	Violations  []string `json:"violations"`
	Failure     string   `json:"failure"`
	TraceHash   string   `json:"trace_hash"`
	CLI         string   `json:"cli"`
	Repro       string   `json:"repro"`
	Debug       string   `json:"debug"`
	Report      string   `json:"report"`

	name string // the search, as "pct(d=2)"
}

func toMatrixJSON(m *scenarios.Matrix, mr *matrixRun) *matrixJSON {
	out := &matrixJSON{Budget: m.Config.Budget, Seed: m.Config.Seed, Cells: []*matrixCell{}, Unexpected: m.Unexpected,
		Interrupted: m.Interrupted, ElapsedMS: m.Elapsed.Milliseconds(), elapsed: m.Elapsed,
		nScenarios: len(m.Config.Scenarios), nStrategies: len(m.Config.Strategies)}
	if len(mr.saved) > 0 {
		out.Saved, out.Temporary = mr.save, mr.tempDir
	}
	for _, s := range m.Config.Searches {
		out.Searches = append(out.Searches, s.String())
	}
	out.searches = m.Config.Searches
	if m.Config.Prove.Exhaustive() {
		out.Prove, out.ProveBudget = m.Config.Prove.String(), m.Config.ProveBudget
	}
	for _, c := range m.Cells {
		mc := &matrixCell{Scenario: c.Scenario.Name, Strategy: c.Strategy.Name(), Verdict: string(c.Verdict),
			Expected: string(c.Expected), Unexpected: c.Unexpected, Complete: c.Complete, Schedules: c.Schedules(),
			ElapsedMS: c.Elapsed.Milliseconds(), SearchMS: c.SearchTime.Milliseconds(), ShrinkMS: c.ShrinkTime.Milliseconds(),
			Searches: []*cellSearch{}}
		for _, er := range c.Searches {
			s := &cellSearch{Search: er.Search.Kind, Depth: er.Search.Depth, Name: er.Search.String(), Schedules: er.Schedules, ElapsedMS: er.Elapsed.Milliseconds()}
			if er.FirstFailure >= 0 {
				i := er.FirstFailure
				s.FirstFailure = &i
			}
			mc.Searches = append(mc.Searches, s)
		}
		if p := c.Proof; p != nil {
			mc.Proof = &cellProof{Search: p.Search.String(), Preemptions: p.Search.Preemptions, Schedules: p.Schedules,
				Pruned: p.Pruned, Exhausted: p.Exhausted, ElapsedMS: p.Elapsed.Milliseconds()}
			if p.FirstFailure >= 0 {
				i := p.FirstFailure
				mc.Proof.FirstFailure = &i
			}
		}
		if i, er, ok := c.FirstFailure(); ok {
			ms := er.Elapsed.Milliseconds()
			mc.FirstFailure, mc.FirstFailureSearch, mc.TimeToFailureMS = &i, er.Search.String(), &ms
		}
		if x := c.Counterexample; x != nil {
			mc.Shrunk = &shrunkExample{Search: c.Found.Spec.Search.Kind, Depth: c.Found.Spec.Search.Depth, name: c.Found.Spec.Search.String(),
				Seed: c.Found.Spec.Seed, FoundPreemptions: c.Found.Preemptions,
				ShrinkInterrupted: c.ShrinkInterrupted, Schedule: x.Schedule.String(), Preemptions: x.Preemptions, Steps: x.Steps,
				Verdict: string(x.Verdict), Violations: []string{}, TraceHash: x.TraceHash(),
				CLI: x.CLI(), Repro: x.Repro(), Debug: x.DebugLine(), Report: x.Report()}
			mc.Shrunk.File, mc.Shrunk.HTML = mr.saved[c], mr.pages[c]
			if x.Failure != nil {
				mc.Shrunk.Failure = oneLine(x.Failure)
			}
			for _, v := range x.Violations {
				mc.Shrunk.Violations = append(mc.Shrunk.Violations, v.String())
			}
		}
		out.Cells = append(out.Cells, mc)
	}
	return out
}

func (m *matrixJSON) print(w io.Writer) {
	fmt.Fprintf(w, "%s x %s; each cell explored with %s, up to %d schedules each (seeds %d..%d), each stopping at its first failure, then shrunk\n\n",
		plural(m.nScenarios, "scenario"), plural(m.nStrategies, "strategy"), joinAnd(m.Searches), m.Budget, m.Seed, m.Seed+int64(m.Budget)-1)
	if m.Interrupted {
		fmt.Fprintf(w, "interrupted: this report covers the work done before Ctrl-C\n\n")
	}
	var table strings.Builder
	tw := tabwriter.NewWriter(&table, 0, 0, 2, ' ', 0)
	head := "SCENARIO\tSTRATEGY\tVERDICT\tEXPECTED\tSCHEDULES\tFIRST FAILURE"
	for _, s := range m.searches {
		name := strings.ToUpper(s.Kind)
		if s.Kind == "pct" {
			name += fmt.Sprintf("(d=%d)", s.Depth)
		}
		head += "\t" + name
	}
	if m.Prove != "" {
		head += "\tPROOF"
	}
	fmt.Fprintln(tw, head+"\tTIME\t")
	passOK, failOK, notDone := 0, 0, 0
	for _, cell := range m.Cells {
		first := "-"
		if cell.FirstFailure != nil {
			first = fmt.Sprintf("after %d (%s, %s)", *cell.FirstFailure+1, cell.FirstFailureSearch, fmtMS(*cell.TimeToFailureMS))
		}
		verdict, mark := cell.Verdict, ""
		switch {
		case cell.Unexpected:
			mark = "UNEXPECTED"
		case cell.Verdict == "":
			verdict = "-"
			mark = "not run"
			if len(cell.Searches) > 0 {
				mark = "interrupted"
			}
			notDone++
		case cell.Verdict == string(scenarios.Pass):
			passOK++
		default:
			failOK++
		}
		if cell.Verdict != "" && !cell.Complete && !cell.Unexpected {
			mark = "interrupted"
		}
		row := fmt.Sprintf("%s\t%s\t%s\t%s\t%d\t%s", cell.Scenario, cell.Strategy, verdict, cell.Expected, cell.Schedules, first)
		for k := range m.searches {
			found := "-"
			if k < len(cell.Searches) && cell.Searches[k].FirstFailure != nil {
				found = fmt.Sprint(*cell.Searches[k].FirstFailure + 1)
			}
			row += "\t" + found
		}
		if m.Prove != "" {
			row += "\t" + cell.proofColumn()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", row, fmtMS(cell.ElapsedMS), mark)
	}
	tw.Flush()
	for line := range strings.Lines(table.String()) {
		fmt.Fprintln(w, strings.TrimRight(line, " \n"))
	}
	fmt.Fprintf(w, "(FIRST FAILURE: the search that found one in the fewest schedules; PCT and RANDOM: each search's schedules to its first failure; TIME: the cell's searches and the shrinking of its counterexample)\n")
	if m.Prove != "" {
		budget := fmt.Sprintf("up to %d schedules", m.ProveBudget)
		if m.ProveBudget <= 0 {
			budget = "until exhausted"
		}
		fmt.Fprintf(w, "(PROOF: %s in each cell the searches passed, %s: \"all N\" means the search was exhausted with no failure, every schedule within its bound up to the order of independent steps; \"none in N\" that its budget ran out first)\n", m.Prove, budget)
	}
	fmt.Fprintf(w, "\n%d cells: %d fail as expected, %d pass as expected, %d UNEXPECTED", len(m.Cells), failOK, passOK, m.Unexpected)
	if notDone > 0 {
		fmt.Fprintf(w, ", %d without a verdict", notDone)
	}
	fmt.Fprintf(w, "; %v\n", m.elapsed.Round(time.Millisecond))
	if m.Saved != "" {
		how := "--save"
		if m.Temporary {
			how = "a new temporary directory; --save DIR chooses one"
		}
		fmt.Fprintf(w, "counterexamples saved under %s (%s)\n", m.Saved, how)
	}

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
		shrunk := fmt.Sprintf("shrunk to %s, %s, in %s", plural(x.Preemptions, "preemption"), plural(x.Steps, "step"), fmtMS(cell.ShrinkMS))
		if x.ShrinkInterrupted {
			shrunk = fmt.Sprintf("shrinking interrupted at %s, %s", plural(x.Preemptions, "preemption"), plural(x.Steps, "step"))
		}
		fmt.Fprintf(w, "counterexample: found by %s seed %d (%s), %s\n", x.name, x.Seed, plural(x.FoundPreemptions, "preemption"), shrunk)
		fmt.Fprint(w, x.Report)
		if x.File != "" {
			fmt.Fprintf(w, "Schedule:     %s\n", x.File)
		}
		if x.HTML != "" {
			fmt.Fprintf(w, "Timeline:     %s\n", x.HTML)
		}
		if x.CLI != "" {
			fmt.Fprintf(w, "Rerun:        %s\n", x.CLI)
			fmt.Fprintf(w, "Debug:        %s\n", x.Debug)
		}
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

func fmtDur(d time.Duration) string { return fmtMS(d.Milliseconds()) }

// proofColumn is the cell's PROOF column: "all N" (exhausted, no failure),
// "none in N" (budget spent), "fails at N", or "-" (no proof ran).
func (c *matrixCell) proofColumn() string {
	p := c.Proof
	switch {
	case p == nil:
		return "-"
	case p.FirstFailure != nil:
		return fmt.Sprintf("fails at %d", *p.FirstFailure+1)
	case p.Exhausted:
		return fmt.Sprintf("all %d", p.Schedules)
	}
	return fmt.Sprintf("none in %d", p.Schedules)
}
