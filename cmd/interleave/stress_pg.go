package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/interleave/interleave/internal/stats"
	"github.com/interleave/interleave/internal/stress"
	"github.com/interleave/interleave/pgbackend"
	"github.com/interleave/interleave/pgstore"
)

// pgScenario is the one workload the pg backend runs.
const pgScenario = "promote-while-requires-action"

// validatePG checks the flags of 'stress -backend pg': the model's
// promote-while-requires-action on a real database, -count runs per
// strategy, -p chats at once, all in this process (no child binaries).
func (o *stressOptions) validatePG() error {
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
	case o.race:
		return badInput("-race: with -backend pg the runs are in this process; build interleave itself with -race instead")
	case o.shard != "" || o.failure != "" || o.ignore != "" || o.outDir != "":
		return badInput("-shard, -failure, -ignore and -o are for child binaries, not -backend pg")
	case o.jitter < 0 || o.jitter > 1:
		return badInput("-jitter %v: want a probability in [0, 1]", o.jitter)
	}
	if o.dsn == "" {
		o.dsn = os.Getenv(pgstore.DSNEnv)
	}
	if o.dsn == "" {
		return badInput("-backend pg needs a database: pass -dsn or set %s (make pg-up starts one and prints it)", pgstore.DSNEnv)
	}
	if o.pool <= 0 {
		o.pool = 2*o.parallel + 4
	}
	return nil
}

// pgStrategyReport is one strategy's measurement on PostgreSQL.
type pgStrategyReport struct {
	Strategy          string         `json:"strategy"`
	Runs              int            `json:"runs"`
	Violations        int            `json:"violations"`
	Errors            int            `json:"errors"`
	Rate              string         `json:"rate"`
	Low               float64        `json:"ci_low"`
	High              float64        `json:"ci_high"`
	ByProperty        map[string]int `json:"by_property,omitempty"`
	CommitInversions  int            `json:"commit_inversions"`
	PublishInversions int            `json:"publish_inversions"`
	NotifyInversions  int            `json:"notify_inversions"`
	Failures          []string       `json:"failures,omitempty"`
	ElapsedMS         int64          `json:"elapsed_ms"`
}

type pgStressJSON struct {
	Backend     string              `json:"backend"`
	Scenario    string              `json:"scenario"`
	Concurrency int                 `json:"concurrency"`
	Pool        int                 `json:"pool"`
	Strategies  []*pgStrategyReport `json:"strategies"`
	Compare     string              `json:"compare,omitempty"`
	Interrupted bool                `json:"interrupted,omitempty"`
}

func (o *stressOptions) runPG(c *cli) (int, error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
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
	out := &pgStressJSON{Backend: "pg", Scenario: pgScenario, Concurrency: o.parallel, Pool: o.pool}
	var reports []*stress.Report
	var runErr error
	for _, name := range o.strategies {
		st, _ := lookupStrategy(name)
		fmt.Fprintf(status, "stress %s on PostgreSQL: %d runs of %s, %d chats at once, pool %d, jitter %v\n", name, o.count, pgScenario, o.parallel, o.pool, o.jitter)
		res, err := pgbackend.StressPromote(ctx, b, pgbackend.StressConfig{Strategy: st, Runs: o.count, Concurrency: o.parallel, Jitter: o.jitter})
		rate := stats.Rate{Failures: res.Violations, Runs: res.Runs}
		lo, hi := rate.Interval()
		r := &pgStrategyReport{Strategy: name, Runs: res.Runs, Violations: res.Violations, Errors: res.Errors, Rate: rate.String(), Low: lo, High: hi,
			CommitInversions: res.CommitInversions, PublishInversions: res.PublishInversions, NotifyInversions: res.NotifyInversions,
			Failures: res.Failures, ElapsedMS: res.Elapsed.Milliseconds()}
		for p, n := range res.ByProperty {
			if r.ByProperty == nil {
				r.ByProperty = map[string]int{}
			}
			r.ByProperty[string(p)] = n
		}
		out.Strategies = append(out.Strategies, r)
		reports = append(reports, &stress.Report{Name: name, Runs: res.Runs, Failures: res.Violations})
		fmt.Fprintf(status, "%s: %s violated the oracle; %d errors; out of ID order: cache appends in %d runs, notifies in %d, commits in %d; %v\n",
			name, rate, res.Errors, res.PublishInversions, res.NotifyInversions, res.CommitInversions, res.Elapsed.Round(1e6))
		for _, f := range res.Failures {
			fmt.Fprintf(status, "  %s\n", f)
		}
		if err != nil {
			runErr = err
			break
		}
	}
	if len(reports) == 2 {
		out.Compare = stress.Compare(reports[0], reports[1])
		fmt.Fprintln(status, out.Compare)
	}
	if errors.Is(runErr, context.Canceled) {
		out.Interrupted = true
		fmt.Fprintln(c.stderr, "interleave: interrupted: the summary covers the runs that finished")
	}
	if o.json {
		if err := c.writeJSON(out); err != nil {
			return 0, err
		}
	}
	switch {
	case out.Interrupted:
		return exitInterrupted, nil
	case runErr != nil:
		return 0, runErr
	}
	for _, r := range out.Strategies {
		if r.Violations > 0 || r.Errors > 0 {
			return exitFound, nil
		}
	}
	return exitPass, nil
}
