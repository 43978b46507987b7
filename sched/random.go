package sched

// Random returns a strategy that picks uniformly among the runnable tasks
// (and values). Its k-th run (k from 0) uses seed+k, so run k of Random(s) is
// the first run of Random(s+k): any run of an exploration replays alone from
// its own seed.
func Random(seed int64) Strategy { return &randomStrategy{seed: uint64(seed)} }

type randomStrategy struct {
	seed uint64
	runs uint64
	r    rng
}

func (s *randomStrategy) Start() bool {
	s.r = newRNG(s.seed + s.runs)
	s.runs++
	return true
}

func (s *randomStrategy) Next(d *Decision) (int, error) { return s.r.intn(d.Options()), nil }
