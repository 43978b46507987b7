package time_test

import (
	"testing"
	stdtime "time"

	"github.com/interleave/interleave/sched"
)

// BenchmarkTickerLoop: one op is a run of a loop that takes 1,000 ticks of
// a one-second ticker (a select on the ticker and a quit channel), under
// virtual time. ms/1000ticks is the real time it takes (cpu-ms/1000ticks
// the CPU time, which a loaded machine does not inflate); x-realtime is
// how many times faster than the 1,000 s the same loop takes on a real
// clock.
func BenchmarkTickerLoop(b *testing.B) {
	cpu := cpuTime()
	start := stdtime.Now()
	for i := 0; i < b.N; i++ {
		res := sched.Run(func(rt *sched.Runtime) {
			if took := tickLoop(1000); took != 1000*stdtime.Second {
				rt.Failf("took %v", took)
			}
		}, sched.Options{})
		if res.Failure != nil {
			b.Fatal(res.Failure)
		}
	}
	per := stdtime.Since(start) / stdtime.Duration(b.N)
	b.ReportMetric(float64(per)/float64(stdtime.Millisecond), "ms/1000ticks")
	if c := cpuTime() - cpu; cpu > 0 {
		b.ReportMetric(float64(c)/float64(b.N)/float64(stdtime.Millisecond), "cpu-ms/1000ticks")
	}
	b.ReportMetric(float64(1000*stdtime.Second)/float64(per), "x-realtime")
}
