package harness

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDequeueRemovesTheIDAndZeroesTheTail checks dequeue against a
// filter: every element with the ID goes, the others keep their order,
// in the list's memory, and what is left over past the new end is zero.
func TestDequeueRemovesTheIDAndZeroesTheTail(t *testing.T) {
	q := func(ids ...int64) []QueuedMessage {
		var out []QueuedMessage
		for _, id := range ids {
			out = append(out, QueuedMessage{ID: id, ChatID: 1, Content: "m"})
		}
		return out
	}
	for _, tc := range []struct {
		in   []QueuedMessage
		id   int64
		want []QueuedMessage
	}{
		{nil, 1, nil},
		{q(1), 1, q()},
		{q(1), 2, q(1)},
		{q(1, 2, 3), 1, q(2, 3)},
		{q(1, 2, 3), 2, q(1, 3)},
		{q(1, 2, 3), 3, q(1, 2)},
		{q(1, 2, 1, 3), 1, q(2, 3)},
	} {
		in := append([]QueuedMessage(nil), tc.in...)
		got := dequeue(in, tc.id)
		if len(tc.want) == 0 {
			require.Empty(t, got)
		} else {
			require.Equal(t, tc.want, got)
		}
		if len(in) > 0 && len(got) > 0 {
			require.Same(t, &in[0], &got[0], "in the list's memory")
		}
		for _, x := range in[len(got):] {
			require.Zero(t, x, "the tail is zeroed")
		}
	}
}

// TestFreeTxEmptiesWhatATransactionUsed checks that a transaction kept
// for the next holds nothing of the last one, grown lists included, and
// that newTx hands it out empty, in its own arrays again.
func TestFreeTxEmptiesWhatATransactionUsed(t *testing.T) {
	s := NewMemStore(nil)
	tx := s.newTx()
	rows := make([]row, 6)
	for i := range rows {
		tx.rows = append(tx.rows, &rows[i])
	}
	tx.statuses = append(tx.statuses, statusChange{1, StatusPending}, statusChange{2, StatusPending})
	tx.bumped, tx.bumps = append(tx.bumped, 1, 2), append(tx.bumps, 5, 6)
	tx.touched = append(tx.touched, 1)
	tx.edits = append(tx.edits, edit{r: &rows[0], content: "x"})
	tx.dequeued = append(tx.dequeued, QueuedMessage{ID: 1, Content: "q"})
	edits := tx.edits[:1]
	s.freeTx(tx)
	require.Nil(t, tx.s)
	require.Equal(t, [4]*row{}, tx.rowsBuf, "the first rows, left behind when the list grew")
	require.Equal(t, [1]statusChange{}, tx.statusBuf)
	require.Zero(t, edits[0])
	again := s.newTx()
	require.Same(t, tx, again)
	require.Same(t, s, again.s)
	for _, l := range []int{len(again.rows), len(again.locks), len(again.statuses), len(again.bumps), len(again.bumped),
		len(again.touched), len(again.edits), len(again.deletes), len(again.dequeued)} {
		require.Zero(t, l)
	}
	require.Equal(t, len(again.rowsBuf), cap(again.rows), "rows in the transaction's own array again")
	require.Equal(t, len(again.statusBuf), cap(again.statuses))
	require.Equal(t, len(again.bumpedBuf), cap(again.bumped))
}
