package harness

// WakeLen returns how many wake signals wait for the replica's worker.
func WakeLen(r *Replica) int { return r.wake.Len() }

// HintBacklog returns how many hints wait in the stream loop's hint
// channel of s, and its capacity.
func HintBacklog(s *Subscriber) (n, capacity int) {
	l := s.handler.(*streamLoop)
	return l.hints.Len(), l.hints.Cap()
}

// ShouldFetch is the stream loop's shouldFetch with seen as the versions
// seen.
func ShouldFetch(seen, v ChatVersions) bool {
	ok, _ := (&streamLoop{seen: seen}).shouldFetch(v)
	return ok
}

// Resets returns how many history resets the client read.
func Resets(c *Client) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.resets
}
