package context_test

import (
	"fmt"

	"github.com/interleave/interleave/sched"
	"github.com/interleave/interleave/std/chans"
	"github.com/interleave/interleave/std/context"
	"github.com/interleave/interleave/std/time"
)

// A timeout on the virtual clock: the work that would take an hour loses
// to a deadline of a minute, with no real waiting.
func ExampleWithTimeout() {
	sched.Run(func(rt *sched.Runtime) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		switch chans.Select(chans.OnRecv(time.After(time.Hour), nil), chans.OnRecv(ctx.Done(), nil)) {
		case 0:
			fmt.Println("work done")
		case 1:
			fmt.Println(ctx.Err(), "after", time.Since(sched.Epoch))
		}
	}, sched.Options{})
	// Output: context deadline exceeded after 1m0s
}
