package sched

import (
	"sort"
)

// PCT returns the probabilistic concurrency testing strategy of Burckhardt,
// Kothari, Musuvathi and Nagarakatte (ASPLOS 2010) for bugs of the given
// depth d >= 1. Each task gets a random priority (all at least d) when it is
// first seen; the highest-priority runnable task always runs; at d-1 change
// points, drawn uniformly from the first steps choice points, the task that
// ran last drops to priority i (1 for the first change point, and so on).
// For a program with n tasks and k choice points, one run finds a bug of
// depth d with probability at least 1/(n*k^(d-1)).
//
// steps estimates k, the number of choice points (steps with two or more
// runnable tasks) in a run. With steps <= 0 the strategy calibrates itself:
// the first Run or Explore that uses it counts the choice points of a run
// of the body that never preempts (Calibrate), a function of the program
// alone, so that seed N names the same schedule in every process. Like
// Random, run j uses seed+j.
func PCT(seed int64, depth, steps int) Strategy {
	if depth < 1 {
		depth = 1
	}
	// Room for the priorities of a typical run's tasks and its change
	// points in the strategy itself: an exploration makes a strategy per
	// seed.
	s := &pctStrategy{seed: uint64(seed), depth: depth, steps: max(steps, 0)}
	s.prio, s.changeAt = s.prioBuf[:0], s.changeAtBuf[:0]
	return s
}

// Calibrate returns the number of choice points of a run of body that
// never preempts and takes the first option of every data choice (at least
// 1): the estimate of k that PCT needs.
func Calibrate(body func(rt *Runtime), maxSteps int) int {
	res := Run(body, Options{Strategy: Chooser(func(int) int { return 0 }), MaxSteps: maxSteps})
	return max(len(res.Schedule.Choices), 1)
}

// calibrate gives a self-calibrating PCT its step count before its first
// run.
func calibrate(s Strategy, body func(rt *Runtime), maxSteps int) {
	if st, ok := s.(started); ok {
		s = st.Strategy
	}
	if p, ok := s.(*pctStrategy); ok && p.steps == 0 {
		p.steps = Calibrate(body, maxSteps)
	}
}

type pctStrategy struct {
	seed         uint64
	depth, steps int
	runs         uint64
	r            rng
	prio         []int64 // by TaskID; 0 = not yet seen
	changeAt     []int   // choice-point indexes, sorted
	choices      int
	nextChange   int // the first index of changeAt not below choices
	last         TaskID
	prioBuf      [16]int64
	changeAtBuf  [4]int
	// seen has bit id set when the task id < 64 has a priority; order
	// lists those tasks, order[:nOrder], by priority from the highest
	// (the lower ID first among equals): highest scans it for the first
	// runnable task rather than comparing the priorities of all of them.
	// Priorities change only when a task is first seen (draw) and at
	// change points (nextAtChange), which keep the order (place).
	seen   uint64
	nOrder int
	order  [64]uint8
}

func (s *pctStrategy) Start() bool {
	s.r = newRNG(s.seed + s.runs)
	s.runs++
	s.prio = s.prio[:0]
	s.changeAt = s.changeAt[:0]
	for i := 0; i < s.depth-1; i++ {
		s.changeAt = append(s.changeAt, s.r.intn(s.steps))
	}
	sort.Ints(s.changeAt)
	s.choices, s.nextChange = 0, 0
	s.last = 0
	s.seen, s.nOrder = 0, 0
	return true
}

// priority returns the task's priority, drawn when the task is first seen.
func (s *pctStrategy) priority(id TaskID) int64 {
	if int(id) < len(s.prio) {
		if p := s.prio[id]; p != 0 {
			return p
		}
	}
	return s.draw(id)
}

// draw gives the task, not yet seen, its priority. (Not inlined: its
// caller, on the path of every decision, is.)
//
//go:noinline
func (s *pctStrategy) draw(id TaskID) int64 {
	for int(id) >= len(s.prio) {
		s.prio = append(s.prio, 0)
	}
	// Distinct with overwhelming probability; ties go to the lower ID,
	// which keeps the choice deterministic either way.
	s.prio[id] = int64(s.depth) + 1 + int64(s.r.next()>>34)
	s.place(id)
	return s.prio[id]
}

// place puts the task id, whose priority was just set, in its place in
// s.order (tasks of IDs past 63 are not in it: highest does not answer
// for them).
func (s *pctStrategy) place(id TaskID) {
	if uint(id) >= 64 {
		return
	}
	// By hand, not with copy: a few bytes, and memmove's call costs more.
	n := s.nOrder
	if s.seen&(1<<uint(id)) != 0 { // moved: take it out first
		j := 0
		for uint8(id) != s.order[j] {
			j++
		}
		for ; j+1 < n; j++ {
			s.order[j] = s.order[j+1]
		}
		n--
	}
	s.seen |= 1 << uint(id)
	p := s.prio[id]
	i := 0
	for ; i < n; i++ {
		q := s.prio[s.order[i]]
		if p > q || (p == q && id < TaskID(s.order[i])) {
			break
		}
	}
	for j := n; j > i; j-- {
		s.order[j] = s.order[j-1]
	}
	s.order[i] = uint8(id)
	s.nOrder = n + 1
}

func (s *pctStrategy) Next(d *Decision) (int, error) {
	if d.Kind == PickValue {
		return s.r.intn(d.N), nil
	}
	if s.nextChange < len(s.changeAt) && s.changeAt[s.nextChange] == s.choices {
		return s.nextAtChange(d)
	}
	// No change point here: one pass draws the priorities of tasks not
	// seen before, in the order of d.Runnable as at a change point, and
	// finds the highest.
	s.choices++
	run := d.Runnable
	best, bestID, bp := 0, run[0], int64(0) // every priority is at least 1
	prio := s.prio
	for i := 0; i < len(run); i++ {
		id := run[i]
		var p int64 // priority, written out: it is too big to inline
		if uint(id) < uint(len(prio)) {
			p = prio[id]
		}
		if p == 0 {
			p = s.draw(id)
			prio = s.prio
		}
		if p > bp || (p == bp && id < bestID) {
			best, bestID, bp = i, id, p
		}
	}
	s.last = bestID
	return best, nil
}

// highest returns the task of the highest priority among those of the
// runnable mask m (the lowest ID of those that tie), as Next would choose
// it at a choice point that is not a change point. It reports false if
// the choice point is a change point or a task of m has not been seen:
// Next, in the order of the runnable list, must then decide.
func (s *pctStrategy) highest(m uint64) (TaskID, bool) {
	if s.nextChange < len(s.changeAt) && s.changeAt[s.nextChange] == s.choices {
		return 0, false
	}
	if m&^s.seen != 0 {
		return 0, false // a task not seen yet
	}
	for i := 0; i < s.nOrder; i++ {
		if id := s.order[i]; m&(1<<(id&63)) != 0 {
			return TaskID(id), true
		}
	}
	return 0, false // m is empty
}

// nextAtChange is Next at a choice point where the task that ran last
// drops to the change point's priority.
func (s *pctStrategy) nextAtChange(d *Decision) (int, error) {
	for _, id := range d.Runnable {
		s.priority(id)
	}
	for i, at := range s.changeAt {
		if at == s.choices {
			s.priority(s.last)
			s.prio[s.last] = int64(i + 1)
			s.place(s.last)
		}
	}
	for s.nextChange < len(s.changeAt) && s.changeAt[s.nextChange] <= s.choices {
		s.nextChange++
	}
	s.choices++
	best := 0
	for i := 1; i < len(d.Runnable); i++ {
		p, bp := s.prio[d.Runnable[i]], s.prio[d.Runnable[best]]
		if p > bp || (p == bp && d.Runnable[i] < d.Runnable[best]) {
			best = i
		}
	}
	s.last = d.Runnable[best]
	return best, nil
}
