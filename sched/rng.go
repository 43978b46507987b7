package sched

// rng is the one source of randomness of every seeded strategy: SplitMix64,
// chosen because its output for a seed is fixed by its definition, whatever
// the Go version, so a seed printed today replays the same schedule later.
type rng struct{ s uint64 }

func newRNG(seed uint64) rng { return rng{s: seed} }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn returns a value in [0, n), n > 0, by Lemire's multiply-shift; the
// bias for the small n used here is far below anything a test could see.
func (r *rng) intn(n int) int {
	return int((uint64(uint32(r.next())) * uint64(n)) >> 32)
}
