package pgbackend

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/interleave/interleave/pgstore"
)

// Every test closes its backends, listeners and wild runs; goleak checks
// that nothing (pgx's goroutines, listener goroutines, run tasks) outlives
// the package's tests.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// hangGuard bounds waits that must end rather than hang. It is far above
// every timeout of the code under test: a hang guard, not a performance
// assertion.
const hangGuard = 2 * time.Minute

// openBackend returns a backend over a fresh database of its own
// (pgstore.OpenTestDB), closed when the test ends.
func openBackend(t *testing.T, poolSize int) *Backend {
	t.Helper()
	db := pgstore.OpenTestDB(t, poolSize)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	b, err := New(ctx, db)
	require.NoError(t, err)
	t.Cleanup(b.Close)
	return b
}
