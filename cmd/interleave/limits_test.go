package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/scenarios"
)

// TestLimitsDocumented: the usage and the scenario format's README state
// the limits the code checks.
func TestLimitsDocumented(t *testing.T) {
	usage := strings.Join(strings.Fields(usageText()), " ")
	for _, want := range []string{
		fmt.Sprintf("--budget at most %d;", scenarios.MaxBudget),
		fmt.Sprintf("-schedules and a dfs --seed (the index of a schedule) at most %d;", scenarios.MaxSchedules),
		fmt.Sprintf("--depth from 1 to %d;", scenarios.MaxDepth),
		fmt.Sprintf("--preemptions at most %d (negative: unbounded);", scenarios.MaxPreemptions),
		fmt.Sprintf("-p from 1 to %d;", scenarios.MaxParallel),
		fmt.Sprintf("stress -count at most %d, -pool at most %d, -timeout at most %s;", scenarios.MaxStressCount, scenarios.MaxPool,
			strings.TrimSuffix(scenarios.MaxTimeout.String(), "0m0s")),
	} {
		require.Contains(t, usage, want)
	}
	data, err := os.ReadFile(filepath.Join(repoDir, "scenarios", "testdata", "scenarios", "README.md"))
	require.NoError(t, err)
	readme := strings.Join(strings.Fields(string(data)), " ")
	for _, want := range []string{
		fmt.Sprintf("(default 1, at most %d)", scenarios.MaxReplicas),
		fmt.Sprintf("(default 256, at most %d)", scenarios.MaxCapacity),
		fmt.Sprintf("at most %d rows in all", scenarios.MaxRows),
		fmt.Sprintf("A message ID is at most %d", scenarios.MaxMessageID),
		fmt.Sprintf("a file at most %d MiB", scenarios.MaxScriptBytes>>20),
	} {
		require.Contains(t, readme, want)
	}
}
