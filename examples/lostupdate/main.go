// Command lostupdate shows the scheduler at work on the smallest race there
// is: two tasks read a counter, yield, and write it back plus one. It
// explores schedules with PCT until one loses an update, prints that
// schedule and its timeline, replays it to the same trace hash, and then
// shows that with a mutex an exhaustive search finds nothing.
package main

import (
	"fmt"
	"os"

	"github.com/interleave/interleave/sched"
)

func counter(withMutex bool) func(rt *sched.Runtime) {
	return func(rt *sched.Runtime) {
		n := 0
		mu := sched.NewMutex(rt, "mu")
		inc := func() {
			if withMutex {
				mu.Lock()
				defer mu.Unlock()
			}
			v := n
			rt.Notef("read counter = %d", v)
			rt.Yield("write counter")
			n = v + 1
			rt.Notef("wrote counter = %d", n)
		}
		a, b := rt.Go("A", inc), rt.Go("B", inc)
		rt.JoinAll(a, b)
		if n != 2 {
			rt.Failf("lost update: counter = %d, want 2", n)
		}
	}
}

func main() {
	rep := sched.Explore(counter(false), sched.Options{Strategy: sched.PCT(1, 2, 4), Trace: true}, 100)
	if rep.Failure == nil {
		fmt.Println("no lost update found in 100 schedules (unexpected)")
		os.Exit(1)
	}
	f := rep.Failure
	fmt.Printf("pct found it after %d schedule(s): %v\n\n", rep.Schedules, f)
	fmt.Print(f.Trace)
	fmt.Printf("\nschedule to replay:\n%s\n", f.Schedule)
	again := sched.Run(counter(false), sched.Options{Strategy: sched.Replay(f.Schedule), Trace: true})
	fmt.Printf("replayed: %v (trace hash %s, recorded %s)\n", again.Failure, again.Trace.Hash(), f.Trace.Hash())
	if again.Trace.Hash() != f.Trace.Hash() {
		fmt.Println("replay differs from the recorded run")
		os.Exit(1)
	}
	dfs := sched.DFS(-1)
	safe := sched.Explore(counter(true), sched.Options{Strategy: dfs}, 0)
	fmt.Printf("\nwith a mutex: dfs ran %d schedules, exhausted=%v, failure=%v\n", safe.Schedules, safe.Exhausted, safe.Failure)
	if safe.Failure != nil || !safe.Exhausted {
		os.Exit(1)
	}
}
