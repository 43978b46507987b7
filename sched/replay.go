package sched

// Replay returns a strategy that makes the choices recorded in s, once. A
// run that asks for a choice the schedule does not have, or for a task that
// is not runnable, or that ends with choices left over, fails with kind
// Divergence: the code under test did not behave as when the schedule was
// recorded.
func Replay(s *Schedule) Strategy { return &replayStrategy{s: s} }

type replayStrategy struct {
	s    *Schedule
	pos  int
	used bool
}

func (r *replayStrategy) Start() bool {
	if r.used {
		return false
	}
	r.used = true
	r.pos = 0
	return true
}

func (r *replayStrategy) Next(d *Decision) (int, error) {
	if r.pos >= len(r.s.Choices) {
		return 0, diverged("replay diverged at step %d: the schedule has %d choices and the run asks for another", d.Step, len(r.s.Choices))
	}
	c := r.s.Choices[r.pos]
	r.pos++
	switch d.Kind {
	case PickValue:
		if c.Kind != ValueChoice {
			return 0, diverged("replay diverged at step %d (choice %d): the schedule picks task %d where the run chooses a value of %d", d.Step, r.pos, c.Value, d.N)
		}
		if c.Value >= d.N {
			return 0, diverged("replay diverged at step %d (choice %d): value %d is out of range [0,%d)", d.Step, r.pos, c.Value, d.N)
		}
		return c.Value, nil
	default:
		if c.Kind != TaskChoice {
			return 0, diverged("replay diverged at step %d (choice %d): the schedule has value %d where the run picks a task among %v", d.Step, r.pos, c.Value, d.Runnable)
		}
		for i, id := range d.Runnable {
			if int(id) == c.Value {
				return i, nil
			}
		}
		return 0, diverged("replay diverged at step %d (choice %d): task %d is not runnable; runnable: %v", d.Step, r.pos, c.Value, d.Runnable)
	}
}

func (r *replayStrategy) Finish() error {
	if r.pos < len(r.s.Choices) {
		return diverged("replay diverged: the run ended after %d of the schedule's %d choices", r.pos, len(r.s.Choices))
	}
	return nil
}
