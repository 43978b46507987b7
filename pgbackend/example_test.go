package pgbackend_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/interleave/interleave/harness"
	"github.com/interleave/interleave/pgbackend"
	"github.com/interleave/interleave/sched"
)

// A stress run of the promote workload on PostgreSQL, as
// "interleave stress --backend pg" makes it.
func ExampleStressPromote() {
	ctx := context.Background()
	b, err := pgbackend.Open(ctx, os.Getenv("INTERLEAVE_PG_DSN"), 16)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer b.Close()
	res, err := pgbackend.StressPromote(ctx, b, pgbackend.StressConfig{
		Strategy: harness.Naive{}, Runs: 1000, Concurrency: 8, Jitter: 0.3,
	})
	if err != nil {
		fmt.Println(err)
	}
	fmt.Println(res)
	for _, f := range res.Failures {
		fmt.Println(f)
	}
}

// One wild run of a workload with the world's store, seeder, ground truth
// and pubsub on PostgreSQL.
func ExampleRun_Body() {
	ctx := context.Background()
	b, err := pgbackend.Open(ctx, os.Getenv("INTERLEAVE_PG_DSN"), 8)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer b.Close()
	id, err := b.AllocRunIDs(ctx, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	run := b.NewRun(id)
	wl := harness.PromoteWhileRequiresAction(harness.PromoteParams{Ticks: 100})
	wl.Config.DB.OrderByID = true // the promote's rows come back in ID order
	var out harness.Outcome
	res := sched.RunWild(run.Body(wl, harness.Fixed{}, &out), sched.WildOptions{Seed: id, Jitter: 0.3, Timeout: time.Minute})
	if res.Failure != nil {
		fmt.Println(res.Failure.Msg)
		return
	}
	fmt.Println(out.World.Subscribers()[0].DeliveredIDs())
}
