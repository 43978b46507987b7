package scenarios

import (
	"context"
	"sync"
	"time"

	"github.com/interleave/interleave/harness"
)

// DefaultMatrixSearches are the searches a matrix cell runs by default, in
// order, each from the same first seed, each stopping at its first
// failure: PCT at bug depths 1, 2 and 3, then random. No one search finds
// every failure soon: a case that random found once in 30,000 schedules,
// PCT with depth 2 found within 6; PCT with depth 1 never preempts on
// purpose, and finds what needs no more than the order in which tasks
// start. A cell passes only when all four pass.
func DefaultMatrixSearches() []Search {
	return []Search{
		{Kind: "pct", Depth: 1, Preemptions: 2},
		{Kind: "pct", Depth: 2, Preemptions: 2},
		{Kind: "pct", Depth: 3, Preemptions: 2},
		{Kind: "random", Depth: 3, Preemptions: 2},
	}
}

// MatrixConfig says what RunMatrix explores: every scenario under every
// strategy (a cell), each cell with every search, Budget schedules from
// seed Seed, each search stopping at its first failure.
type MatrixConfig struct {
	Scenarios  []*Scenario
	Strategies []harness.Design
	// Searches are run in order in each cell (random, pct, dfs or dpor; nil:
	// DefaultMatrixSearches).
	Searches []Search
	Budget   int
	Seed     int64
	// Parallel cells run at once (< 1: one).
	Parallel int
	// Prove, when it is an exhaustive search (dfs or dpor, with its
	// preemption bound), runs in each cell the searches above passed, up
	// to ProveBudget schedules (<= 0: until exhausted). Exhausted, it is a
	// proof within its bound (for all schedules, unbounded dpor); a failure
	// it finds fails the cell like any search's.
	Prove       Search
	ProveBudget int
	// OnCell, if set, is called as each cell ends (complete, or cut short
	// by the context), one call at a time, in the order the cells end.
	OnCell func(*Cell)
}

// Matrix is the outcome of RunMatrix.
type Matrix struct {
	Config MatrixConfig
	// Cells are in the order of the configuration: by scenario, then by
	// strategy.
	Cells []*Cell
	// Unexpected counts the cells whose verdict differs from the one their
	// scenario expects.
	Unexpected int
	// Interrupted is true when the context ended the matrix early: some
	// cells may be incomplete or not run.
	Interrupted bool
	Elapsed     time.Duration
}

// Cell is one scenario under one strategy.
type Cell struct {
	Scenario *Scenario
	Strategy harness.Design
	Expected Verdict
	// Verdict is Fail once a search failed, Pass once every search ran its
	// budget without a failure, "" when the cell was cut short before
	// either.
	Verdict    Verdict
	Unexpected bool
	// Complete is true when every search ran to its end and shrinking
	// finished.
	Complete bool
	// Searches are the explorations, one per MatrixConfig.Searches (fewer
	// when cut short).
	Searches []*ExploreResult
	// Found is the smaller of the searches' first failures (fewest
	// preemptions, then fewest steps; the earlier search on a tie), with
	// its trace; FoundBy is the index of its search.
	Found   *RunResult
	FoundBy int
	// Counterexample is Found shrunk (ShrinkResultContext): the run the
	// matrix reports. It is Found itself when the context ended before
	// shrinking began. Save it (SaveSchedule) for lines that rerun it.
	Counterexample *RunResult
	// Proof is the exhaustive search of MatrixConfig.Prove, nil when it
	// did not run (no Prove, or a search failed first). When it found the
	// failure, Found is its run and FoundBy is len(Searches).
	Proof *ExploreResult
	// ShrinkInterrupted is true when the context cut shrinking short.
	ShrinkInterrupted bool
	// SearchTime sums the searches' times; ShrinkTime is the time spent
	// shrinking; Elapsed is the cell's whole time, both included.
	SearchTime, ShrinkTime, Elapsed time.Duration
}

// FirstFailure returns the smallest index (from 0) at which a search of the
// cell failed, and that search (the proof search, when only it failed); ok
// is false when none did.
func (c *Cell) FirstFailure() (index int, search *ExploreResult, ok bool) {
	for _, er := range c.Searches {
		if er.FirstFailure >= 0 && (!ok || er.FirstFailure < index) {
			index, search, ok = er.FirstFailure, er, true
		}
	}
	if !ok && c.Proof != nil && c.Proof.FirstFailure >= 0 {
		return c.Proof.FirstFailure, c.Proof, true
	}
	return index, search, ok
}

// Schedules sums the schedules the cell's searches ran, its proof's
// included.
func (c *Cell) Schedules() int {
	n := 0
	for _, er := range c.Searches {
		n += er.Schedules
	}
	if c.Proof != nil {
		n += c.Proof.Schedules
	}
	return n
}

// Proven reports whether the cell passed and its proof search was
// exhausted without a failure.
func (c *Cell) Proven() bool {
	return c.Verdict == Pass && c.Proof != nil && c.Proof.Exhausted && c.Proof.Failures == 0
}

// RunMatrix explores every cell. Cells run Parallel at a time; within a
// cell the searches run in order, then the counterexample is shrunk. When
// ctx is done, running searches and shrinking stop, cells not started are
// left with only their scenario, strategy and expectation, and the matrix
// is marked Interrupted. The verdicts do not depend on Parallel or on
// timing.
func RunMatrix(ctx context.Context, cfg MatrixConfig) *Matrix {
	start := time.Now()
	if cfg.Searches == nil {
		cfg.Searches = DefaultMatrixSearches()
	}
	m := &Matrix{Config: cfg}
	for _, sc := range cfg.Scenarios {
		for _, st := range cfg.Strategies {
			m.Cells = append(m.Cells, &Cell{Scenario: sc, Strategy: st, Expected: sc.Expected(st.Name())})
		}
	}
	next := make(chan *Cell)
	var mu sync.Mutex // serializes OnCell
	var wg sync.WaitGroup
	for range min(max(cfg.Parallel, 1), len(m.Cells)) {
		wg.Go(func() {
			for c := range next {
				c.run(ctx, cfg)
				if cfg.OnCell != nil {
					mu.Lock()
					cfg.OnCell(c)
					mu.Unlock()
				}
			}
		})
	}
	for _, c := range m.Cells {
		if ctx.Err() != nil {
			break
		}
		select {
		case next <- c:
		case <-ctx.Done():
		}
	}
	close(next)
	wg.Wait()
	for _, c := range m.Cells {
		if c.Unexpected {
			m.Unexpected++
		}
	}
	m.Interrupted = ctx.Err() != nil
	m.Elapsed = time.Since(start)
	return m
}

// run explores the cell with each search, then shrinks its counterexample.
func (c *Cell) run(ctx context.Context, cfg MatrixConfig) {
	start := time.Now()
	defer func() { c.Elapsed = time.Since(start) }()
	complete := true
	for i, search := range cfg.Searches {
		sp := Spec{Scenario: c.Scenario, Strategy: c.Strategy, Search: search, Seed: cfg.Seed}
		er := ExploreContext(ctx, sp, cfg.Budget, true, nil)
		c.Searches = append(c.Searches, er)
		c.SearchTime += er.Elapsed
		if r := er.First; r != nil && (c.Found == nil || smaller(r, c.Found)) {
			c.Found, c.FoundBy = r, i
		}
		if er.Interrupted {
			complete = false
			break
		}
	}
	if c.Found == nil && complete && cfg.Prove.Exhaustive() {
		sp := Spec{Scenario: c.Scenario, Strategy: c.Strategy, Search: cfg.Prove}
		er := ExploreContext(ctx, sp, cfg.ProveBudget, true, nil)
		c.Proof = er
		c.SearchTime += er.Elapsed
		if er.First != nil {
			c.Found, c.FoundBy = er.First, len(c.Searches)
		}
		complete = !er.Interrupted
	}
	switch {
	case c.Found != nil:
		c.Verdict = Fail
	case complete:
		c.Verdict = Pass
	}
	c.Unexpected = c.Verdict != "" && c.Verdict != c.Expected
	if c.Found == nil {
		c.Complete = complete
		return
	}
	if ctx.Err() != nil {
		c.Counterexample, c.ShrinkInterrupted = c.Found, true
		return
	}
	shrinkStart := time.Now()
	c.Counterexample = ShrinkResultContext(ctx, c.Found)
	c.ShrinkTime = time.Since(shrinkStart)
	c.ShrinkInterrupted = ctx.Err() != nil
	c.Complete = complete && !c.ShrinkInterrupted
}

// smaller orders counterexamples: fewer preemptions, then fewer steps.
func smaller(a, b *RunResult) bool {
	if a.Preemptions != b.Preemptions {
		return a.Preemptions < b.Preemptions
	}
	return a.Steps < b.Steps
}
