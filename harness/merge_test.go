package harness_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/harness"
)

func TestStrategiesByName(t *testing.T) {
	var names []string
	for _, s := range harness.Strategies() {
		names = append(names, s.Name())
		got, ok := harness.StrategyByName(s.Name())
		require.True(t, ok, s.Name())
		require.Equal(t, s, got)
	}
	require.Equal(t, []string{"naive", "fixed-r1", "fixed", "producer-lock", "stream-loop"}, names)
	_, ok := harness.StrategyByName("optimistic")
	require.False(t, ok)

	// Only producer-lock makes the writers take the publish mutex, only
	// the stream loop makes them publish hints, and only the stream loop
	// is judged by the convergence oracle.
	for _, s := range harness.Strategies() {
		cfg := harness.ConfigFor(s, harness.Config{CacheCapacity: 3})
		require.Equal(t, s.Name() == "producer-lock", cfg.ProducerLock, s.Name())
		require.Equal(t, s.Name() == "stream-loop", cfg.Hints, s.Name())
		require.Equal(t, 3, cfg.CacheCapacity)
		want := harness.OracleDelivery
		if s.Name() == "stream-loop" {
			want = harness.OracleConvergence
		}
		require.Equal(t, want, harness.OracleOf(s), s.Name())
	}
}
