package chans_test

import (
	"fmt"

	"github.com/interleave/interleave/sched"
	"github.com/interleave/interleave/std/chans"
)

// A select statement becomes a switch on the case taken; the same code
// runs on real goroutines outside a run and under control inside one.
func ExampleSelect() {
	drain := func() []string {
		in, quit := chans.Make[string](0), chans.Make[struct{}](0)
		chans.Go(func() {
			chans.Send(in, "a")
			chans.Send(in, "b")
			chans.Close(quit)
		})
		var got []string
		for {
			var s string
			switch chans.Select(chans.OnRecv(in, &s), chans.OnRecv(quit, nil)) {
			case 0:
				got = append(got, s)
			case 1:
				return got
			}
		}
	}
	fmt.Println(drain())
	sched.Run(func(rt *sched.Runtime) { fmt.Println(drain()) }, sched.Options{})
	// Output:
	// [a b]
	// [a b]
}
