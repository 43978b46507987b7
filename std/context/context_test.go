package context_test

import (
	stdcontext "context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/interleave/interleave/sched"
	"github.com/interleave/interleave/std/chans"
	"github.com/interleave/interleave/std/context"
	"github.com/interleave/interleave/std/sync"
	"github.com/interleave/interleave/std/time"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestTimeoutOnTheVirtualClock(t *testing.T) {
	res := sched.Run(func(rt *sched.Runtime) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
		defer cancel()
		dl, _ := ctx.Deadline()
		work := chans.Make[int](0)
		var err error
		switch chans.Select(chans.OnRecv(work, nil), chans.OnRecv(ctx.Done(), nil)) {
		case 1:
			err = ctx.Err()
		}
		rt.Failf("err=%v at +%v deadline +%v", err, time.Since(sched.Epoch), dl.Sub(sched.Epoch))
	}, sched.Options{})
	require.Equal(t, "err=context deadline exceeded at +1h0m0s deadline +1h0m0s", res.Failure.Msg)
}

func TestCancelPropagatesThroughValuesAndChildren(t *testing.T) {
	res := sched.Run(func(rt *sched.Runtime) {
		root, cancel := context.WithCancelCause(context.Background())
		withValue := context.WithValue(root, "k", "v")
		child, cancelChild := context.WithTimeout(withValue, time.Hour)
		defer cancelChild()
		detached := context.WithoutCancel(child)
		var wg sync.WaitGroup
		var seen []error
		wg.Go(func() {
			chans.Recv(child.Done())
			seen = append(seen, child.Err(), context.Cause(child))
		})
		stop := context.AfterFunc(child, func() {})
		cancel(errors.New("shutting down"))
		wg.Wait()
		rt.Failf("%v | %v | value %v | detached done %v | stop %v", seen[0], seen[1], child.Value("k"), detached.Done() == nil, stop())
	}, sched.Options{})
	require.Equal(t, "context canceled | shutting down | value v | detached done true | stop false", res.Failure.Msg)
}

func TestCancelRaceIsExplored(t *testing.T) {
	// A worker checks ctx.Err() and then does its work: a cancel can land
	// in between, and exploration sees both orders.
	seen := map[string]bool{}
	rep := sched.Explore(func(rt *sched.Runtime) {
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		outcome := ""
		wg.Go(func() {
			if ctx.Err() == nil {
				outcome = "worked"
				return
			}
			outcome = "cancelled"
		})
		cancel()
		wg.Wait()
		seen[outcome] = true
	}, sched.Options{Strategy: sched.DFS(-1)}, 0)
	require.Nil(t, rep.Failure)
	require.Equal(t, map[string]bool{"worked": true, "cancelled": true}, seen)
}

func TestParentFromOutsideTheRun(t *testing.T) {
	done, cancel := stdcontext.WithCancel(stdcontext.Background())
	cancel()
	res := sched.Run(func(rt *sched.Runtime) {
		ctx, c := context.WithCancel(done)
		defer c()
		past, c2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
		defer c2()
		rt.Failf("%v %v", ctx.Err(), past.Err())
	}, sched.Options{})
	require.Equal(t, "context canceled context deadline exceeded", res.Failure.Msg)
}

func TestOutsideARunIsTheStandardLibrary(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	<-ctx.Done()
	require.ErrorIs(t, ctx.Err(), context.DeadlineExceeded)
}
