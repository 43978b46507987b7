package sched_test

import (
	"fmt"
	"time"

	"github.com/interleave/interleave/sched"
)

// Explore a race exhaustively: two tasks read a counter and write it back
// plus one. DFS with one preemption allowed finds the lost update, and the
// failure carries the schedule that replays it.
func ExampleExplore() {
	body := func(rt *sched.Runtime) {
		n := 0
		inc := func() {
			v := n
			rt.Yield("write")
			n = v + 1
		}
		a, b := rt.Go("A", inc), rt.Go("B", inc)
		rt.JoinAll(a, b)
		if n != 2 {
			rt.Failf("lost update: n = %d", n)
		}
	}
	rep := sched.Explore(body, sched.Options{Strategy: sched.DFS(1)}, 0)
	fmt.Println(rep.Failure)
	fmt.Print(rep.Failure.Schedule)
	again := sched.Run(body, sched.Options{Strategy: sched.Replay(rep.Failure.Schedule)})
	fmt.Println("replayed:", again.Failure)
	// Output:
	// assertion at step 6: lost update: n = 1
	// interleave-schedule v2
	// t1 t2 t2
	// replayed: assertion at step 6: lost update: n = 1
}

// Virtual time: the clock moves only when every task is blocked, straight
// to the next timer, so a day of ticks costs nothing real.
func ExampleRuntime_NewTicker() {
	sched.Run(func(rt *sched.Runtime) {
		tk := rt.NewTicker(time.Hour)
		defer tk.Stop()
		for i := 0; i < 24; i++ {
			tk.C.Recv()
		}
		fmt.Println(rt.Since(sched.Epoch), rt.Now().Format(time.DateTime))
	}, sched.Options{})
	// Output: 24h0m0s 2000-01-02 00:00:00
}
