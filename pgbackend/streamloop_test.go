package pgbackend

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/harness"
)

// TestVersionTriggers (stream-loop.md §1) on PostgreSQL: the entry point's
// bump stamps the rows it writes and the AFTER trigger moves the history
// version; a transaction that skips the bump gets the committed version
// from the BEFORE trigger's plain read, and moves nothing; an edit and a
// soft delete are new revisions, which the sync's REPEATABLE READ read
// returns, the deleted row included.
func TestVersionTriggers(t *testing.T) {
	b := openBackend(t, 4)
	run := b.NewRun(7)
	run.CreateChat(harness.Chat{ID: 1, Status: harness.StatusWaiting})
	m1 := run.Seed(1, harness.RoleUser, "one")
	require.Equal(t, int64(1), m1.Revision)
	versions := func() harness.ChatVersions {
		v, err := run.ChatVersions(1)
		require.NoError(t, err)
		return v
	}
	require.Equal(t, harness.ChatVersions{Snapshot: 1, History: 1, Status: harness.StatusWaiting}, versions())

	var skipped harness.Message
	require.NoError(t, run.InTx(func(tx harness.Tx) error {
		var err error
		skipped, err = tx.InsertMessage(1, harness.RoleAssistant, "no bump")
		return err
	}))
	require.Equal(t, int64(1), skipped.Revision, "the BEFORE trigger's plain read")
	require.Equal(t, harness.ChatVersions{Snapshot: 1, History: 1, Status: harness.StatusWaiting}, versions(), "no bump, nothing moved")

	entry := func(fn func(tx harness.Tx) error) {
		require.NoError(t, run.InTx(func(tx harness.Tx) error {
			if _, err := tx.LockChat(1); err != nil {
				return err
			}
			if _, err := tx.BumpChatVersion(1); err != nil {
				return err
			}
			return fn(tx)
		}))
	}
	entry(func(tx harness.Tx) error { _, err := tx.UpdateMessageContent(1, m1.ID, "edited"); return err })
	entry(func(tx harness.Tx) error { return tx.DeleteMessage(1, skipped.ID) })
	require.Equal(t, harness.ChatVersions{Snapshot: 3, History: 3, Status: harness.StatusWaiting}, versions())

	require.NoError(t, run.Sync(1, func(tx harness.SyncTx) error {
		rows, err := tx.ChangedSince(1)
		require.NoError(t, err)
		require.Len(t, rows, 2)
		require.Equal(t, []int64{m1.ID, skipped.ID}, []int64{rows[0].ID, rows[1].ID})
		require.Equal(t, []int64{2, 3}, []int64{rows[0].Revision, rows[1].Revision})
		require.Equal(t, []bool{false, true}, []bool{rows[0].Deleted, rows[1].Deleted})
		hist, err := tx.History()
		require.NoError(t, err)
		require.Len(t, hist, 1)
		return nil
	}))
}

// TestStreamLoopOnPostgres: the stream loop on the promote workload, and
// with an editor that edits and soft-deletes rows, passes the convergence
// oracle on a real database.
func TestStreamLoopOnPostgres(t *testing.T) {
	const runs, concurrency, pool = 20, 4, 12
	b := openBackend(t, pool)
	for _, wl := range []string{WorkloadPromote, WorkloadEdits} {
		res, err := StressPromote(t.Context(), b, StressConfig{Strategy: harness.StreamLoop{}, Runs: runs, Concurrency: concurrency,
			Jitter: 0.3, OrderByID: true, Workload: wl})
		require.NoError(t, err, "%s: %v", wl, res.Failures)
		require.Equal(t, runs, res.Runs)
		require.Zero(t, res.Violations, "%s: %v", wl, res.Failures)
		require.Zero(t, res.PublishInversions, "no cache")
	}
	_, err := StressPromote(t.Context(), b, StressConfig{Strategy: harness.StreamLoop{}, Runs: 1, Workload: "nope"})
	require.EqualError(t, err, `pgbackend: stress: unknown workload "nope" (known: promote, edits, bump-skip)`)
}
