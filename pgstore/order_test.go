package pgstore

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCommitOrderDiffersFromIDOrder forces the overlap of chatd-model.md
// section 1: A takes the lower ID but commits after B, so B's higher ID is
// visible while A's is not, and a catch-up query from B's ID never returns A.
func TestCommitOrderDiffersFromIDOrder(t *testing.T) {
	db := OpenTestDB(t, 4)
	ctx := t.Context()
	const chat = 1

	aInserted := make(chan int64, 1)
	releaseA := make(chan struct{})
	aDone := make(chan error, 1)
	go func() {
		aDone <- db.InTx(ctx, func(tx Tx) error {
			id, err := tx.InsertMessage(ctx, chat, "user", "A")
			if err != nil {
				return err
			}
			aInserted <- id
			return nil
		}, BeforeCommit(func(ctx context.Context) error {
			select { // hold A open, uncommitted, until B has committed
			case <-releaseA:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}))
	}()

	var idA int64
	select {
	case idA = <-aInserted:
	case err := <-aDone:
		t.Fatalf("tx A ended before inserting: %v", err)
	}

	var idB int64
	require.NoError(t, db.InTx(ctx, func(tx Tx) error {
		var err error
		idB, err = tx.InsertMessage(ctx, chat, "assistant", "B")
		return err
	}))
	require.Less(t, idA, idB, "A inserted first, so it holds the lower ID")

	msgs, err := db.GetChatMessagesByChatID(ctx, chat, 0)
	require.NoError(t, err)
	require.Equal(t, []int64{idB}, ids(msgs), "B (higher ID) is visible before A (lower ID)")

	close(releaseA)
	require.NoError(t, <-aDone)

	msgs, err = db.GetChatMessagesByChatID(ctx, chat, 0)
	require.NoError(t, err)
	require.Equal(t, []int64{idA, idB}, ids(msgs), "ordered by created_at: A was inserted first")
	require.Equal(t, "A", msgs[0].Content)
	require.Equal(t, int64(chat), msgs[0].ChatID)
	require.False(t, msgs[1].CreatedAt.Before(msgs[0].CreatedAt))

	// A reader whose cursor already moved to B's ID never sees A.
	msgs, err = db.GetChatMessagesByChatID(ctx, chat, idB)
	require.NoError(t, err)
	require.Empty(t, msgs)
}

// TestConcurrentWritersCommitOutOfIDOrder measures how often unforced,
// concurrent writers commit out of ID order. Commit order is recorded by a
// client-side counter bumped as soon as InTx (hence COMMIT) returns. The
// count is a measurement, not an assertion.
func TestConcurrentWritersCommitOutOfIDOrder(t *testing.T) {
	const (
		rounds  = 200
		writers = 8
	)
	db := OpenTestDB(t, writers)
	ctx := t.Context()

	type commit struct{ id, seq int64 }
	var (
		seq            atomic.Int64
		roundsInverted int
		pairsInverted  int
		pairsTotal     int
	)
	for round := 1; round <= rounds; round++ {
		chat := int64(round)
		results := make([]commit, writers)
		errs := make([]error, writers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				<-start
				var id int64
				errs[w] = db.InTx(ctx, func(tx Tx) error {
					var err error
					id, err = tx.InsertMessage(ctx, chat, "assistant", "m")
					return err
				})
				results[w] = commit{id: id, seq: seq.Add(1)}
			})
		}
		close(start)
		wg.Wait()
		for _, err := range errs {
			require.NoError(t, err)
		}

		inverted := 0
		for i := range results {
			for j := range results {
				if results[i].id < results[j].id && results[i].seq > results[j].seq {
					inverted++
				}
			}
		}
		pairsTotal += writers * (writers - 1) / 2
		pairsInverted += inverted
		if inverted > 0 {
			roundsInverted++
		}

		msgs, err := db.GetChatMessagesByChatID(ctx, chat, 0)
		require.NoError(t, err)
		require.Len(t, msgs, writers)
	}
	t.Logf("commit order differed from ID order in %d of %d rounds (%d writers, pool %d); %d of %d writer pairs inverted",
		roundsInverted, rounds, writers, writers, pairsInverted, pairsTotal)
}
