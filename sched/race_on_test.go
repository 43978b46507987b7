//go:build race

package sched

// raceOn is set when the tests run under the race detector, whose
// bookkeeping allocates: allocation counts are checked without it.
const raceOn = true
