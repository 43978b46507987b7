package pgstore

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// notifyWait bounds waiting for a notification that is expected to arrive
// (or a wait that is expected to end): a hang guard, not a latency bound.
const notifyWait = 30 * time.Second

// notBeforeCommitWait is how long a test listens for a notification that must
// not arrive yet. It only shows "not delivered before commit", nothing about
// timing.
const notBeforeCommitWait = 200 * time.Millisecond

func listen(t *testing.T, db *DB, channel string) *Listener {
	t.Helper()
	l, err := db.Listen(t.Context(), channel)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, l.Close()) })
	return l
}

func next(t *testing.T, l *Listener) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), notifyWait)
	defer cancel()
	payload, err := l.Next(ctx)
	require.NoError(t, err)
	return payload
}

func TestNotifyAfterCommitIsReceived(t *testing.T) {
	db := OpenTestDB(t, 2)
	ctx := t.Context()
	l := listen(t, db, "chat:1")

	var id int64
	require.NoError(t, db.InTx(ctx, func(tx Tx) error {
		var err error
		id, err = tx.InsertMessage(ctx, 1, "user", "hi")
		return err
	}))
	require.NoError(t, db.Notify(ctx, "chat:1", strconv.FormatInt(id-1, 10)))
	require.Equal(t, strconv.FormatInt(id-1, 10), next(t, l))

	// After the notify the row is visible to a catch-up from the notify's cursor.
	msgs, err := db.GetChatMessagesByChatID(ctx, 1, id-1)
	require.NoError(t, err)
	require.Equal(t, []int64{id}, ids(msgs))
}

// TestNotifyInTxDeliveredAtCommit: pg_notify inside a transaction is held by
// PostgreSQL until COMMIT, and dropped on rollback.
func TestNotifyInTxDeliveredAtCommit(t *testing.T) {
	db := OpenTestDB(t, 2)
	ctx := t.Context()
	l := listen(t, db, "chat:1")

	var early error
	err := db.InTx(ctx, func(tx Tx) error {
		if _, err := tx.InsertMessage(ctx, 1, "user", "hi"); err != nil {
			return err
		}
		return tx.Notify(ctx, "chat:1", "in-tx")
	}, BeforeCommit(func(ctx context.Context) error {
		wctx, cancel := context.WithTimeout(ctx, notBeforeCommitWait)
		defer cancel()
		payload, err := l.Next(wctx)
		if err == nil {
			early = errors.New("received " + strconv.Quote(payload) + " before commit")
		} else if !errors.Is(err, context.DeadlineExceeded) {
			early = err
		}
		return nil
	}))
	require.NoError(t, err)
	require.NoError(t, early)
	require.Equal(t, "in-tx", next(t, l), "delivered once the transaction committed")

	// A rolled-back transaction's notify is never delivered: the marker sent
	// afterwards is the next thing the listener sees.
	rollback := errors.New("roll back")
	err = db.InTx(ctx, func(tx Tx) error {
		if err := tx.Notify(ctx, "chat:1", "rolled-back"); err != nil {
			return err
		}
		return rollback
	})
	require.ErrorIs(t, err, rollback)
	require.NoError(t, db.Notify(ctx, "chat:1", "marker"))
	require.Equal(t, "marker", next(t, l))
}

// TestNotifyChannelNamesAreQuoted: channel names are case-sensitive and may
// hold characters that would break an unquoted LISTEN.
func TestNotifyChannelNamesAreQuoted(t *testing.T) {
	db := OpenTestDB(t, 2)
	ctx := t.Context()
	odd := `Chat "7"; LISTEN x`
	lOdd := listen(t, db, odd)
	lLower := listen(t, db, "chat:a")
	lUpper := listen(t, db, "Chat:A")

	require.NoError(t, db.Notify(ctx, "Chat:A", "upper"))
	require.NoError(t, db.Notify(ctx, odd, "odd"))
	require.NoError(t, db.Notify(ctx, "chat:a", "lower"))
	require.Equal(t, "upper", next(t, lUpper))
	require.Equal(t, "odd", next(t, lOdd))
	require.Equal(t, "lower", next(t, lLower))

	long := string(make([]byte, 64))
	_, err := db.Listen(ctx, long)
	require.Error(t, err)
	require.Error(t, db.Notify(ctx, "", "x"))
}

func TestListenerNextHonoursContext(t *testing.T) {
	db := OpenTestDB(t, 2)
	ctx := t.Context()
	l := listen(t, db, "c")

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err := l.Next(cctx)
	require.ErrorIs(t, err, context.Canceled)

	cctx, cancel = context.WithCancel(ctx)
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err = l.Next(cctx)
	require.ErrorIs(t, err, context.Canceled)

	// A cancelled wait leaves the listener usable.
	require.NoError(t, db.Notify(ctx, "c", "still here"))
	require.Equal(t, "still here", next(t, l))
}

func TestListenerNextFailsWhenConnectionDies(t *testing.T) {
	db := OpenTestDB(t, 2)
	ctx := t.Context()
	l := listen(t, db, "c")

	errc := make(chan error, 1)
	go func() {
		_, err := l.Next(ctx)
		errc <- err
	}()
	var terminated bool
	require.NoError(t, db.Pool().QueryRow(ctx, `SELECT pg_terminate_backend($1)`, int32(l.BackendPID())).Scan(&terminated))
	require.True(t, terminated)

	select {
	case err := <-errc:
		require.Error(t, err)
		require.NotErrorIs(t, err, context.Canceled)
		require.NotErrorIs(t, err, ErrListenerClosed)
	case <-time.After(notifyWait):
		t.Fatal("Next did not return after its connection was terminated")
	}
	_, err := l.Next(ctx)
	require.Error(t, err, "a dead listener stays dead")
}

func TestListenerCloseInterruptsNext(t *testing.T) {
	db := OpenTestDB(t, 2)
	l, err := db.Listen(t.Context(), "c")
	require.NoError(t, err)

	errc := make(chan error, 1)
	go func() {
		_, err := l.Next(context.Background())
		errc <- err
	}()
	time.Sleep(20 * time.Millisecond) // let Next start waiting (either way it must end)
	require.NoError(t, l.Close())
	select {
	case err := <-errc:
		require.ErrorIs(t, err, ErrListenerClosed)
	case <-time.After(notifyWait):
		t.Fatal("Close did not interrupt Next")
	}
	_, err = l.Next(t.Context())
	require.ErrorIs(t, err, ErrListenerClosed)
	require.NoError(t, l.Close(), "Close is idempotent")
}
