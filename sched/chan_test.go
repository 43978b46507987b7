package sched_test

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/sched"
)

// run runs body once under the first-option chooser and returns the
// failure, if any.
func run(body func(rt *sched.Runtime)) *sched.Failure {
	return sched.Run(body, sched.Options{Strategy: sched.Chooser(func(int) int { return 0 })}).Failure
}

// panicMsg runs f and returns what it panicked with, as text.
func panicMsg(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
			if _, ok := r.(runtime.Error); ok {
				msg = "runtime.Error: " + msg
			}
		}
	}()
	f()
	return ""
}

func TestUnbufferedChanIsARendezvous(t *testing.T) {
	// Under every schedule a send completes only once a receiver has come
	// for the value.
	rep := sched.Explore(func(rt *sched.Runtime) {
		c := sched.NewChan[int](rt, "c", 0)
		arrived := false
		done := rt.Go("sender", func() {
			c.Send(42)
			if !arrived {
				rt.Failf("the send completed before a receiver came")
			}
		})
		arrived = true
		v, ok := c.Recv()
		done.Join()
		if v != 42 || !ok {
			rt.Failf("got %d %v", v, ok)
		}
		if c.Len() != 0 || c.Cap() != 0 {
			rt.Failf("len %d cap %d", c.Len(), c.Cap())
		}
	}, sched.Options{Strategy: sched.DFS(-1)}, 0)
	require.Nil(t, rep.Failure)
	require.True(t, rep.Exhausted)
	require.Equal(t, 3, rep.Schedules)
}

func TestBufferedChanKeepsOrderAndRefillsFromBlockedSenders(t *testing.T) {
	rep := sched.Explore(func(rt *sched.Runtime) {
		c := sched.NewChan[int](rt, "c", 2)
		p := rt.Go("producer", func() {
			for i := 1; i <= 5; i++ {
				c.Send(i)
			}
			c.Close()
		})
		var got []int
		for v := range c.Range() {
			got = append(got, v)
		}
		p.Join()
		if fmt.Sprint(got) != "[1 2 3 4 5]" {
			rt.Failf("received %v", got)
		}
		if _, ok := c.Recv(); ok {
			rt.Failf("a closed, drained channel gave a value")
		}
	}, sched.Options{Strategy: sched.DFS(2)}, 0)
	require.Nil(t, rep.Failure)
	require.True(t, rep.Exhausted)
}

func TestChanMisusePanicsAsGoDoes(t *testing.T) {
	f := run(func(rt *sched.Runtime) {
		c := sched.NewChan[int](rt, "c", 1)
		c.Close()
		rt.Notef("%s", panicMsg(func() { c.Send(1) }))
		rt.Notef("%s", panicMsg(c.Close))
		var nilChan *sched.Chan[int]
		rt.Failf("%s | %s | %s", panicMsg(func() { c.Send(1) }), panicMsg(c.Close), panicMsg(nilChan.Close))
	})
	require.NotNil(t, f)
	require.Equal(t, "runtime.Error: send on closed channel | runtime.Error: close of closed channel | runtime.Error: close of nil channel", f.Msg)

	// A sender blocked when the channel is closed panics.
	f = run(func(rt *sched.Runtime) {
		c := sched.NewChan[int](rt, "c", 0)
		rt.Go("closer", func() { c.Close() })
		c.Send(1)
	})
	require.NotNil(t, f)
	require.Equal(t, sched.Panic, f.Kind)
	require.Equal(t, "panic in task main: send on closed channel", f.Msg)

	// A receiver blocked when the channel is closed gets the zero value.
	f = run(func(rt *sched.Runtime) {
		c := sched.NewChan[string](rt, "c", 0)
		rt.Go("closer", func() { c.Close() })
		v, ok := c.Recv()
		rt.Failf("%q %v", v, ok)
	})
	require.Equal(t, `"" false`, f.Msg)
}

func TestNilChanBlocksForever(t *testing.T) {
	sched.UseCurrent()
	f := run(func(rt *sched.Runtime) {
		var c *sched.Chan[int]
		c.Recv()
	})
	require.NotNil(t, f)
	require.Equal(t, sched.Deadlock, f.Kind)
	require.Equal(t, "1 task blocked, none runnable: main waits for receive from a nil channel (blocks forever)", f.Msg)

	f = run(func(rt *sched.Runtime) { rt.Select() })
	require.Equal(t, "1 task blocked, none runnable: main waits for select with no cases (blocks forever)", f.Msg)
}

func TestDeadlockNamesChannelWaits(t *testing.T) {
	f := run(func(rt *sched.Runtime) {
		a, b := sched.NewChan[int](rt, "a", 0), sched.NewChan[int](rt, "", 1)
		rt.Go("x", func() { a.Send(1) })
		b.Send(1)
		b.Send(2)
	})
	require.NotNil(t, f)
	require.Equal(t, "2 tasks blocked, none runnable: main waits for room in chan#2 (full, 1/1); x waits for a receiver on a (unbuffered)", f.Msg)
}

func TestSelectOverChans(t *testing.T) {
	f := run(func(rt *sched.Runtime) {
		c := sched.NewChan[int](rt, "c", 0)
		var got int
		r := rt.Go("receiver", func() { got, _ = c.Recv() })
		rt.WaitIdle() // the receiver blocks in Recv
		// A send to a waiting receiver is ready: not the default.
		i := rt.TrySelect(c.SendCase(7, nil))
		r.Join()
		// With nobody waiting it is not, and a nil channel never is.
		var nilChan *sched.Chan[int]
		j := rt.TrySelect(c.SendCase(8, nil), nilChan.RecvCase(nil), nilChan.SendCase(1, nil))
		rt.Failf("%d %d %d", i, got, j)
	})
	require.Equal(t, "0 7 -1", f.Msg)

	// A select blocked on a receive is completed by a sender.
	f = run(func(rt *sched.Runtime) {
		a, b := sched.NewChan[string](rt, "a", 0), sched.NewChan[string](rt, "b", 0)
		rt.Go("sender", func() { b.Send("hello") })
		var got string
		i := rt.Select(a.RecvCase(func(v string, _ bool) { got = "a:" + v }), b.RecvCase(func(v string, _ bool) { got = "b:" + v }))
		rt.Failf("%d %s", i, got)
	})
	require.Equal(t, "1 b:hello", f.Msg)

	// A select blocked on a send panics when the channel is closed.
	f = run(func(rt *sched.Runtime) {
		a := sched.NewChan[int](rt, "a", 0)
		rt.Go("closer", func() { a.Close() })
		rt.Select(a.SendCase(1, nil))
	})
	require.Equal(t, "panic in task main: send on closed channel", f.Msg)
}

func TestSelectSeesEveryReadyCase(t *testing.T) {
	seen := map[int]bool{}
	rep := sched.Explore(func(rt *sched.Runtime) {
		a, b, c := sched.NewChan[int](rt, "a", 1), sched.NewChan[int](rt, "b", 1), sched.NewChan[int](rt, "c", 1)
		a.Send(1)
		b.Send(2)
		c.Send(3)
		var got int
		take := func(v int, _ bool) { got = v }
		rt.Select(a.RecvCase(take), b.RecvCase(take), c.RecvCase(take))
		seen[got] = true
	}, sched.Options{Strategy: sched.DFS(-1)}, 0)
	require.Nil(t, rep.Failure)
	require.Equal(t, map[int]bool{1: true, 2: true, 3: true}, seen)
	require.Equal(t, 3, rep.Schedules)
}

func TestDFSBoundsDataChoicesWhenAsked(t *testing.T) {
	// Two binary data choices and no task switches: 4 runs in all; with a
	// data bound b, those with at most b non-first choices: 1, 3, 4. DFS
	// alone leaves data choices free.
	body := func(rt *sched.Runtime) { rt.Choose(2); rt.Choose(2) }
	for _, c := range []struct{ bound, want int }{{0, 1}, {1, 3}, {2, 4}, {-1, 4}} {
		rep := sched.Explore(body, sched.Options{Strategy: sched.DFSBounded(0, c.bound)}, 0)
		require.True(t, rep.Exhausted)
		require.Equal(t, c.want, rep.Schedules, "data bound %d", c.bound)
	}
	rep := sched.Explore(body, sched.Options{Strategy: sched.DFS(0)}, 0)
	require.Equal(t, 4, rep.Schedules)
	// The two bounds are apart: with preemptions bounded by 0, the lost
	// update cannot happen whatever the data bound.
	rep = sched.Explore(lostUpdate(false), sched.Options{Strategy: sched.DFSBounded(0, 5)}, 0)
	require.Nil(t, rep.Failure)
	p, d := sched.DFSBounded(2, 3).Bounds()
	require.Equal(t, []int{2, 3}, []int{p, d})
}

func TestPCTCalibratesItself(t *testing.T) {
	// The lost update under a self-calibrating PCT: found, and each run
	// replays alone from its seed.
	rep := sched.Explore(lostUpdate(false), sched.Options{Strategy: sched.PCT(1, 2, 0)}, 200)
	require.NotNil(t, rep.Failure)
	again := sched.Run(lostUpdate(false), sched.Options{Strategy: sched.PCT(1+int64(rep.FailedRun), 2, 0)})
	require.NotNil(t, again.Failure)
	require.Equal(t, rep.Failure.Schedule.String(), again.Schedule.String())
	require.Equal(t, 2, sched.Calibrate(lostUpdate(false), 0))
}

func TestChanInWildMode(t *testing.T) {
	res := sched.RunWild(func(rt *sched.Runtime) {
		c := sched.NewChan[int](rt, "c", 0)
		rt.Go("p", func() {
			for i := 0; i < 3; i++ {
				c.Send(i)
			}
			c.Close()
		})
		sum := 0
		for v := range c.Range() {
			sum += v
		}
		d := sched.NewChan[int](rt, "d", 1)
		i := rt.TrySelect(d.RecvCase(nil))
		rt.Failf("sum %d default %d len %d cap %d", sum, i, d.Len(), d.Cap())
	}, sched.WildOptions{Jitter: 0.5})
	require.Equal(t, "sum 3 default -1 len 0 cap 1", res.Failure.Msg)
}
