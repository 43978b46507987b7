package mailbox_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/interleave/interleave/examples/mailbox"
	fixed "github.com/interleave/interleave/examples/mailbox/fixed"
	"github.com/interleave/interleave/sched"
	"github.com/interleave/interleave/schedtest"
	"github.com/interleave/interleave/std/sync"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// box is what the test needs of a mailbox, fixed or not.
type box interface {
	Put(string)
	Get() (string, bool)
	Close()
}

// twoLetters: a postman puts two letters and closes the box; a reader
// takes letters until the box says there are no more. It must get both.
func twoLetters(newBox func() box) func(rt *sched.Runtime) {
	return func(rt *sched.Runtime) {
		m := newBox()
		var wg sync.WaitGroup
		wg.Go(func() {
			m.Put("a")
			m.Put("b")
			m.Close()
		})
		var got []string
		for {
			msg, ok := m.Get()
			if !ok {
				break
			}
			got = append(got, msg)
			rt.Notef("reader got %q", msg)
		}
		wg.Wait()
		if len(got) != 2 {
			rt.Failf("the reader got %q, want both letters", got)
		}
	}
}

func buggy() box { return mailbox.New() }
func good() box  { return fixed.New() }

// TestMailbox is the test a user writes; it fails by design. It runs when
// INTERLEAVE_DEMO=1.
func TestMailbox(t *testing.T) {
	if os.Getenv("INTERLEAVE_DEMO") != "1" {
		t.Skip("fails by design (a missed signal); run with INTERLEAVE_DEMO=1")
	}
	schedtest.Check(t, twoLetters(buggy))
}

func TestMailboxBugIsFound(t *testing.T) {
	o := schedtest.Explore(t, twoLetters(buggy), schedtest.SaveDir(t.TempDir()))
	require.NotNil(t, o.Failure)
	t.Logf("found after %d schedules:\n%s", o.Schedules, o.Report)
	// The reader checks, finds the box empty and lets go of the lock; the
	// postman's Signals and its Broadcast all come before the reader
	// waits, and are lost: the reader waits for good.
	require.Equal(t, sched.Deadlock, o.Failure.Kind)
	require.Regexp(t, `^1 task blocked, none runnable: main waits for a signal on cond cond#\d+ \(Signal or Broadcast\)$`, o.Failure.Msg)
	require.Regexp(t, `wait cond#\d+ at mailbox\.go:\d+\n`, o.Report)
}

func TestFixedIsProvenByExhaustiveDFS(t *testing.T) {
	o := schedtest.Explore(t, twoLetters(good), schedtest.Search("dfs"), schedtest.Preemptions(-1), schedtest.SaveDir(t.TempDir()))
	require.Nil(t, o.Failure, o.Report)
	require.True(t, o.Exhausted)
	require.Equal(t, 1020, o.Schedules, "the count the README gives")
	t.Logf("dfs without a bound: %d schedules", o.Schedules)
}
