package main

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/pgstore"
)

// TestStressPG runs the promote workload on the real PostgreSQL of
// INTERLEAVE_PG_DSN (make test starts one; locally without it the test
// skips and says how to enable it, in CI it fails) under naive and fixed.
// fixed must never violate the oracle; naive's rate is reported, as the
// race may or may not show in 40 runs on a real database.
func TestStressPG(t *testing.T) {
	dsn := pgstore.TestDSN(t)
	r := interleave(t, "stress", "-backend", "pg", "-dsn", dsn, "-compare", "naive,fixed", "-count", "40", "-p", "4")
	require.Contains(t, []int{0, 1}, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	out := r.stdout
	require.Contains(t, out, "stress naive on PostgreSQL: 40 runs of promote-while-requires-action, 4 chats at once, pool 12")
	require.Regexp(t, `(?m)^naive: \d+/40 = [\d.]+% \(95% (CI|upper bound) `, out)
	require.Regexp(t, `(?m)^fixed: 0/40 = 0% \(95% upper bound 8\.\d+%\) violated the oracle; 0 errors; out of ID order: cache appends in \d+ runs`, out)
	require.Contains(t, out, "Fisher's exact test: p=")
	naive := regexp.MustCompile(`(?m)^naive: (\d+)/40`).FindStringSubmatch(out)
	if naive[1] == "0" {
		require.Equal(t, 0, r.code)
	} else {
		require.Equal(t, 1, r.code, "violations exit 1")
		require.Contains(t, out, "oracle: sub: exactly once: message #")
	}
	t.Logf("%s", out)

	j := interleave(t, "stress", "-backend", "pg", "-dsn", dsn, "-strategy", "fixed", "-count", "8", "-p", "2", "--json")
	require.Equal(t, 0, j.code, j.stderr)
	require.Regexp(t, `"backend": "pg"`, j.stdout)
	require.Regexp(t, `"strategy": "fixed",\s+"runs": 8,\s+"violations": 0,\s+"errors": 0`, j.stdout)
}

func TestStressPGBadInput(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-count", "5", "-dsn", "postgres://postgres@127.0.0.1:1/x?sslmode=disable"},
			"interleave: postgres: open: pgstore: cannot reach PostgreSQL at 127.0.0.1:1: "},
		{[]string{"-count", "0", "-dsn", "postgres://x@127.0.0.1:1/x"}, "interleave: -backend pg needs -count: the number of runs per strategy"},
		{[]string{"-count", "5", "-dsn", "postgres://x@127.0.0.1:1/x", "out-of-order"}, "interleave: -backend pg runs promote-while-requires-action only, not \"out-of-order\""},
		{[]string{"-count", "5", "-dsn", "postgres://x@127.0.0.1:1/x", "-race"}, "interleave: -race: with -backend pg the runs are in this process"},
	} {
		r := interleave(t, append([]string{"stress", "-backend", "pg"}, c.args...)...)
		require.Equal(t, 2, r.code, "%v: %s", c.args, r.stderr)
		require.Contains(t, r.stderr, c.want)
		require.Empty(t, r.stdout)
	}
	r := invocation{env: []string{"INTERLEAVE_PG_DSN="}}.run(t, "stress", "-backend", "pg", "-count", "5")
	require.Equal(t, 2, r.code)
	require.Contains(t, r.stderr, "-backend pg needs a database: pass -dsn or set INTERLEAVE_PG_DSN (make pg-up starts one and prints it)")
	r = interleave(t, "stress", "-backend", "sqlite", "-count", "5")
	require.Equal(t, 2, r.code)
	require.Contains(t, r.stderr, `unknown backend "sqlite" (known: mem, pg)`)
}
