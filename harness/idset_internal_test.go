package harness

import "testing"

// TestIDSetPastItsList checks the oracle's set of IDs beyond the list it
// starts with: every ID added is found once, and only those.
func TestIDSetPastItsList(t *testing.T) {
	var s idSet
	for id := int64(1); id <= 40; id++ {
		if !s.add(id * 3) {
			t.Fatalf("add(%d) reported it was there already", id*3)
		}
	}
	for id := int64(1); id <= 40; id++ {
		if s.add(id * 3) {
			t.Fatalf("add(%d) again reported it new", id*3)
		}
		if !s.has(id*3) || s.has(id*3+1) {
			t.Fatalf("has(%d) = %v, has(%d) = %v", id*3, s.has(id*3), id*3+1, s.has(id*3+1))
		}
	}
	if s.n != len(s.small) || len(s.big) != 40-len(s.small) {
		t.Fatalf("list holds %d, map %d; want %d and %d", s.n, len(s.big), len(s.small), 40-len(s.small))
	}
}
