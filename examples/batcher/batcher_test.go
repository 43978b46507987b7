package batcher_test

import (
	"os"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/interleave/interleave/examples/batcher"
	fixed "github.com/interleave/interleave/examples/batcher/fixed"
	"github.com/interleave/interleave/sched"
	"github.com/interleave/interleave/schedtest"
	"github.com/interleave/interleave/std/context"
	"github.com/interleave/interleave/std/time"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// batching is what the test needs of a batcher, fixed or not.
type batching interface {
	Start(ctx context.Context)
	Add(ctx context.Context, item string) error
	Wait()
}

// shutdownOnATick: batches of up to 10, a tick every second, a shutdown
// at 2s; items at 0.5s and 1.5s. The tick at 1s flushes the first; the
// second is pending when the tick at 2s and the shutdown land at the same
// instant. Every item Add accepted must be flushed.
func shutdownOnATick(newBatcher func(flush func([]string)) batching) func(rt *sched.Runtime) {
	return func(rt *sched.Runtime) {
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		var flushed, accepted []string
		b := newBatcher(func(batch []string) {
			flushed = append(flushed, batch...)
			rt.Notef("flushed %q at +%v", batch, time.Since(start))
		})
		b.Start(ctx)
		for _, item := range []string{"a", "b"} {
			time.Sleep(500 * time.Millisecond)
			if b.Add(ctx, item) == nil {
				accepted = append(accepted, item)
			}
			time.Sleep(500 * time.Millisecond)
		}
		b.Wait()
		if !slices.Equal(flushed, accepted) {
			rt.Failf("accepted %q but flushed %q", accepted, flushed)
		}
	}
}

func buggy(flush func([]string)) batching { return batcher.New(10, time.Second, flush) }
func good(flush func([]string)) batching  { return fixed.New(10, time.Second, flush) }

// TestBatcher is the test a user writes; it fails by design. It runs when
// INTERLEAVE_DEMO=1.
func TestBatcher(t *testing.T) {
	if os.Getenv("INTERLEAVE_DEMO") != "1" {
		t.Skip("fails by design (a batch lost at shutdown); run with INTERLEAVE_DEMO=1")
	}
	schedtest.Check(t, shutdownOnATick(buggy))
}

func TestBatcherBugIsFound(t *testing.T) {
	o := schedtest.Explore(t, shutdownOnATick(buggy), schedtest.SaveDir(t.TempDir()))
	require.NotNil(t, o.Failure)
	t.Logf("found after %d schedules:\n%s", o.Schedules, o.Report)
	require.Equal(t, sched.Assertion, o.Failure.Kind)
	require.Equal(t, `accepted ["a" "b"] but flushed ["a"]`, o.Failure.Msg)
	require.Contains(t, o.Report, `· flushed ["a"] at +1s`)
}

// TestFixedIsProvenByExhaustiveDFS explores every schedule within a bound
// of 2 on preemptions and of 2 on data choices. Without a bound the space is 95,310
// schedules (8 s here): -interleave.preemptions=-1 runs that proof.
func TestFixedIsProvenByExhaustiveDFS(t *testing.T) {
	o := schedtest.Explore(t, shutdownOnATick(good), schedtest.Search("dfs"), schedtest.Preemptions(2), schedtest.SaveDir(t.TempDir()))
	require.Nil(t, o.Failure, o.Report)
	require.True(t, o.Exhausted)
	require.Equal(t, 514, o.Schedules, "the count the README gives")
	t.Logf("dfs: %d schedules", o.Schedules)
}
