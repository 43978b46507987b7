package main

import (
	"math"

	"github.com/interleave/interleave/scenarios"
)

// The commands check every number they take against the limits of package
// scenarios (scenarios.MaxSchedules, ...) before any work starts.

// checkRange is the bad input of a number flag outside [lo, hi].
func checkRange(flagName string, v, lo, hi int) error {
	if v < lo || v > hi {
		return badInput("%s %d: want a whole number from %d to %d", flagName, v, lo, hi)
	}
	return nil
}

// checkSearchFlags checks --depth and --preemptions as a command line
// gives them: a depth from 1 (0 is no depth, not the default) to
// scenarios.MaxDepth; a preemption bound up to scenarios.MaxPreemptions,
// negative meaning unbounded.
func checkSearchFlags(dash string, depth, preemptions int) error {
	if err := checkRange(dash+"depth", depth, 1, scenarios.MaxDepth); err != nil {
		return err
	}
	if preemptions > scenarios.MaxPreemptions {
		return badInput("%spreemptions %d: want a whole number up to %d (negative: unbounded)", dash, preemptions, scenarios.MaxPreemptions)
	}
	return nil
}

// checkSeeds checks that the n seeds from first on fit in an int64.
func checkSeeds(flagName string, first int64, n int) error {
	if err := scenarios.CheckSeedRange(first, int64(n)); err != nil {
		return badInput("%s %d with %d schedules: %v", flagName, first, n, err)
	}
	return nil
}

// maxSeedIndex is the largest child index g whose seeds g*k+1 .. g*k+k
// fit in an int64.
func maxSeedIndex(k int) int64 {
	return (math.MaxInt64 - int64(k)) / int64(k)
}
