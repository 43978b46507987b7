package harness

// idSet is a set of message IDs, for the oracle: a list while it is small
// (a run delivers a handful of messages), and a map beyond that. Its zero
// value is empty. (A merge's delivered IDs stay a map: interleave debug's
// breakpoints print len(s.ctx.delivered).)
type idSet struct {
	small [16]int64
	n     int
	big   map[int64]struct{} // the IDs past the first len(small)
}

func (s *idSet) has(id int64) bool {
	for _, x := range s.small[:s.n] {
		if x == id {
			return true
		}
	}
	if s.big == nil {
		return false // the usual case: no map lookup (a call) for a nil map
	}
	_, ok := s.big[id]
	return ok
}

// add adds id and reports whether it was new.
func (s *idSet) add(id int64) bool {
	if s.has(id) {
		return false
	}
	if s.n < len(s.small) {
		s.small[s.n] = id
		s.n++
		return true
	}
	if s.big == nil {
		s.big = make(map[int64]struct{})
	}
	s.big[id] = struct{}{}
	return true
}
