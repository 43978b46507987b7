package sched

import "testing"

// TestOnlyOutsideStrategiesAreGuarded pins which strategies run without
// the recover around their decisions: this package's own, which run no
// outside code, and those wrapped by Explore.
func TestOnlyOutsideStrategiesAreGuarded(t *testing.T) {
	s := &Schedule{}
	for _, c := range []struct {
		name    string
		strat   Strategy
		guarded bool
	}{
		{"random", Random(1), false},
		{"pct", PCT(1, 3, 10), false},
		{"dfs", DFS(2), false},
		{"replay", Replay(s), false},
		{"guided", Guided(s), false},
		{"unpreempt", &unpreempt{guidedStrategy: guidedStrategy{s: s}}, false},
		{"explore's random", started{Random(1)}, false},
		{"chooser", Chooser(func(int) int { return 0 }), true},
		{"explore's chooser", started{Chooser(func(int) int { return 0 })}, true},
		{"outside", outsideStrategy{}, true},
	} {
		if got := guarded(c.strat); got != c.guarded {
			t.Errorf("%s: guarded = %v, want %v", c.name, got, c.guarded)
		}
	}
}

type outsideStrategy struct{}

func (outsideStrategy) Start() bool                 { return true }
func (outsideStrategy) Next(*Decision) (int, error) { return 0, nil }
