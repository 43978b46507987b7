package sched

// DFSStrategy explores every schedule of a program, depth first, without
// storing states: each run replays the path to the last open choice and takes
// its next option. Options are tried in the order of Decision.Runnable, the
// running task first, so the first run preempts nobody.
//
// With a preemption bound b >= 0 it explores only the runs that switch away
// from a runnable task at most b times (Musuvathi and Qadeer's iterative
// context bounding); b < 0 means no bound. Data choices (a Runtime.Choose, a
// select among ready cases) are free unless a bound on them is given
// (DFSBounded): then only the runs that take an option other than the first
// at most that many times are explored, as delay bounding does. A timer's
// firing is not a choice of its own: the clock is a task among the others.
// A search without both bounds may not end.
type DFSStrategy struct {
	bound     int // on preemptions (< 0: none)
	dataBound int // on data choices other than the first option (< 0: none)
	stack     []dfsFrame
	pos       int
	preempts  int
	datas     int
	started   bool
	done      bool
	runs      int
}

type dfsFrame struct {
	kind           DecisionKind
	n              int // options
	idx            int // chosen option
	current        bool
	preemptsBefore int
	datasBefore    int
}

// DFS returns an exhaustive strategy with the given preemption bound (< 0:
// none) and data choices free. Start returns false once the space is
// exhausted.
func DFS(preemptionBound int) *DFSStrategy {
	return &DFSStrategy{bound: preemptionBound, dataBound: -1}
}

// DFSBounded returns an exhaustive strategy with a bound on preemptions and
// one on data choices other than the first option (each < 0: none).
func DFSBounded(preemptions, dataChoices int) *DFSStrategy {
	return &DFSStrategy{bound: preemptions, dataBound: dataChoices}
}

// Runs returns how many runs have been started.
func (s *DFSStrategy) Runs() int { return s.runs }

// Exhausted reports whether every schedule within the bound has been run.
func (s *DFSStrategy) Exhausted() bool { return s.done }

// Bounds returns the bound on preemptions and the one on data choices (< 0:
// none).
func (s *DFSStrategy) Bounds() (preemptions, dataChoices int) { return s.bound, s.dataBound }

// cost returns what option i of frame f adds to the preemptions and to the
// data choices.
func cost(f *dfsFrame, i int) (preempt, data int) {
	switch {
	case i == 0:
		return 0, 0
	case f.kind == PickValue:
		return 0, 1
	case f.current:
		return 1, 0
	}
	return 0, 0
}

func (s *DFSStrategy) allowed(f *dfsFrame, i int) bool {
	p, d := cost(f, i)
	return (s.bound < 0 || f.preemptsBefore+p <= s.bound) && (s.dataBound < 0 || f.datasBefore+d <= s.dataBound)
}

func (s *DFSStrategy) Start() bool {
	if s.done {
		return false
	}
	if s.started {
		for len(s.stack) > 0 {
			f := &s.stack[len(s.stack)-1]
			next := f.idx + 1
			for next < f.n && !s.allowed(f, next) {
				next++
			}
			if next < f.n {
				f.idx = next
				break
			}
			s.stack = s.stack[:len(s.stack)-1]
		}
		if len(s.stack) == 0 {
			s.done = true
			return false
		}
	}
	s.started = true
	s.pos = 0
	s.preempts, s.datas = 0, 0
	s.runs++
	return true
}

func (s *DFSStrategy) Next(d *Decision) (int, error) {
	n := d.Options()
	if s.pos < len(s.stack) {
		f := &s.stack[s.pos]
		if f.n != n || f.kind != d.Kind {
			return 0, diverged("nondeterminism: at step %d the program offered %d options where an earlier run with the same choices offered %d; the code under test depends on something the scheduler does not control", d.Step, n, f.n)
		}
		s.pos++
		p, dd := cost(f, f.idx)
		s.preempts, s.datas = f.preemptsBefore+p, f.datasBefore+dd
		return f.idx, nil
	}
	s.stack = append(s.stack, dfsFrame{kind: d.Kind, n: n, current: d.Current, preemptsBefore: s.preempts, datasBefore: s.datas})
	s.pos++
	return 0, nil
}
