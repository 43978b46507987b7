//go:build unix

package time_test

import (
	"syscall"
	stdtime "time"
)

// cpuTime is the CPU time of the process so far, a measure that does not
// grow with the load of a shared machine as wall time does.
func cpuTime() stdtime.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return stdtime.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
