package pgbackend

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/harness"
)

// TestStressPromoteStopsWhenInterrupted: when ctx ends, no further run
// starts, the runs in flight are aborted, and the result says how far it
// got.
func TestStressPromoteStopsWhenInterrupted(t *testing.T) {
	b := openBackend(t, 8)
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	res, err := StressPromote(ctx, b, StressConfig{Strategy: harness.Fixed{}, Runs: 1_000_000, Concurrency: 4})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.ErrorContains(t, err, "pgbackend: stress: interrupted after ")
	require.Less(t, time.Since(start), 5*time.Second)
	require.Positive(t, res.Runs)
	require.Less(t, res.Runs, 1_000_000)
	t.Logf("%s", res)
}
