package sched_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/interleave/interleave/sched"
)

// porRun is one run of a search: its schedule, how it ended and the final
// state the body reported.
type porRun struct {
	sched  *sched.Schedule
	fail   *sched.Failure
	pruned bool
	final  string
}

// searchAll runs every schedule strat offers (at most limit) and returns
// them. body gets a setter for the run's final state.
func searchAll(t *testing.T, strat sched.Strategy, limit int, body func(rt *sched.Runtime, final func(string))) []porRun {
	t.Helper()
	var pool sched.Pool
	defer pool.Close()
	var runs []porRun
	for strat.Start() {
		if len(runs) == limit {
			t.Fatalf("more than %d runs", limit)
		}
		var final string
		res := sched.Run(func(rt *sched.Runtime) { body(rt, func(s string) { final = s }) },
			sched.Options{Strategy: sched.Started(strat), Pool: &pool})
		runs = append(runs, porRun{sched: res.Schedule.Clone(), fail: res.Failure, pruned: res.Pruned, final: final})
	}
	return runs
}

func complete(runs []porRun) (n int, finals []string) {
	for _, r := range runs {
		if r.pruned {
			continue
		}
		n++
		if !slices.Contains(finals, r.final) {
			finals = append(finals, r.final)
		}
	}
	slices.Sort(finals)
	return n, finals
}

// independentTasks: three tasks, each writing its own object at every
// step, are one Mazurkiewicz trace.
func independentTasks(rt *sched.Runtime, final func(string)) {
	var ts []*sched.Task
	vals := make([]int, 3)
	for i := range 3 {
		x := sched.NewShared(rt, fmt.Sprint("x", i))
		ts = append(ts, rt.Go(fmt.Sprint("t", i), func() {
			for range 2 {
				rt.Yield("write")
				x.Write()
				vals[i]++
			}
		}))
	}
	rt.JoinAll(ts...)
	final(fmt.Sprint(vals))
}

// twoWriters: two tasks write one variable once: two traces, one per
// order, and two final values.
func twoWriters(rt *sched.Runtime, final func(string)) {
	x := sched.NewShared(rt, "x")
	var order []string
	for _, name := range []string{"a", "b"} {
		rt.Go(name, func() {
			rt.Yield("write x")
			x.Write()
			order = append(order, name)
			if len(order) == 2 {
				final(strings.Join(order, ""))
			}
		})
	}
}

// porLostUpdate: two tasks each read a counter, then write it plus one, in
// two steps. The reads commute, so the six interleavings are four traces:
// a read a write b read b write (2), the two where both read first and a
// writes first or b does (1, the lost update), and b then a (2).
func porLostUpdate(rt *sched.Runtime, final func(string)) {
	x := 0
	done := 0
	for _, name := range []string{"a", "b"} {
		rt.Go(name, func() {
			rt.Yield("read x")
			rt.Access("x", sched.Read)
			v := x
			rt.Yield("write x")
			rt.Access("x", sched.Write)
			x = v + 1
			if done++; done == 2 {
				final(fmt.Sprint(x))
			}
		})
	}
}

// producerConsumer: a queue holds a value; one task sends another while
// one receives. The send changes the tail and the receive the head, and
// both can run in either order: one trace.
func producerConsumer(rt *sched.Runtime, final func(string)) {
	q := sched.NewQueue[int](rt, "q", 2)
	q.Send(1)
	var got int
	p := rt.Go("producer", func() { q.Send(2) })
	c := rt.Go("consumer", func() { got, _ = q.Recv() })
	rt.JoinAll(p, c)
	final(fmt.Sprint("got ", got, ", left ", q.Len()))
}

// blockedReceiver: a task receives from an empty queue, another sends:
// whether the receiver tried and blocked before the send or not, it takes
// the value: one trace.
func blockedReceiver(rt *sched.Runtime, final func(string)) {
	q := sched.NewQueue[int](rt, "q", 1)
	var got int
	c := rt.Go("consumer", func() { got, _ = q.Recv() })
	p := rt.Go("producer", func() { q.Send(7) })
	rt.JoinAll(p, c)
	final(fmt.Sprint("got ", got))
}

// twoReceivers: two tasks receive from a queue that gets one value and is
// then closed: either gets the value and the other sees the close (two
// final states). A receive that finds the queue empty and blocks reads its
// head, which the winner's receive writes: the loser's first attempt comes
// before that receive or after it, four traces. Whether a receiver blocked
// before the send is no trace of its own.
func twoReceivers(rt *sched.Runtime, final func(string)) {
	q := sched.NewQueue[int](rt, "q", 1)
	got := map[string]bool{}
	var ts []*sched.Task
	for _, name := range []string{"a", "b"} {
		ts = append(ts, rt.Go(name, func() { _, got[name] = q.Recv() }))
	}
	ts = append(ts, rt.Go("producer", func() {
		q.Send(1)
		q.Close()
	}))
	rt.JoinAll(ts...)
	final(fmt.Sprint("a ", got["a"], ", b ", got["b"]))
}

// blockedSelect: a task selects on two empty queues, another sends to the
// first, then closes the second. The select comes between the send and the
// close (it takes the value) or after both (both cases are ready: it takes
// the value, or sees the close): three traces. Whether the select tried
// and blocked before the send is no trace of its own: a blocked select
// reads only what could have let a case through (each receive case's
// head), not the tail and the closing that the send and the close write
// (six runs when it read them).
func blockedSelect(rt *sched.Runtime, final func(string)) {
	q1 := sched.NewQueue[int](rt, "q1", 1)
	q2 := sched.NewQueue[int](rt, "q2", 1)
	var got string
	c := rt.Go("consumer", func() {
		k := rt.Select(q1.RecvCase(func(v int, _ bool) { got = fmt.Sprint("q1 ", v) }),
			q2.RecvCase(func(v int, _ bool) { got = fmt.Sprint("q2 ", v) }))
		got += fmt.Sprint(" case ", k)
	})
	p := rt.Go("producer", func() {
		q1.Send(7)
		q2.Close()
	})
	rt.JoinAll(p, c)
	final(got)
}

// twoLockers: two tasks append their name under a mutex: two traces, one
// per order of the acquisitions; the Unlock that lets the second in is no
// race of its own.
func twoLockers(rt *sched.Runtime, final func(string)) {
	m := sched.NewMutex(rt, "m")
	var order []string
	var ts []*sched.Task
	for _, name := range []string{"a", "b"} {
		ts = append(ts, rt.Go(name, func() {
			m.Lock()
			order = append(order, name)
			rt.Yield("in the section")
			m.Unlock()
		}))
	}
	rt.JoinAll(ts...)
	final(strings.Join(order, ""))
}

func TestDPORHandCountedTraces(t *testing.T) {
	cases := []struct {
		name   string
		body   func(*sched.Runtime, func(string))
		traces int
		finals []string
	}{
		{"independent tasks", independentTasks, 1, []string{"[2 2 2]"}},
		{"two writers", twoWriters, 2, []string{"ab", "ba"}},
		{"lost update", porLostUpdate, 4, []string{"1", "2"}},
		{"producer and consumer", producerConsumer, 1, []string{"got 1, left 1"}},
		{"blocked receiver", blockedReceiver, 1, []string{"got 7"}},
		{"two receivers", twoReceivers, 4, []string{"a false, b true", "a true, b false"}},
		{"two lockers", twoLockers, 2, []string{"ab", "ba"}},
		{"blocked select", blockedSelect, 3, []string{"q1 7 case 0", "q2 0 case 1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			runs := searchAll(t, sched.DPOR(-1), 1000, c.body)
			n, finals := complete(runs)
			for _, r := range runs {
				if r.fail != nil {
					t.Fatalf("run failed: %v", r.fail)
				}
			}
			if n != c.traces {
				t.Errorf("DPOR ran %d complete schedules (%d pruned), want one per trace: %d", n, len(runs)-n, c.traces)
			}
			if !slices.Equal(finals, c.finals) {
				t.Errorf("final states %v, want %v", finals, c.finals)
			}
			// Plain DFS without a bound reaches the same final states,
			// with many more schedules.
			dfs := searchAll(t, sched.DFS(-1), 100000, c.body)
			dn, dfinals := complete(dfs)
			if !slices.Equal(dfinals, c.finals) {
				t.Errorf("DFS final states %v, want %v", dfinals, c.finals)
			}
			if c.traces > 1 && dn <= n {
				t.Errorf("DFS ran %d schedules, DPOR %d: no reduction", dn, n)
			}
			t.Logf("%s: DPOR %d schedules (+%d pruned), DFS %d", c.name, n, len(runs)-n, dn)
		})
	}
}

// Every schedule DPOR runs replays to the same final state.
func TestDPORSchedulesReplay(t *testing.T) {
	runs := searchAll(t, sched.DPOR(-1), 1000, porLostUpdate)
	for _, r := range runs {
		if r.pruned {
			continue
		}
		var final string
		res := sched.Run(func(rt *sched.Runtime) { porLostUpdate(rt, func(s string) { final = s }) }, sched.Options{Strategy: sched.Replay(r.sched)})
		if res.Failure != nil || final != r.final {
			t.Fatalf("replay of %v: failure %v, final %q, want %q", r.sched.Choices, res.Failure, final, r.final)
		}
	}
	// The search itself is deterministic: the same schedules in the same
	// order.
	again := searchAll(t, sched.DPOR(-1), 1000, porLostUpdate)
	if len(again) != len(runs) {
		t.Fatalf("second search ran %d schedules, first %d", len(again), len(runs))
	}
	for i := range runs {
		if runs[i].sched.String() != again[i].sched.String() {
			t.Fatalf("run %d: schedule %v, then %v", i, runs[i].sched.Choices, again[i].sched.Choices)
		}
	}
}

// The lost update is found as a failure by Explore.
func TestDPORFindsLostUpdate(t *testing.T) {
	rep := sched.Explore(func(rt *sched.Runtime) {
		porLostUpdate(rt, func(s string) {
			if s != "2" {
				rt.Failf("lost update: x = %s", s)
			}
		})
	}, sched.Options{Strategy: sched.DPOR(-1), Trace: true}, 0)
	if rep.Failure == nil || rep.Failure.Kind != sched.Assertion || !strings.Contains(rep.Failure.Msg, "lost update") {
		t.Fatalf("want the lost update, got %+v", rep)
	}
}

// abba locks two mutexes in opposite orders: DPOR finds the deadlock.
func abba(rt *sched.Runtime) {
	m1, m2 := sched.NewMutex(rt, "m1"), sched.NewMutex(rt, "m2")
	a := rt.Go("a", func() {
		m1.Lock()
		m2.Lock()
		m2.Unlock()
		m1.Unlock()
	})
	b := rt.Go("b", func() {
		m2.Lock()
		m1.Lock()
		m1.Unlock()
		m2.Unlock()
	})
	rt.JoinAll(a, b)
}

func TestDPORFindsABBADeadlock(t *testing.T) {
	// Without a preemption, one task takes both locks first: plain DFS at
	// bound 0 finds no deadlock either.
	if rep := sched.Explore(abba, sched.Options{Strategy: sched.DFS(0)}, 0); rep.Failure != nil {
		t.Fatalf("DFS at bound 0 found %v", rep.Failure)
	}
	if rep := sched.Explore(abba, sched.Options{Strategy: sched.DPOR(0)}, 0); rep.Failure != nil || !rep.Exhausted {
		t.Fatalf("DPOR at bound 0: %+v", rep)
	}
	for _, bound := range []int{-1, 1, 2} {
		rep := sched.Explore(abba, sched.Options{Strategy: sched.DPOR(bound)}, 0)
		if rep.Failure == nil || rep.Failure.Kind != sched.Deadlock {
			t.Fatalf("bound %d: want the deadlock, got %+v", bound, rep)
		}
		// Replaying its schedule deadlocks again.
		res := sched.Run(abba, sched.Options{Strategy: sched.Replay(rep.Failure.Schedule)})
		if res.Failure == nil || res.Failure.Kind != sched.Deadlock {
			t.Fatalf("bound %d: replay: want the deadlock, got %v", bound, res.Failure)
		}
	}
}

// Data choices are explored fully: each value of a Choose, each with its
// own reduced search.
func TestDPORExploresDataChoices(t *testing.T) {
	runs := searchAll(t, sched.DPOR(-1), 1000, func(rt *sched.Runtime, final func(string)) {
		x := sched.NewShared(rt, "x")
		v := -1
		a := rt.Go("a", func() {
			rt.Yield("choose")
			v = rt.Choose(3)
		})
		b := rt.Go("b", func() {
			rt.Yield("write")
			x.Write()
		})
		rt.JoinAll(a, b)
		final(fmt.Sprint(v))
	})
	n, finals := complete(runs)
	if !slices.Equal(finals, []string{"0", "1", "2"}) || n != 3 {
		t.Fatalf("%d complete runs, final states %v; want 3 runs, [0 1 2]", n, finals)
	}
}

// A channel handoff is ordered; two senders racing for one receiver are two
// traces.
func TestDPORChannels(t *testing.T) {
	runs := searchAll(t, sched.DPOR(-1), 1000, func(rt *sched.Runtime, final func(string)) {
		c := sched.NewChan[string](rt, "c", 0)
		for _, name := range []string{"a", "b"} {
			rt.Go(name, func() { c.Send(name) })
		}
		x, _ := c.Recv()
		y, _ := c.Recv()
		final(x + y)
	})
	_, finals := complete(runs)
	if !slices.Equal(finals, []string{"ab", "ba"}) {
		t.Fatalf("final states %v, want [ab ba]", finals)
	}
}

func TestAccessRefusesPointers(t *testing.T) {
	res := sched.Run(func(rt *sched.Runtime) {
		x := 0
		rt.Access(&x, sched.Write)
	}, sched.Options{Strategy: sched.DPOR(-1)})
	if res.Failure == nil || res.Failure.Kind != sched.Panic || !strings.Contains(res.Failure.Msg, "not the same object in every run") {
		t.Fatalf("want a panic refusing the pointer, got %v", res.Failure)
	}
	// Under any other strategy Access does nothing.
	res = sched.Run(func(rt *sched.Runtime) {
		x := 0
		rt.Access(&x, sched.Write)
	}, sched.Options{})
	if res.Failure != nil {
		t.Fatal(res.Failure)
	}
}

// A run that fails while a timer is due (the clock runnable) unwinds its
// tasks and not the clock, which has no goroutine: a DPOR prune, or here a
// step limit, used to crash there.
func TestFailureWhileTheClockIsRunnable(t *testing.T) {
	res := sched.Run(func(rt *sched.Runtime) {
		rt.AfterFunc(0, func() {})
		for {
			rt.Yield("spin")
		}
	}, sched.Options{MaxSteps: 10, Strategy: sched.DFS(0)})
	if res.Failure == nil || res.Failure.Kind != sched.StepLimit {
		t.Fatalf("want the step limit, got %v", res.Failure)
	}
}
