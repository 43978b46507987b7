package time_test

import (
	"fmt"

	"github.com/interleave/interleave/sched"
	"github.com/interleave/interleave/std/chans"
	"github.com/interleave/interleave/std/time"
)

// Under control, time is the run's virtual clock: it starts at midnight UTC
// on 1 January 2000 and a thousand seconds of ticks pass at once.
func ExampleNewTicker() {
	sched.Run(func(rt *sched.Runtime) {
		start := time.Now()
		tk := time.NewTicker(time.Second)
		defer tk.Stop()
		for i := 0; i < 1000; i++ {
			chans.Recv(tk.C)
		}
		fmt.Println(start.Format(time.DateTime), "+", time.Since(start))
	}, sched.Options{})
	// Output: 2000-01-01 00:00:00 + 16m40s
}
