package pgbackend

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/harness"
)

// stressWithin runs StressPromote, failing the test if it has not returned
// within hangGuard.
func stressWithin(t *testing.T, ctx context.Context, b *Backend, cfg StressConfig) (StressResult, error) {
	t.Helper()
	type result struct {
		res StressResult
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := StressPromote(ctx, b, cfg)
		done <- result{res, err}
	}()
	select {
	case r := <-done:
		return r.res, r.err
	case <-time.After(hangGuard):
		t.Fatalf("StressPromote has not returned after %v", hangGuard)
		return StressResult{}, nil
	}
}

// TestStressPromoteStopsWhenInterrupted: when ctx ends, no further run
// starts, the runs in flight are aborted and counted as Aborted only (not
// as runs, nor as errors), and the result says how far it got. The third
// run to start cancels ctx from inside its first commit and waits there
// until the abort reaches it; by then one of the two runs before it has
// finished (with two workers, the third starts only when one is free).
func TestStressPromoteStopsWhenInterrupted(t *testing.T) {
	b := openBackend(t, 8)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var started atomic.Int32
	prepare := func(r *Run) {
		if started.Add(1) != 3 {
			return
		}
		r.BeforeCommit = func(txCtx context.Context) error {
			cancel()
			<-txCtx.Done() // the run's abort cancels its transactions
			return txCtx.Err()
		}
	}
	const runs = 1_000_000
	res, err := stressWithin(t, ctx, b, StressConfig{Strategy: harness.Fixed{}, Runs: runs, Concurrency: 2, prepare: prepare})
	t.Logf("%s", res)
	require.ErrorIs(t, err, context.Canceled)
	require.Regexp(t, `^pgbackend: stress: interrupted after \d+ of 1000000 runs \(\d+ in flight aborted\): context canceled$`, err.Error())
	require.GreaterOrEqual(t, res.Aborted, 1, "the run that cancelled")
	require.GreaterOrEqual(t, res.Runs, 1, "a run finished before the third started")
	require.Equal(t, int(started.Load()), res.Runs+res.Aborted, "every run started is either finished or aborted")
	require.Zero(t, res.Errors, "an aborted run is not an error")
	require.Zero(t, res.Violations)
	require.Empty(t, res.Failures)
	require.Contains(t, res.String(), fmt.Sprintf("%d runs (%d more aborted)", res.Runs, res.Aborted))
}

// TestStressPromoteFailureLine: a run that fails (here a commit of the
// second run fails) stops the stress run; its failure line names the run
// and its physical chat and ends with a query listing the chat's messages,
// whose rows were kept, while a passing run's rows were deleted.
func TestStressPromoteFailureLine(t *testing.T) {
	b := openBackend(t, 8)
	var started atomic.Int32
	injected := errors.New("injected commit failure")
	prepare := func(r *Run) {
		if started.Add(1) != 2 {
			return
		}
		var commits atomic.Int32
		r.BeforeCommit = func(context.Context) error {
			if commits.Add(1) == 3 { // after the two seeding transactions
				return injected
			}
			return nil
		}
	}
	res, err := stressWithin(t, t.Context(), b, StressConfig{Strategy: harness.Fixed{}, Runs: 5, Concurrency: 1, prepare: prepare})
	t.Logf("%s: %v", res, err)
	require.Error(t, err)
	// After the failure no more runs are handed out; the worker may have
	// taken the third already.
	require.Contains(t, []int{2, 3}, res.Runs)
	require.Equal(t, 1, res.Errors)
	require.Zero(t, res.Aborted)
	require.Len(t, res.Failures, 1)

	failed := res.FirstRunID + 1
	chat := failed*ChatIDSpan + stressChat
	line := res.Failures[0]
	query := fmt.Sprintf(`select id, role, created_at, deleted from chat_messages where chat_id = %d order by created_at, id`, chat)
	require.Regexp(t, `^`+regexp.QuoteMeta(fmt.Sprintf("run %d (chat %d): postgres: run %d: ", failed, chat, failed))+`[^\n]*`+
		regexp.QuoteMeta(injected.Error())+`[^\n]*`+
		regexp.QuoteMeta(`; a wild run on a real database, not replayable by seed; its rows are kept: psql "$INTERLEAVE_PG_DSN" -c '`+query+`'`)+`$`, line)
	require.ErrorContains(t, err, fmt.Sprintf("1 of %d runs failed without the oracle's verdict; the first: run %d (chat %d): ", res.Runs, failed, chat))

	count := func(sql string, args ...any) int {
		var n int
		require.NoError(t, b.DB().Pool().QueryRow(t.Context(), sql, args...).Scan(&n))
		return n
	}
	require.Positive(t, count(`select count(*) from (`+query+`) q`), "the failing run's messages are kept")
	require.Equal(t, 1, count(`select count(*) from chats where id = $1`, chat))
	passed := res.FirstRunID*ChatIDSpan + stressChat
	require.Zero(t, count(`select count(*) from chat_messages where chat_id = $1`, passed), "the passing run's messages are deleted")
	require.Zero(t, count(`select count(*) from chats where id = $1`, passed))
}

// TestFailureLineIsOneLine: a failure joining several errors (Run.Err) is
// still reported on one line.
func TestFailureLineIsOneLine(t *testing.T) {
	rep := runReport{id: 912, err: "postgres: run 912: a\npostgres: run 912: b"}
	require.Equal(t, `run 912 (chat 912000001): postgres: run 912: a; postgres: run 912: b; a wild run on a real database, not replayable by seed; its rows are kept: psql "$INTERLEAVE_PG_DSN" -c 'select id, role, created_at, deleted from chat_messages where chat_id = 912000001 order by created_at, id'`,
		rep.failure())
	require.Empty(t, runReport{id: 1}.failure(), "a passing run has no failure line")
}
