package pgbackend

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/interleave/interleave/harness"
	"github.com/interleave/interleave/pgstore"
	"github.com/interleave/interleave/sched"
)

// DefaultStressTicks is the worker's acquire ticks in StressPromote when
// StressConfig.Ticks is 0: the worker polls the chat the way the real one
// does on its periodic tick, so it can pick the chat up as soon as the
// promote commits, while the promote is still publishing (§4).
const DefaultStressTicks = 100

// DefaultRunTimeout bounds one wild run of StressPromote when
// StressConfig.RunTimeout is 0.
const DefaultRunTimeout = time.Minute

// StressConfig shapes StressPromote.
type StressConfig struct {
	// Strategy is the subscriber's merge strategy (required).
	Strategy harness.Design
	// Runs is the number of runs (at least 1).
	Runs int
	// Concurrency is how many runs (each its own chat) run at once; 0
	// means 1.
	Concurrency int
	// ToolCalls is the number of tool calls the chat waits on (0: 2).
	ToolCalls int
	// Ticks is the worker's extra acquire ticks (harness.PromoteParams);
	// 0 means DefaultStressTicks, a negative value none.
	Ticks int
	// Jitter is the wild runs' jitter probability (sched.WildOptions).
	Jitter float64
	// FirstRunID is the ID of the first run; the others follow. 0
	// allocates fresh IDs (Backend.AllocRunIDs), so that stress runs
	// sharing a database never collide.
	FirstRunID int64
	// Timeout bounds each database call (Run.Timeout); 0 means
	// DefaultTimeout.
	Timeout time.Duration
	// RunTimeout bounds each wild run; 0 means DefaultRunTimeout.
	RunTimeout time.Duration
	// MaxFailures is how many failure messages the result keeps; 0 means
	// 5.
	MaxFailures int
	// SkipRowLock makes the writers skip the chat-row lock
	// (harness.Config.SkipRowLock): a hazard, for comparison with the
	// default, where PromoteQueued and the worker lock the chat row.
	SkipRowLock bool
	// OrderByID orders the catch-up query by id (harness.DBConfig), the
	// later upstream change. By default it orders by created_at with no
	// tie-break, and the rows of the promote's transaction tie: the stored
	// history can then put the promoted row before the tool rows
	// (harness.HistoryOrder), under any strategy.
	OrderByID bool
	// Workload adds a writer to the promote workload: "" or
	// WorkloadPromote, none; WorkloadEdits, an editor that edits one
	// seeded row and soft-deletes another (harness.WithEditor);
	// WorkloadBumpSkip, a writer that skips the version bump
	// (harness.WithBumpSkipper, stream-loop.md H1).
	Workload string
	// Keep keeps the rows of runs that passed; by default they are
	// deleted after the run (a failing run's rows are always kept, to be
	// looked at).
	Keep bool

	// Progress, if set, is called after each run ends with the counts so
	// far (Elapsed included), from the one goroutine that counts: it must
	// not block, and must copy what it keeps (ByProperty and Failures are
	// the result's own).
	Progress func(StressResult)

	// prepare, if set, is called on each run before it starts (tests
	// inject faults with it).
	prepare func(*Run)
}

// StressResult is what StressPromote measured.
type StressResult struct {
	// FirstRunID is the ID of the first run.
	FirstRunID int64
	// Runs is the number of runs that finished: with the oracle's
	// verdict, or with an error of their own (Runs-Errors had a verdict,
	// the denominator of a violation rate). Aborted runs are not counted.
	Runs int
	// Violations is the number of runs the oracle failed (or the stored
	// history order, harness.HistoryOrder).
	Violations int
	// ByProperty counts violating runs by the property they broke.
	ByProperty map[harness.Property]int
	// Errors is the number of runs that failed without the oracle's
	// verdict: a database error, a lost listener, a timeout. Aborted runs
	// are not counted.
	Errors int
	// Aborted is the number of runs in flight when ctx ended: they failed
	// without a verdict because StressPromote aborted them, so they count
	// neither in Runs nor in Errors (nor in the inversion counts below).
	Aborted int
	// Failures are the first few failure messages, one line each (see
	// StressPromote): "run R (chat P): <what failed>; ... psql ...".
	Failures []string
	// CommitInversions counts runs in which a transaction certainly
	// committed after one holding higher IDs (Run.CommitInversions).
	CommitInversions int
	// PublishInversions counts runs whose subscriber's replica appended
	// messages to its durable cache out of ID order: a later publish
	// overtook an earlier one, the precondition of the naive merge's race.
	PublishInversions int
	// NotifyInversions counts runs whose listener delivered message
	// notifies out of ID order.
	NotifyInversions int
	// Elapsed is the wall time of the whole stress run.
	Elapsed time.Duration
}

func (r StressResult) String() string {
	aborted := ""
	if r.Aborted > 0 {
		aborted = fmt.Sprintf(" (%d more aborted)", r.Aborted)
	}
	return fmt.Sprintf("%d runs%s (IDs from %d): %d violating, %d errors; out of ID order: commits in %d, cache appends in %d, notifies in %d; %v",
		r.Runs, aborted, r.FirstRunID, r.Violations, r.Errors, r.CommitInversions, r.PublishInversions, r.NotifyInversions, r.Elapsed.Round(time.Millisecond))
}

// The workloads of StressConfig.Workload.
const (
	WorkloadPromote  = "promote"
	WorkloadEdits    = "edits"
	WorkloadBumpSkip = "bump-skip"
)

// Workloads lists the workloads StressConfig.Workload names.
var Workloads = []string{WorkloadPromote, WorkloadEdits, WorkloadBumpSkip}

// stressChat is the logical chat of every stress run.
const stressChat = 1

// StressPromote runs harness.PromoteWhileRequiresAction cfg.Runs times on
// the backend, cfg.Concurrency at once, each run a sched.RunWild of its own
// Run (its own namespace), with the oracle checked against the database
// after each. It returns what it measured, and an error when a run failed
// without the oracle's verdict (the database is then suspect, so no more
// runs are handed out; a worker may already have taken its next one) or
// ctx ended first (runs in flight are aborted and counted in
// StressResult.Aborted only); the result then covers the runs that
// finished.
//
// A failing run is reported on one line: its run ID, its physical chat ID
// (Run.PhysicalChatID), what failed, and a psql command that lists the
// chat's messages, e.g.
//
//	run 912 (chat 912000001): oracle: ...; a wild run on a real database, not replayable by seed; its rows are kept: psql "$INTERLEAVE_PG_DSN" -c 'select id, role, created_at, deleted from chat_messages where chat_id = 912000001 order by created_at, id'
//
// A failing run's rows (its chat, messages and queued messages) are kept,
// whatever cfg.Keep says, so they can be inspected that way (with the DSN
// of the database the run used); the run itself cannot be replayed: its
// interleaving came from the database and the OS scheduler, not from its
// seed.
func StressPromote(ctx context.Context, b *Backend, cfg StressConfig) (StressResult, error) {
	switch {
	case cfg.Strategy == nil:
		return StressResult{}, errors.New("pgbackend: stress: no merge strategy")
	case cfg.Runs < 1:
		return StressResult{}, fmt.Errorf("pgbackend: stress: %d runs: want at least 1", cfg.Runs)
	case cfg.Workload != "" && !slices.Contains(Workloads, cfg.Workload):
		return StressResult{}, fmt.Errorf("pgbackend: stress: unknown workload %q (known: %s)", cfg.Workload, strings.Join(Workloads, ", "))
	case cfg.Concurrency < 0:
		return StressResult{}, fmt.Errorf("pgbackend: stress: concurrency %d: want at least 1", cfg.Concurrency)
	case !(cfg.Jitter >= 0 && cfg.Jitter <= 1): // NaN too
		return StressResult{}, fmt.Errorf("pgbackend: stress: jitter %v: want a probability in [0, 1]", cfg.Jitter)
	case cfg.FirstRunID < 0 || cfg.FirstRunID > MaxRunID-int64(cfg.Runs)+1:
		return StressResult{}, fmt.Errorf("pgbackend: stress: first run ID %d: want 1..%d for %d runs (or 0 to allocate)", cfg.FirstRunID, MaxRunID-int64(cfg.Runs)+1, cfg.Runs)
	}
	start := time.Now()
	res := StressResult{FirstRunID: cfg.FirstRunID, ByProperty: map[harness.Property]int{}}
	if res.FirstRunID == 0 {
		first, err := b.AllocRunIDs(ctx, cfg.Runs)
		if err != nil {
			return res, fmt.Errorf("pgbackend: stress: %w", err)
		}
		res.FirstRunID = first
	}
	workers := min(max(cfg.Concurrency, 1), cfg.Runs)
	maxFailures := cfg.MaxFailures
	if maxFailures <= 0 {
		maxFailures = 5
	}

	// Workers run the runs and report to this goroutine, which owns res.
	jobs := make(chan int64)
	reports := make(chan runReport)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for id := range jobs {
				reports <- stressRun(ctx, b, id, cfg)
			}
		})
	}
	go func() {
		defer close(reports)
		defer wg.Wait()
		defer close(jobs)
		for i := range int64(cfg.Runs) {
			select {
			case jobs <- res.FirstRunID + i:
			case <-stop:
				return
			}
		}
	}()
	var stopOnce sync.Once
	halt := func() { stopOnce.Do(func() { close(stop) }) }
	var firstErr string
	done := ctx.Done()
	for reports != nil {
		select {
		case rep, ok := <-reports:
			if !ok {
				reports = nil
				continue
			}
			if rep.aborted {
				res.Aborted++
				continue
			}
			res.Runs++
			res.CommitInversions += b2i(rep.commitInverted)
			res.PublishInversions += b2i(rep.publishInverted)
			res.NotifyInversions += b2i(rep.notifyInverted)
			switch {
			case rep.err != "":
				res.Errors++
				if firstErr == "" {
					firstErr = rep.failure()
				}
				halt()
			case len(rep.violations) > 0:
				res.Violations++
				for _, p := range rep.properties() {
					res.ByProperty[p]++
				}
			}
			if msg := rep.failure(); msg != "" && len(res.Failures) < maxFailures {
				res.Failures = append(res.Failures, msg)
			}
			if cfg.Progress != nil {
				res.Elapsed = time.Since(start)
				cfg.Progress(res)
			}
		case <-done:
			done = nil
			halt()
		}
	}
	res.Elapsed = time.Since(start)
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("pgbackend: stress: interrupted after %d of %d runs (%d in flight aborted): %w", res.Runs, cfg.Runs, res.Aborted, err)
	}
	if res.Errors > 0 {
		return res, fmt.Errorf("pgbackend: stress: %d of %d runs failed without the oracle's verdict; the first: %s", res.Errors, res.Runs, firstErr)
	}
	return res, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// runReport is what one stress run tells the owner.
type runReport struct {
	id         int64
	err        string // a failure without the oracle's verdict
	aborted    bool   // err is StressPromote's doing: ctx ended during the run
	violations []harness.Violation
	verdict    string // the run's failure message when the oracle failed it

	commitInverted, publishInverted, notifyInverted bool
}

// failure returns the run's failure line (see StressPromote), or "" if it
// passed.
func (rep runReport) failure() string {
	msg := rep.err
	if msg == "" {
		msg = rep.verdict
	}
	if msg == "" {
		return ""
	}
	// Run.Err joins several errors with newlines; a failure is one line.
	msg = strings.ReplaceAll(msg, "\n", "; ")
	chat := rep.id*ChatIDSpan + stressChat
	return fmt.Sprintf("run %d (chat %d): %s; a wild run on a real database, not replayable by seed; its rows are kept: %s",
		rep.id, chat, msg, inspectCommand(chat))
}

// inspectCommand returns a shell command listing the messages of physical
// chat p in the database $INTERLEAVE_PG_DSN (pgstore.DSNEnv) names.
func inspectCommand(p int64) string {
	return fmt.Sprintf(`psql "$%s" -c 'select id, role, created_at, deleted from chat_messages where chat_id = %d order by created_at, id'`, pgstore.DSNEnv, p)
}

// properties lists the properties the run's violations broke, each once,
// in the order they came.
func (rep runReport) properties() []harness.Property {
	var out []harness.Property
	for _, v := range rep.violations {
		if !slices.Contains(out, v.Property) {
			out = append(out, v.Property)
		}
	}
	return out
}

// stressRun runs the promote workload once as run id.
func stressRun(ctx context.Context, b *Backend, id int64, cfg StressConfig) runReport {
	rep := runReport{id: id}
	run := b.NewRun(id)
	if cfg.Timeout > 0 {
		run.Timeout = cfg.Timeout
	}
	if cfg.prepare != nil {
		cfg.prepare(run)
	}
	stopAbort := context.AfterFunc(ctx, func() { run.Abort("the stress run was interrupted") })
	ticks := cfg.Ticks
	switch {
	case ticks == 0:
		ticks = DefaultStressTicks
	case ticks < 0:
		ticks = 0
	}
	runTimeout := cfg.RunTimeout
	if runTimeout <= 0 {
		runTimeout = DefaultRunTimeout
	}
	wl := harness.PromoteWhileRequiresAction(harness.PromoteParams{ToolCalls: cfg.ToolCalls, ChatID: stressChat, Ticks: ticks})
	switch cfg.Workload {
	case WorkloadEdits:
		wl = harness.WithEditor(wl, stressChat)
	case WorkloadBumpSkip:
		wl = harness.WithBumpSkipper(wl, stressChat)
	}
	wl.Config.SkipRowLock = cfg.SkipRowLock
	wl.Config.DB.OrderByID = cfg.OrderByID
	var out harness.Outcome
	wild := sched.RunWild(run.Body(wl, cfg.Strategy, &out), sched.WildOptions{Seed: id, Jitter: cfg.Jitter, Timeout: runTimeout})
	if f := wild.Failure; f != nil && f.Kind == sched.Timeout {
		// The run's goroutines are still going: end their database calls
		// so they finish, and read nothing they may still write.
		rep.err, rep.aborted = f.Msg, !stopAbort()
		run.Abort("the wild run timed out")
		return rep
	}
	// Whether ctx ended before the run did, aborting it; from here on ctx
	// no longer touches the run. An aborted run fails without a verdict:
	// Body fails it with Run.Err, which has the abort (or what the abort
	// made fail first).
	interrupted := !stopAbort()
	rep.commitInverted = run.CommitInversions() > 0
	if out.World != nil {
		cached, _ := out.World.Replicas[0].CacheIDs(stressChat)
		rep.publishInverted = inverted(cached)
	}
	for _, afters := range run.NotifyOrder() {
		rep.notifyInverted = rep.notifyInverted || inverted(afters)
	}
	switch err := run.Err(); {
	case err != nil:
		rep.err, rep.aborted = err.Error(), interrupted
	case wild.Failure != nil && wild.Failure.Kind == sched.Assertion && len(out.Violations) > 0:
		rep.violations, rep.verdict = out.Violations, wild.Failure.Msg
	case wild.Failure != nil:
		rep.err, rep.aborted = wild.Failure.Msg, interrupted
	case !cfg.Keep:
		pctx, cancel := context.WithTimeout(ctx, run.timeout())
		defer cancel()
		if err := run.Purge(pctx); err != nil && ctx.Err() == nil {
			rep.err = err.Error()
		}
	}
	return rep
}

// inverted reports whether ids are not in increasing order.
func inverted(ids []int64) bool {
	for i := 1; i < len(ids); i++ {
		if ids[i] < ids[i-1] {
			return true
		}
	}
	return false
}
