package sched

import "fmt"

// Chooser returns a strategy whose decisions come from choose, called with
// the number of options n >= 2 and returning a value in [0, n). This is the
// seam for a property-based testing library: because option 0 continues the
// running task, a library that shrinks its draws towards 0 shrinks a failing
// schedule towards fewer preemptions. Every Start returns true.
func Chooser(choose func(n int) int) Strategy { return &chooserStrategy{choose: choose} }

type chooserStrategy struct{ choose func(n int) int }

func (c *chooserStrategy) Start() bool { return true }

func (c *chooserStrategy) Next(d *Decision) (int, error) {
	n := d.Options()
	v := c.choose(n)
	if v < 0 || v >= n {
		return 0, chooserRange(v, n)
	}
	return v, nil
}

func chooserRange(v, n int) error {
	return fmt.Errorf("chooser returned %d for a decision with %d options", v, n)
}

// chooserFunc returns the function of s if s is a Chooser (or one that
// Explore or Started wraps), nil otherwise: the scheduler calls it
// directly for its decisions between tasks (pick).
func chooserFunc(s Strategy) func(n int) int {
	if st, ok := s.(started); ok {
		s = st.Strategy
	}
	if c, ok := s.(*chooserStrategy); ok {
		return c.choose
	}
	return nil
}
