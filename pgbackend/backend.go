package pgbackend

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/interleave/interleave/pgstore"
)

// DefaultTimeout bounds each database call of a run when Run.Timeout is 0.
const DefaultTimeout = 10 * time.Second

// Backend is a migrated PostgreSQL database shared by runs.
type Backend struct {
	db *pgstore.DB
	// Timeout is copied into the Timeout of each Run made by NewRun; 0
	// means DefaultTimeout. Set it before making runs.
	Timeout time.Duration
}

// Open connects a pool of at most poolSize connections to dsn, migrates the
// database and returns the backend. A server that cannot be reached fails
// within pgstore.DefaultConnectTimeout (or ctx's deadline), with one error
// naming its address (never the password). Listener connections, one per
// subscriber of a running run, come on top of the pool.
func Open(ctx context.Context, dsn string, poolSize int) (*Backend, error) {
	db, err := pgstore.Open(ctx, dsn, poolSize)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	b, err := New(ctx, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	return b, nil
}

// New migrates db and returns a backend over it; Close closes db.
func New(ctx context.Context, db *pgstore.DB) (*Backend, error) {
	if err := db.Migrate(ctx); err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := migrateRunIDs(ctx, db); err != nil {
		return nil, err
	}
	return &Backend{db: db}, nil
}

// runIDsLockKey serialises concurrent migrations of the run ID counter.
const runIDsLockKey = 0x696e746c7672 // "intlvr"

// migrateRunIDs creates the one-row table AllocRunIDs counts in.
func migrateRunIDs(ctx context.Context, db *pgstore.DB) error {
	err := pgx.BeginFunc(ctx, db.Pool(), func(tx pgx.Tx) error {
		for _, stmt := range []string{
			`SELECT pg_advisory_xact_lock(` + fmt.Sprint(runIDsLockKey) + `)`,
			`CREATE TABLE IF NOT EXISTS pgbackend_run_ids (
				one  boolean PRIMARY KEY DEFAULT true CHECK (one),
				next bigint  NOT NULL
			)`,
			`INSERT INTO pgbackend_run_ids (one, next) VALUES (true, 1) ON CONFLICT DO NOTHING`,
		} {
			if _, err := tx.Exec(ctx, stmt); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("postgres: migrate run IDs: %w", err)
	}
	return nil
}

// AllocRunIDs reserves n run IDs no other caller of AllocRunIDs on this
// database gets, and returns the first: first, first+1, ..., first+n-1 are
// the caller's.
func (b *Backend) AllocRunIDs(ctx context.Context, n int) (first int64, err error) {
	if n < 1 {
		return 0, fmt.Errorf("pgbackend: AllocRunIDs(%d): want at least one", n)
	}
	err = b.db.Pool().QueryRow(ctx, `UPDATE pgbackend_run_ids SET next = next + $1 RETURNING next - $1`, int64(n)).Scan(&first)
	if err != nil {
		return 0, fmt.Errorf("postgres: allocate %d run IDs: %w", n, err)
	}
	if first+int64(n)-1 > MaxRunID {
		return 0, fmt.Errorf("postgres: allocate %d run IDs: the database's run IDs are exhausted (next %d, max %d)", n, first, MaxRunID)
	}
	return first, nil
}

// DB returns the database the backend runs on.
func (b *Backend) DB() *pgstore.DB { return b.db }

// Close closes the pool. Runs must have settled (Run.Close) first.
func (b *Backend) Close() { b.db.Close() }
