package pgbackend

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/interleave/interleave/harness"
	"github.com/interleave/interleave/sched"
)

// TestOpenBadDSN needs no server: nothing listens on port 1. (Without
// sslmode=disable pgx tries twice, with and without TLS.)
func TestOpenBadDSN(t *testing.T) {
	start := time.Now()
	b, err := Open(t.Context(), "postgres://postgres:s3cret@127.0.0.1:1/interleave", 4)
	require.Nil(t, b)
	require.Error(t, err)
	require.Less(t, time.Since(start), hangGuard)
	msg := err.Error()
	require.True(t, strings.HasPrefix(msg, "postgres: open: pgstore: cannot reach PostgreSQL at 127.0.0.1:1: dial error: "), msg)
	require.NotContains(t, msg, "s3cret")
	require.Equal(t, 1, strings.Count(msg, "cannot reach"), "one error, not one per attempt: %s", msg)
	require.Equal(t, 1, strings.Count(msg, "dial tcp 127.0.0.1:1: "), "the first attempt's cause only: %s", msg)
	require.NotContains(t, msg, "\n")
	t.Log(err)

	_, err = Open(t.Context(), "postgres://postgres:s3cret@127.0.0.1:notaport/x", 4)
	require.ErrorContains(t, err, "postgres: open: pgstore: invalid DSN")
	require.NotContains(t, err.Error(), "s3cret")
}

// TestServerGoesAwayMidRun: every connection of the run (the pool's and
// the subscriber's listener) is terminated while the promote workload is
// inside a transaction, as if the server went away. The run must end
// promptly with a clear error, and leave no connection and no goroutine
// behind.
func TestServerGoesAwayMidRun(t *testing.T) {
	b := openBackend(t, 4)
	run := b.NewRun(1)
	run.Timeout = 3 * time.Second

	// Hold a commit until the connections are gone.
	start := time.Now()
	result, release := startHeld(t, run)
	listeners := run.ListenerPIDs()
	killed := terminateAll(t, b)
	require.GreaterOrEqual(t, killed, 2, "the held transaction's connection and the listener's")
	close(release)

	var res *sched.Result
	select {
	case res = <-result:
	case <-time.After(hangGuard):
		t.Fatal("the run hangs after its connections were terminated")
	}
	t.Logf("ended after %v: %v", time.Since(start).Round(time.Millisecond), res.Failure)
	require.NotNil(t, res.Failure)
	require.NotEqual(t, sched.Timeout, res.Failure.Kind, "no hang: %s", res.Failure.Msg)
	require.Contains(t, res.Failure.Msg, "postgres: run 1: ")
	// Err has the failed calls, the held transaction's among them. The
	// listener's loss is no error of its own: its subscriber was told its
	// stream dropped notifies, as upstream's pubsub does.
	err := run.Err()
	require.Error(t, err)
	require.True(t, strings.HasPrefix(err.Error(), "postgres: run 1: "), "%v", err)
	require.NotContains(t, err.Error(), "lost its connection")
	// The listener may see its loss, or be stopped first by the run's end.
	require.LessOrEqual(t, run.LostListeners(), 1)
	t.Logf("run error: %v", err)

	// The run's listener connection is gone; after Close, so is the pool.
	requireBackendsGone(t, b, listeners)
	b.Close()
	admin := adminConn(t, b)
	require.Eventually(t, func() bool {
		var n int
		require.NoError(t, admin.QueryRow(t.Context(),
			`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&n))
		return n == 0
	}, 30*time.Second, 20*time.Millisecond, "connections to the run's database remain")
	goleak.VerifyNone(t)
}

// adminConn opens a connection of its own to the backend's database, closed
// when the test ends.
func adminConn(t *testing.T, b *Backend) *pgx.Conn {
	t.Helper()
	conn, err := pgx.ConnectConfig(t.Context(), b.DB().Pool().Config().ConnConfig.Copy())
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// terminateAll terminates, from a connection of its own, every other
// connection to the backend's database, and returns how many.
func terminateAll(t *testing.T, b *Backend) int {
	t.Helper()
	conn, err := pgx.ConnectConfig(t.Context(), b.DB().Pool().Config().ConnConfig.Copy())
	require.NoError(t, err)
	defer conn.Close(context.Background())
	var n int
	require.NoError(t, conn.QueryRow(t.Context(), `
		SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))
		FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&n))
	return n
}

// TestListenerLostMidRunReconnects: only the subscriber's LISTEN connection
// is terminated, while a transaction of the promote workload is held; the
// database stays up. As with upstream's pubsub, the subscriber's stream
// ends with ErrDropped and the client subscribes again on a new
// connection: the run goes on to its verdict with no run error.
func TestListenerLostMidRunReconnects(t *testing.T) {
	b := openBackend(t, 4)
	run := b.NewRun(1)
	run.Timeout = 10 * time.Second

	result, release := startHeld(t, run)
	first := run.ListenerPIDs()
	require.Len(t, first, 1)
	admin := adminConn(t, b)
	var terminated bool
	require.NoError(t, admin.QueryRow(t.Context(), `SELECT pg_terminate_backend($1)`, int32(first[0])).Scan(&terminated))
	require.True(t, terminated)
	// The drop reaches the subscriber, which subscribes again, before the
	// held transaction commits: its notify goes to the new listener.
	require.Eventually(t, func() bool { return len(run.ListenerPIDs()) == 2 }, hangGuard, 5*time.Millisecond,
		"the client did not subscribe again after its listener's connection was lost")
	close(release)

	var res *sched.Result
	select {
	case res = <-result:
	case <-time.After(hangGuard):
		t.Fatal("the run hangs after its listener's connection was lost")
	}
	run.Close()
	require.NoError(t, run.Err())
	require.Equal(t, 1, run.LostListeners())
	if res.Failure != nil {
		// The reconnect is from the last ID received, which may re-send or
		// skip what the drop hid: a verdict of the oracle, not a run error.
		require.Equal(t, sched.Assertion, res.Failure.Kind, res.Failure.Msg)
	}
	t.Logf("verdict after the reconnect: %v", res.Failure)
	require.NotEqual(t, first[0], run.ListenerPIDs()[1])
	b.Close()
	goleak.VerifyNone(t)
}

// startHeld starts the promote workload under fixed, in wild mode, on run,
// and returns once its first commit after the seeds is held (see
// holdThirdCommit): result gets the run's result, and closing release lets
// the commit go on.
func startHeld(t *testing.T, run *Run) (result chan *sched.Result, release chan struct{}) {
	t.Helper()
	holding, release := holdThirdCommit(run)
	wl := harness.PromoteWhileRequiresAction(harness.PromoteParams{Ticks: 5})
	var out harness.Outcome
	result = make(chan *sched.Result, 1)
	go func() {
		result <- sched.RunWild(run.Body(wl, harness.Fixed{}, &out), sched.WildOptions{Seed: 1, Timeout: 20 * time.Second})
	}()
	select {
	case <-holding:
	case res := <-result:
		t.Fatalf("the run ended before its transaction could be held: %v", res.Failure)
	case <-time.After(hangGuard):
		t.Fatal("no transaction reached its commit")
	}
	return result, release
}

// holdThirdCommit lets the two seeding transactions of the promote workload
// through and holds the first commit after them, once the subscriber
// listens: holding is closed when it is held, and closing release lets it
// go on.
func holdThirdCommit(run *Run) (holding, release chan struct{}) {
	var commits atomic.Int32
	holding, release = make(chan struct{}), make(chan struct{})
	run.BeforeCommit = func(ctx context.Context) error {
		if commits.Add(1) != 3 {
			return nil
		}
		for len(run.ListenerPIDs()) == 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Millisecond):
			}
		}
		close(holding)
		select {
		case <-release:
		case <-ctx.Done():
		}
		return nil
	}
	return holding, release
}
