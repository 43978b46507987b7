package sched

// DFSStrategy explores every schedule of a program, depth first, without
// storing states: each run replays the path to the last open choice and takes
// its next option. Options are tried in the order of Decision.Runnable, the
// running task first, so the first run preempts nobody.
//
// With a bound b >= 0 it explores only the runs that deviate from the
// default run at most b times (Musuvathi and Qadeer's iterative context
// bounding, extended to data as in delay bounding): a preemption (a switch
// away from a runnable task) costs one, and so does a data choice other
// than its first option (a Runtime.Choose other than 0, a select case other
// than the first ready one; a timer firing is not a choice of its own: the
// tasks it wakes are). b < 0 means no bound, and a search that may not end.
type DFSStrategy struct {
	bound int
	// freeValues makes data choices cost nothing against the bound
	// (Shrink, which counts preemptions only).
	freeValues bool
	stack      []dfsFrame
	pos        int
	preempts   int
	started    bool
	done       bool
	runs       int
}

type dfsFrame struct {
	kind           DecisionKind
	n              int // options
	idx            int // chosen option
	current        bool
	preemptsBefore int
}

// DFS returns an exhaustive strategy with the given preemption bound (< 0:
// none). Start returns false once the space is exhausted.
func DFS(preemptionBound int) *DFSStrategy { return &DFSStrategy{bound: preemptionBound} }

// Runs returns how many runs have been started.
func (s *DFSStrategy) Runs() int { return s.runs }

// Exhausted reports whether every schedule within the bound has been run.
func (s *DFSStrategy) Exhausted() bool { return s.done }

// Bound returns the bound on deviations (< 0: none).
func (s *DFSStrategy) Bound() int { return s.bound }

// costs reports whether option i of frame f counts against the bound.
func (s *DFSStrategy) costs(f *dfsFrame, i int) bool {
	if i == 0 {
		return false
	}
	if f.kind == PickValue {
		return !s.freeValues
	}
	return f.current
}

func (s *DFSStrategy) allowed(f *dfsFrame, i int) bool {
	if s.bound < 0 {
		return true
	}
	p := f.preemptsBefore
	if s.costs(f, i) {
		p++
	}
	return p <= s.bound
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
	s.preempts = 0
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
		s.preempts = f.preemptsBefore
		if s.costs(f, f.idx) {
			s.preempts++
		}
		return f.idx, nil
	}
	s.stack = append(s.stack, dfsFrame{kind: d.Kind, n: n, current: d.Current, preemptsBefore: s.preempts})
	s.pos++
	return 0, nil
}
