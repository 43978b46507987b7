package pgstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// DSNEnv names the environment variable holding the DSN of the PostgreSQL
// server tests run against (scripts/pg.sh up prints it).
const DSNEnv = "INTERLEAVE_PG_DSN"

// TestDSN returns the test server's DSN from $INTERLEAVE_PG_DSN. When it is
// unset the test is skipped, except under CI (non-empty $CI), where a missing
// server is a setup error and the test fails.
func TestDSN(t testing.TB) string {
	t.Helper()
	if dsn := os.Getenv(DSNEnv); dsn != "" {
		return dsn
	}
	if os.Getenv("CI") != "" {
		t.Fatal("INTERLEAVE_PG_DSN not set: CI must start PostgreSQL (make pg-up)")
	}
	t.Skip("no PostgreSQL: run 'make pg-up' and export INTERLEAVE_PG_DSN (see README)")
	return ""
}

// testSetupTimeout bounds creating or dropping a test database.
const testSetupTimeout = 30 * time.Second

// OpenTestDB creates a fresh, migrated database on the TestDSN server, named
// after the test, and opens a pool of poolSize connections to it. The pool is
// closed and the database dropped (with any connections still on it) when
// the test ends. Each test thus has its own tables, sequence and
// LISTEN/NOTIFY namespace.
func OpenTestDB(t testing.TB, poolSize int) *DB {
	t.Helper()
	dsn := TestDSN(t)
	ctx, cancel := context.WithTimeout(context.Background(), testSetupTimeout)
	defer cancel()

	cfg, err := parseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	name := testDBName(t.Name())
	adminCfg := cfg.ConnConfig.Copy() // the DSN's own database, to create and drop ours
	admin := func(ctx context.Context, sql string) error {
		conn, err := pgx.ConnectConfig(ctx, adminCfg.Copy())
		if err != nil {
			return unreachable("", serverAddr(adminCfg), err)
		}
		defer conn.Close(context.WithoutCancel(ctx))
		_, err = conn.Exec(ctx, sql)
		return err
	}
	quoted := pgx.Identifier{name}.Sanitize()
	if err := admin(ctx, "CREATE DATABASE "+quoted); err != nil {
		t.Fatalf("create test database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testSetupTimeout)
		defer cancel()
		if err := admin(ctx, "DROP DATABASE IF EXISTS "+quoted+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})

	cfg.ConnConfig.Database = name
	db, err := openConfig(ctx, cfg, poolSize)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close) // runs before the drop above
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

var nonIdent = regexp.MustCompile(`[^a-z0-9]+`)

// testDBName derives a valid, unique database name from a test name.
func testDBName(testName string) string {
	base := strings.Trim(nonIdent.ReplaceAllString(strings.ToLower(testName), "_"), "_")
	const prefix, maxBase = "itest_", 63 - len("itest_") - 9
	if len(base) > maxBase {
		base = base[:maxBase]
	}
	return fmt.Sprintf("%s%s_%08x", prefix, base, rand.Uint32())
}
