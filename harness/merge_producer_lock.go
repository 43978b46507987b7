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
