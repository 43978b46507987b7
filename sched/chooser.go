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
		return 0, fmt.Errorf("chooser returned %d for a decision with %d options", v, n)
	}
	return v, nil
}
