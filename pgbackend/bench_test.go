package pgbackend

import (
	"testing"

	"github.com/interleave/interleave/harness"
	"github.com/interleave/interleave/pgstore"
)

// BenchmarkStressPromote measures the promote workload on PostgreSQL, b.N
// runs (8 at once, pool 16) per strategy: the fraction of runs violating the
// oracle and of runs whose publishes or notifies went out of ID order.
//
//	go test -run '^$' -bench StressPromote -benchtime 1000x ./pgbackend/
func BenchmarkStressPromote(b *testing.B) {
	db := pgstore.OpenTestDB(b, 16)
	be, err := New(b.Context(), db)
	if err != nil {
		b.Fatal(err)
	}
	defer be.Close()
	for _, s := range []harness.Design{harness.Naive{}, harness.ProducerLock{}, harness.Fixed{}} {
		b.Run(s.Name(), func(b *testing.B) {
			res, err := StressPromote(b.Context(), be, StressConfig{Strategy: s, Runs: b.N, Concurrency: 8, Jitter: 0.3})
			if err != nil {
				b.Fatal(err)
			}
			n := float64(res.Runs)
			b.ReportMetric(float64(res.Violations)/n, "violating/run")
			b.ReportMetric(float64(res.PublishInversions)/n, "publish-inverted/run")
			b.ReportMetric(float64(res.NotifyInversions)/n, "notify-inverted/run")
			b.ReportMetric(float64(res.CommitInversions)/n, "commit-inverted/run")
			b.Logf("%s: %s", s.Name(), res)
		})
	}
}
