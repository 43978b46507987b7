package pgbackend

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/harness"
	"github.com/interleave/interleave/sched"
)

// These tests need no server.

func TestChatIDsAreNamespacedByRun(t *testing.T) {
	b := &Backend{}
	r3, r4 := b.NewRun(3), b.NewRun(4)
	p, err := r3.PhysicalChatID(1)
	require.NoError(t, err)
	require.Equal(t, int64(3_000_001), p)
	c, ok := r3.LogicalChatID(p)
	require.True(t, ok)
	require.Equal(t, int64(1), c)
	_, ok = r4.LogicalChatID(p)
	require.False(t, ok, "run 4 does not own run 3's chats")
	_, ok = r3.LogicalChatID(3_000_000)
	require.False(t, ok, "chat 0 is no chat")
	_, ok = r3.LogicalChatID(4_000_001)
	require.False(t, ok)

	for _, bad := range []int64{0, -1, ChatIDSpan} {
		_, err := r3.PhysicalChatID(bad)
		require.ErrorContains(t, err, "postgres: run 3: chat ID")
	}

	last := b.NewRun(MaxRunID)
	p, err = last.PhysicalChatID(ChatIDSpan - 1)
	require.NoError(t, err)
	require.Positive(t, p, "the largest physical chat ID fits in an int64")
	require.PanicsWithValue(t, "pgbackend: run ID 0 out of range 1..9223372036853", func() { b.NewRun(0) })
	require.Panics(t, func() { b.NewRun(MaxRunID + 1) })
}

func TestChannelsAreNamespacedAndSanitised(t *testing.T) {
	r := (&Backend{}).NewRun(12)
	require.Equal(t, "r12:chat:1", r.Channel("chat:1"))
	require.Equal(t, "r12:a_b__c", r.Channel(`a b"'c`))
	long := strings.Repeat("x", 100)
	got := r.Channel(long)
	require.Len(t, got, 63)
	require.True(t, strings.HasPrefix(got, "r12:xxx"))
	require.NotEqual(t, got, r.Channel(long+"y"), "long names stay apart")
	require.Equal(t, got, r.Channel(long), "and are stable")
}

func TestBodyRefusesAControlledRun(t *testing.T) {
	run := (&Backend{}).NewRun(1)
	wl := harness.PromoteWhileRequiresAction(harness.PromoteParams{})
	res := sched.Run(run.Body(wl, harness.Fixed{}, nil), sched.Options{})
	require.NotNil(t, res.Failure)
	require.Contains(t, res.Failure.Msg, "pgbackend: a run on PostgreSQL must be wild (sched.RunWild)")
}
