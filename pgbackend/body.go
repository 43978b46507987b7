package pgbackend

import (
	"time"

	"github.com/interleave/interleave/harness"
	"github.com/interleave/interleave/sched"
)

// PollPeriod is the stream loop's poll period on PostgreSQL when the
// workload names none (harness.Config.PollPeriod): its poller runs on real
// time, and the settled world waits one period for the last poll, so it is
// short; upstream polls every 10 s.
const PollPeriod = 20 * time.Millisecond

// Body returns the function to run under sched.RunWild: harness.Workload.Body
// with the world's store, seeder, ground truth and pubsub being this run's.
// It builds the world for design s (wl.Config's Replicas and Config are
// kept: replicas share the database, each with its own caches), runs the
// workload, settles the world, runs the oracle against the database and the
// workload's Verify, and records the outcome in out (which may be nil).
// Then it fails the run: with Err if the database failed the run (the
// oracle's verdict means nothing then), else with the violations, if any.
//
// If the workload panics (a seeder's error), the world is settled before
// the panic goes on, so that no task or listener outlives the run. A Run
// serves one call of its Body.
func (r *Run) Body(wl harness.Workload, s harness.Design, out *harness.Outcome) func(rt *sched.Runtime) {
	return func(rt *sched.Runtime) {
		if !rt.Wild() {
			panic("pgbackend: a run on PostgreSQL must be wild (sched.RunWild): a transaction waiting on a row lock would block a controlled run")
		}
		r.rt = rt // before any task starts: they all see it
		cfg := wl.Config
		// Of the database switches, the order of the catch-up query
		// applies here; created_at is always now(), the transaction's
		// start (DBConfig.InsertTimeCreatedAt is for the model's format
		// v1 scenario files only).
		r.orderByID = cfg.DB.OrderByID
		cfg, s := harness.Prepare(s, cfg)
		if cfg.Config.PollPeriod == 0 {
			// The stream loop's poller runs on real time here: the
			// settled world waits one period for its last poll.
			cfg.Config.PollPeriod = PollPeriod
		}
		cfg.Store, cfg.Truth, cfg.Seeder, cfg.PubSub = r, r, r, r
		w := harness.NewWorld(rt, cfg)
		defer func() {
			if p := recover(); p != nil {
				settleQuietly(w)
				panic(p)
			}
		}()
		wl.Setup(w, s)
		vs := w.Check()
		if wl.Verify != nil {
			vs = append(vs, wl.Verify(w)...)
		}
		if out != nil {
			out.World, out.Violations = w, vs
		}
		if err := r.Err(); err != nil {
			panic(err)
		}
		w.FailOnViolations(vs)
	}
}

// settleQuietly settles w after a panic of the workload; a second panic
// while settling is dropped (the first is the one to report).
func settleQuietly(w *harness.World) {
	defer func() { _ = recover() }()
	w.Settle()
}
