package chans_test

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/interleave/interleave/sched"
	"github.com/interleave/interleave/std/chans"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// pipeline sends 1..n through an unbuffered and a buffered stage and sums
// what comes out: a program written with chans as it would be with
// channel statements.
func pipeline(n int) func() int {
	return func() int {
		a, b := chans.Make[int](0), chans.Make[int](2)
		chans.Go(func() {
			for i := 1; i <= n; i++ {
				chans.Send(a, i)
			}
			chans.Close(a)
		})
		chans.Go(func() {
			for v := range chans.Range(a) {
				chans.Send(b, v*10)
			}
			chans.Close(b)
		})
		sum := 0
		for {
			v, ok := chans.RecvOK(b)
			if !ok {
				return sum
			}
			sum += v
		}
	}
}

func TestPipelineUnderControlEveryScheduleAgrees(t *testing.T) {
	rep := sched.Explore(func(rt *sched.Runtime) {
		if got := pipeline(3)(); got != 60 {
			rt.Failf("sum %d", got)
		}
	}, sched.Options{Strategy: sched.DFS(2)}, 0)
	require.Nil(t, rep.Failure)
	require.True(t, rep.Exhausted)
	require.Greater(t, rep.Schedules, 10)
}

func TestPipelineOutsideARunAndWild(t *testing.T) {
	require.Equal(t, 550, pipeline(10)(), "plain goroutines and channels")
	res := sched.RunWild(func(rt *sched.Runtime) {
		if got := pipeline(10)(); got != 550 {
			rt.Failf("sum %d", got)
		}
	}, sched.WildOptions{Jitter: 0.5, Seed: 3})
	require.Nil(t, res.Failure)
}

func TestSelectShapes(t *testing.T) {
	body := func(report func(string)) {
		in, out := chans.Make[string](0), chans.Make[int](1)
		var nilChan chan int
		var s string
		var ok bool
		// Nothing ready: the default.
		i := chans.Select(chans.OnRecv(in, &s), chans.OnRecv(nilChan, nil), chans.Default())
		// A buffered send with room is ready.
		j := chans.Select(chans.OnSend(out, 5), chans.OnRecv(in, &s))
		chans.Go(func() { chans.Send(in, "hello") })
		k := chans.Select(chans.OnRecvOK(in, &s, &ok), chans.OnSend(nilChan, 1))
		chans.Close(in)
		var s2 string
		ok2 := true
		l := chans.Select(chans.OnRecvOK(in, &s2, &ok2), chans.OnSend(out, 6))
		report(fmt.Sprintf("%d %d %d %q %v %d %q %v len=%d cap=%d", i, j, k, s, ok, l, s2, ok2, chans.Len(out), chans.Cap(out)))
	}
	want := `2 0 0 "hello" true 0 "" false len=1 cap=1`
	var got string
	res := sched.Run(func(rt *sched.Runtime) { body(func(s string) { got = s }) }, sched.Options{})
	require.Nil(t, res.Failure)
	require.Equal(t, want, got)
	body(func(s string) { got = s })
	require.Equal(t, want, got, "the same outside a run")
}

func TestMisusePanicsAsGoDoes(t *testing.T) {
	msg := func(f func()) (m string) {
		defer func() {
			r := recover()
			_, isRuntime := r.(runtime.Error)
			m = fmt.Sprintf("%v (runtime.Error: %v)", r, isRuntime)
		}()
		f()
		return ""
	}
	check := func() []string {
		c := chans.Make[int](1)
		chans.Close(c)
		var nilChan chan int
		return []string{
			msg(func() { chans.Send(c, 1) }),
			msg(func() { chans.Close(c) }),
			msg(func() { chans.Close(nilChan) }),
			msg(func() { chans.Select(chans.Default(), chans.Default()) }),
		}
	}
	want := []string{
		"send on closed channel (runtime.Error: true)",
		"close of closed channel (runtime.Error: true)",
		"close of nil channel (runtime.Error: true)",
		"chans: Select with more than one Default (runtime.Error: false)",
	}
	var got []string
	require.Nil(t, sched.Run(func(rt *sched.Runtime) { got = check() }, sched.Options{}).Failure)
	require.Equal(t, want, got)
	require.Equal(t, want, check(), "the same outside a run")
}

func TestForeignChannelFailsTheRun(t *testing.T) {
	plain := make(chan int, 1)
	res := sched.Run(func(rt *sched.Runtime) { chans.Send(plain, 1) }, sched.Options{})
	require.NotNil(t, res.Failure)
	require.Equal(t, sched.Assertion, res.Failure.Kind)
	require.Contains(t, res.Failure.Msg, "a channel that was not made by chans.Make in this run is used under control")
}

func TestNilChannelBlocksForeverUnderControl(t *testing.T) {
	res := sched.Run(func(rt *sched.Runtime) {
		var c chan int
		chans.Recv(c)
	}, sched.Options{})
	require.NotNil(t, res.Failure)
	require.Equal(t, "1 task blocked, none runnable: main waits for receive from a nil channel (blocks forever)", res.Failure.Msg)
}

func TestTracesNameTheLineOfEachOperation(t *testing.T) {
	res := sched.Run(func(rt *sched.Runtime) {
		c := chans.Make[int](1)
		chans.Send(c, 1)
		chans.Go(func() { chans.Recv(c) })
	}, sched.Options{Trace: true})
	require.Nil(t, res.Failure)
	tl := res.Trace.String()
	require.Regexp(t, `send chan#1 at chans_test\.go:\d+`, tl)
	require.Regexp(t, `go chans_test\.go:\d+ +recv chan#1 at chans_test\.go:\d+`, tl)
}
