package pgstore

import (
	"testing"

	"go.uber.org/goleak"
)

// Every test closes its pools, listeners and goroutines; goleak checks that
// nothing (pgx background goroutines included) outlives the package's tests.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func ids(msgs []Message) []int64 {
	out := make([]int64, len(msgs))
	for i, m := range msgs {
		out[i] = m.ID
	}
	return out
}
