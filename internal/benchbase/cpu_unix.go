//go:build unix

package benchbase

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time (user and system) the process spent while f
// ran.
func cpuTime(f func()) time.Duration {
	before := processCPU()
	f()
	return processCPU() - before
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
