package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/interleave/interleave/internal/stress"
	"github.com/interleave/interleave/pgbackend"
	"github.com/interleave/interleave/pgstore"
	"github.com/interleave/interleave/scenarios"
)

// pgScenario is the one workload the pg backend runs.
const pgScenario = "promote-while-requires-action"

// validatePG checks the flags of 'stress -backend pg': the model's
// promote-while-requires-action on a real database, -count runs per
// strategy, -p chats at once, all in this process (no child binaries, so
// none of their flags).
func (o *stressOptions) validatePG() error {
	whose := "flags of the child binaries of -backend mem"
	if len(o.given("race")) > 0 {
		whose += "; the pg runs are in this process: build interleave itself with -race instead"
	}
	if err := o.rejectFlags(memOnlyFlags, whose); err != nil {
		return err
	}
	for _, name := range o.scenarios {
		if name != pgScenario {
			return badInput("-backend pg runs %s only, not %q", pgScenario, name)
		}
	}
	if err := o.parseStrategies(); err != nil {
		return err
	}
	switch {
	case o.count < 1:
		return badInput("-backend pg needs -count: the number of runs per strategy")
	case o.count > scenarios.MaxStressCount:
		return badInput("-count %d: want a number of runs from 1 to %d", o.count, scenarios.MaxStressCount)
	case len(o.given("pool")) > 0 && (o.pool < 1 || o.pool > scenarios.MaxPool):
		return badInput("-pool %d: want a number of connections from 1 to %d", o.pool, scenarios.MaxPool)
	case !(o.jitter >= 0 && o.jitter <= 1): // NaN too
		return badInput("-jitter %v: want a probability in [0, 1]", o.jitter)
	case o.rowLock != "on" && o.rowLock != "off":
		return badInput("-row-lock %q: want on or off", o.rowLock)
	case o.orderBy != "created-at" && o.orderBy != "id":
		return badInput("-order-by %q: want created-at or id", o.orderBy)
	case !slices.Contains(pgbackend.Workloads, o.workload):
		return badInput("-workload %q: want one of %s", o.workload, strings.Join(pgbackend.Workloads, ", "))
	}
	if err := checkRange("-p", o.parallel, 1, scenarios.MaxParallel); err != nil {
		return err
	}
	if o.dsn == "" {
		o.dsn = os.Getenv(pgstore.DSNEnv)
	}
	if o.dsn == "" {
		return badInput("-backend pg needs a database: pass -dsn or set %s (make pg-up starts one and prints it)", pgstore.DSNEnv)
	}
	if o.pool == 0 {
		o.pool = 2*o.parallel + 4
	}
	return nil
}

// pgReportJSON is what -backend pg measures beyond a stress.Report, whose
// runs are those with the oracle's verdict (the rate's denominator) and
// whose aborted the runs cut short by Ctrl-C.
type pgReportJSON struct {
	// Errors counts the runs that ended without the oracle's verdict (a
	// database error, a timeout): in neither runs nor failures.
	Errors int `json:"errors"`
	// ByProperty counts violating runs by the property they broke.
	ByProperty map[string]int `json:"by_property,omitempty"`
	// The inversions count the runs in which something happened out of
	// ID order (pgbackend.StressResult).
	CommitInversions  int `json:"commit_inversions"`
	PublishInversions int `json:"publish_inversions"`
	NotifyInversions  int `json:"notify_inversions"`
	// FailureMessages are the first few failures, "run N: ...".
	FailureMessages []string `json:"failure_messages,omitempty"`
}

// pgStressJSON is stressJSON with -backend pg's own fields.
type pgStressJSON struct {
	stressJSON
	Concurrency int     `json:"concurrency"`
	Pool        int     `json:"pool"`
	Jitter      float64 `json:"jitter"`
	// RowLock says whether the writers took the chat-row lock.
	RowLock string `json:"row_lock"`
	// OrderBy is the catch-up query's order.
	OrderBy string `json:"order_by"`
}

// pgReports renders what StressPromote measured: the report (the rate
// counts the runs with a verdict only) and pg's own measurements.
func pgReports(name string, res pgbackend.StressResult) (*stress.Report, *pgReportJSON) {
	rep := &stress.Report{Name: name, Runs: res.Runs - res.Errors, Failures: res.Violations, Aborted: res.Aborted,
		Elapsed: res.Elapsed, Groups: []stress.Group{}}
	x := &pgReportJSON{Errors: res.Errors, CommitInversions: res.CommitInversions, PublishInversions: res.PublishInversions,
		NotifyInversions: res.NotifyInversions, FailureMessages: res.Failures}
	for p, n := range res.ByProperty {
		if x.ByProperty == nil {
			x.ByProperty = map[string]int{}
		}
		x.ByProperty[string(p)] = n
	}
	return rep, x
}

// pgSummary is a strategy's summary line.
func pgSummary(rep *stress.Report, x *pgReportJSON) string {
	aborted := ""
	if rep.Aborted > 0 {
		aborted = fmt.Sprintf(" (%d runs in flight aborted, not counted)", rep.Aborted)
	}
	errs := "0 errors"
	if x.Errors > 0 {
		errs = fmt.Sprintf("%s without a verdict, not in the rate", plural(x.Errors, "error"))
	}
	return fmt.Sprintf("%s: %s violated the oracle%s; %s; out of ID order: cache appends in %d runs, notifies in %d, commits in %d; %v",
		rep.Name, rep.Rate(), aborted, errs, x.PublishInversions, x.NotifyInversions, x.CommitInversions, rep.Elapsed.Round(time.Millisecond))
}

// pgProgress prints a strategy's progress while it runs: a status line
// every stress.DefaultStatusEvery, or a live line on a terminal, from the
// start. Call stop before printing anything else.
type pgProgress struct {
	mu   sync.Mutex
	last pgbackend.StressResult
	w    io.Writer
	live bool
	want int
	drew int // width of the live line drawn
	done chan struct{}
	wg   sync.WaitGroup
}

func startPGProgress(w io.Writer, live bool, runs int) *pgProgress {
	p := &pgProgress{w: w, live: live, want: runs, done: make(chan struct{})}
	every := stress.DefaultStatusEvery
	if live {
		every = stress.DefaultLiveStatusEvery
	}
	start := time.Now()
	p.wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		if live {
			p.print(time.Since(start))
		}
		for {
			select {
			case <-t.C:
				p.print(time.Since(start))
			case <-p.done:
				return
			}
		}
	})
	return p
}

// update is StressConfig.Progress.
func (p *pgProgress) update(r pgbackend.StressResult) {
	p.mu.Lock()
	p.last = pgbackend.StressResult{Runs: r.Runs, Violations: r.Violations, Errors: r.Errors}
	p.mu.Unlock()
}

func (p *pgProgress) print(elapsed time.Duration) {
	p.mu.Lock()
	r := p.last
	p.mu.Unlock()
	verdicts := r.Runs - r.Errors
	pct := "0.00%"
	if verdicts > 0 {
		pct = fmt.Sprintf("%.2f%%", 100*float64(r.Violations)/float64(verdicts))
	}
	if !p.live {
		fmt.Fprintf(p.w, "%v: %d/%d runs, %d violated the oracle (%s), %d errors\n", elapsed.Round(time.Second), r.Runs, p.want, r.Violations, pct, r.Errors)
		return
	}
	const width = 24
	fill := min(width, r.Runs*width/p.want)
	line := fmt.Sprintf("[%s%s] %d/%d runs, %d violated the oracle (%s), %d errors, %v", strings.Repeat("=", fill), strings.Repeat(" ", width-fill),
		r.Runs, p.want, r.Violations, pct, r.Errors, elapsed.Round(100*time.Millisecond))
	fmt.Fprint(p.w, "\r"+line+strings.Repeat(" ", max(0, p.drew-len(line))))
	p.drew = len(line)
}

func (p *pgProgress) stop() {
	close(p.done)
	p.wg.Wait()
	if p.drew > 0 {
		fmt.Fprint(p.w, "\r"+strings.Repeat(" ", p.drew)+"\r")
	}
}

func (o *stressOptions) runPG(c *cli) (int, error) {
	ctx, stop := notifyInterrupt()
	defer stop()
	status := c.stdout
	if o.json {
		status = c.stderr
	}
	live := isTerminal(status)
	b, err := pgbackend.Open(ctx, o.dsn, o.pool)
	if err != nil {
		if byInterrupt(ctx) {
			fmt.Fprintln(c.stderr, "interleave: interrupted while connecting to PostgreSQL")
			return exitInterrupted, nil
		}
		return 0, err
	}
	defer b.Close()
	var reports []*stress.Report
	var extra []*pgReportJSON
	var runErr error
	failed := false
	for _, name := range o.strategies {
		st, _ := lookupStrategy(name)
		fmt.Fprintf(status, "stress %s on PostgreSQL: %d runs of %s, %d chats at once, pool %d, jitter %v, row lock %s, order by %s, workload %s\n", name, o.count, pgScenario, o.parallel, o.pool, o.jitter, o.rowLock, o.orderBy, o.workload)
		progress := startPGProgress(status, live, o.count)
		res, err := pgbackend.StressPromote(ctx, b, pgbackend.StressConfig{Strategy: st, Runs: o.count, Concurrency: o.parallel, Jitter: o.jitter,
			SkipRowLock: o.rowLock == "off", OrderByID: o.orderBy == "id", Workload: o.workload, Progress: progress.update})
		progress.stop()
		rep, x := pgReports(name, res)
		reports, extra = append(reports, rep), append(extra, x)
		failed = failed || res.Violations > 0 || res.Errors > 0
		fmt.Fprintln(status, pgSummary(rep, x))
		for _, f := range res.Failures {
			fmt.Fprintf(status, "  %s\n", f)
		}
		if err != nil {
			runErr = err
			break
		}
	}
	out := &pgStressJSON{stressJSON: stressJSON{Backend: "pg", Scenarios: []string{pgScenario}},
		Concurrency: o.parallel, Pool: o.pool, Jitter: o.jitter, RowLock: o.rowLock, OrderBy: o.orderBy}
	out.Reports, out.PValue = reportsJSON(reports, extra)
	if len(reports) == 2 {
		out.Comparison = stress.Compare(reports[0], reports[1])
		fmt.Fprintln(status, out.Comparison)
	}
	if errors.Is(runErr, context.Canceled) {
		out.Interrupted, runErr = true, nil
		if byInterrupt(ctx) {
			fmt.Fprintln(c.stderr, "interleave: interrupted: the summary covers the runs that finished")
		}
	}
	if o.json {
		if err := c.writeJSON(out); err != nil {
			return 0, err
		}
	}
	// As for -backend mem: interrupted, 130 whatever was found; else a
	// violation or an error found is exit 1.
	switch {
	case runErr != nil:
		return 0, runErr
	case out.Interrupted:
		return exitInterrupted, nil
	case failed:
		return exitFound, nil
	}
	return exitPass, nil
}
