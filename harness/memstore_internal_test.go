package harness

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/sched"
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

// TestHistoryViewFollowsEveryChange checks historyView's reuse of its last
// list: a second view with nothing committed between is the same list, and
// a commit, an edit, a delete, a seed or a view of another chat in between
// makes the next view show the store as it is now.
func TestHistoryViewFollowsEveryChange(t *testing.T) {
	type view struct {
		after    string
		contents []string
	}
	var got []view
	var same bool
	var errs []error
	res := sched.Run(func(rt *sched.Runtime) {
		s := NewMemStore(rt)
		s.CreateChat(Chat{ID: 1})
		s.CreateChat(Chat{ID: 2})
		first := s.Seed(1, RoleUser, "a")
		s.Seed(2, RoleUser, "other")
		look := func(after string, chatID int64) []Message {
			h := s.historyView(chatID)
			v := view{after: after, contents: []string{}}
			for _, m := range h {
				v.contents = append(v.contents, m.Content)
			}
			got = append(got, v)
			return h
		}
		v1 := look("the seeds", 1)
		v2 := look("nothing", 1)
		same = len(v1) == 1 && len(v2) == 1 && &v1[0] == &v2[0]
		s.Seed(1, RoleUser, "b")
		look("a seed", 1)
		errs = append(errs, s.InTx(func(tx Tx) error {
			_, err := tx.InsertMessage(1, RoleAssistant, "c")
			return err
		}))
		look("a commit", 1)
		look("a view of another chat", 2)
		look("back to the first chat", 1)
		errs = append(errs, s.InTx(func(tx Tx) error {
			_, err := tx.UpdateMessageContent(1, first.ID, "a2")
			return err
		}))
		look("an edit", 1)
		errs = append(errs, s.InTx(func(tx Tx) error { return tx.DeleteMessage(1, first.ID) }))
		look("a delete", 1)
		s.mu.LockRead()
		s.visibleRowsLocked(2) // another reader's query of another chat
		s.mu.Unlock()
		look("a query of another chat", 1)
	}, sched.Options{})
	require.Nil(t, res.Failure)
	require.Equal(t, []error{nil, nil, nil}, errs)
	require.True(t, same, "nothing changed: the same list")
	require.Equal(t, []view{
		{"the seeds", []string{"a"}},
		{"nothing", []string{"a"}},
		{"a seed", []string{"a", "b"}},
		{"a commit", []string{"a", "b", "c"}},
		{"a view of another chat", []string{"other"}},
		{"back to the first chat", []string{"a", "b", "c"}},
		{"an edit", []string{"a2", "b", "c"}},
		{"a delete", []string{"b", "c"}},
		{"a query of another chat", []string{"b", "c"}},
	}, got)
}
