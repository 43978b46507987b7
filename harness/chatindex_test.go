package harness

import (
	"slices"
	"testing"
)

// TestChatIndex checks the per-chat index: small IDs in its list, others
// (large, negative) in its map, IDs listed once in the order first set,
// and a reset that empties it.
func TestChatIndex(t *testing.T) {
	var x chatIndex[int]
	if x.get(1) != nil || x.get(-1) != nil || x.get(1<<40) != nil {
		t.Fatal("the zero index has values")
	}
	a, b, c, d := new(int), new(int), new(int), new(int)
	x.set(3, a)
	x.set(smallChatIDs, b)
	x.set(-2, c)
	x.set(3, d) // replaces a
	x.set(0, a)
	for _, tc := range []struct {
		id   int64
		want *int
	}{{3, d}, {smallChatIDs, b}, {-2, c}, {0, a}, {1, nil}, {2, nil}, {4, nil}, {smallChatIDs - 1, nil}, {-1, nil}, {1 << 40, nil}} {
		if got := x.get(tc.id); got != tc.want {
			t.Errorf("get(%d) = %p, want %p", tc.id, got, tc.want)
		}
	}
	if want := []int64{3, smallChatIDs, -2, 0}; !slices.Equal(x.ids, want) {
		t.Errorf("ids = %v, want %v", x.ids, want)
	}
	if len(x.small) != 4 {
		t.Errorf("the list has %d places for IDs up to 3", len(x.small))
	}
	y := x.reset()
	if y.get(3) != nil || y.get(0) != nil || y.get(smallChatIDs) != nil || y.get(-2) != nil || len(y.ids) != 0 {
		t.Errorf("reset left values: %v", y.ids)
	}
	y.set(5, b)
	if y.get(5) != b || !slices.Equal(y.ids, []int64{5}) {
		t.Errorf("after reset: get(5) = %p, ids %v", y.get(5), y.ids)
	}
}
