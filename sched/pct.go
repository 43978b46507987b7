package sched

import "sort"

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
// runnable tasks) in a run; values below 1 mean 1. Like Random, run j uses
// seed+j.
func PCT(seed int64, depth, steps int) Strategy {
	if depth < 1 {
		depth = 1
	}
	if steps < 1 {
		steps = 1
	}
	// Room for the priorities of a typical run's tasks up front: an
	// exploration makes a strategy per seed.
	return &pctStrategy{seed: uint64(seed), depth: depth, steps: steps, prio: make([]int64, 0, 16)}
}

type pctStrategy struct {
	seed         uint64
	depth, steps int
	runs         uint64
	r            rng
	prio         []int64 // by TaskID; 0 = not yet seen
	changeAt     []int   // choice-point indexes, sorted
	choices      int
	last         TaskID
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
	s.choices = 0
	s.last = 0
	return true
}

func (s *pctStrategy) priority(id TaskID) int64 {
	for int(id) >= len(s.prio) {
		s.prio = append(s.prio, 0)
	}
	if s.prio[id] == 0 {
		// Distinct with overwhelming probability; ties go to the lower ID,
		// which keeps the choice deterministic either way.
		s.prio[id] = int64(s.depth) + 1 + int64(s.r.next()>>34)
	}
	return s.prio[id]
}

func (s *pctStrategy) Next(d *Decision) (int, error) {
	if d.Kind == PickValue {
		return s.r.intn(d.N), nil
	}
	for _, id := range d.Runnable {
		s.priority(id)
	}
	for i, at := range s.changeAt {
		if at == s.choices {
			s.priority(s.last)
			s.prio[s.last] = int64(i + 1)
		}
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
