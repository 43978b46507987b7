//go:build !unix

package benchbase

import "time"

// cpuTime returns the time f took on the clock, where the process's CPU
// time is not at hand.
func cpuTime(f func()) time.Duration {
	start := time.Now()
	f()
	return time.Since(start)
}
