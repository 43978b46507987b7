package bank_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/interleave/interleave/examples/bank"
	fixed "github.com/interleave/interleave/examples/bank/fixed"
	"github.com/interleave/interleave/sched"
	"github.com/interleave/interleave/schedtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// twoTransfers applies two transfers of 80 from an account of 100, at
// once: one must go through and one be refused, and no money may appear
// or vanish.
func twoTransfers(rt *sched.Runtime) {
	a, b := bank.NewAccount(100), bank.NewAccount(0)
	done := bank.ApplyAll([]bank.Transfers{{From: a, To: b, Amount: 80}, {From: a, To: b, Amount: 80}})
	rt.Notef("%d transfers went through; balances %d and %d", done, a.Balance(), b.Balance())
	if a.Balance() < 0 || a.Balance()+b.Balance() != 100 {
		rt.Failf("balances %d and %d after %d transfers", a.Balance(), b.Balance(), done)
	}
}

// TestApplyAll is the test a user writes: it fails, by design, on the
// check-then-act race. It runs when INTERLEAVE_DEMO=1.
func TestApplyAll(t *testing.T) {
	if os.Getenv("INTERLEAVE_DEMO") != "1" {
		t.Skip("fails by design (the race); run with INTERLEAVE_DEMO=1")
	}
	schedtest.Check(t, twoTransfers)
}

func TestApplyAllBugIsFound(t *testing.T) {
	o := schedtest.Explore(t, twoTransfers, schedtest.SaveDir(t.TempDir()))
	require.NotNil(t, o.Failure)
	require.Equal(t, sched.Assertion, o.Failure.Kind)
	require.Regexp(t, `^balances -60 and 160 after 2 transfers$`, o.Failure.Msg)
	require.Contains(t, o.Report, "· 2 transfers went through; balances -60 and 160")
	require.FileExists(t, o.Saved)
	t.Logf("found after %d schedules:\n%s", o.Schedules, o.Report)
}

func TestFixedIsProvenByExhaustiveDFS(t *testing.T) {
	o := schedtest.Explore(t, func(rt *sched.Runtime) {
		a, b := fixed.NewAccount(100), fixed.NewAccount(0)
		done := fixed.ApplyAll([]fixed.Transfers{{From: a, To: b, Amount: 80}, {From: a, To: b, Amount: 80}})
		if done != 1 || a.Balance() != 20 || b.Balance() != 80 {
			rt.Failf("balances %d and %d after %d transfers", a.Balance(), b.Balance(), done)
		}
	}, schedtest.Search("dfs"), schedtest.Preemptions(-1), schedtest.SaveDir(t.TempDir()))
	require.Nil(t, o.Failure, o.Report)
	require.True(t, o.Exhausted)
	require.Equal(t, 2198, o.Schedules, "the count the README gives")
	t.Logf("dfs without a bound: %d schedules", o.Schedules)
}
