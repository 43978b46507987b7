package scenarios

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/harness"
)

// TestScriptVersionsKeepTheirMeaning: format v2 models upstream as it is
// (the chat-row lock on, created_at at the transaction's start); a v1 file
// keeps the meaning it had (no lock unless 'row-lock on', created_at at
// each insert). The switches reach the world's configuration.
func TestScriptVersionsKeepTheirMeaning(t *testing.T) {
	parse := func(in string) *script {
		t.Helper()
		s, err := parseScript(strings.NewReader(in+"subscribe s replica1 after=0\n"), "x.scenario")
		require.NoError(t, err)
		return s
	}
	cfg := parse("interleave-scenario v1\n").worldConfig()
	require.True(t, cfg.SkipRowLock)
	require.Equal(t, harness.DBConfig{InsertTimeCreatedAt: true}, cfg.DB)
	cfg = parse("interleave-scenario v1\nrow-lock on\n").worldConfig()
	require.False(t, cfg.SkipRowLock)
	cfg = parse("interleave-scenario v2\n").worldConfig()
	require.False(t, cfg.SkipRowLock)
	require.Equal(t, harness.DBConfig{}, cfg.DB)
	cfg = parse("interleave-scenario v2\nrow-lock off\norder-by id\npubsub-queue 3\nnotify-queue 2\nclient-queue 5\nreplicas 2\ncapacity 7\n").worldConfig()
	require.Equal(t, harness.WorldConfig{Replicas: 2, PubSubQueue: 3,
		Config: harness.Config{CacheCapacity: 7, NotifyQueue: 2, ClientQueue: 5, SkipRowLock: true},
		DB:     harness.DBConfig{OrderByID: true}}, cfg)
}
