package sched

import (
	"sort"
	"testing"
)

// pctReference is PCT's decision as the paper states it, written plainly:
// the priorities of new tasks drawn in the order of the runnable list, then
// every change point at this choice point applied, then the highest
// priority chosen. pctStrategy's Next must choose exactly as it does (its
// choices are in saved seeds and golden traces).
type pctReference struct {
	seed         uint64
	depth, steps int
	runs         uint64
	r            rng
	prio         []int64
	changeAt     []int
	choices      int
	last         TaskID
}

func (s *pctReference) start() {
	s.r = newRNG(s.seed + s.runs)
	s.runs++
	s.prio, s.changeAt = nil, nil
	for i := 0; i < s.depth-1; i++ {
		s.changeAt = append(s.changeAt, s.r.intn(s.steps))
	}
	sort.Ints(s.changeAt)
	s.choices, s.last = 0, 0
}

func (s *pctReference) priority(id TaskID) int64 {
	for int(id) >= len(s.prio) {
		s.prio = append(s.prio, 0)
	}
	if s.prio[id] == 0 {
		s.prio[id] = int64(s.depth) + 1 + int64(s.r.next()>>34)
	}
	return s.prio[id]
}

func (s *pctReference) next(d *Decision) int {
	if d.Kind == PickValue {
		return s.r.intn(d.N)
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
	return best
}

// TestPCTChoosesAsTheReference drives PCT and the reference with the same
// random decisions (task lists with the current task first or not, value
// choices, few steps so that change points fall often and coincide) over
// several runs of each strategy.
func TestPCTChoosesAsTheReference(t *testing.T) {
	gen := newRNG(7)
	atChange, fromMask := 0, 0
	for seed := int64(0); seed < 300; seed++ {
		depth, steps := 1+gen.intn(5), 1+gen.intn(12)
		got := PCT(seed, depth, steps).(*pctStrategy)
		want := &pctReference{seed: uint64(seed), depth: depth, steps: steps}
		for run := 0; run < 4; run++ {
			got.Start()
			want.start()
			for step := 0; step < 30; step++ {
				d := &Decision{Step: step + 1}
				if gen.intn(6) == 0 {
					d.Kind, d.N = PickValue, 2+gen.intn(4)
				} else {
					tasks := 2 + gen.intn(20)
					for id := 0; id < tasks; id++ {
						if gen.intn(3) > 0 {
							d.Runnable = append(d.Runnable, TaskID(id))
						}
					}
					if len(d.Runnable) < 2 {
						d.Runnable = append(d.Runnable[:0], 0, TaskID(tasks))
					}
					if c := gen.intn(len(d.Runnable)); gen.intn(2) == 0 {
						cur := d.Runnable[c]
						d.Runnable = append([]TaskID{cur}, append(d.Runnable[:c:c], d.Runnable[c+1:]...)...)
						d.Current = true
					}
					for _, at := range want.changeAt {
						if at == want.choices {
							atChange++
							break
						}
					}
				}
				// highest, which pick asks from the runnable mask, where it
				// answers, answers as Next.
				var m uint64
				for _, id := range d.Runnable {
					m |= 1 << id
				}
				hid, hok := got.highest(m)
				w := want.next(d)
				g, err := got.Next(d)
				if err != nil || g != w {
					t.Fatalf("seed %d depth %d steps %d run %d step %d, %+v: chose %d (%v), want %d", seed, depth, steps, run, step, *d, g, err, w)
				}
				if d.Kind == PickTask && hok {
					fromMask++
					if hid != d.Runnable[w] {
						t.Fatalf("seed %d depth %d steps %d run %d step %d, %+v: highest %d, want %d", seed, depth, steps, run, step, *d, hid, d.Runnable[w])
					}
				}
			}
		}
	}
	if atChange < 1000 || fromMask < 10000 {
		t.Fatalf("only %d decisions at change points, %d from the mask", atChange, fromMask)
	}
}
