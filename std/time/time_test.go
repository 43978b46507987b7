package time_test

import (
	"fmt"
	"testing"
	stdtime "time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/interleave/interleave/sched"
	"github.com/interleave/interleave/std/chans"
	"github.com/interleave/interleave/std/sync"
	"github.com/interleave/interleave/std/time"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestVirtualClock(t *testing.T) {
	var log []string
	res := sched.Run(func(rt *sched.Runtime) {
		start := time.Now()
		if !start.Equal(stdtime.Date(2000, 1, 1, 0, 0, 0, 0, stdtime.UTC)) {
			rt.Failf("starts at %v", start)
		}
		note := func(s string) { log = append(log, fmt.Sprintf("%v %s", time.Since(start), s)) }
		var wg sync.WaitGroup
		wg.Go(func() { time.Sleep(time.Second); note("slept 1s") })
		wg.Go(func() { chans.Recv(time.After(time.Hour)); note("after 1h") })
		wg.Wait()
		note(fmt.Sprintf("until +2h: %v", time.Until(start.Add(2*time.Hour))))
	}, sched.Options{})
	require.Nil(t, res.Failure)
	require.Equal(t, []string{"1s slept 1s", "1h0m0s after 1h", "1h0m0s until +2h: 1h0m0s"}, log)
}

// tickLoop runs a loop on a ticker until n ticks or a quit, and returns the
// virtual time it took.
func tickLoop(n int) stdtime.Duration {
	start := time.Now()
	tk := time.NewTicker(time.Second)
	defer tk.Stop()
	quit := chans.Make[struct{}](0)
	for ticks := 0; ticks < n; {
		switch chans.Select(chans.OnRecv(tk.C, nil), chans.OnRecv(quit, nil)) {
		case 0:
			ticks++
		case 1:
			return 0
		}
	}
	return time.Since(start)
}

func TestThousandTicksOfOneSecondCostNothingReal(t *testing.T) {
	var took stdtime.Duration
	wall := stdtime.Now()
	res := sched.Run(func(rt *sched.Runtime) { took = tickLoop(1000) }, sched.Options{})
	require.Nil(t, res.Failure)
	require.Equal(t, 1000*time.Second, took)
	t.Logf("1000 ticks of 1s: %v virtual in %v real", took, stdtime.Since(wall))
}

func TestTimerStopResetAndAfterFunc(t *testing.T) {
	res := sched.Run(func(rt *sched.Runtime) {
		tm := time.NewTimer(time.Second)
		time.Sleep(2 * time.Second) // fired, not received
		stopped := tm.Stop()        // the tick is discarded
		var got string
		i := chans.Select(chans.OnRecv(tm.C, nil), chans.Default())
		reset := tm.Reset(time.Minute)
		at := chans.Recv(tm.C)
		done := chans.Make[string](1)
		time.AfterFunc(time.Second, func() { chans.Send(done, "ran") })
		got = chans.Recv(done)
		rt.Failf("stopped=%v default=%d reset=%v at=+%v afterfunc=%s len=%d cap=%d", stopped, i, reset, at.Sub(sched.Epoch), got, chans.Len(tm.C), chans.Cap(tm.C))
	}, sched.Options{})
	require.Equal(t, "stopped=true default=1 reset=false at=+1m2s afterfunc=ran len=0 cap=0", res.Failure.Msg)
}

func TestOutsideARunTimeIsReal(t *testing.T) {
	start := stdtime.Now()
	require.WithinDuration(t, start, time.Now(), stdtime.Minute)
	tm := time.NewTimer(stdtime.Millisecond)
	<-tm.C
	require.False(t, tm.Stop())
	tk := time.NewTicker(stdtime.Millisecond)
	<-tk.C
	tk.Stop()
	done := make(chan struct{})
	time.AfterFunc(stdtime.Millisecond, func() { close(done) })
	<-done
	require.Nil(t, time.Tick(0))
	require.PanicsWithValue(t, "time: Stop called on uninitialized Timer", func() { new(time.Timer).Stop() })
	res := sched.RunWild(func(rt *sched.Runtime) {
		time.Sleep(stdtime.Millisecond)
		if time.Since(start) < stdtime.Millisecond {
			rt.Failf("wild time is not real")
		}
	}, sched.WildOptions{})
	require.Nil(t, res.Failure)
}
