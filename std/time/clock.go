//go:build !interleave_off

package time

import (
	"time"

	"github.com/interleave/interleave/sched"
)

// controlled returns the controlled run of the calling task, or nil (no
// run, or a wild one: real time).
func controlled() *sched.Runtime {
	if rt := sched.Current(); rt != nil && !rt.Wild() {
		return rt
	}
	return nil
}

// Now returns the current time: the run's virtual time under control.
func Now() Time {
	if rt := controlled(); rt != nil {
		return rt.Now()
	}
	return time.Now()
}

// Since returns the time elapsed since t: Now().Sub(t).
func Since(t Time) Duration { return Now().Sub(t) }

// Until returns the duration until t: t.Sub(Now()).
func Until(t Time) Duration { return t.Sub(Now()) }

// Sleep pauses the calling goroutine for at least d; under control, for d
// of virtual time, which passes once every task is blocked.
func Sleep(d Duration) {
	if rt := sched.Current(); rt != nil {
		rt.Sleep(d) // real time, with jitter, in a wild run
		return
	}
	time.Sleep(d)
}
