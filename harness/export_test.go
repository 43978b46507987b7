package harness

// WakeLen returns how many wake signals wait for the replica's worker.
func WakeLen(r *Replica) int { return r.wake.Len() }
