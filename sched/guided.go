package sched

// Guided returns a strategy that follows the choices recorded in s as long
// as they apply, and otherwise continues the running task (or the first
// runnable one): it steers a changed program, such as the same scenario
// with a fixed merge strategy, into the interleaving a schedule recorded,
// where Replay would report a divergence. It offers one run.
func Guided(s *Schedule) Strategy { return &guidedStrategy{s: s} }

type guidedStrategy struct {
	s    *Schedule
	pos  int
	used bool
}

func (g *guidedStrategy) Start() bool {
	if g.used {
		return false
	}
	g.used = true
	g.pos = 0
	return true
}

func (g *guidedStrategy) Next(d *Decision) (int, error) {
	if g.pos >= len(g.s.Choices) {
		return 0, nil
	}
	c := g.s.Choices[g.pos]
	g.pos++
	if d.Kind == PickValue {
		if c.Kind == ValueChoice && c.Value < d.N {
			return c.Value, nil
		}
		return 0, nil
	}
	if c.Kind == TaskChoice {
		for i, id := range d.Runnable {
			if int(id) == c.Value {
				return i, nil
			}
		}
	}
	return 0, nil
}
