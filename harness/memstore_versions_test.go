package harness_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/harness"
	"github.com/interleave/interleave/sched"
)

// pollSyncAndWrite: a writer goes through the update entry point and
// inserts a row into a chat, while the stream loop's poller reads the
// chat's versions and its loop syncs it. The poll and the sync read the
// chat's committed state: each comes before the commit or after it, and
// the insert (an uncommitted row, seen by neither) and the other read
// commute with it: four traces, four final states.
func pollSyncAndWrite(rt *sched.Runtime, final func(string)) {
	mem := harness.NewMemStore(rt)
	mem.CreateChat(harness.Chat{ID: chat})
	var polled harness.ChatVersions
	var synced []int64
	w := rt.Go("writer", func() {
		err := mem.InTx(func(tx harness.Tx) error {
			if _, err := tx.LockChat(chat); err != nil {
				return err
			}
			if _, err := tx.BumpChatVersion(chat); err != nil {
				return err
			}
			_, err := tx.InsertMessage(chat, harness.RoleUser, "m")
			return err
		})
		if err != nil {
			panic(err)
		}
	})
	p := rt.Go("poller", func() {
		v, err := mem.ChatVersions(chat)
		if err != nil {
			panic(err)
		}
		polled = v
	})
	l := rt.Go("loop", func() {
		err := mem.Sync(chat, func(tx harness.SyncTx) error {
			rows, err := tx.ChangedSince(0)
			synced = ids(rows)
			return err
		})
		if err != nil {
			panic(err)
		}
	})
	rt.JoinAll(w, p, l)
	final(fmt.Sprintf("poll %s, sync %v", polled, synced))
}

// TestDPORStreamLoopStoreReads counts the traces of pollSyncAndWrite by
// hand: the poll of a chat's versions and the sync's snapshot are reads of
// that chat, not writes of the whole store (six runs when they were).
func TestDPORStreamLoopStoreReads(t *testing.T) {
	search := func(strat sched.Strategy) (complete int, finals []string) {
		var pool sched.Pool
		defer pool.Close()
		for strat.Start() {
			require.Less(t, complete, 10000, "the search does not end")
			var f string
			res := sched.Run(func(rt *sched.Runtime) { pollSyncAndWrite(rt, func(s string) { f = s }) },
				sched.Options{Strategy: sched.Started(strat), Pool: &pool})
			require.Nil(t, res.Failure)
			if res.Pruned {
				continue
			}
			complete++
			if !slices.Contains(finals, f) {
				finals = append(finals, f)
			}
		}
		slices.Sort(finals)
		return complete, finals
	}
	n, finals := search(sched.DPOR(-1))
	dn, dfinals := search(sched.DFS(-1))
	t.Logf("DPOR %d complete runs, DFS %d; final states %q", n, dn, finals)
	require.Len(t, finals, 4)
	require.Equal(t, dfinals, finals, "DPOR and DFS reach the same final states")
	require.Equal(t, 4, n, "one run per trace")
	require.Greater(t, dn, n)
}
