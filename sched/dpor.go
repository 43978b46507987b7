package sched

import (
	"errors"
	"slices"
)

// DPORStrategy explores the schedules of a program up to the order of
// independent steps: dynamic partial-order reduction, stateless, with
// source sets and sleep sets (Abdulla, Aronis, Jonsson and Sagonas, "Source
// sets", JACM 2017). Two steps of different tasks are dependent when they
// touch one object and one of them writes it: the primitives of this
// package declare what each step touches (a mutex, a channel or queue, a
// task's end, the clock, an atomic value, the creation of objects), and
// programs declare the rest with [Runtime.Access] or [Shared]. Schedules
// that differ only in the order of independent steps (one Mazurkiewicz
// trace) end in the same state; DPOR runs at least one schedule of every
// trace, and few more. A race's reversal is recorded with the sequence of
// steps that reverses it (a wakeup sequence, as in Abdulla et al.'s
// optimal DPOR, without their trees), which the run that explores it
// follows; without a bound, a sequence that a sleeping task's step commutes
// with entirely is not explored (it is one of a trace explored already).
//
// Each run is an ordinary run, replayable from its Schedule. A run that
// would only repeat a trace already explored (every task it could run is in
// the sleep set) is abandoned: Result.Pruned, counted by Explore in
// Report.Pruned.
//
// Data choices (Runtime.Choose, a select among ready cases, the order in
// which rows land in a table) are explored fully: every value, each with its
// own reduced search. The clock's steps (a timer firing) are steps of a
// task of their own. When no task can run and the clock advances, or the
// tasks waiting in WaitIdle wake, every step before happens before every
// step after.
//
// Soundness. Without a bound, the search covers every trace of the program
// as far as the program's dependencies are declared: memory that tasks share
// outside the primitives and that no Access declares is invisible (see
// Runtime.Access), and code must not branch on Runtime.Step, which counts
// steps and so differs between equivalent schedules. With a preemption bound
// b >= 0, the search runs only schedules with at most b preemptions; as
// Coons, Musuvathi and McKinley show ("Bounded partial-order reduction",
// OOPSLA 2013), reversing races only where they occur can then miss
// schedules within the bound, so when a race's reversal needs a preemption,
// it is also tried at the start of the racing task's run of steps, where it
// may need none. That is their conservative scheme, not a proof: a bounded
// DPOR search is a strong test, and the README's claims say which bound they
// used. The unbounded search (b < 0) is the proof.
type DPORStrategy struct {
	bound int
	// nodes is the current path: node i is the state before event i of
	// the run.
	nodes []porNode
	// events are this run's steps, each with the objects it touched.
	events []porEvent
	// spawned is, for each task, the event during which it was started
	// (-1: before the first).
	spawned  []int32
	seg      int32 // barriers so far in this run
	preempts int
	vpos     int // value choices made so far in the current event
	started  bool
	done     bool
	runs     int
	pruned   int
	// guide is the rest of the wakeup sequence the current run follows
	// after its last replayed node (see reverse), guide[gpos] next.
	guide []TaskID
	gpos  int
	// intern names the values given to Runtime.Access, across runs.
	intern map[any]objKey
	sc     porScratch
}

type access struct {
	key  objKey
	mode AccessMode
}

type porEvent struct {
	task TaskID
	seg  int32
	acc  []access
}

type sleeper struct {
	task TaskID
	acc  []access // shared, never changed
}

type valFrame struct{ n, idx int }

// porGuide is a wakeup sequence: after task, the tasks of the steps that
// reverse the race it was added for, in order.
type porGuide struct {
	task TaskID
	rest []TaskID
}

type porNode struct {
	runnable       []TaskID
	current        bool // runnable[0] was running: choosing another preempts it
	chosen         TaskID
	preemptsBefore int
	backtrack      []TaskID
	done           []TaskID
	sleep          []sleeper
	values         []valFrame // value choices within the chosen task's step
	// union is what the chosen task's step touched over every value
	// choice explored so far: its access set when it joins the sleep set.
	union []access
	// guides are the wakeup sequences of backtrack entries added to
	// reverse a race: the run that explores the entry follows them.
	guides []porGuide
}

// DPOR returns a DPOR strategy with the given preemption bound (< 0: none).
// Start returns false once the space is exhausted.
func DPOR(preemptionBound int) *DPORStrategy { return &DPORStrategy{bound: preemptionBound} }

// Bound returns the preemption bound (< 0: none).
func (s *DPORStrategy) Bound() int { return s.bound }

// Runs returns how many runs have been started.
func (s *DPORStrategy) Runs() int { return s.runs }

// Pruned returns how many runs were abandoned as redundant.
func (s *DPORStrategy) Pruned() int { return s.pruned }

// Exhausted reports whether every trace within the bound has been run.
func (s *DPORStrategy) Exhausted() bool { return s.done }

// errPruned is DPOR's answer when the run can only repeat a trace already
// explored: the run ends, and is no failure (Result.Pruned).
var errPruned = errors.New("sched: run pruned by partial-order reduction")

func (s *DPORStrategy) Start() bool {
	if s.done {
		return false
	}
	if s.started {
		s.analyze()
		s.guide, s.gpos = s.guide[:0], 0
		if !s.backtrack() {
			s.done = true
			return false
		}
	}
	s.started = true
	s.events = s.events[:0]
	s.spawned = s.spawned[:0]
	s.seg, s.preempts, s.vpos = 0, 0, 0
	s.runs++
	return true
}

func (s *DPORStrategy) cost(n *porNode, idx int) int {
	if n.current && idx != 0 {
		return 1
	}
	return 0
}

func (s *DPORStrategy) fits(n *porNode, idx int) bool {
	return s.bound < 0 || n.preemptsBefore+s.cost(n, idx) <= s.bound
}

func (s *DPORStrategy) Next(d *Decision) (int, error) {
	if d.Kind == PickValue {
		n := &s.nodes[len(s.events)-1]
		if s.vpos < len(n.values) {
			f := n.values[s.vpos]
			s.vpos++
			if f.n != d.N {
				return 0, diverged("nondeterminism: at step %d the program chose among %d values where an earlier run with the same choices chose among %d; the code under test depends on something the scheduler does not control", d.Step, d.N, f.n)
			}
			return f.idx, nil
		}
		n.values = append(n.values, valFrame{n: d.N})
		s.vpos++
		return 0, nil
	}
	i := len(s.events)
	if i < len(s.nodes) { // the path to the next unexplored choice
		n := &s.nodes[i]
		idx := slices.Index(d.Runnable, n.chosen)
		if idx < 0 || len(d.Runnable) != len(n.runnable) {
			return 0, diverged("nondeterminism: at step %d the runnable tasks are %v where an earlier run with the same choices had %v; the code under test depends on something the scheduler does not control", d.Step, d.Runnable, n.runnable)
		}
		s.preempts = n.preemptsBefore + s.cost(n, idx)
		return idx, nil
	}
	n := s.newNode(i, d.Runnable, d.Current)
	if t, ok := s.guided(n); ok {
		idx := slices.Index(d.Runnable, t)
		n.chosen = t
		n.backtrack = append(n.backtrack, t)
		s.preempts = n.preemptsBefore + s.cost(n, idx)
		return idx, nil
	}
	for idx, t := range d.Runnable {
		if !asleep(n.sleep, t) && s.fits(n, idx) {
			n.chosen = t
			n.backtrack = append(n.backtrack, t)
			s.preempts = n.preemptsBefore + s.cost(n, idx)
			return idx, nil
		}
	}
	// Every task that may run here within the bound has been explored
	// from here, with this run's steps since: nothing new lies ahead.
	s.nodes = s.nodes[:i]
	s.pruned++
	return 0, errPruned
}

// guided returns the next task of the wakeup sequence the run follows, if
// it can run at n; else the run is left to the usual order from here. Any
// first choice at a new node is sound (source sets); following the
// sequence reaches the trace it was added for instead of one that the
// sleep sets would abandon.
func (s *DPORStrategy) guided(n *porNode) (TaskID, bool) {
	if s.gpos >= len(s.guide) {
		return 0, false
	}
	t := s.guide[s.gpos]
	idx := slices.Index(n.runnable, t)
	if idx < 0 || asleep(n.sleep, t) || !s.fits(n, idx) {
		s.gpos = len(s.guide)
		return 0, false
	}
	s.gpos++
	return t, true
}

// newNode appends node i, for a state with the given runnable tasks.
func (s *DPORStrategy) newNode(i int, runnable []TaskID, current bool) *porNode {
	if i < cap(s.nodes) {
		s.nodes = s.nodes[:i+1]
	} else {
		s.nodes = append(s.nodes, porNode{})
	}
	n := &s.nodes[i]
	n.runnable = append(n.runnable[:0], runnable...)
	n.current = current
	n.preemptsBefore = s.preempts
	n.backtrack, n.done, n.values, n.union = n.backtrack[:0], n.done[:0], n.values[:0], n.union[:0]
	n.guides = n.guides[:0]
	n.sleep = s.sleepAt(i, n.sleep[:0])
	return n
}

// sleepAt returns node i's sleep set: the tasks asleep at node i-1 whose
// step is independent of event i-1 (and not its task's). A barrier empties
// it (no task was runnable).
func (s *DPORStrategy) sleepAt(i int, dst []sleeper) []sleeper {
	if i == 0 {
		return dst
	}
	ev := &s.events[i-1]
	if ev.seg != s.seg {
		return dst
	}
	for _, sl := range s.nodes[i-1].sleep {
		if sl.task != ev.task && independent(sl.acc, ev.acc) {
			dst = append(dst, sl)
		}
	}
	return dst
}

func asleep(sleep []sleeper, t TaskID) bool {
	for _, sl := range sleep {
		if sl.task == t {
			return true
		}
	}
	return false
}

func independent(a, b []access) bool {
	for _, x := range a {
		for _, y := range b {
			if x.key == y.key && (x.mode|y.mode)&Write != 0 {
				return false
			}
		}
	}
	return true
}

// begin starts the event of task t, picked among runnable: after Next for
// a real choice, or alone for a forced step.
func (s *DPORStrategy) begin(t TaskID, runnable []TaskID, current bool) error {
	i := len(s.events)
	if i < len(s.nodes) {
		if s.nodes[i].chosen != t {
			return diverged("nondeterminism: at event %d task %d runs where an earlier run with the same choices ran task %d; the code under test depends on something the scheduler does not control", i, t, s.nodes[i].chosen)
		}
	} else {
		n := s.newNode(i, runnable, current)
		if s.gpos < len(s.guide) { // a forced step: the sequence has it, or is left
			if s.guide[s.gpos] == t {
				s.gpos++
			} else {
				s.gpos = len(s.guide)
			}
		}
		if asleep(n.sleep, t) {
			s.nodes = s.nodes[:i]
			s.pruned++
			return errPruned
		}
		n.chosen = t
		n.backtrack = append(n.backtrack, t)
	}
	if i < cap(s.events) {
		s.events = s.events[:i+1]
		s.events[i].acc = s.events[i].acc[:0]
	} else {
		s.events = append(s.events, porEvent{})
	}
	s.events[i].task, s.events[i].seg = t, s.seg
	s.vpos = 0
	return nil
}

// access records that the current event touches k.
func (s *DPORStrategy) access(k objKey, m AccessMode) {
	if len(s.events) == 0 {
		return
	}
	ev := &s.events[len(s.events)-1]
	for i := range ev.acc {
		if ev.acc[i].key == k {
			ev.acc[i].mode |= m
			return
		}
	}
	ev.acc = append(ev.acc, access{k, m})
}

// spawn records that task t starts during the current event.
func (s *DPORStrategy) spawn(t TaskID) {
	for len(s.spawned) <= int(t) {
		s.spawned = append(s.spawned, -1)
	}
	s.spawned[t] = int32(len(s.events) - 1)
}

// barrier orders every event so far before every later one.
func (s *DPORStrategy) barrier() { s.seg++ }

// backtrack moves the path to the next choice to explore and reports
// whether there is one: the last value choice with values left, else a
// task in the last node's backtrack set not yet explored nor asleep.
func (s *DPORStrategy) backtrack() bool {
	for len(s.nodes) > 0 {
		i := len(s.nodes) - 1
		n := &s.nodes[i]
		for len(n.values) > 0 {
			f := &n.values[len(n.values)-1]
			if f.idx+1 < f.n {
				f.idx++
				return true
			}
			n.values = n.values[:len(n.values)-1]
		}
		n.done = append(n.done, n.chosen)
		n.sleep = append(n.sleep, sleeper{n.chosen, slices.Clone(n.union)})
		n.union = n.union[:0]
		for idx, t := range n.runnable {
			if slices.Contains(n.backtrack, t) && !slices.Contains(n.done, t) && !asleep(n.sleep, t) && s.fits(n, idx) {
				n.chosen = t
				for _, g := range n.guides {
					if g.task == t {
						s.guide = append(s.guide[:0], g.rest...)
						break
					}
				}
				return true
			}
		}
		s.nodes = s.nodes[:i]
	}
	return false
}

// porScratch is the analysis's memory, kept from run to run.
type porScratch struct {
	vc     []int32 // event j's vector clock: vc[j*T+t] events of t happen before or are j
	local  []int32 // event j is the local[j]-th of its task (from 0)
	nextOf []int32 // nextOf[j*T+t]: the first event of t after j (m: none)
	counts []int32
	last   []int32
	segVC  []int32 // counts at the start of each segment, T per segment
	objIdx map[objKey]int32
	objs   []objState
	cands  []int32
	races  [][2]int32
	first  []int32
	seq    []int32 // a wakeup sequence's events (reverse)
}

type objState struct {
	lastW int32
	reads []int32
}

// analyze finds the races of the run just made (pairs of dependent events
// of different tasks with no event ordered between them) and, for each,
// adds to the backtrack set of the state before the first event a task that
// starts a schedule in which the second comes first (an initial of
// notdep(e, E).e'), unless one is there or asleep already.
func (s *DPORStrategy) analyze() {
	m := min(len(s.events), len(s.nodes))
	if m == 0 {
		return
	}
	for i := 0; i < m; i++ {
		n := &s.nodes[i]
		for _, a := range s.events[i].acc {
			found := false
			for k := range n.union {
				if n.union[k].key == a.key {
					n.union[k].mode |= a.mode
					found = true
					break
				}
			}
			if !found {
				n.union = append(n.union, a)
			}
		}
	}
	T := len(s.spawned)
	for i := 0; i < m; i++ {
		T = max(T, int(s.events[i].task)+1)
	}
	sc := &s.sc
	sc.vc = resize(sc.vc, m*T)
	sc.local = resize(sc.local, m)
	sc.nextOf = resize(sc.nextOf, m*T)
	sc.counts = resize(sc.counts, T)
	sc.last = resize(sc.last, T)
	sc.segVC = sc.segVC[:0]
	sc.races = sc.races[:0]
	clear(sc.counts)
	for t := range sc.last {
		sc.last[t] = -1
	}
	if sc.objIdx == nil {
		sc.objIdx = map[objKey]int32{}
	}
	clear(sc.objIdx)
	sc.objs = sc.objs[:0]
	seg := int32(0)
	segStart := int32(-1) // index in segVC of the current segment's counts
	for j := 0; j < m; j++ {
		e := &s.events[j]
		p := int(e.task)
		if e.seg != seg {
			seg = e.seg
			segStart = int32(len(sc.segVC))
			sc.segVC = append(sc.segVC, sc.counts...)
		}
		C := sc.vc[j*T : (j+1)*T]
		clear(C)
		if l := sc.last[p]; l >= 0 {
			copy(C, sc.vc[int(l)*T:(int(l)+1)*T])
		} else if p < len(s.spawned) && s.spawned[p] >= 0 {
			join(C, sc.vc[int(s.spawned[p])*T:(int(s.spawned[p])+1)*T])
		}
		if segStart >= 0 {
			join(C, sc.segVC[segStart:int(segStart)+T])
		}
		// An await orders j after the write that enabled it, and is
		// no race: j could not have come first.
		for _, a := range e.acc {
			if a.mode&await == 0 {
				continue
			}
			if oi, ok := sc.objIdx[a.key]; ok && sc.objs[oi].lastW >= 0 {
				w := int(sc.objs[oi].lastW)
				join(C, sc.vc[w*T:(w+1)*T])
			}
		}
		sc.cands = sc.cands[:0]
		for _, a := range e.acc {
			if a.mode&(Read|Write) == 0 {
				continue
			}
			oi, ok := sc.objIdx[a.key]
			if !ok {
				continue
			}
			st := &sc.objs[oi]
			if st.lastW >= 0 {
				sc.cands = append(sc.cands, st.lastW)
			}
			if a.mode&Write != 0 {
				sc.cands = append(sc.cands, st.reads...)
			}
		}
		slices.Sort(sc.cands)
		for k := len(sc.cands) - 1; k >= 0; k-- {
			c := sc.cands[k]
			if k+1 < len(sc.cands) && sc.cands[k+1] == c {
				continue
			}
			q := int(s.events[c].task)
			if q == p || C[q] > sc.local[c] {
				continue // ordered already: program order, or through another event
			}
			sc.races = append(sc.races, [2]int32{c, int32(j)})
			join(C, sc.vc[int(c)*T:(int(c)+1)*T])
		}
		sc.local[j] = sc.counts[p]
		sc.counts[p]++
		C[p] = sc.counts[p]
		sc.last[p] = int32(j)
		for _, a := range e.acc {
			if a.mode&(Read|Write) == 0 {
				continue
			}
			oi, ok := sc.objIdx[a.key]
			if !ok {
				oi = int32(len(sc.objs))
				sc.objIdx[a.key] = oi
				if len(sc.objs) < cap(sc.objs) {
					sc.objs = sc.objs[:oi+1]
					sc.objs[oi].reads = sc.objs[oi].reads[:0]
				} else {
					sc.objs = append(sc.objs, objState{})
				}
				sc.objs[oi].lastW = -1
			}
			st := &sc.objs[oi]
			if a.mode&Write != 0 {
				st.lastW = int32(j)
				st.reads = st.reads[:0]
			} else {
				st.reads = append(st.reads, int32(j))
			}
		}
	}
	// nextOf, from the end.
	next := resize(sc.first, T)
	for t := range next {
		next[t] = int32(m)
	}
	for j := m - 1; j >= 0; j-- {
		copy(sc.nextOf[j*T:(j+1)*T], next)
		next[s.events[j].task] = int32(j)
	}
	sc.first = next
	for _, r := range sc.races {
		s.reverse(int(r[0]), int(r[1]), T)
	}
}

func resize(b []int32, n int) []int32 {
	if cap(b) < n {
		return make([]int32, n, 2*n)
	}
	return b[:n]
}

func join(dst, src []int32) {
	for i, v := range src {
		if v > dst[i] {
			dst[i] = v
		}
	}
}

// reverse handles the race of events i and j: it makes sure that, from the
// state before i, a schedule is explored in which j comes before i.
func (s *DPORStrategy) reverse(i, j, T int) {
	sc := &s.sc
	n := &s.nodes[i]
	if len(n.backtrack) == len(n.runnable) {
		return // every task is explored from here already
	}
	p, qj := int(s.events[i].task), int(s.events[j].task)
	li := sc.local[i]
	first := sc.first[:T] // reused: nextOf is built, first is free again
	for t := 0; t < T; t++ {
		first[t] = -1
		if t == p {
			continue
		}
		f := sc.nextOf[i*T+t]
		switch {
		case int(f) < j && sc.vc[int(f)*T+p] <= li:
			first[t] = f // t's first event after i that does not depend on i
		case t == qj:
			first[t] = int32(j)
		}
	}
	// The initials of v: tasks whose first event in v follows no other
	// event of v.
	initial := func(t int) bool {
		f := first[t]
		if f < 0 {
			return false
		}
		for u := 0; u < T; u++ {
			if u != t && first[u] >= 0 && first[u] < f && sc.vc[int(f)*T+u] > sc.local[first[u]] {
				return false
			}
		}
		return true
	}
	for t := 0; t < T; t++ {
		if initial(t) && (slices.Contains(n.backtrack, TaskID(t)) || asleep(n.sleep, TaskID(t))) {
			return
		}
	}
	// v itself: the steps after i that do not depend on it, then j.
	v := sc.seq[:0]
	for k := i + 1; k < j; k++ {
		if int(s.events[k].task) != p && sc.vc[k*T+p] <= li {
			v = append(v, int32(k))
		}
	}
	v = append(v, int32(j))
	sc.seq = v
	// A task asleep at i whose step commutes with every step of v (a
	// weak initial of v, Abdulla et al., "Optimal dynamic partial order
	// reduction", POPL 2014): any run that starts with v can start with
	// that step instead, and those runs have been explored. Under a
	// preemption bound they may not have been (that step first can cost
	// a preemption more), so the bounded search does not skip v for it.
	for _, sl := range n.sleep {
		if s.bound >= 0 {
			break
		}
		in := false
		for _, k := range v {
			if s.events[k].task == sl.task {
				in = true
				break
			}
		}
		if in {
			continue
		}
		commutes := true
		for _, k := range v {
			if !independent(sl.acc, s.events[k].acc) {
				commutes = false
				break
			}
		}
		if commutes {
			return
		}
	}
	for idx, t := range n.runnable {
		if int(t) < T && initial(int(t)) {
			// The run that explores t follows v, t's first step
			// moved to the front.
			g := porGuide{task: t}
			skipped := false
			for _, k := range v {
				if u := s.events[k].task; u != t || skipped {
					g.rest = append(g.rest, u)
				} else {
					skipped = true
				}
			}
			if s.fits(n, idx) {
				n.guides = append(n.guides, g)
				n.backtrack = append(n.backtrack, t)
				if s.bound >= 0 {
					s.conservative(i, t, g)
				}
				return
			}
			if s.bound >= 0 {
				s.conservative(i, t, g)
				return
			}
		}
	}
	// No initial is runnable before i: j's task was enabled by i itself,
	// and the race cannot be reversed.
}

// conservative is bounded DPOR's extra backtrack point (Coons et al.): t is
// also tried at the start of the run of steps of event i's task that
// contains i, where switching to t may cost no preemption. The run that
// explores it follows g, the wakeup sequence of the race (as far as its
// tasks can run there): any choice at a new node is sound, and without a
// sequence the run went on in the usual order, which more often ended in
// a state whose every task was asleep (pruned).
func (s *DPORStrategy) conservative(i int, t TaskID, g porGuide) {
	p := s.events[i].task
	b := i
	for b > 0 && s.events[b-1].task == p {
		b--
	}
	if b == i {
		return
	}
	n := &s.nodes[b]
	idx := slices.Index(n.runnable, t)
	if idx < 0 || !s.fits(n, idx) || slices.Contains(n.backtrack, t) || asleep(n.sleep, t) {
		return
	}
	n.guides = append(n.guides, g)
	n.backtrack = append(n.backtrack, t)
}
