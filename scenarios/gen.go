package scenarios

// Gen draws the generated parameters of a workload. It is the one seam of
// workload randomness, with two implementations: a seeded generator (so a
// seed names a workload) and rapid's draws (so a failure shrinks).
type Gen interface {
	// Intn returns a value in [0, n), n >= 1.
	Intn(n int) int
}

// seededGen is SplitMix64 over a seed: fixed output for a seed, whatever the
// Go version.
type seededGen struct{ s uint64 }

// NewGen returns the seeded generator for seed.
func NewGen(seed int64) Gen { return &seededGen{s: uint64(seed) ^ 0x5ced_5eed} }

func (g *seededGen) Intn(n int) int {
	if n <= 1 {
		return 0
	}
	g.s += 0x9e3779b97f4a7c15
	z := g.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	z ^= z >> 31
	return int((uint64(uint32(z)) * uint64(n)) >> 32)
}

// zeroGen always draws 0: the smallest workload, for calibration.
type zeroGen struct{}

func (zeroGen) Intn(int) int { return 0 }
