package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/interleave/interleave/internal/stress"
	"github.com/interleave/interleave/pgbackend"
	"github.com/interleave/interleave/pgstore"
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
	case o.parallel < 1:
		return badInput("-p %d: want at least 1", o.parallel)
	case len(o.given("pool")) > 0 && o.pool < 1:
		return badInput("-pool %d: want at least 1 connection", o.pool)
	case o.jitter < 0 || o.jitter > 1:
		return badInput("-jitter %v: want a probability in [0, 1]", o.jitter)
	case o.rowLock != "on" && o.rowLock != "off":
		return badInput("-row-lock %q: want on or off", o.rowLock)
	case o.orderBy != "created-at" && o.orderBy != "id":
		return badInput("-order-by %q: want created-at or id", o.orderBy)
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

// pgReportJSON is what -backend pg measures beyond a stress.Report.
type pgReportJSON struct {
	// Errors counts the runs that failed without the oracle's verdict.
	Errors int `json:"errors"`
	// Aborted counts the runs cut short by Ctrl-C: not in runs.
	Aborted int `json:"aborted"`
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

func (o *stressOptions) runPG(c *cli) (int, error) {
	ctx, stop := notifyInterrupt()
	defer stop()
	status := c.stdout
	if o.json {
		status = c.stderr
	}
	b, err := pgbackend.Open(ctx, o.dsn, o.pool)
	if err != nil {
		return 0, err
	}
	defer b.Close()
	var reports []*stress.Report
	var extra []*pgReportJSON
	var runErr error
	failed := false
	for _, name := range o.strategies {
		st, _ := lookupStrategy(name)
		fmt.Fprintf(status, "stress %s on PostgreSQL: %d runs of %s, %d chats at once, pool %d, jitter %v, row lock %s, order by %s\n", name, o.count, pgScenario, o.parallel, o.pool, o.jitter, o.rowLock, o.orderBy)
		res, err := pgbackend.StressPromote(ctx, b, pgbackend.StressConfig{Strategy: st, Runs: o.count, Concurrency: o.parallel, Jitter: o.jitter,
			SkipRowLock: o.rowLock == "off", OrderByID: o.orderBy == "id"})
		rep := &stress.Report{Name: name, Runs: res.Runs, Failures: res.Violations, Elapsed: res.Elapsed, Groups: []stress.Group{}}
		x := &pgReportJSON{Errors: res.Errors, Aborted: res.Aborted, CommitInversions: res.CommitInversions, PublishInversions: res.PublishInversions,
			NotifyInversions: res.NotifyInversions, FailureMessages: res.Failures}
		for p, n := range res.ByProperty {
			if x.ByProperty == nil {
				x.ByProperty = map[string]int{}
			}
			x.ByProperty[string(p)] = n
		}
		reports, extra = append(reports, rep), append(extra, x)
		failed = failed || res.Violations > 0 || res.Errors > 0
		aborted := ""
		if res.Aborted > 0 {
			aborted = fmt.Sprintf(" (%d runs in flight aborted, not counted)", res.Aborted)
		}
		fmt.Fprintf(status, "%s: %s violated the oracle%s; %d errors; out of ID order: cache appends in %d runs, notifies in %d, commits in %d; %v\n",
			name, rep.Rate(), aborted, res.Errors, res.PublishInversions, res.NotifyInversions, res.CommitInversions, res.Elapsed.Round(time.Millisecond))
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
		fmt.Fprintln(c.stderr, "interleave: interrupted: the summary covers the runs that finished")
	}
	if o.json {
		if err := c.writeJSON(out); err != nil {
			return 0, err
		}
	}
	// As for -backend mem: a violation found is exit 1, interrupted or
	// not; 130 only for an interruption before any.
	switch {
	case runErr != nil:
		return 0, runErr
	case failed:
		return exitFound, nil
	case out.Interrupted:
		return exitInterrupted, nil
	}
	return exitPass, nil
}
