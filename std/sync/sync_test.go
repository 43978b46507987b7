package sync_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/interleave/interleave/sched"
	"github.com/interleave/interleave/std/sync"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// account is a balance with a check-then-act withdrawal: racy unless the
// whole of it holds the lock.
type account struct {
	mu      sync.Mutex
	balance int
}

func (a *account) get() int  { a.mu.Lock(); defer a.mu.Unlock(); return a.balance }
func (a *account) set(v int) { a.mu.Lock(); a.balance = v; a.mu.Unlock() }

func (a *account) withdrawRacy(n int) bool {
	if a.get() < n {
		return false
	}
	a.set(a.get() - n)
	return true
}

func (a *account) withdraw(n int) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.balance < n {
		return false
	}
	a.balance -= n
	return true
}

func twoWithdrawals(withdraw func(a *account, n int) bool) func(rt *sched.Runtime) {
	return func(rt *sched.Runtime) {
		a := &account{balance: 100}
		var wg sync.WaitGroup
		wg.Go(func() { withdraw(a, 80) })
		wg.Go(func() { withdraw(a, 80) })
		wg.Wait()
		if b := a.get(); b < 0 || b == 100 {
			rt.Failf("balance %d", b)
		}
	}
}

func TestCheckThenActFoundAndFixedProven(t *testing.T) {
	rep := sched.Explore(twoWithdrawals((*account).withdrawRacy), sched.Options{Strategy: sched.PCT(1, 3, 0)}, 500)
	require.NotNil(t, rep.Failure)
	require.Equal(t, "balance -60", rep.Failure.Msg)

	rep = sched.Explore(twoWithdrawals((*account).withdraw), sched.Options{Strategy: sched.DFS(-1)}, 0)
	require.Nil(t, rep.Failure)
	require.True(t, rep.Exhausted)
}

func TestPrimitivesWorkOutsideRunsAndWild(t *testing.T) {
	a := &account{balance: 100}
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Go(func() { a.withdraw(10) })
	}
	wg.Wait()
	require.Equal(t, 0, a.get())
	for seed := int64(0); seed < 5; seed++ {
		res := sched.RunWild(twoWithdrawals((*account).withdraw), sched.WildOptions{Seed: seed, Jitter: 0.5})
		require.Nil(t, res.Failure)
	}
}

// shared is a package-level mutex used by consecutive runs: each run has
// a fresh one, even after a run that failed holding it.
var shared sync.Mutex

func TestPackageLevelPrimitiveIsFreshInEachRun(t *testing.T) {
	for i := 0; i < 3; i++ {
		res := sched.Run(func(rt *sched.Runtime) {
			shared.Lock()
			rt.Failf("fails holding the lock")
		}, sched.Options{})
		require.Equal(t, "fails holding the lock", res.Failure.Msg)
	}
	shared.Lock() // and outside the runs it was never locked
	shared.Unlock()
}

func TestParallelRunsAreIndependent(t *testing.T) {
	for i := 0; i < 4; i++ {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			rep := sched.Explore(twoWithdrawals((*account).withdraw), sched.Options{Strategy: sched.Random(int64(i))}, 200)
			require.Nil(t, rep.Failure)
		})
	}
}

func TestMisuse(t *testing.T) {
	res := sched.Run(func(rt *sched.Runtime) { var m sync.Mutex; m.Unlock() }, sched.Options{})
	require.Equal(t, sched.Fatal, res.Failure.Kind)
	require.Contains(t, res.Failure.Msg, "fatal error: sync: unlock of unlocked mutex")
	res = sched.Run(func(rt *sched.Runtime) { var m sync.RWMutex; m.RUnlock() }, sched.Options{})
	require.Contains(t, res.Failure.Msg, "fatal error: sync: RUnlock of unlocked RWMutex")
	res = sched.Run(func(rt *sched.Runtime) { var m sync.RWMutex; m.Unlock() }, sched.Options{})
	require.Contains(t, res.Failure.Msg, "fatal error: sync: Unlock of unlocked RWMutex")
	res = sched.Run(func(rt *sched.Runtime) { var wg sync.WaitGroup; wg.Done() }, sched.Options{})
	require.Equal(t, "panic in task main: sync: negative WaitGroup counter", res.Failure.Msg)
	require.PanicsWithValue(t, "sync: negative WaitGroup counter", func() { var wg sync.WaitGroup; wg.Done() })
}

func TestRWMutexWriterPreference(t *testing.T) {
	var order []string
	res := sched.Run(func(rt *sched.Runtime) {
		var rw sync.RWMutex
		var wg sync.WaitGroup
		rw.RLock()
		wg.Go(func() { rw.Lock(); order = append(order, "writer"); rw.Unlock() })
		rt.WaitIdle()
		wg.Go(func() { rw.RLocker().Lock(); order = append(order, "late reader"); rw.RUnlock() })
		rt.WaitIdle()
		if rw.TryRLock() || rw.TryLock() {
			rt.Failf("a try lock succeeded while a writer waits")
		}
		order = append(order, "first reader leaves")
		rw.RUnlock()
		wg.Wait()
	}, sched.Options{})
	require.Nil(t, res.Failure)
	require.Equal(t, []string{"first reader leaves", "writer", "late reader"}, order)
}

// mailbox: a consumer waits on a Cond for a letter. With checkOutside it
// checks the box without holding the lock and then waits: the missed
// signal.
func mailbox(checkOutside bool) func(rt *sched.Runtime) {
	return func(rt *sched.Runtime) {
		var mu sync.Mutex
		cond := sync.NewCond(&mu)
		var box []string
		var wg sync.WaitGroup
		wg.Go(func() {
			mu.Lock()
			box = append(box, "letter")
			mu.Unlock()
			cond.Signal()
		})
		if checkOutside {
			mu.Lock()
			empty := len(box) == 0
			mu.Unlock()
			mu.Lock()
			if empty {
				cond.Wait()
			}
			mu.Unlock()
		} else {
			mu.Lock()
			for len(box) == 0 {
				cond.Wait()
			}
			mu.Unlock()
		}
		wg.Wait()
	}
}

func TestCondMissedSignal(t *testing.T) {
	rep := sched.Explore(mailbox(true), sched.Options{Strategy: sched.PCT(1, 2, 0)}, 500)
	require.NotNil(t, rep.Failure)
	require.Equal(t, sched.Deadlock, rep.Failure.Kind)
	require.Contains(t, rep.Failure.Msg, "waits for a signal on cond cond#")

	rep = sched.Explore(mailbox(false), sched.Options{Strategy: sched.DFS(-1)}, 0)
	require.Nil(t, rep.Failure)
	require.True(t, rep.Exhausted)
	// Outside a run the fixed mailbox works with real goroutines.
	require.Nil(t, sched.RunWild(mailbox(false), sched.WildOptions{Jitter: 0.5}).Failure)
}

func TestOnceAndOnceFuncs(t *testing.T) {
	res := sched.Run(func(rt *sched.Runtime) {
		var once sync.Once
		n := 0
		var wg sync.WaitGroup
		for i := 0; i < 3; i++ {
			wg.Go(func() { once.Do(func() { n++ }) })
		}
		wg.Wait()
		v := sync.OnceValue(func() int { n++; return n })
		a, b := v(), v()
		vs := sync.OnceValues(func() (int, error) { return 7, nil })
		x, _ := vs()
		boom := sync.OnceFunc(func() { panic("boom") })
		p1 := func() (r any) { defer func() { r = recover() }(); boom(); return nil }()
		p2 := func() (r any) { defer func() { r = recover() }(); boom(); return nil }()
		rt.Failf("n=%d a=%d b=%d x=%d p1=%v p2=%v", n, a, b, x, p1, p2)
	}, sched.Options{})
	require.Equal(t, "n=2 a=2 b=2 x=7 p1=boom p2=boom", res.Failure.Msg)
}

func TestPoolAndMapUnderControl(t *testing.T) {
	res := sched.Run(func(rt *sched.Runtime) {
		made := 0
		p := sync.Pool{New: func() any { made++; return made }}
		p.Put(p.Get())
		x := p.Get()
		var m sync.Map
		m.Store("a", 1)
		v, _ := m.LoadOrStore("a", 2)
		_, loaded := m.LoadAndDelete("a")
		n := 0
		m.Store("b", 2)
		m.Range(func(k, v any) bool { n++; return true })
		m.Clear()
		_, ok := m.Load("b")
		rt.Failf("pool gave %v after %d News; map %v %v %d %v", x, made, v, loaded, n, ok)
	}, sched.Options{Trace: true})
	require.Equal(t, "pool gave 2 after 2 News; map 1 true 1 false", res.Failure.Msg)
	require.Contains(t, res.Failure.Trace.String(), "map loadorstore atomic#1 at sync_test.go:")
}

// TestEveryStrategyDrivesTheDropIns: the check-then-act race of the
// drop-in primitives is found by random, PCT, DFS and an outside chooser,
// and its schedule replays (strictly and guided) to the same failure.
func TestEveryStrategyDrivesTheDropIns(t *testing.T) {
	racy := twoWithdrawals((*account).withdrawRacy)
	var found *sched.Failure
	for name, strat := range map[string]sched.Strategy{
		"random":  sched.Random(1),
		"pct":     sched.PCT(1, 3, 0),
		"dfs":     sched.DFS(1),
		"chooser": sched.Chooser(rand.New(rand.NewPCG(1, 2)).IntN), // an outside source of decisions
	} {
		rep := sched.Explore(racy, sched.Options{Strategy: strat}, 500)
		require.NotNil(t, rep.Failure, name)
		require.Equal(t, "balance -60", rep.Failure.Msg, name)
		found = rep.Failure
	}
	for name, strat := range map[string]sched.Strategy{"replay": sched.Replay(found.Schedule), "guided": sched.Guided(found.Schedule)} {
		res := sched.Run(racy, sched.Options{Strategy: strat})
		require.NotNil(t, res.Failure, name)
		require.Equal(t, found.Msg, res.Failure.Msg, name)
		require.Equal(t, found.Schedule.String(), res.Schedule.String(), name)
	}
}
