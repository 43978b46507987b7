package sched_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/sched"
)

func TestMutexTryLockAndFatalUnlock(t *testing.T) {
	f := run(func(rt *sched.Runtime) {
		m := sched.NewMutex(rt, "")
		a := m.TryLock()
		b := m.TryLock()
		m.Unlock()
		rt.Notef("trylock %v %v", a, b)
		m.Unlock()
	})
	require.NotNil(t, f)
	require.Equal(t, sched.Fatal, f.Kind)
	require.Equal(t, "fatal error: sync: unlock of unlocked mutex (task main unlocks mutex mutex#1, which is not locked)", f.Msg)
	require.Equal(t, "fatal error", f.Kind.String())

	// The fatal error cannot be recovered, unlike a panic.
	f = run(func(rt *sched.Runtime) {
		defer func() { recover() }()
		sched.NewMutex(rt, "m").Unlock()
	})
	require.NotNil(t, f)
	require.Equal(t, sched.Fatal, f.Kind)
}

func TestRWMutexPrefersWriters(t *testing.T) {
	// R1 holds a read lock; W waits in Lock; R2 then asks for a read lock
	// and must wait for W, although only readers hold the lock.
	var order []string
	f := run(func(rt *sched.Runtime) {
		m := sched.NewRWMutex(rt, "rw")
		m.RLock()
		w := rt.Go("W", func() { m.Lock(); order = append(order, "W"); m.Unlock() })
		rt.WaitIdle() // W announced itself and waits for the reader
		r2 := rt.Go("R2", func() { m.RLock(); order = append(order, "R2"); m.RUnlock() })
		rt.WaitIdle()
		require.False(t, m.TryRLock(), "a waiting writer keeps new readers out")
		require.False(t, m.TryLock())
		order = append(order, "R1 leaves")
		m.RUnlock()
		rt.JoinAll(w, r2)
	})
	require.Nil(t, f)
	require.Equal(t, []string{"R1 leaves", "W", "R2"}, order)
}

func TestRWMutexLetsWaitingReadersInBeforeTheNextWriter(t *testing.T) {
	// W1 holds the lock; R waits; W2 waits. When W1 unlocks, R gets the
	// lock before W2 under every schedule.
	rep := sched.Explore(func(rt *sched.Runtime) {
		m := sched.NewRWMutex(rt, "rw")
		var order []string
		m.Lock()
		r := rt.Go("R", func() { m.RLock(); order = append(order, "R"); m.RUnlock() })
		rt.WaitIdle()
		w2 := rt.Go("W2", func() { m.Lock(); order = append(order, "W2"); m.Unlock() })
		rt.WaitIdle()
		m.Unlock()
		rt.JoinAll(r, w2)
		if fmt.Sprint(order) != "[R W2]" {
			rt.Failf("order %v", order)
		}
	}, sched.Options{Strategy: sched.DFS(-1)}, 0)
	require.Nil(t, rep.Failure)
	require.True(t, rep.Exhausted)
}

func TestRWMutexMisuseIsFatal(t *testing.T) {
	f := run(func(rt *sched.Runtime) { sched.NewRWMutex(rt, "rw").RUnlock() })
	require.Equal(t, "fatal error: sync: RUnlock of unlocked RWMutex (task main, rwmutex rw)", f.Msg)
	f = run(func(rt *sched.Runtime) { m := sched.NewRWMutex(rt, "rw"); m.RLock(); m.Unlock() })
	require.Equal(t, "fatal error: sync: Unlock of unlocked RWMutex (task main, rwmutex rw)", f.Msg)
	// A second read lock while a writer waits deadlocks, as Go's does.
	f = run(func(rt *sched.Runtime) {
		m := sched.NewRWMutex(rt, "rw")
		m.RLock()
		rt.Go("W", m.Lock)
		rt.WaitIdle()
		m.RLocker().Lock()
	})
	require.Equal(t, sched.Deadlock, f.Kind)
	require.Equal(t, "2 tasks blocked, none runnable: main waits for a read lock on rwmutex rw (writer W first); W waits for rwmutex rw's 1 reader(s) to leave", f.Msg)
}

func TestWaitGroup(t *testing.T) {
	rep := sched.Explore(func(rt *sched.Runtime) {
		wg := sched.NewWaitGroup(rt, "")
		sum := 0
		for i := 1; i <= 3; i++ {
			wg.Go(func() { sum += i })
		}
		wg.Wait()
		if sum != 6 {
			rt.Failf("Wait returned with sum %d", sum)
		}
	}, sched.Options{Strategy: sched.DFS(-1)}, 0)
	require.Nil(t, rep.Failure)
	require.True(t, rep.Exhausted)

	f := run(func(rt *sched.Runtime) { sched.NewWaitGroup(rt, "wg").Done() })
	require.Equal(t, "panic in task main: sync: negative WaitGroup counter", f.Msg)

	// The classic misuse: Add inside the new task, so Wait can return
	// before the work is done. Exploration finds it.
	rep = sched.Explore(func(rt *sched.Runtime) {
		wg := sched.NewWaitGroup(rt, "wg")
		done := false
		rt.Go("worker", func() { wg.Add(1); done = true; wg.Done() })
		wg.Wait()
		if !done {
			rt.Failf("Wait returned before the worker's work")
		}
	}, sched.Options{Strategy: sched.DFS(0)}, 0)
	require.NotNil(t, rep.Failure)
	require.Equal(t, "Wait returned before the worker's work", rep.Failure.Msg)

	// Reuse before the previous Wait has returned.
	f = run(func(rt *sched.Runtime) {
		wg := sched.NewWaitGroup(rt, "wg")
		wg.Add(1)
		rt.Go("done-and-again", func() { wg.Done(); wg.Add(1) })
		wg.Wait()
	})
	require.Equal(t, "panic in task main: sync: WaitGroup is reused before previous Wait has returned", f.Msg)
}

// mailbox is a one-slot mailbox on a Cond. With checkOutside, the consumer
// looks at the slot without the lock, then locks and waits: a signal sent
// in between is lost.
func mailbox(checkOutside bool) func(rt *sched.Runtime) {
	return func(rt *sched.Runtime) {
		mu := sched.NewMutex(rt, "mu")
		c := sched.NewCond(rt, "nonempty", mu)
		var box []string
		p := rt.Go("producer", func() {
			mu.Lock()
			box = append(box, "hi")
			mu.Unlock()
			c.Signal()
		})
		if checkOutside {
			mu.Lock()
			empty := len(box) == 0
			mu.Unlock()
			if empty {
				mu.Lock()
				c.Wait()
				mu.Unlock()
			}
		} else {
			mu.Lock()
			for len(box) == 0 {
				c.Wait()
			}
			mu.Unlock()
		}
		p.Join()
	}
}

func TestCondMissedSignalIsFound(t *testing.T) {
	rep := sched.Explore(mailbox(true), sched.Options{Strategy: sched.DFS(1)}, 0)
	require.NotNil(t, rep.Failure)
	require.Equal(t, sched.Deadlock, rep.Failure.Kind)
	require.Contains(t, rep.Failure.Msg, "main waits for a signal on cond nonempty (Signal or Broadcast)")

	rep = sched.Explore(mailbox(false), sched.Options{Strategy: sched.DFS(-1)}, 0)
	require.Nil(t, rep.Failure)
	require.True(t, rep.Exhausted)
}

func TestCondBroadcastWakesEveryone(t *testing.T) {
	f := run(func(rt *sched.Runtime) {
		mu := sched.NewMutex(rt, "mu")
		c := sched.NewCond(rt, "go", mu)
		ready := false
		var ts []*sched.Task
		for i := 0; i < 3; i++ {
			ts = append(ts, rt.Go(fmt.Sprint("w", i), func() {
				mu.Lock()
				for !ready {
					c.Wait()
				}
				mu.Unlock()
			}))
		}
		rt.WaitIdle()
		mu.Lock()
		ready = true
		mu.Unlock()
		c.Broadcast()
		rt.JoinAll(ts...)
	})
	require.Nil(t, f)
}

func TestOnceRunsOnceAndMakesOthersWait(t *testing.T) {
	rep := sched.Explore(func(rt *sched.Runtime) {
		o := sched.NewOnce(rt, "init")
		calls, seen := 0, 0
		f := func() { rt.Yield("initialising"); calls++ }
		a := rt.Go("A", func() { o.Do(f); seen += calls })
		b := rt.Go("B", func() { o.Do(f); seen += calls })
		rt.JoinAll(a, b)
		if calls != 1 || seen != 2 {
			rt.Failf("calls %d, seen %d", calls, seen)
		}
	}, sched.Options{Strategy: sched.DFS(-1)}, 0)
	require.Nil(t, rep.Failure)

	// A panic in f counts as returned.
	f := run(func(rt *sched.Runtime) {
		o := sched.NewOnce(rt, "")
		msg := panicMsg(func() { o.Do(func() { panic("boom") }) })
		o.Do(func() { rt.Failf("ran twice") })
		rt.Failf("first: %s", msg)
	})
	require.Equal(t, "first: boom", f.Msg)
}

func TestAtomicOpsArePoints(t *testing.T) {
	// Check-then-act on an "atomic" flag, with no Yield: two tasks both
	// see it clear. The Op points alone expose it.
	rep := sched.Explore(func(rt *sched.Runtime) {
		a := sched.NewAtomic(rt, "")
		flag, owners := false, 0
		claim := func() {
			a.Op("load")
			if !flag {
				a.Op("store")
				flag = true
				owners++
			}
		}
		x, y := rt.Go("A", claim), rt.Go("B", claim)
		rt.JoinAll(x, y)
		if owners != 1 {
			rt.Failf("%d owners", owners)
		}
	}, sched.Options{Strategy: sched.DFS(1), Trace: true}, 0)
	require.NotNil(t, rep.Failure)
	require.Equal(t, "2 owners", rep.Failure.Msg)
	require.Contains(t, rep.Failure.Trace.String(), "store atomic#1 at sync_test.go:")
}

func TestObjectsWithoutNamesShowSites(t *testing.T) {
	res := sched.Run(func(rt *sched.Runtime) {
		m := sched.NewMutex(rt, "")
		m.Lock()
		m.Unlock()
		named := sched.NewMutex(rt, "named")
		named.Lock()
	}, sched.Options{Trace: true})
	require.Nil(t, res.Failure)
	tl := res.Trace.String()
	require.Regexp(t, `lock mutex#1 at sync_test\.go:\d+\n`, tl)
	require.Contains(t, tl, "lock named\n")
	require.False(t, strings.Contains(tl, "lock named at"))
}
