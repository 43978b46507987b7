package harness

// ProducerLock is the alternative the fix's author mentioned (§6): the
// naive merge, with the writers holding a per-chat publish mutex across
// PromoteQueued's post-commit publishes and the worker's publishes. It
// closes the overlap of those two producers' publishes; it does nothing for
// notifies reordered by the database or for another replica's rows.
type ProducerLock struct{ Naive }

func (ProducerLock) Name() string { return "producer-lock" }

// ProducerLock implements ProducerLocked.
func (ProducerLock) ProducerLock() bool { return true }

// Strategies returns the built-in merge strategies, in the order the
// design page gives them.
func Strategies() []MergeStrategy {
	return []MergeStrategy{Naive{}, FixedR1{}, Fixed{}, ProducerLock{}}
}

// StrategyByName returns the built-in strategy with this name.
func StrategyByName(name string) (MergeStrategy, bool) {
	for _, s := range Strategies() {
		if s.Name() == name {
			return s, true
		}
	}
	return nil, false
}
