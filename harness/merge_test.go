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
	require.Equal(t, []string{"naive", "fixed-r1", "fixed", "producer-lock"}, names)
	_, ok := harness.StrategyByName("optimistic")
	require.False(t, ok)

	// Only producer-lock makes the writers take the publish mutex.
	for _, s := range harness.Strategies() {
		cfg := harness.ConfigFor(s, harness.Config{CacheCapacity: 3})
		require.Equal(t, s.Name() == "producer-lock", cfg.ProducerLock, s.Name())
		require.Equal(t, 3, cfg.CacheCapacity)
	}
}
