package pgstore

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"
)

// These tests need no server: nothing listens on port 1.

// hangGuard bounds calls that must fail rather than hang. It is far above
// any connect timeout involved: a hang guard, not a performance assertion.
const hangGuard = 2 * time.Minute

func TestOpenUnreachableFailsNamingAddress(t *testing.T) {
	start := time.Now()
	db, err := Open(t.Context(), "postgres://postgres:s3cret@127.0.0.1:1/interleave?sslmode=disable", 2)
	require.Error(t, err)
	require.Nil(t, db)
	require.Less(t, time.Since(start), hangGuard)
	require.Contains(t, err.Error(), "127.0.0.1:1")
	require.NotContains(t, err.Error(), "s3cret")
	t.Log(err)

	_, err = Open(t.Context(), "postgres://postgres:s3cret@127.0.0.1:notaport/x", 2)
	require.Error(t, err)
	require.NotContains(t, err.Error(), "s3cret")
	t.Log(err)

	_, err = Open(t.Context(), "postgres://postgres@127.0.0.1:1/x", 0)
	require.ErrorContains(t, err, "pool size")
}

// TestOpenUnreachableGivesTheCauseOnce: pgx tries the server several times
// (with and without TLS under the default sslmode=prefer, on every address
// of a host name) and reports every attempt; Open's error gives the first
// attempt's cause, once, on one line, and still unwraps to pgx's error.
func TestOpenUnreachableGivesTheCauseOnce(t *testing.T) {
	for _, c := range []struct{ dsn, addr string }{
		{"postgres://postgres@127.0.0.1:1/x", "127.0.0.1:1"},                 // two attempts: TLS, then plain
		{"postgres://postgres@127.0.0.1:1/x?sslmode=disable", "127.0.0.1:1"}, // one attempt
		{"postgres://postgres@localhost:1/x", "localhost:1"},                 // every address of localhost, twice
	} {
		_, err := Open(t.Context(), c.dsn, 1)
		require.Error(t, err, c.dsn)
		var ce *pgconn.ConnectError
		require.ErrorAs(t, err, &ce, c.dsn)
		var dial *net.OpError // the first attempt's cause
		require.ErrorAs(t, err, &dial, c.dsn)
		msg := err.Error()
		require.Equal(t, "pgstore: cannot reach PostgreSQL at "+c.addr+": dial error: "+dial.Error(), msg, c.dsn)
		require.Equal(t, 1, strings.Count(msg, dial.Error()), "%s: %s", c.dsn, msg)
		require.NotContains(t, msg, "\n", c.dsn)
	}
}

// TestOpenSilentServerDoesNotHang: a server that accepts TCP but never speaks
// must not hang Open past its deadline.
func TestOpenSilentServerDoesNotHang(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var (
		mu    sync.Mutex
		conns []net.Conn
		wg    sync.WaitGroup
	)
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	})
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})

	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	start := time.Now()
	_, err = Open(ctx, "postgres://postgres@"+ln.Addr().String()+"/x?sslmode=disable", 1)
	require.Error(t, err)
	require.Less(t, time.Since(start), hangGuard)
	require.Contains(t, err.Error(), ln.Addr().String())
	t.Log(err)
}

func TestMigrateIsIdempotentAndResetRestartsIDs(t *testing.T) {
	db := OpenTestDB(t, 2)
	ctx := t.Context()
	require.NoError(t, db.Migrate(ctx))
	require.NoError(t, db.Migrate(ctx))

	insert := func() int64 {
		var id int64
		require.NoError(t, db.InTx(ctx, func(tx Tx) error {
			var err error
			id, err = tx.InsertMessage(ctx, 1, "user", "x")
			if err != nil {
				return err
			}
			return tx.SetChatStatus(ctx, 1, "pending")
		}))
		return id
	}
	require.Equal(t, int64(1), insert())
	require.Equal(t, int64(2), insert())
	require.NoError(t, db.Reset(ctx))
	msgs, err := db.GetChatMessagesByChatID(ctx, 1, 0)
	require.NoError(t, err)
	require.Empty(t, msgs)
	require.Equal(t, int64(1), insert())
}

func TestDeleteMessageHidesIt(t *testing.T) {
	db := OpenTestDB(t, 2)
	ctx := t.Context()
	var keep, drop int64
	require.NoError(t, db.InTx(ctx, func(tx Tx) error {
		var err error
		if keep, err = tx.InsertMessage(ctx, 1, "user", "keep"); err != nil {
			return err
		}
		drop, err = tx.InsertMessage(ctx, 1, "user", "queued")
		return err
	}))
	require.NoError(t, db.InTx(ctx, func(tx Tx) error { return tx.DeleteMessage(ctx, drop) }))
	msgs, err := db.GetChatMessagesByChatID(ctx, 1, 0)
	require.NoError(t, err)
	require.Equal(t, []int64{keep}, ids(msgs))

	err = db.InTx(ctx, func(tx Tx) error { return tx.DeleteMessage(ctx, 999) })
	require.ErrorIs(t, err, ErrNotFound)
}

// TestLockChatSerialisesWriters: LockChat blocks a second transaction until
// the first commits, and the second then sees the first's status.
func TestLockChatSerialisesWriters(t *testing.T) {
	db := OpenTestDB(t, 4)
	ctx := t.Context()
	require.NoError(t, db.InTx(ctx, func(tx Tx) error { return tx.SetChatStatus(ctx, 1, "requires_action") }))

	locked := make(chan struct{})
	release := make(chan struct{})
	firstDone := make(chan error, 1)
	go func() {
		firstDone <- db.InTx(ctx, func(tx Tx) error {
			status, err := tx.LockChat(ctx, 1)
			if err != nil {
				return err
			}
			if status != "requires_action" {
				return context.Canceled
			}
			close(locked)
			return tx.SetChatStatus(ctx, 1, "pending")
		}, BeforeCommit(func(ctx context.Context) error {
			select {
			case <-release:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}))
	}()
	select {
	case <-locked:
	case err := <-firstDone:
		t.Fatalf("first transaction ended early: %v", err)
	}

	type result struct {
		status string
		err    error
	}
	second := make(chan result, 1)
	go func() {
		var r result
		r.err = db.InTx(ctx, func(tx Tx) error {
			var err error
			r.status, err = tx.LockChat(ctx, 1)
			return err
		})
		second <- r
	}()
	select {
	case r := <-second:
		t.Fatalf("second LockChat did not wait for the first transaction: %+v", r)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	require.NoError(t, <-firstDone)
	r := <-second
	require.NoError(t, r.err)
	require.Equal(t, "pending", r.status)

	err := db.InTx(ctx, func(tx Tx) error {
		_, err := tx.LockChat(ctx, 42)
		return err
	})
	require.ErrorIs(t, err, ErrNotFound)
}

// TestInTxRollsBackOnPanic: a panicking callback leaves nothing behind and
// returns its connection to the pool.
func TestInTxRollsBackOnPanic(t *testing.T) {
	db := OpenTestDB(t, 1)
	ctx := t.Context()
	require.PanicsWithValue(t, "boom", func() {
		_ = db.InTx(ctx, func(tx Tx) error {
			if _, err := tx.InsertMessage(ctx, 1, "user", "x"); err != nil {
				return err
			}
			panic("boom")
		})
	})
	msgs, err := db.GetChatMessagesByChatID(ctx, 1, 0) // pool of 1: would block if leaked
	require.NoError(t, err)
	require.Empty(t, msgs)
}
